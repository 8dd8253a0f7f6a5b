"""Reading the *Annuaire de l'administration — base de données locales* (DILA).

Two shapes of the same data are accepted:
- the bulk file `{"service": [record, ...]}`, hundreds of MB nationally;
- the opendatasoft API (`{"results": [...]}`, `{"records": [{"fields": …}]}` or a
  bare list), where nested fields (`pivot`, `adresse`, …) are JSON *strings*.

The file is parsed as a stream with ijson: only one record is in memory at a
time, whatever the size of the national file.
"""

import datetime
import json
import re
import zoneinfo

from django.utils.translation import gettext as _

from actors.enums import CoordinatesSource, Status, StructureKind, VerificationMethod, Wheelchair
from actors.phones import normalize_phone

from . import jsonstream
from .osm_hours import ParsedHours, parse_time
from .records import Record, Skipped, refusal

SOURCE = "annuaire-service-public"

# The one table from the annuaire's `type_service_local` codes to our kinds.
# Codes not listed here are skipped and counted in the report. What each kind
# serves by default is the KindDefaults table (fixtures/kind_defaults.json).
KINDS = {
    "cio": StructureKind.CIO,
    "mission_locale": StructureKind.MISSION_LOCALE,
    "pole_emploi": StructureKind.FRANCE_TRAVAIL,
    "france_travail": StructureKind.FRANCE_TRAVAIL,
    "cij": StructureKind.INFORMATION_JEUNESSE,
    "crij": StructureKind.INFORMATION_JEUNESSE,
    "bij": StructureKind.INFORMATION_JEUNESSE,
    "pij": StructureKind.INFORMATION_JEUNESSE,
    "information_jeunesse": StructureKind.INFORMATION_JEUNESSE,
    "cap_emploi": StructureKind.CAP_EMPLOI,
    "onisep": StructureKind.ONISEP,
    "carif_oref": StructureKind.CARIF_OREF,
    "e2c": StructureKind.E2C,
    "cci": StructureKind.CHAMBRE_CONSULAIRE,
    "chambre_metier": StructureKind.CHAMBRE_CONSULAIRE,
    "chambre_agriculture": StructureKind.CHAMBRE_CONSULAIRE,
    "mairie_annexe": StructureKind.MAIRIE_DE_QUARTIER,
    "epn": StructureKind.ESPACE_NUMERIQUE,
    "msap": StructureKind.FRANCE_SERVICES,
    "france_services": StructureKind.FRANCE_SERVICES,
    "centre_social": StructureKind.MAISON_DE_QUARTIER,
    "maison_handicapees": StructureKind.MDPH,
    "mdph": StructureKind.MDPH,
}
# A commune's main mairie is not a neighbourhood place; its annexes are. The annuaire
# types both "mairie": the name tells them apart.
MAIRIE = "mairie"
_ANNEXE = re.compile(r"\b(annexe|quartier|d[ée]l[ée]gu[ée]e|proximit[ée])\b", re.IGNORECASE)

DAYS = {
    name: index
    for index, name in enumerate(
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    )
}
# The annuaire's accessibility codes: ACC accessible, DEM accessible with help on
# request, NAC not accessible.
ACCESSIBILITY = {"ACC": Wheelchair.YES, "DEM": Wheelchair.PARTIAL, "NAC": Wheelchair.NO}
ON_REQUEST = "DEM"
NESTED = ("pivot", "adresse", "telephone", "adresse_courriel", "site_internet", "plage_ouverture")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Where the records are, by the first array met in the file.
RECORD_PREFIXES = {"service", "results", "records", ""}


def read(stream):
    """Records and Skipped rows of an annuaire file opened in binary mode."""
    prefix = jsonstream.records_prefix(
        stream,
        RECORD_PREFIXES,
        _('Aucune liste de fiches trouvée : attendu {"service": [...]} ou une liste JSON.'),
    )
    for number, raw in jsonstream.items(stream, prefix):
        yield to_record(number, raw)


# --- One record ---------------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value).strip()


def _as_list(value):
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _unnest(raw, unreadable):
    """API records carry nested fields as JSON strings, sometimes under 'fields'."""
    if isinstance(raw.get("fields"), dict):
        raw = {**raw["fields"], **{k: v for k, v in raw.items() if k != "fields"}}
    record = dict(raw)
    for key in NESTED:
        value = record.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                record[key] = json.loads(value)
            except ValueError:
                unreadable.append(key)
                record[key] = []
    return record


def _communes(record):
    codes = set()
    for pivot in _as_list(record.get("pivot")):
        if isinstance(pivot, dict):
            codes.update(_text(code) for code in _as_list(pivot.get("code_insee_commune")))
    codes.update(_text(code) for code in _as_list(record.get("code_insee_commune")))
    return {code for code in codes if code}


def _kind(record):
    """(our kind, None) for the first known pivot type, or (None, the types seen)."""
    types = []
    for pivot in _as_list(record.get("pivot")):
        if isinstance(pivot, dict):
            types.append(_text(pivot.get("type_service_local")))
    types.extend(_text(t) for t in _as_list(record.get("type_service_local")))
    for code in types:
        if code.lower() in KINDS:
            return KINDS[code.lower()], None
        if code.lower() == MAIRIE and _ANNEXE.search(_text(record.get("nom"))):
            return StructureKind.MAIRIE_DE_QUARTIER, None
    return None, ", ".join(t for t in types if t) or _("aucun")


def physical_address(addresses):
    """The place people go to: not the postal address (BP, CS), and with a position if any."""
    candidates = [a for a in _as_list(addresses) if isinstance(a, dict)]
    if not candidates:
        return {}

    def rank(address):
        postal = "postal" in _text(address.get("type_adresse")).lower()
        located = bool(_text(address.get("latitude")) and _text(address.get("longitude")))
        return (postal, not located)

    return min(candidates, key=rank)


def _coordinate(value, limit):
    """A coordinate, None if absent; ValueError if unreadable or out of range."""
    text = _text(value).replace(",", ".")
    if not text:
        return None
    number = float(text)
    if not -limit <= number <= limit:
        raise ValueError
    return number


def _position(address, record):
    try:
        latitude = _coordinate(address.get("latitude"), 90)
        longitude = _coordinate(address.get("longitude"), 180)
    except ValueError:
        record.drop(
            _("position"),
            f"{address.get('latitude')}, {address.get('longitude')}",
            _("latitude ou longitude illisible : l'adresse sera géocodée"),
        )
        return None, None
    if (latitude is None) != (longitude is None):
        return None, None
    return latitude, longitude


def _phone(items, record):
    """The first number that is one; if none is, the first one set aside."""
    values = [_text(i.get("valeur") if isinstance(i, dict) else i) for i in _as_list(items)]
    values = [value for value in values if value]
    reasons = []
    for value in values:
        try:
            record.values["phone"] = normalize_phone(value)
            return
        except ValueError as error:
            reasons.append(error)
    if values:
        record.drop(_("téléphone"), values[0], reasons[0])  # set aside, not erased
    else:
        record.values["phone"] = ""


def _first_value(items):
    for item in _as_list(items):
        value = _text(item.get("valeur") if isinstance(item, dict) else item)
        if value:
            return value
    return ""


def parse_modification_date(text):
    """'dd/mm/yyyy HH:MM:SS' in Paris time → aware datetime; ValueError otherwise."""
    try:
        naive = datetime.datetime.strptime(_text(text), "%d/%m/%Y %H:%M:%S")
    except ValueError:
        naive = datetime.datetime.strptime(_text(text), "%d/%m/%Y")
    return naive.replace(tzinfo=PARIS)


def _hours(ranges, record):
    hours = ParsedHours(holidays_rule="closed")
    comments = []
    for item in _as_list(ranges):
        if not isinstance(item, dict):
            continue
        first = DAYS.get(_text(item.get("nom_jour_debut")).lower())
        last = DAYS.get(_text(item.get("nom_jour_fin") or item.get("nom_jour_debut")).lower())
        if first is None or last is None:
            record.drop(
                _("horaires"),
                f"{item.get('nom_jour_debut')} – {item.get('nom_jour_fin')}",
                _("jours d'ouverture illisibles"),
            )
            continue
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        for n in (1, 2):
            opens, closes = (
                _text(item.get(f"valeur_heure_debut_{n}")),
                _text(item.get(f"valeur_heure_fin_{n}")),
            )
            if not opens and not closes:
                continue
            try:
                opens, closes = parse_time(opens), parse_time(closes)
            except ValueError as error:
                record.drop(_("horaires"), f"{opens}–{closes}", error)
                continue
            if opens >= closes:
                record.drop(
                    _("horaires"),
                    f"{opens:%H:%M}–{closes:%H:%M}",
                    _("l'heure de fermeture doit suivre l'heure d'ouverture"),
                )
                continue
            hours.slots.extend((day, opens, closes) for day in days)
        comment = _text(item.get("commentaire"))
        if comment and comment not in comments:
            comments.append(comment)
    return hours, " ".join(comments)


def to_record(number, raw):
    if not isinstance(raw, dict):
        return Record(number, "?", errors=[_("la fiche n'est pas un objet JSON")])
    if problem := refusal(raw):
        return Record(
            number,
            _text(raw.get("nom"))[:200] or "?",
            source=SOURCE,
            source_id=_text(raw.get("id"))[:200],
            errors=[problem],
        )
    errors, unreadable = [], []
    record = _unnest(raw, unreadable)
    name = _text(record.get("nom"))
    label = name or _text(record.get("id")) or "?"
    kind, types = _kind(record)
    if kind is None:
        return Skipped(number, label, _("type non retenu (%(types)s)") % {"types": types})
    source_id = _text(record.get("id"))
    if not source_id:
        errors.append(_("identifiant « id » manquant"))
    if not name:
        errors.append(_("nom manquant"))
    result = Record(
        number,
        label,
        source=SOURCE,
        source_id=source_id,
        errors=errors,
        follows_source_dates=True,
        kind_defaults=True,
    )
    address = physical_address(record.get("adresse"))
    communes = _communes(record)
    insee = _text(address.get("code_insee_commune")) or (sorted(communes)[0] if communes else "")
    latitude, longitude = _position(address, result)
    complement = " ".join(
        part
        for part in (_text(address.get("complement1")), _text(address.get("complement2")))
        if part
    )
    result.hours, note = _hours(record.get("plage_ouverture"), result)
    result.values.update(
        {
            "name": name[:200],
            "kind": kind.value,
            "street": _text(address.get("numero_voie"))[:250],
            "address_complement": complement[:250],
            "postcode": _text(address.get("code_postal")),
            "city": _text(address.get("nom_commune"))[:120],
            "insee_code": insee,
            "latitude": latitude,
            "longitude": longitude,
            "coordinates_source": CoordinatesSource.IMPORTED.value if latitude is not None else "",
            "email": _first_value(record.get("adresse_courriel")),
            "website": _first_value(record.get("site_internet")),
            "hours_note": note[:1000],
        }
    )
    _phone(record.get("telephone"), result)
    for key in unreadable:
        result.drop(key, "…", _("champ illisible (JSON)"))
    if siret := _text(record.get("siret")):
        result.values["siret"] = siret
    code = _text(address.get("accessibilite")).upper()
    if code in ACCESSIBILITY:
        result.values["wheelchair"] = ACCESSIBILITY[code].value
    elif code:
        result.drop(_("accessibilité"), code, _("code inconnu (attendu ACC, DEM ou NAC)"))
    details = _text(address.get("note_accessibilite"))
    if not details and code == ON_REQUEST:
        details = _("Accessible avec une aide, sur demande.")
    if details:
        result.values["accessibility_details"] = details
    updated = None
    if _text(record.get("date_modification")):
        try:
            updated = parse_modification_date(record["date_modification"])
        except ValueError:
            result.drop(
                "date_modification",
                record["date_modification"],
                _("date illisible (attendu jj/mm/aaaa hh:mm:ss)"),
            )
    result.source_updated_at = updated
    result.on_create = {"status": Status.PUBLISHED.value}
    if updated:
        # The administration's own last update is the human check we can vouch for.
        result.on_create.update(
            last_verified_at=updated, verification_method=VerificationMethod.IMPORT.value
        )
    result.communes = communes | ({insee} if insee else set())
    return result
