"""manage.py import_gtfs FEED.zip --network naolib: a network's stops, lines and runs."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from transit.gtfs import FeedError
from transit.importer import import_feed, summary


class Command(BaseCommand):
    help = "Importe (ou remplace) le réseau de transport d'un fichier GTFS (zip)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Le fichier GTFS (.zip) publié par le réseau.")
        parser.add_argument("--network", default="reseau", help="Identifiant court du réseau.")
        parser.add_argument("--name", default="", help="Nom affiché (sinon celui de l'agence).")
        parser.add_argument("--licence", default="", help="Licence des données (ex. ODbL).")
        parser.add_argument("--source-url", default="", help="D'où vient le fichier.")
        parser.add_argument("--example", action="store_true", help="Réseau fictif (démonstration).")

    def handle(self, *args, **options):
        try:
            feed, parsed = import_feed(
                options["path"],
                options["network"],
                name=options["name"],
                licence=options["licence"],
                source_url=options["source_url"],
                is_example=options["example"],
            )
        except FeedError as error:
            for line in error.errors:
                self.stderr.write(line)
            raise CommandError(_("Fichier GTFS refusé : rien n'a été modifié.")) from error
        for warning in parsed.warnings:
            self.stderr.write(warning)
        self.stdout.write(summary(feed, parsed))
