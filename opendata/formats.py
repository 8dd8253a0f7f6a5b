"""The import formats, by name: each file checked whole, then read record by record."""

import codecs
import io

from django.utils.translation import gettext as _

from . import annuaire, datainclusion_reader, jsonstream, tabular
from .models import DATA_INCLUSION
from .records import ImportFileError

READERS = {
    "annuaire": annuaire.read,
    "csv": tabular.read_csv,
    "json": tabular.read_json,
    DATA_INCLUSION: datainclusion_reader.read_structures,
}
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
