"""The import formats, by name, and the territory options shared by the command and the admin."""

import codecs
import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import annuaire, datainclusion_reader, jsonstream, tabular
from .records import ImportFileError

DATA_INCLUSION = "data-inclusion"
READERS = {
    "annuaire": annuaire.read,
    "csv": tabular.read_csv,
    "json": tabular.read_json,
    DATA_INCLUSION: datainclusion_reader.read_structures,
}
FORMAT_CHOICES = [
    ("annuaire", gettext_lazy("Annuaire de l'administration (JSON, fichier complet ou API)")),
    (DATA_INCLUSION, gettext_lazy("data·inclusion (structures et services, JSON ou API)")),
    ("csv", gettext_lazy("CSV du guide (colonnes documentées)")),
    ("json", gettext_lazy("JSON du guide (export /export/structures.json)")),
]
CHUNK = 1 << 20


def _check_text(stream):
    """ImportFileError unless the whole file decodes as UTF-8 (checked a MB at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("le fichier n'est pas en UTF-8 (octet n° %(offset)s).")
            % {"offset": offset + error.start}
        ) from None
    stream.seek(0)


def records(format, stream, *, services=None):
    """The records of a file, once the whole file (and the services file) is known readable.

    A broken file (truncated or too deeply nested JSON, bad encoding) is refused
    before the first record, so before anything is written (ImportFileError,
    raised when the records are first read: inside the import's transaction).
    """
    if format == "csv":
        _check_text(stream)
    else:
        jsonstream.check(stream)
    if services is not None:
        jsonstream.check(services)
    yield from READERS[format](stream)


def service_records(stream, *, checked=False):
    """The service records of a data·inclusion services file."""
    if not checked:
        jsonstream.check(stream)
    yield from datainclusion_reader.read_services(stream)


_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_DEPARTEMENT = re.compile(r"^(\d{2,3}|2[AB])$")


def parse_communes(text):
    """'44109, 44143' → ['44109', '44143']; ValueError with a French message."""
    codes = [code.strip().upper() for code in (text or "").split(",") if code.strip()]
    bad = [code for code in codes if not _COMMUNE.match(code)]
    if bad:
        raise ValueError(
            _("codes INSEE de communes invalides : %(codes)s (5 caractères, ex. 44109)")
            % {"codes": ", ".join(bad)}
        )
    return codes


def parse_departement(text):
    code = (text or "").strip().upper()
    if code and not _DEPARTEMENT.match(code):
        raise ValueError(
            _("code de département invalide : « %(code)s » (ex. 44, 2A, 974)") % {"code": code}
        )
    return code


class ProgressReader(io.RawIOBase):
    """A binary file that moves a tqdm bar as it is read (bytes of the whole file)."""

    def __init__(self, raw, bar):
        self.raw, self.bar = raw, bar

    def readable(self):
        return True

    def seekable(self):
        return self.raw.seekable()

    def seek(self, offset, whence=io.SEEK_SET):
        position = self.raw.seek(offset, whence)
        self.bar.n = position
        self.bar.refresh()
        return position

    def tell(self):
        return self.raw.tell()

    def readinto(self, buffer):
        count = self.raw.readinto(buffer)
        self.bar.update(count or 0)
        return count

    def close(self):
        # The file it reads is closed with it (io.RawIOBase.close closes only itself).
        try:
            self.raw.close()
        finally:
            super().close()
