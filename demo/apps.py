from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Example data for development, demonstrations and benchmarks: `seed_demo` (fictional
    places in the loaded quartiers) and `seed_search_demo` (fictional searches for the
    dashboard). Installed when DEMO_DATA is on (by default with DEBUG); production
    leaves it out, and nothing else imports it."""

    name = "demo"
    verbose_name = _("Données d'exemple")
