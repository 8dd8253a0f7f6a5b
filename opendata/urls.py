from django.urls import path

from opendata import views

app_name = "opendata"

urlpatterns = [
    path("structures.csv", views.structures_csv, name="structures-csv"),
    path("structures.json", views.structures_json, name="structures-json"),
    path("structures.geojson", views.structures_geojson, name="structures-geojson"),
    path(
        "data-inclusion/structures.json",
        views.data_inclusion_structures,
        name="data-inclusion-structures",
    ),
    path(
        "data-inclusion/services.json",
        views.data_inclusion_services,
        name="data-inclusion-services",
    ),
]
