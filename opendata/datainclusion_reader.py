"""Reading data·inclusion: its structures and services files (v1 schema), as streams.

data·inclusion is the national hub where DORA, Soliguide, France Travail, the
Missions locales, France services… publish their places (*structures*) and
what they offer there (*services*). Its bulk files and its API carry the same
v1 records, as a JSON list or the API's paginated `{"items": [...], "total": …}`.

Every record is validated with the official `data-inclusion-schema` models. A
field the schema refuses is set aside (the record goes in without it, the
report says why); only a record without its identifiers or name is refused.
The producer (`source`: dora, soliguide…) is kept: an entry's source is
"data-inclusion/<producer>", its id the data·inclusion id.
"""

import datetime
import functools
import re
import zoneinfo
from dataclasses import dataclass, field

import pydantic
from data_inclusion.schema import v1
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.enums import CoordinatesSource, Status, StructureKind, VerificationMethod
from actors.text import normalize

from . import jsonstream
from .datainclusion import NETWORKS
from .osm_hours import parse_opening_hours
from .records import Record, SetAside, refusal

SOURCE_PREFIX = "data-inclusion"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
RECORD_PREFIXES = {"items", "results", "data", ""}
EXPECTED = gettext_lazy(
    'Aucune liste trouvée : attendu une liste JSON ou la réponse de l\'API {"items": [...]}.'
)
# Without these, a record cannot be an entry (or a service of one).
STRUCTURE_ESSENTIAL = {"source", "id", "nom"}
SERVICE_ESSENTIAL = {"source", "id", "structure_id", "nom"}
SET_ASIDE_ROUNDS = 5

# The kind of a place, from its network, else from its name.
# ("communes" carries every communal service, not only mairies de quartier: not used.)
KIND_OF_NETWORK = {network: kind for kind, network in NETWORKS.items() if network != "communes"} | {
    "france-service": StructureKind.FRANCE_SERVICES,
    "msap": StructureKind.FRANCE_SERVICES,
    "mdph": StructureKind.MDPH,
    "maison-departementale-de-lautonomie": StructureKind.MDPH,
}
# fmt: off
KIND_OF_NAME = [
    (r"\bcio\b|centre d information et d orientation", StructureKind.CIO),
    (r"\bmission locale\b", StructureKind.MISSION_LOCALE),
    (r"\bfrance travail\b|\bpole emploi\b", StructureKind.FRANCE_TRAVAIL),
    (r"\bfrance services?\b|\bmsap\b", StructureKind.FRANCE_SERVICES),
    (r"\b(pij|bij|crij)\b|information jeunesse", StructureKind.INFORMATION_JEUNESSE),
    (r"\bcap emploi\b", StructureKind.CAP_EMPLOI),
    (r"\be2c\b|ecole de la (2e|deuxieme) chance", StructureKind.E2C),
    (r"\bmdph\b|maison departementale des personnes handicapees", StructureKind.MDPH),
    (r"\bcentre (social|socio ?culturel)\b|\bmaison de quartier\b",
     StructureKind.MAISON_DE_QUARTIER),
    (r"\bmairie (annexe|de quartier)\b", StructureKind.MAIRIE_DE_QUARTIER),
]
# fmt: on
KIND_OF_NAME = [(re.compile(pattern), kind) for pattern, kind in KIND_OF_NAME]
FILLER_DESCRIPTION = "(sans description)"
# Ours that the schema validates as strictly as the admin (EmailStr, HttpUrl, the
# postcode's and the SIRET's digits), and the phone, normalised by the reader: not twice.
SCHEMA_CHECKED = frozenset({"email", "website", "acceslibre_url", "postcode", "siret", "phone"})
# Schema fields → ours, to leave out what was set aside.
SCHEMA_FIELDS = {
    "courriel": ("email",),
    "site_web": ("website",),
    "accessibilite_lieu": ("acceslibre_url",),
    "code_postal": ("postcode",),
    "code_insee": ("insee_code",),
    "commune": ("city",),
    "adresse": ("street",),
    "complement_adresse": ("address_complement",),
    "latitude": ("latitude", "longitude", "coordinates_source"),
    "longitude": ("latitude", "longitude", "coordinates_source"),
    "description": ("description",),
}
FIELD_REASONS = {
    "courriel": gettext_lazy("adresse de courriel invalide"),
    "site_web": gettext_lazy("adresse web invalide"),
    "lien_source": gettext_lazy("adresse web invalide"),
    "accessibilite_lieu": gettext_lazy("adresse web invalide"),
    "code_postal": gettext_lazy("code postal invalide (5 chiffres)"),
    "code_insee": gettext_lazy("code INSEE invalide (5 caractères)"),
    "siret": gettext_lazy("SIRET invalide (14 chiffres)"),
    "publics": gettext_lazy("« tous-publics » ne se combine pas avec d'autres publics"),
}
# Why the schema refused a value, in French (pydantic's error types).
REASONS = {
    "string_too_short": gettext_lazy("trop court"),
    "string_too_long": gettext_lazy("trop long"),
    "string_pattern_mismatch": gettext_lazy("format invalide"),
    "value_error": gettext_lazy("valeur invalide"),
    "url_parsing": gettext_lazy("adresse web invalide"),
    "url_scheme": gettext_lazy("adresse web invalide"),
    "url_type": gettext_lazy("adresse web invalide"),
    "enum": gettext_lazy("valeur inconnue du référentiel data·inclusion"),
    "date_from_datetime_parsing": gettext_lazy("date invalide"),
    "date_parsing": gettext_lazy("date invalide"),
    "date_type": gettext_lazy("date invalide"),
    "float_parsing": gettext_lazy("nombre attendu"),
    "float_type": gettext_lazy("nombre attendu"),
    "list_type": gettext_lazy("liste attendue"),
    "set_type": gettext_lazy("liste attendue"),
    "too_short": gettext_lazy("liste vide"),
    "string_type": gettext_lazy("texte attendu"),
    "missing": gettext_lazy("champ obligatoire manquant"),
}


@functools.lru_cache(maxsize=256)  # one string per producer, not one per record
def source_of(producer):
    return f"{SOURCE_PREFIX}/{producer}"[:50]


def _text(value):
    if type(value) is str:  # nearly always: the quick way first
        return value.strip()
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(item) for item in value)
    return "" if value is None else str(value).strip()


def _reason(name, error):
    if name in FIELD_REASONS and (name != "publics" or error["type"] == "value_error"):
        return str(FIELD_REASONS[name])
    return str(REASONS.get(error["type"], _("refusé par le schéma data·inclusion")))


FILLED = ("date_maj", "description")


def _fillers():
    """Required by the schema, not by us: a stand-in so the rest of the record validates."""
    return {"date_maj": datetime.date.today().isoformat(), "description": FILLER_DESCRIPTION}


def validate(model, raw, essential, set_aside):
    """The model instance of `raw`, secondary fields the schema refuses set aside.

    Returns (instance, None), or (None, French reason) when an essential field fails.
    Fields the schema requires and we do not (date_maj, a service's description) get
    a stand-in, removed again by the callers (`_moment`, `_description`).
    """
    raw = dict(raw)
    fillers = _fillers() if any(raw.get(name) in (None, "") for name in FILLED) else {}
    for name, filler in fillers.items():
        if raw.get(name) in (None, ""):
            raw[name] = filler
    for _round in range(SET_ASIDE_ROUNDS):
        try:
            return model.model_validate(raw), None
        except pydantic.ValidationError as error:
            problems = error.errors()
        for problem in problems:
            name = str(problem["loc"][0]) if problem["loc"] else ""
            if name in essential:
                return None, f"{name} : {_reason(name, problem)}"
            if name in raw:
                set_aside.append(SetAside(name, _text(raw.get(name)), _reason(name, problem)))
                if name in FILLED:
                    raw[name] = _fillers()[name]
                else:
                    del raw[name]
    return None, _("refusé par le schéma data·inclusion")


def _description(item):
    return "" if item.description == FILLER_DESCRIPTION else (item.description or "")


def _moment(day, raw):
    """The source's date as an aware datetime; None if the record had none we could read."""
    given = raw.get("date_maj")
    if day is None or not given or str(given)[:10] != day.isoformat():
        return None
    return _midnight(day.isoformat())


def kind_of(name, networks):
    for network in networks or ():
        if kind := KIND_OF_NETWORK.get(
            str(network.value if hasattr(network, "value") else network)
        ):
            return kind
    words = normalize(name)
    for pattern, kind in KIND_OF_NAME:
        if pattern.search(words):
            return kind
    return StructureKind.AUTRE


def _url(value):
    return str(value) if value else ""


# --- Structures ----------------------------------------------------------------------------


def read_structures(stream):
    """Records of a data·inclusion structures file opened in binary mode."""
    prefix = jsonstream.records_prefix(stream, RECORD_PREFIXES, EXPECTED)
    for number, raw in jsonstream.items(stream, prefix):
        yield structure_record(number, raw)


def _given_date(raw):
    """date_maj as an aware datetime, read without the schema (None if absent or unreadable)."""
    return _midnight(_text(raw.get("date_maj"))[:10])


@functools.lru_cache(maxsize=1024)  # a few hundred dates for a whole file: one object each
def _midnight(text):
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=PARIS)


def structure_record(number, raw):
    """A Record keyed and dated at once; the rest is read when the importer asks for it.

    Validating and mapping a record costs ~0.1 ms; a record no newer than what the
    guide holds changes nothing, so a re-import of an unchanged file never pays it.
    """
    if not isinstance(raw, dict):
        return Record(number, "?", errors=[_("la fiche n'est pas un objet JSON")])
    record = Record(
        number,
        _text(raw.get("nom"))[:200] or _text(raw.get("id"))[:200] or "?",
        source=source_of(_text(raw.get("source"))),
        source_id=_text(raw.get("id"))[:200],
        follows_source_dates=True,
        kind_defaults=True,
        source_updated_at=_given_date(raw),
        communes={code} if (code := _text(raw.get("code_insee"))) else set(),
    )
    record.pending = (_complete_structure, raw)  # no closure: no cycle for the GC
    return record


def _complete_structure(record, raw):
    if problem := refusal(raw):
        record.errors.append(problem)
        return
    item, refused = validate(v1.Structure, raw, STRUCTURE_ESSENTIAL, record.set_aside)
    if item is None:
        record.errors.append(refused)  # keyed all the same: its services are reported
        return
    record.source_updated_at = _moment(item.date_maj, raw)
    latitude, longitude = item.latitude, item.longitude
    if latitude is None or longitude is None or not (-90 <= latitude <= 90):
        latitude = longitude = None
    record.values.update(
        {
            "name": item.nom[:200],
            "kind": kind_of(item.nom, item.reseaux_porteurs).value,
            "description": _description(item),
            "street": _text(item.adresse)[:250],
            "address_complement": _text(item.complement_adresse)[:250],
            "postcode": item.code_postal or "",
            "city": _text(item.commune)[:120],
            "insee_code": item.code_insee or "",
            "latitude": latitude,
            "longitude": longitude,
            "coordinates_source": CoordinatesSource.IMPORTED.value if latitude is not None else "",
            "email": item.courriel or "",
            "website": _url(item.site_web),
            "acceslibre_url": _url(item.accessibilite_lieu),
        }
    )
    # What the schema set aside is left out, not written as empty.
    for name in {aside.field for aside in record.set_aside}:
        for ours in SCHEMA_FIELDS.get(name, ()):
            record.values.pop(ours, None)
    if item.siret:
        record.values["siret"] = item.siret
    if item.telephone:
        record.set_phone("telephone", item.telephone)
    if item.horaires_accueil:
        try:
            record.hours = parse_opening_hours(item.horaires_accueil)
        except ValueError as error:
            record.drop("horaires_accueil", item.horaires_accueil, error)
    record.on_create = {"status": Status.PUBLISHED.value}
    if record.source_updated_at:
        record.on_create.update(
            last_verified_at=record.source_updated_at,
            verification_method=VerificationMethod.IMPORT.value,
        )
    record.communes = {item.code_insee} if item.code_insee else set()
    record.checked = SCHEMA_CHECKED


# --- Services ------------------------------------------------------------------------------


@dataclass
class ServiceRecord:
    number: int
    label: str
    source: str = ""
    source_id: str = ""
    structure_id: str = ""  # the data·inclusion id of its structure
    source_updated_at: object = None
    values: dict = field(default_factory=dict)  # Service fields
    publics: list = field(default_factory=list)  # data·inclusion codes
    errors: list = field(default_factory=list)
    set_aside: list = field(default_factory=list)
    pending: object = None  # what completes the record, when it is needed (see Record)

    def complete(self):
        if self.pending is not None:
            (complete, raw), self.pending = self.pending, None
            complete(self, raw)
        return self


def read_services(stream):
    """ServiceRecords of a data·inclusion services file opened in binary mode."""
    prefix = jsonstream.records_prefix(stream, RECORD_PREFIXES, EXPECTED)
    for number, raw in jsonstream.items(stream, prefix):
        yield service_record(number, raw)


def service_record(number, raw):
    if not isinstance(raw, dict):
        return ServiceRecord(number, "?", errors=[_("le service n'est pas un objet JSON")])
    record = ServiceRecord(
        number,
        _text(raw.get("nom"))[:200] or _text(raw.get("id"))[:200] or "?",
        source=source_of(_text(raw.get("source"))),
        source_id=_text(raw.get("id"))[:200],
        structure_id=_text(raw.get("structure_id"))[:200],
        source_updated_at=_given_date(raw),
    )
    record.pending = (_complete_service, raw)
    return record


def _complete_service(record, raw):
    if problem := refusal(raw):
        record.errors.append(problem)
        return
    item, refused = validate(v1.Service, raw, SERVICE_ESSENTIAL, record.set_aside)
    if item is None:
        record.errors.append(refused)
        return
    modes = {mode.value for mode in item.modes_accueil or ()}
    frais = item.frais.value if item.frais else None
    hours = item.horaires_accueil or ""
    if hours:
        try:
            parse_opening_hours(hours)
        except ValueError as error:
            record.set_aside.append(SetAside("horaires_accueil", hours, str(error)))
            hours = ""
    conditions = " ".join(
        part for part in (item.conditions_acces, item.mobilisation_precisions) if part
    )
    record.source_updated_at = _moment(item.date_maj, raw)
    record.values = {
        "name": item.nom[:200],
        "description": _description(item),
        "thematiques": sorted(t.value for t in item.thematiques or ()),
        "is_free": None if frais is None else frais == v1.Frais.GRATUIT.value,
        "fees_details": _text(item.frais_precisions)[:300],
        "in_person": v1.ModeAccueil.EN_PRESENTIEL.value in modes,
        "remote": v1.ModeAccueil.A_DISTANCE.value in modes,
        "access_details": conditions,
        "opening_hours": hours[:1000],
        "source_updated_at": record.source_updated_at,
    }
    record.publics = sorted(p.value for p in item.publics or ())
