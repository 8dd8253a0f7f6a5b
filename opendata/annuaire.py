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
import zoneinfo

import ijson
from django.utils.translation import gettext as _

from actors.enums import CoordinatesSource, Status, StructureKind, VerificationMethod, Wheelchair

from .opening_hours import ParsedHours, parse_time
from .records import ImportFileError, Record, Skipped

SOURCE = "annuaire-service-public"

# The one table from the annuaire's `type_service_local` codes to our kinds.
# Codes not listed here are skipped and counted in the report.
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
}

DAYS = {
    name: index
    for index, name in enumerate(
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    )
}
ACCESSIBILITY = {"ACC": Wheelchair.YES, "NAC": Wheelchair.NO}
NESTED = ("pivot", "adresse", "telephone", "adresse_courriel", "site_internet", "plage_ouverture")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Where the records are, by the first array met in the file.
RECORD_PREFIXES = {"service", "results", "records", ""}


def _records_prefix(stream):
    """'service.item', 'results.item'… : found by parsing only the start of the file."""
    try:
        # Metadata (counts, facets) may come first; the records are not far behind.
        for _prefix_event in zip(range(10_000), ijson.parse(stream), strict=False):
            prefix, event, _value = _prefix_event[1]
            if event == "start_array" and prefix in RECORD_PREFIXES:
                return f"{prefix}.item" if prefix else "item"
    except ijson.JSONError as error:
        raise ImportFileError(_("JSON illisible : %(error)s") % {"error": error}) from None
    raise ImportFileError(
        _('Aucune liste de fiches trouvée : attendu {"service": [...]} ou une liste JSON.')
    )


def read(stream):
    """Records and Skipped rows of an annuaire file opened in binary mode."""
    prefix = _records_prefix(stream)
    stream.seek(0)
    number = 0
    try:
        for raw in ijson.items(stream, prefix, use_float=True):
            number += 1
            yield to_record(number, raw)
    except ijson.JSONError as error:
        raise ImportFileError(
            _("JSON illisible après la fiche n° %(number)s : %(error)s")
            % {"number": number, "error": error}
        ) from None


# --- One record ---------------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value).strip()


def _as_list(value):
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _unnest(raw, errors):
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
                errors.append(_("champ « %(field)s » illisible (JSON)") % {"field": key})
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


def _coordinate(value, errors, name):
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors.append(_("%(name)s illisible : « %(value)s »") % {"name": name, "value": value})
        return None


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


def _hours(ranges, errors):
    hours = ParsedHours(holidays_rule="closed")
    comments = []
    for item in _as_list(ranges):
        if not isinstance(item, dict):
            continue
        first = DAYS.get(_text(item.get("nom_jour_debut")).lower())
        last = DAYS.get(_text(item.get("nom_jour_fin") or item.get("nom_jour_debut")).lower())
        if first is None or last is None:
            errors.append(
                _("jours d'ouverture illisibles : « %(first)s » à « %(last)s »")
                % {"first": item.get("nom_jour_debut"), "last": item.get("nom_jour_fin")}
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
                errors.append(str(error))
                continue
            if opens >= closes:
                errors.append(
                    _("l'heure de fermeture doit suivre l'heure d'ouverture (%(o)s–%(c)s)")
                    % {"o": f"{opens:%H:%M}", "c": f"{closes:%H:%M}"}
                )
                continue
            hours.slots.extend((day, opens, closes) for day in days)
        comment = _text(item.get("commentaire"))
        if comment and comment not in comments:
            comments.append(comment)
    return hours, " ".join(comments)


def to_record(number, raw):
    errors = []
    if not isinstance(raw, dict):
        return Record(number, "?", errors=[_("la fiche n'est pas un objet JSON")])
    record = _unnest(raw, errors)
    name = _text(record.get("nom"))
    label = name or _text(record.get("id")) or "?"
    kind, types = _kind(record)
    if kind is None:
        return Skipped(number, label, _("type non retenu (%(types)s)") % {"types": types})
    source_id = _text(record.get("id"))
    if not source_id:
        errors.append(_("identifiant « id » manquant"))
    address = physical_address(record.get("adresse"))
    communes = _communes(record)
    insee = _text(address.get("code_insee_commune")) or (sorted(communes)[0] if communes else "")
    latitude = _coordinate(address.get("latitude"), errors, _("latitude"))
    longitude = _coordinate(address.get("longitude"), errors, _("longitude"))
    complement = " ".join(
        part
        for part in (_text(address.get("complement1")), _text(address.get("complement2")))
        if part
    )
    hours, note = _hours(record.get("plage_ouverture"), errors)
    values = {
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
        "phone": _first_value(record.get("telephone")),
        "email": _first_value(record.get("adresse_courriel")),
        "website": _first_value(record.get("site_internet")),
        "hours_note": note[:300],
    }
    accessibility = ACCESSIBILITY.get(_text(address.get("accessibilite")).upper())
    if accessibility:
        values["wheelchair"] = accessibility.value
    if _text(address.get("note_accessibilite")):
        values["accessibility_details"] = _text(address.get("note_accessibilite"))
    updated = None
    if _text(record.get("date_modification")):
        try:
            updated = parse_modification_date(record["date_modification"])
        except ValueError:
            errors.append(
                _("date_modification illisible : « %(value)s » (attendu jj/mm/aaaa hh:mm:ss)")
                % {"value": record["date_modification"]}
            )
    values["source_updated_at"] = updated
    on_create = {"status": Status.PUBLISHED.value}
    if updated:
        # The administration's own last update is the human check we can vouch for.
        on_create.update(
            last_verified_at=updated, verification_method=VerificationMethod.IMPORT.value
        )
    return Record(
        number,
        label,
        source=SOURCE,
        source_id=source_id,
        values=values,
        on_create=on_create,
        hours=hours,
        communes=communes | ({insee} if insee else set()),
        errors=errors,
        follows_source_dates=True,
    )
