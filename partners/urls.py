from django.urls import path

from partners import accounts, views

app_name = "partners"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path(
        "mot-de-passe-oublie/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe-oublie/envoye/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/enregistre/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<uidb64>/<token>/", accounts.InvitationView.as_view(), name="invitation"),
    path("structures/nouvelle/", views.propose_new, name="propose_new"),
    path("structures/<slug:slug>/modifier/", views.propose, name="propose"),
    path("structures/<slug:slug>/rien-n-a-change/", views.confirm_unchanged, name="confirm"),
]
