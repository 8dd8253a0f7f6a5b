from django.contrib import admin
from django.urls import include, path

urlpatterns = [
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
