from django.urls import path

from . import views

app_name = "transit"

urlpatterns = [
    path("transports/lignes.css", views.lines_css, name="lines_css"),
]
