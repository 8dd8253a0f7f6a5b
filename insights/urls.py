from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("tableau-de-bord/export.csv", views.export_csv, name="export"),
    path("a-propos/donnees/", views.about_data, name="about-data"),
]
