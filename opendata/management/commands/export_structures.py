from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import translation

from actors.models import Structure
from opendata import exporters


class Command(BaseCommand):
    help = (
        "Exporte les structures publiées (CSV, JSON, GeoJSON, data·inclusion), en flux : "
        "la mémoire reste stable quel que soit le nombre de fiches."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=list(exporters.FORMATS))
        parser.add_argument("--output", help="fichier à écrire (défaut : la sortie standard)")
        parser.add_argument(
            "--all",
            action="store_true",
            help="toutes les fiches, brouillons et archivées comprises (sauvegarde, transfert)",
        )

    def handle(self, *args, format, output, all, **options):
        queryset = Structure.objects.all() if all else Structure.objects.published()
        base_url = getattr(settings, "SITE_URL", "").rstrip("/")
        # DEBUG keeps every query in memory: off for exports of any size.
        with override_settings(DEBUG=False), translation.override("fr"):
            chunks = exporters.chunks(format, queryset, base_url)
            if output:
                with open(output, "w", encoding="utf-8", newline="") as file:
                    file.writelines(chunks)
            else:
                for chunk in chunks:
                    self.stdout.write(chunk, ending="")
