"""The site's URLs and error handlers, plus one address that fails, to see the 500 page."""

from django.urls import path

from guide.urls import *  # noqa: F403 (the handlers as well as the routes)
from guide.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug, for the test of the 500 page")


urlpatterns = [*site_urlpatterns, path("panne/", broken)]
