from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Statistiques des recherches")

    def ready(self):
        # Every search page served, computed or from the page cache (actors.signals).
        from actors import signals
        from insights import recording

        signals.search_computed.connect(recording.on_search_computed, dispatch_uid="insights")
        signals.search_shown.connect(recording.on_search_shown, dispatch_uid="insights")
