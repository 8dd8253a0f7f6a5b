from django.urls import path

from actors import views

app_name = "actors"

urlpatterns = [
    path("", views.home, name="home"),
    path("quartiers/", views.neighbourhood_list, name="neighbourhoods"),
    path("quartiers/<slug:slug>/", views.neighbourhood_detail, name="neighbourhood"),
    path("structures/<slug:slug>/", views.structure_detail, name="structure"),
    path("healthz", views.healthz, name="healthz"),
]
