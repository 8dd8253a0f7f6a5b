import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from actors.models import Neighbourhood

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "nantes-metropole-quartiers.geojson"
SOURCE = "Nantes Métropole, quartiers des communes (open data)"


def insee_from_codcom(codcom):
    # The layer writes INSEE 44109 as 440109 (department, a zero, commune number).
    digits = str(int(float(codcom)))
    return digits[:2] + digits[3:] if len(digits) == 6 else digits


def neighbourhood_slug(city, name):
    return slugify(name) if city == "Nantes" else slugify(f"{city} {name}")


class Command(BaseCommand):
    help = "Charge ou met à jour les quartiers depuis le GeoJSON de Nantes Métropole (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    @transaction.atomic
    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8") as handle:
                collection = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        created = updated = unchanged = skipped = 0
        for feature in collection.get("features", []):
            properties, geometry = feature.get("properties") or {}, feature.get("geometry")
            city, name = properties.get("libcom"), properties.get("nom")
            if not geometry or not city or not name:
                skipped += 1
                self.stderr.write(f"Skipped (no geometry): {city} / {name}")
                continue
            values = {
                "name": name.strip(),
                "city": city.strip(),
                "insee_code": insee_from_codcom(properties["codcom"])
                if properties.get("codcom")
                else "",
                "boundary": geometry,
                "source": SOURCE,
                "source_id": str(properties.get("idobj", "")),
            }
            slug = neighbourhood_slug(city, name)
            existing = Neighbourhood.objects.filter(slug=slug).first()
            if existing is None:
                Neighbourhood(slug=slug, **values).save()
                created += 1
            elif any(getattr(existing, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(existing, key, value)
                existing.save()
                updated += 1
            else:
                unchanged += 1
        self.stdout.write(
            f"Neighbourhoods: {created} created, {updated} updated, {unchanged} unchanged, "
            f"{skipped} skipped."
        )
