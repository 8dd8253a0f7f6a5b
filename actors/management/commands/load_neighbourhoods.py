"""Load or update the areas of an open polygon layer: quartiers, IRIS, QPV.

A layer is read feature by feature (ijson: a national layer of 50,000 IRIS never sits in
memory whole) and written a batch at a time, in one transaction (a file that breaks
half-way writes nothing). An area is known by its layer and its id in the layer: loading
a layer again updates its areas, never duplicates them. A feature that cannot be an area
(no geometry, not a polygon, not in WGS84, no name) is reported with the reason and what
to do, and the others go in. Then every place's quartier and QPV are derived again from
the exact polygons (the display ones are simplified).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import ijson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from actors import geo, territories, vocabulary
from actors.enums import AreaKind
from actors.models import Neighbourhood

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "nantes-metropole-quartiers.geojson"
BATCH = 500
# Reasons listed one by one up to this many each; the rest are counted.
SHOWN_PER_REASON = 20


@dataclass(frozen=True)
class Preset:
    """A layer a Région loads: where its fields are (the first of each list present in a
    feature's properties), what kind of area it holds, and its name among the layers."""

    layer: str
    kind: str
    source: str
    name: tuple
    city: tuple
    insee: tuple
    id: tuple
    file: Path | None = None


PRESETS = {
    # The quartiers of Nantes Métropole's communes (open data; fixtures/SOURCE.md).
    "nantes-metropole": Preset(
        layer="nantes-metropole",
        kind=AreaKind.QUARTIER,
        source="Nantes Métropole, quartiers des communes (open data)",
        name=("nom",),
        city=("libcom",),
        insee=("codcom",),
        id=("idobj",),
        file=DEFAULT_FILE,
    ),
    # The national layer of quartiers prioritaires (ANCT, data.gouv.fr), 2024 and 2015 names.
    "qpv": Preset(
        layer="qpv",
        kind=AreaKind.QPV,
        source="ANCT, quartiers prioritaires de la politique de la ville",
        name=("lib_qp", "nom_qp", "NOM_QP"),
        city=("lib_com", "nom_com", "COMMUNE_QP", "commune_qp"),
        insee=("insee_com", "code_insee", "INSEE_COM", "code_com"),
        id=("code_qp", "CODE_QP"),
    ),
    # IRIS contours (IGN / Insee), as IGN names their fields or as opendatasoft's georef.
    "iris": Preset(
        layer="iris",
        kind=AreaKind.IRIS,
        source="IGN et Insee, contours IRIS",
        name=("nom_iris", "NOM_IRIS", "iris_name"),
        city=("nom_com", "NOM_COM", "com_name"),
        insee=("insee_com", "INSEE_COM", "com_code"),
        id=("code_iris", "CODE_IRIS", "iris_code"),
    ),
}

INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


def insee_code(value):
    """A commune's INSEE code from what layers write: 44109, "44109", 440109.0 (Nantes
    Métropole writes the department, a zero, the commune), ["44109"] (opendatasoft), or
    "44109, 44162" (a QPV over two communes: the first). "" when it is none of these."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, float):
        value = int(value)
    text = re.split(r"[,;/ ]+", str(value or "").strip())[0]
    if len(text) == 6 and text.isdigit() and text[2] == "0":
        text = text[:2] + text[3:]
    return text if INSEE.match(text) else ""


def _first(properties, names):
    for name in names:
        value = properties.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value not in (None, ""):
            return value
    return None


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    outside: int = 0  # left out by --departement / --communes
    skipped: dict = field(default_factory=lambda: defaultdict(list))  # reason → features

    def skip(self, reason, label):
        self.skipped[reason].append(label)

    @property
    def skipped_count(self):
        return sum(len(labels) for labels in self.skipped.values())


# Why a feature is not loaded, and what to do about it.
NO_GEOMETRY = (
    "pas de géométrie dans la couche : la source ne donne pas de contour pour cette zone. "
    "Rien n'est chargé pour elle ; signalez-le au producteur de la couche, ou dessinez son "
    "contour dans l'admin (Quartiers → Ajouter)."
)
NOT_POLYGON = (
    "géométrie qui n'est pas un polygone ({kind}) : une zone doit être un Polygon ou un "
    "MultiPolygon. Vérifiez que c'est bien la couche des contours (pas celle des centres)."
)
NOT_WGS84 = (
    "coordonnées hors des degrés WGS84 (longitude, latitude) : la couche semble projetée "
    "(Lambert-93, EPSG:2154 ?). Convertissez-la, par exemple : ogr2ogr -f GeoJSON "
    "-t_srs EPSG:4326 couche-wgs84.geojson couche.shp"
)
BROKEN = "contour illisible ({error}) : corrigez la géométrie dans un SIG (QGIS) et rechargez."
NO_NAME = (
    "pas de nom (propriété {fields} absente) : indiquez le bon champ avec --name-field "
    "(les propriétés de cette zone : {properties})."
)
NO_CITY = (
    "pas de commune (propriété {fields} absente) : indiquez le bon champ avec --city-field "
    "(les propriétés de cette zone : {properties})."
)
LONG_ID = "identifiant de plus de 50 caractères : indiquez un autre champ avec --id-field."


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les zones d'une couche de polygones GeoJSON (quartiers, IRIS, "
        "quartiers prioritaires), puis recalcule le quartier et le QPV de chaque structure. "
        "Idempotent : une couche rechargée met ses zones à jour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default="", help="couche GeoJSON (défaut : celle du préréglage)"
        )
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            default="nantes-metropole",
            help="couche connue : ses champs, son type et son nom (défaut : nantes-metropole)",
        )
        parser.add_argument("--name-field", help="propriété du nom de la zone")
        parser.add_argument("--city-field", help="propriété du nom de la commune")
        parser.add_argument("--insee-field", help="propriété du code INSEE de la commune")
        parser.add_argument("--id-field", help="propriété de l'identifiant de la zone")
        parser.add_argument("--kind", choices=[k.value for k in AreaKind], help="type de zone")
        parser.add_argument(
            "--layer", help="nom de la couche (identifie ses zones au rechargement)"
        )
        parser.add_argument("--source", help="source affichée (producteur, jeu de données)")
        territory = parser.add_mutually_exclusive_group()
        territory.add_argument(
            "--communes", default="", help="codes INSEE à garder, séparés par des virgules"
        )
        territory.add_argument(
            "--departement", default="", help="codes de département à garder (44,49)"
        )

    def handle(self, *args, **options):
        preset = self._preset(options)
        path = options["file"] or preset.file
        if not path:
            raise CommandError(
                f"Indiquez le fichier de la couche : manage.py load_neighbourhoods FICHIER "
                f"--preset {options['preset']}"
            )
        keep = self._territory_filter(options)
        report = Report()
        try:
            with open(path, "rb") as handle, transaction.atomic():
                self._load(handle, preset, keep, report)
                if report.created + report.updated + report.unchanged == 0:
                    raise CommandError(self._nothing_loaded(path, report))
                relocated = relocate_structures()
        except OSError as error:
            raise CommandError(f"Fichier illisible : {path} ({error})") from error
        except ijson.JSONError as error:
            raise CommandError(
                f"GeoJSON illisible : {path} ({error}). Rien n'a été enregistré."
            ) from error
        vocabulary.forget()
        self._write_report(preset, report, relocated)

    def _preset(self, options):
        base = PRESETS[options["preset"]]
        overrides = {}
        for option, attribute in (
            ("name_field", "name"),
            ("city_field", "city"),
            ("insee_field", "insee"),
            ("id_field", "id"),
        ):
            if options.get(option):
                overrides[attribute] = (options[option],)
        if options.get("kind"):
            overrides["kind"] = options["kind"]
        if options.get("layer"):
            overrides["layer"] = slugify(options["layer"])
            if not overrides["layer"]:
                raise CommandError("--layer : un nom fait de lettres, de chiffres et de tirets.")
        if options.get("source"):
            overrides["source"] = options["source"]
        return Preset(**{**base.__dict__, **overrides})

    def _territory_filter(self, options):
        if options["communes"]:
            codes = {c.strip() for c in options["communes"].split(",") if c.strip()}
            return lambda code: code in codes
        if options["departement"]:
            prefixes = tuple(d.strip() for d in options["departement"].split(",") if d.strip())
            return lambda code: code.startswith(prefixes)
        return None

    def _load(self, handle, preset, keep, report):
        slugs = set(Neighbourhood.objects.values_list("slug", flat=True))
        seen = set()
        batch = []
        for number, feature in enumerate(ijson.items(handle, "features.item", use_float=True), 1):
            area = self._area(feature, number, preset, report)
            if area is None:
                continue
            if keep is not None and not keep(area.insee_code):
                report.outside += 1
                continue
            if area.source_id in seen:
                report.skip(
                    "identifiant en double dans la couche : seule la première zone est gardée ; "
                    "indiquez un champ d'identifiant unique avec --id-field.",
                    self._label(area.city, area.name, area.source_id),
                )
                continue
            seen.add(area.source_id)
            batch.append(area)
            if len(batch) >= BATCH:
                self._write(batch, preset, slugs, report)
                batch = []
        if batch:
            self._write(batch, preset, slugs, report)

    @staticmethod
    def _label(city, name, source_id):
        return f"{city or '?'} / {name or '?'} (identifiant {source_id or '?'})"

    def _area(self, feature, number, preset, report):
        """An unsaved Neighbourhood as the layer gives it (its geometry not yet checked), or
        None (reported)."""
        properties = (feature or {}).get("properties") or {}
        name = _first(properties, preset.name)
        city = _first(properties, preset.city)
        raw_id = _first(properties, preset.id)
        name = str(name).strip() if name is not None else ""
        city = str(city).strip() if city is not None else ""
        source_id = _identifier(raw_id) if raw_id is not None else ""
        label = self._label(city, name, source_id or f"n° {number}")
        listed = ", ".join(sorted(properties)[:12]) or "aucune"
        if not name:
            report.skip(NO_NAME.format(fields=" / ".join(preset.name), properties=listed), label)
            return None
        if not city:
            report.skip(NO_CITY.format(fields=" / ".join(preset.city), properties=listed), label)
            return None
        if not source_id:
            # Without an id, the commune and the name stand for one (stable across loads).
            source_id = slugify(f"{city} {name}")[:50]
        if len(source_id) > 50:
            report.skip(LONG_ID, label)
            return None
        geometry = feature.get("geometry")
        if not geometry or not geometry.get("coordinates"):
            report.skip(NO_GEOMETRY, label)
            return None
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.skip(NOT_POLYGON.format(kind=geometry.get("type")), label)
            return None
        area = Neighbourhood(
            name=name[:120],
            city=city[:120],
            insee_code=insee_code(_first(properties, preset.insee)),
            kind=preset.kind,
            boundary=geometry,
            layer=preset.layer,
            source=preset.source,
            source_id=source_id,
        )
        area.label = label
        return area

    def _shape(self, area, report):
        """Check, repair and measure a new or changed area's polygon; False (reported) when
        it cannot be one."""
        try:
            polygon = geo.parse_polygon(area.boundary)
        except ValueError as error:
            report.skip(BROKEN.format(error=error), area.label)
            return False
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            report.skip(NOT_WGS84, area.label)
            return False
        if not polygon.is_valid:
            # Official layers hold self-touching rings: GEOS repairs them, same area.
            try:
                polygon = geo.valid_polygons(polygon)
            except ValueError as error:
                report.skip(BROKEN.format(error=error), area.label)
                return False
            area.boundary = geo.as_geojson(polygon)
            report.repaired += 1
        if polygon.area == 0:
            report.skip(BROKEN.format(error="surface nulle"), area.label)
            return False
        area.set_geometry(polygon)
        return True

    # What the layer gives; the rest is computed from the boundary.
    GIVEN = ("name", "city", "insee_code", "kind", "boundary", "source")
    COMPARED = (
        *GIVEN,
        "display_boundary",
        "centroid_latitude",
        "centroid_longitude",
        "min_latitude",
        "max_latitude",
        "min_longitude",
        "max_longitude",
        "area_m2",
    )

    def _write(self, batch, preset, slugs, report):
        existing = {
            area.source_id: area
            for area in Neighbourhood.objects.filter(
                layer=preset.layer, source_id__in=[a.source_id for a in batch]
            ).defer("display_boundary")
        }
        now = timezone.now()
        created, changed = [], []
        for area in batch:
            old = existing.get(area.source_id)
            if old is not None and self._same(old, area):
                report.unchanged += 1  # no geometry computed: a reload reads and compares
                continue
            if not self._shape(area, report):
                continue
            if old is None:
                area.slug = self._slug(area, slugs)
                area.updated_at = now
                created.append(area)
            elif self._same(old, area):
                report.unchanged += 1  # the same once repaired
            else:
                for name in self.COMPARED:
                    setattr(old, name, getattr(area, name))
                old.updated_at = now
                changed.append(old)
        if created:
            bulk_create_with_history(created, Neighbourhood, batch_size=BATCH)
            report.created += len(created)
        if changed:
            bulk_update_with_history(
                changed, Neighbourhood, [*self.COMPARED, "updated_at"], batch_size=BATCH
            )
            report.updated += len(changed)

    def _same(self, old, area):
        return all(getattr(old, name) == getattr(area, name) for name in self.GIVEN)

    @staticmethod
    def _slug(area, slugs):
        """A new area's web address: its name alone in the default territory's quartiers
        (e.g. "breil-barberie"), else with its commune, QPV and IRIS with their kind; never
        one already taken. Given once: a later change of DEFAULT_TERRITORY moves none."""
        words = [area.name]
        if not territories.is_default(area.city, area.insee_code):
            words.insert(0, area.city)
        if area.kind != AreaKind.QUARTIER:
            words.insert(0, area.kind)
        base = slugify(" ".join(words))[:130] or "zone"
        slug, number = base, 1
        while slug in slugs:
            number += 1
            slug = f"{base}-{number}"
        slugs.add(slug)
        return slug

    def _nothing_loaded(self, path, report):
        lines = [f"Aucune zone chargée depuis {path}."]
        if report.outside:
            lines.append(f"{report.outside} zone(s) hors des communes ou départements demandés.")
        for reason, labels in report.skipped.items():
            lines.append(f"{len(labels)} zone(s) écartée(s) : {reason}")
        if not report.skipped and not report.outside:
            lines.append(
                "Le fichier n'a pas de « features » : il faut une FeatureCollection GeoJSON."
            )
        return "\n".join(lines)

    def _write_report(self, preset, report, relocated):
        self.stdout.write(
            f"Zones de la couche « {preset.layer} » ({preset.kind}) : {report.created} créées, "
            f"{report.updated} mises à jour, {report.unchanged} inchangées, "
            f"{report.skipped_count} écartées."
        )
        if report.repaired:
            self.stdout.write(
                f"{report.repaired} contour(s) invalide(s) (anneau qui se recoupe) réparé(s) "
                "à l'identique de surface."
            )
        if report.outside:
            self.stdout.write(f"{report.outside} zone(s) hors du territoire demandé, ignorée(s).")
        for reason, labels in report.skipped.items():
            self.stderr.write(f"Écartée(s), {len(labels)} : {reason}")
            for label in labels[:SHOWN_PER_REASON]:
                self.stderr.write(f"  - {label}")
            if len(labels) > SHOWN_PER_REASON:
                self.stderr.write(f"  … et {len(labels) - SHOWN_PER_REASON} autre(s).")
        self.stdout.write(
            f"Structures : quartier ou QPV recalculé pour {relocated} (sur leur position)."
        )


def _identifier(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def relocate_structures():
    """Derive again every placed structure's quartier (unless chosen by hand) and QPV from
    the polygons now loaded; the number of structures changed."""
    from actors.models import Structure

    placed = Structure.objects.filter(latitude__isnull=False)
    if not placed.exists():
        return 0
    return placed.relocate(Neighbourhood.objects.index())
