"""The public side of the partners app: "Signaler une erreur" on a structure page."""

from django.urls import path

from partners import views

app_name = "reports"

urlpatterns = [
    path("structures/<slug:slug>/signaler-une-erreur/", views.report_error, name="report"),
]
