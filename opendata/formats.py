"""The import formats, by name, and the territory options shared by the command and the admin."""

import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import annuaire, tabular

READERS = {
    "annuaire": annuaire.read,
    "csv": tabular.read_csv,
    "json": tabular.read_json,
}
FORMAT_CHOICES = [
    ("annuaire", gettext_lazy("Annuaire de l'administration (JSON, fichier complet ou API)")),
    ("csv", gettext_lazy("CSV du guide (colonnes documentées)")),
    ("json", gettext_lazy("JSON du guide (export /export/structures.json)")),
]
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
