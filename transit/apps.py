from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class TransitConfig(AppConfig):
    name = "transit"
    verbose_name = _("Transports en commun")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # actors is the base layer and knows nothing of transit: when a structure is saved
        # (admin, partner proposal accepted, geocoding), its nearby stops follow it from
        # here. Bulk imports skip save() and call transit.nearby.refresh() themselves.
        from actors.models import Structure

        from . import nearby

        post_save.connect(nearby.structure_saved, sender=Structure, dispatch_uid="transit-stops")
