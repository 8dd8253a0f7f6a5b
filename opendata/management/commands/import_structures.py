import io
import os

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import translation
from tqdm import tqdm

from opendata.formats import READERS, ProgressReader, parse_communes, parse_departement
from opendata.importer import Importer


class Command(BaseCommand):
    help = (
        "Importe des structures depuis l'Annuaire de l'administration (JSON) ou un CSV / JSON "
        "du guide. Mise à jour idempotente par (source, identifiant dans la source)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier à importer")
        parser.add_argument("--format", required=True, choices=sorted(READERS))
        territory = parser.add_mutually_exclusive_group()
        territory.add_argument(
            "--communes", default="", help="codes INSEE séparés par des virgules (44109,44143)"
        )
        territory.add_argument("--departement", default="", help="code de département (44)")
        parser.add_argument(
            "--dry-run", action="store_true", help="essai à blanc : tout vérifier, rien écrire"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="tout annuler à la première ligne invalide",
        )
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, file, format, communes, departement, dry_run, strict, **options):
        try:
            communes = parse_communes(communes)
            departement = parse_departement(departement)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not os.path.isfile(file):
            raise CommandError(f"Fichier introuvable : {file}")
        importer = Importer(
            dry_run=dry_run, strict=strict, communes=communes, departement=departement
        )
        show_progress = not options["no_progress"] and options["verbosity"] > 0
        # DEBUG keeps every query in memory: off for imports of any size.
        with (
            override_settings(DEBUG=False),
            translation.override("fr"),
            open(file, "rb") as raw,
            tqdm(
                total=os.path.getsize(file),
                unit="o",
                unit_scale=True,
                desc="Import",
                disable=not show_progress,
            ) as bar,
        ):
            stream = io.BufferedReader(ProgressReader(raw, bar))
            report = importer.run(READERS[format](stream))
        for line in report.lines():
            self.stdout.write(str(line))
        if report.file_error:
            raise CommandError(f"Fichier illisible : {report.file_error}")
        if report.aborted:
            raise CommandError("Import interrompu (--strict) : rien n'a été enregistré.")
