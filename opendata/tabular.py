"""Our own CSV and JSON formats: one row per structure, the columns below.

Written by the exports, read back by the import: exporting, importing into
an empty database and exporting again gives the same file. Headers are
French (agents open these files in a spreadsheet); values are our codes.
README.md ("Importing and exporting data") documents every column.
"""

import csv
import datetime
import functools
import io
from dataclasses import dataclass

import ijson
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.enums import CoordinatesSource, Status, StructureKind, VerificationMethod, Wheelchair
from actors.text import normalize

from . import spreadsheet
from .osm_hours import format_opening_hours, parse_opening_hours
from .records import MAX_FIELD_CHARS, ImportFileError, Record, bad_text

LIST_SEPARATOR = "|"
TRUE_WORDS = {"oui", "o", "1", "true", "vrai", "yes", "x"}
FALSE_WORDS = {"non", "n", "0", "false", "faux", "no", ""}


@dataclass(frozen=True)
class Column:
    name: str  # header in the file
    field: str  # Structure attribute (or relation) it maps to
    kind: str = "text"  # text, bool, float, datetime, choice, list, hours, ref, phone
    choices: type | None = None


COLUMNS = [
    Column("identifiant", "slug"),
    Column("nom", "name"),
    Column("type", "kind", "choice", StructureKind),
    Column("statut", "status", "choice", Status),
    Column("exemple", "is_example", "bool"),
    Column("description", "description"),
    Column("reseau", "parent", "ref"),
    Column("adresse", "street"),
    Column("complement_adresse", "address_complement"),
    Column("code_postal", "postcode"),
    Column("commune", "city"),
    Column("code_insee", "insee_code"),
    Column("latitude", "latitude", "float"),
    Column("longitude", "longitude", "float"),
    Column("origine_position", "coordinates_source", "choice", CoordinatesSource),
    Column("quartier", "neighbourhood", "ref"),
    Column("transports", "public_transport"),
    Column("telephone", "phone", "phone"),
    Column("courriel", "email"),
    Column("site_web", "website"),
    Column("sans_rendez_vous", "walk_in", "bool"),
    Column("sur_rendez_vous", "by_appointment", "bool"),
    Column("par_telephone", "by_phone", "bool"),
    Column("en_ligne", "online", "bool"),
    Column("orientation_obligatoire", "referral_required", "bool"),
    Column("conditions_acces", "access_details"),
    Column("a_apporter", "what_to_bring"),
    Column("gratuit", "is_free", "bool"),
    Column("tarifs", "fees_details"),
    Column("besoins", "needs", "list"),
    Column("publics", "publics", "list"),
    Column("langues", "languages", "list"),
    Column("acces_fauteuil", "wheelchair", "choice", Wheelchair),
    Column("lien_acceslibre", "acceslibre_url"),
    Column("details_accessibilite", "accessibility_details"),
    Column("horaires", "hours", "hours"),
    Column("remarque_horaires", "hours_note"),
    Column("horaires_a_verifier", "hours_to_check", "bool"),
    Column("siret", "siret"),
    Column("verifiee_le", "last_verified_at", "datetime"),
    Column("mode_verification", "verification_method", "choice", VerificationMethod),
    Column("source", "source"),
    Column("identifiant_source", "source_id"),
    Column("source_mise_a_jour", "source_updated_at", "datetime"),
]
HEADER = [column.name for column in COLUMNS]
BY_NAME = {column.name: column for column in COLUMNS}
# Choices that may be empty; an empty type, status or wheelchair keeps the default.
BLANK_CHOICES = {"coordinates_source", "verification_method"}
# Columns of the entry's first source record (StructureSource), not of the Structure.
SOURCE_FIELDS = {"source", "source_id", "source_updated_at"}


# --- Export: a structure as a row ------------------------------------------------------------


def _datetime_text(value):
    return timezone.localtime(value).isoformat() if value else ""


def structure_row(structure, related, *, native=False):
    """The row of a structure, with its `related.Related` bundle.

    `native`: JSON values (booleans, numbers, lists, null) instead of CSV text.
    """
    row = {}
    for column in COLUMNS:
        if column.kind == "list":
            slugs = [item.slug for item in getattr(related, column.field)]
            value = slugs if native else LIST_SEPARATOR.join(slugs)
        elif column.kind == "hours":
            value = format_opening_hours(related.slots, related.exceptions, structure.holidays_rule)
        elif column.field == "neighbourhood":
            value = related.neighbourhood_slug
        elif column.field == "parent":
            value = related.parent_slug
        elif column.field in SOURCE_FIELDS:
            value = getattr(related.source, column.field, None) if related.source else None
            if column.kind == "datetime":
                value = _datetime_text(value) or (None if native else "")
            elif value is None:
                value = ""
        else:
            value = getattr(structure, column.field)
            if column.kind == "bool":
                value = value if native else ("oui" if value else "non")
            elif column.kind == "float":
                value = value if native or value is None else repr(value)
            elif column.kind == "datetime":
                value = _datetime_text(value) or (None if native else "")
        row[column.name] = "" if value is None and not native else value
    return row


def csv_lines(rows):
    """CSV text of the header then rows, one chunk per row (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet.neutralize(row[name]) for name in HEADER])
        yield buffer.getvalue()


# --- Import: a row as a Record -----------------------------------------------------------------


_QUICK_BOOLS = {"oui": True, "non": False, True: True, False: False}


def _to_bool(value):
    if value in _QUICK_BOOLS:  # what the export writes: no normalising needed
        return _QUICK_BOOLS[value]
    word = normalize(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("oui ou non attendu, pas « %(value)s »") % {"value": value})


def _to_float(value):
    if value is None or isinstance(value, int | float):
        return value
    text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("nombre attendu, pas « %(value)s »") % {"value": value}) from None


def _to_datetime(value):
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("date attendue au format 2025-03-01T10:00:00+01:00, pas « %(value)s »")
            % {"value": value}
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@functools.cache
def _codes(choices):
    return frozenset(choices.values)


def _to_choice(value, choices):
    """A code ('published') or its French label ('Publiée'), accents and case aside."""
    text = "" if value is None else str(value).strip()
    if text in _codes(choices):
        return text
    wanted = normalize(text)
    for choice in choices:
        if wanted in (normalize(choice.value), normalize(choice.label)):
            return choice.value
    raise ValueError(
        _("valeur « %(value)s » inconnue (possibles : %(choices)s)")
        % {"value": text, "choices": ", ".join(v for v in choices.values if v)}
    )


def _to_list(value):
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    text = "" if value is None else str(value)
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _text(value):
    return "" if value is None else str(value).strip()


def to_record(number, row):
    """A Record from a row of our format (CSV text or JSON values); absent columns untouched.

    A cell that cannot be read is set aside (the row goes in without it); control
    characters or a huge cell make the whole row invalid.
    """
    record = Record(number, _text(row.get("nom")) or _text(row.get("identifiant")) or "?")
    for name, raw in row.items():
        column = BY_NAME.get(name)
        if column is None:
            continue
        problem = bad_text(raw)
        if problem:
            record.errors.append(f"{name} : {problem}")
            continue
        try:
            if column.kind == "bool":
                record.values[column.field] = _to_bool(raw)
            elif column.kind == "float":
                record.values[column.field] = _to_float(raw)
            elif column.kind == "datetime":
                record.values[column.field] = _to_datetime(raw)
            elif column.kind == "choice":
                if _text(raw):
                    record.values[column.field] = _to_choice(raw, column.choices)
                elif column.field in BLANK_CHOICES:
                    record.values[column.field] = ""
            elif column.kind == "list":
                setattr(record, column.field, _to_list(raw))
            elif column.kind == "hours":
                record.hours = parse_opening_hours(_text(raw))
            elif column.kind == "phone":
                record.set_phone(name, _text(raw))
            elif column.field == "parent":
                record.parent_slug = _text(raw)
            elif column.field == "neighbourhood":
                record.neighbourhood_slug = _text(raw)
            else:
                record.values[column.field] = _text(raw)
        except ValueError as error:
            record.drop(name, raw, error)
    record.source = record.values.pop("source", "")
    record.source_id = record.values.pop("source_id", "")
    record.source_updated_at = record.values.pop("source_updated_at", None)
    record.slug = record.values.get("slug", "")
    if record.source and not record.source_id:
        record.errors.append(_("identifiant_source manquant alors que la source est indiquée"))
    if not record.source and not record.slug:
        record.errors.append(_("indiquez un identifiant, ou une source et son identifiant_source"))
    if record.values.get("insee_code"):
        record.communes = {record.values["insee_code"]}
    return record


def read_csv(stream):
    """Records of a CSV file in binary mode: UTF-8 with or without BOM, ';' or ','."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _read_csv(text)
    finally:
        # The caller's file stays the caller's to close, however the reading ended.
        text.detach()


def _read_csv(text):
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise ImportFileError(_("le fichier n'est pas en UTF-8.")) from None
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    header = [name.strip() for name in header]
    if "nom" not in header and "identifiant" not in header:
        raise ImportFileError(
            _("en-tête non reconnu : la première ligne doit nommer les colonnes (nom, type, …).")
        )
    unknown = [name for name in header if name and name not in BY_NAME]
    if unknown:
        raise ImportFileError(
            _("colonnes inconnues : %(columns)s (voir la liste dans le README)")
            % {"columns": ", ".join(unknown)}
        )
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    try:
        for cells in _rows(reader):
            if cells is None:  # a cell over the limit: csv gives up the row
                number, line = line + 1, reader.line_num + 1
                yield Record(
                    number,
                    "?",
                    errors=[
                        _("une cellule dépasse %(limit)s caractères") % {"limit": MAX_FIELD_CHARS}
                    ],
                )
                continue
            number, line = line + 1, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                yield Record(
                    number,
                    "?",
                    errors=[
                        _("%(found)s colonnes au lieu de %(expected)s")
                        % {"found": len(cells), "expected": len(header)}
                    ],
                )
                continue
            cells = [spreadsheet.restore(cell) for cell in cells]
            yield to_record(number, dict(zip(header, cells, strict=True)))
    except UnicodeDecodeError:
        raise ImportFileError(
            _("le fichier n'est pas en UTF-8 (vers la ligne %(line)s).") % {"line": line}
        ) from None
    except csv.Error as error:
        raise ImportFileError(
            _("CSV illisible vers la ligne %(line)s : %(error)s") % {"line": line, "error": error}
        ) from None


def _rows(reader):
    """The reader's rows, None for a row with a cell past the field limit."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" not in str(error):
                raise
            yield None


def read_json(stream):
    """Records of our JSON export (a list of objects), parsed as a stream."""
    number = 0
    try:
        for row in ijson.items(stream, "item", use_float=True):
            number += 1
            if not isinstance(row, dict):
                yield Record(number, "?", errors=[_("la fiche n'est pas un objet JSON")])
                continue
            unknown = [name for name in row if name not in BY_NAME]
            record = to_record(number, row)
            if unknown:
                record.errors.append(
                    _("champs inconnus : %(fields)s") % {"fields": ", ".join(unknown)}
                )
            yield record
    except ijson.JSONError as error:
        raise ImportFileError(
            _("JSON illisible après la fiche n° %(number)s : %(error)s")
            % {"number": number, "error": error}
        ) from None
