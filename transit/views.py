from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from .lines import badge_colours
from .models import Feed, Route


def _last_import(request):
    return Feed.objects.order_by("-imported_at").values_list("imported_at", flat=True).first()


@cache_control(public=True, max_age=3600)
@condition(last_modified_func=_last_import)
def lines_css(request):
    """Each line's badge in the network's colours (a stylesheet: the site's CSP allows no
    inline style), with a text colour that keeps a 4.5:1 contrast."""
    rules = []
    for pk, colour, text_colour in Route.objects.values_list("pk", "colour", "text_colour"):
        background, text = badge_colours(colour, text_colour)
        rules.append(f".line-{pk}{{background:#{background};color:#{text}}}")
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
