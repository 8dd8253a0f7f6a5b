from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    """Browsers ask /favicon.ico of pages that name no icon (the admin's): the site's icon."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")  # at request time: the hashed name in production


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("actors.urls")),
    path("", include("frontdesk.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("export/", include("opendata.urls")),
    path("partenaires/", include("partners.urls")),
    path("", include("partners.report_urls")),
    path("", include("insights.urls")),
    path("", include("transit.urls")),
]

# An /api/ address that matches no route answers JSON like the API's own 404s.
handler404 = "guide.errors.page_not_found"
