import io
import os
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import translation
from tqdm import tqdm

from opendata import formats, readahead, scope
from opendata.formats import READERS, ProgressReader
from opendata.importer import Importer
from opendata.models import DATA_INCLUSION


class Command(BaseCommand):
    help = (
        "Importe des structures depuis l'Annuaire de l'administration, data·inclusion "
        "(structures et services) ou un CSV / JSON du guide. Une fiche par lieu : les sources "
        "qui décrivent le même lieu sont fusionnées. Tout le fichier ou rien."
    )

    # The system checks take a second and a half; an import needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="", help="fichier à importer (structures)")
        parser.add_argument("--format", required=True, choices=sorted(READERS))
        parser.add_argument(
            "--services",
            default="",
            help="data·inclusion : fichier des services (avec ou sans fichier des structures)",
        )
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

    def handle(
        self, *args, file, format, services, communes, departement, dry_run, strict, **options
    ):
        try:
            communes = scope.parse_communes(communes)
            departement = scope.parse_departement(departement)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if services and format != DATA_INCLUSION:
            raise CommandError("--services ne vaut que pour --format data-inclusion.")
        if not file and not services:
            raise CommandError("Indiquez le fichier à importer.")
        for path in (file, services):
            if path and not os.path.isfile(path):
                raise CommandError(f"Fichier introuvable : {path}")
        importer = Importer(
            dry_run=dry_run, strict=strict, communes=communes, departement=departement
        )
        show_progress = not options["no_progress"] and options["verbosity"] > 0
        total = sum(os.path.getsize(path) for path in (file, services) if path)
        # No monitor thread: the reader process (opendata.readahead) is forked.
        tqdm.monitor_interval = 0
        # DEBUG keeps every query in memory: off for imports of any size.
        with (
            override_settings(DEBUG=False),
            translation.override("fr"),
            ExitStack() as files,
            tqdm(
                total=total, unit="o", unit_scale=True, desc="Import", disable=not show_progress
            ) as bar,
        ):

            def opened(path):
                raw = files.enter_context(open(path, "rb"))  # noqa: SIM115 (closed by the stack)
                return io.BufferedReader(ProgressReader(raw, bar))

            services_stream = opened(services) if services else None
            report = importer.run(
                formats.records(format, opened(file), services=services_stream) if file else (),
                services=formats.service_records(services_stream, checked=bool(file))
                if services
                else None,
                # Large files are read by a second process, which moves its own copy of
                # the bar: this one is brought up to date at the end.
                read_ahead=total >= readahead.MIN_BYTES,
            )
            bar.update(bar.total - bar.n)
        for line in report.lines():
            self.stdout.write(str(line))
        if report.file_error:
            raise CommandError(f"Fichier illisible : {report.file_error}")
        if report.aborted:
            raise CommandError("Import interrompu (--strict) : rien n'a été enregistré.")
