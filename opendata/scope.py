"""Which territory an import keeps: the communes and the département the command and the
admin accept (records elsewhere are counted and left out)."""

import re

from django.utils.translation import gettext as _

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
