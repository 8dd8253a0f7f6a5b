"""Replace the whole database with a backup made by backup_data.

python manage.py restore_data backups/guide-YYYYmmdd-HHMMSS.dump [--yes]
"""

import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from actors.management.commands.backup_data import copy_sqlite, pg_environment


class Command(BaseCommand):
    help = "Remplace toute la base par une sauvegarde faite avec backup_data."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")

    def handle(self, *args, file, yes, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such backup: {path}")
        database = settings.DATABASES["default"]
        if not yes:
            answer = input(f"Replace every row of {database['NAME']} with {path}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        vendor = connection.vendor
        connections.close_all()
        if vendor == "postgresql":
            # One transaction: a failed restore leaves the database as it was.
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    database["NAME"],
                    str(path),
                ],
                env=pg_environment(database),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        elif vendor == "sqlite":
            copy_sqlite(path, database["NAME"])
        else:
            raise CommandError(f"Unsupported database: {vendor}")
        self.stdout.write(f"Database restored from {path}")
