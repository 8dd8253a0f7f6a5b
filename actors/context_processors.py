from django.utils.functional import SimpleLazyObject

from actors.models import Structure


def site(request):
    """`has_example_data`: evaluated only if a template asks, at most one query per page."""
    return {
        "has_example_data": SimpleLazyObject(
            lambda: Structure.objects.published().filter(is_example=True).exists()
        ),
    }
