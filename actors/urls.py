from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from actors import views
from actors.api import views as api

app_name = "actors"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search_results, name="search"),
    path("quartiers/", views.neighbourhood_list, name="neighbourhoods"),
    path("quartiers/<slug:slug>/", views.neighbourhood_detail, name="neighbourhood"),
    path("structures/<slug:slug>/", views.structure_detail, name="structure"),
    path("healthz", views.healthz, name="healthz"),
    # JSON API, read-only
    path("api/v1/structures/", api.structure_list, name="api-structures"),
    path("api/v1/structures.geojson", api.structure_geojson, name="api-structures-geojson"),
    path("api/v1/structures/<slug:slug>/", api.structure_detail, name="api-structure"),
    path("api/v1/quartiers/", api.neighbourhood_geojson, name="api-neighbourhoods"),
    path("api/v1/quartiers/<slug:slug>/", api.neighbourhood_feature, name="api-neighbourhood"),
    path("api/v1/besoins/", api.need_list, name="api-needs"),
    path("api/v1/publics/", api.public_list, name="api-publics"),
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(generator_class=api.KeptSchemaGenerator),
        name="api-schema",
    ),
]
