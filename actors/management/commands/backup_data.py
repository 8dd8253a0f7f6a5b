"""A consistent backup of the whole database: pg_dump on PostgreSQL, SQLite's online backup.

python manage.py backup_data [--output backups/guide-YYYYmmdd-HHMMSS.<dump|sqlite3>]
"""

import datetime
import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def pg_environment(database):
    """libpq environment for pg_dump / pg_restore, from Django's settings."""
    env = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if database.get(key):
            env[variable] = str(database[key])
    return env


class Command(BaseCommand):
    help = (
        "Sauvegarde cohérente de toute la base (pg_dump sur PostgreSQL, copie en ligne sur SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="fichier de sauvegarde (défaut : backups/guide-<date>.<ext>)"
        )

    def handle(self, *args, output=None, **options):
        database = settings.DATABASES["default"]
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        extension = "dump" if connection.vendor == "postgresql" else "sqlite3"
        path = Path(output or Path(settings.BASE_DIR) / "backups" / f"guide-{stamp}.{extension}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(path), database["NAME"]],
                env=pg_environment(database),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            # SQLite's backup API copies a consistent snapshot even while others write.
            copy_sqlite(database["NAME"], path)
        else:
            raise CommandError(f"Unsupported database: {connection.vendor}")
        self.stdout.write(f"Backup written to {path}")


def copy_sqlite(source_path, target_path):
    """A consistent copy through SQLite's backup API (safe while others write)."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
