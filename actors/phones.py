"""Phone numbers: one canonical form stored, the French national format shown.

Real numbers are not all ten digits: France Travail's national number is
`39 49`, the CAF's `32 30`; a partner may type `+33 2 40…`, `0033…` or a
foreign number. Google's libphonenumber (the `phonenumberslite` port, without
the geocoding data we do not use) knows every French numbering range,
including the short numbers:

- a full number is stored in E.164: `+33240123456`, `+442079460958`;
- a short number (3 to 6 digits, valid in France) as its digits: `3949`;
- shown as the French national format (`02 40 12 34 56`, `39 49`), a foreign
  one in its international format (`+44 20 7946 0958`).
"""

import contextlib
import functools
import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from phonenumbers import shortnumberinfo

REGION = "FR"
# Longer than any real number written with spaces and an extension: a bound on parsing.
MAX_LENGTH = 30
# The way nearly every French number is written: 0X XX XX XX XX, +33 X…, 0033 X…
_FRENCH = re.compile(r"^(?:\+33 ?(?:\(0\))? ?|0033 ?|0)([1-9](?:[ .-]?\d{2}){4})$")


@functools.lru_cache(maxsize=4096)
def normalize_phone(text):
    """The canonical form of a phone number; ValueError (French message) if it is not one."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > MAX_LENGTH:
        raise ValueError(_("Numéro de téléphone trop long."))
    if match := _FRENCH.match(text):
        # libphonenumber takes ~0.1 ms a number: 10 s for a national file. Whether a
        # French number exists depends on its first five digits in its plan (checked for
        # every prefix: tests/actors/test_phones.py), so that is asked once per prefix.
        national = "".join(c for c in match[1] if c.isdigit())
        if _french_prefix_exists(national[:5]):
            return f"+33{national}"
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        raise ValueError(
            _("Numéro de téléphone illisible : « %(value)s ».") % {"value": text}
        ) from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 33 and shortnumberinfo.is_valid_short_number_for_region(
        number, REGION
    ):
        return str(number.national_number)
    raise ValueError(
        _("Numéro de téléphone inconnu en France ou à l'étranger : « %(value)s ».")
        % {"value": text}
    )


@functools.cache  # at most 90,000 prefixes
def _french_prefix_exists(prefix):
    # "0{prefix}0000" as phonenumbers.parse(…, "FR") reads it, built without the parsing.
    number = phonenumbers.PhoneNumber(
        country_code=phonenumbers.country_code_for_region(REGION),
        national_number=int(prefix) * 10_000,
    )
    return phonenumbers.is_valid_number(number)


@functools.lru_cache(maxsize=4096)
def display_phone(value):
    """'+33240123456' → '02 40 12 34 56'; '3949' → '39 49'; anything unparsable as it is."""
    if not value:
        return ""
    if value.isdigit() and len(value) <= 6:
        # Short numbers as they are advertised: 39 49, 115, 116 000.
        if len(value) == 4:
            return f"{value[:2]} {value[2:]}"
        return f"{value[:3]} {value[3:]}" if len(value) == 6 else value
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def tel_uri(value):
    """The tel: link of a stored number (RFC 3966): global for full numbers, local for short."""
    canonical = value or ""
    with contextlib.suppress(ValueError):  # an old value never checked: dial what is written
        canonical = normalize_phone(value)
    digits = "".join(c for c in canonical if c.isdigit() or c == "+")
    return f"tel:{digits}"


@deconstructible
class PhoneValidator:
    """The model-level rule (admin, partners, imports alike): the value must be a number."""

    def __call__(self, value):
        try:
            normalize_phone(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid_phone") from None

    def __eq__(self, other):
        return isinstance(other, PhoneValidator)


class PhoneField(forms.CharField):
    """A form field that gives back the canonical form, so an unchanged number compares equal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return display_phone(value) if isinstance(value, str) else value

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return normalize_phone(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid_phone") from None
