from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path("structures/nouvelle/", views.propose_new, name="propose_new"),
    path("structures/<slug:slug>/modifier/", views.propose, name="propose"),
    path("structures/<slug:slug>/rien-n-a-change/", views.confirm_unchanged, name="confirm"),
]
