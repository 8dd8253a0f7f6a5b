"""Phone numbers as people write them: one canonical form stored, the French way shown."""

import random

import hypothesis
import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from hypothesis import strategies as st
from phonenumbers import PhoneNumber

from actors.phones import _french_prefix_exists, display_phone, normalize_phone, tel_uri
from tests.factories import make_structure


@pytest.mark.parametrize(
    "typed, stored, shown",
    [
        ("02 40 12 34 56", "+33240123456", "02 40 12 34 56"),
        ("02.40.12.34.56", "+33240123456", "02 40 12 34 56"),
        ("+33 2 40 12 34 56", "+33240123456", "02 40 12 34 56"),
        ("0033 2 40 12 34 56", "+33240123456", "02 40 12 34 56"),
        ("06 12 34 56 78", "+33612345678", "06 12 34 56 78"),
        ("39 49", "3949", "39 49"),  # France Travail's national number
        ("3230", "3230", "32 30"),  # the CAF's
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),  # a foreign number
        ("", "", ""),
    ],
)
def test_any_real_number_is_kept_in_one_form_and_shown_the_french_way(typed, stored, shown):
    assert normalize_phone(typed) == stored
    assert display_phone(stored) == shown


@pytest.mark.parametrize("typed", ["appelez-nous", "01 23", "12", "0" * 40])
def test_what_is_not_a_number_is_refused_in_french(typed):
    with pytest.raises(ValueError, match="[Nn]uméro"):
        normalize_phone(typed)


def test_tel_links_dial_the_number():
    assert tel_uri("+33240123456") == "tel:+33240123456"
    assert tel_uri("3949") == "tel:3949"
    assert tel_uri("02 40 12 34 56") == "tel:+33240123456"  # an old value, never normalised


@pytest.mark.django_db
def test_the_model_stores_the_canonical_form_and_refuses_the_rest():
    structure = make_structure(phone="39 49")
    assert structure.phone == "3949"
    structure.phone = "appelez-nous"
    with pytest.raises(ValidationError) as error:
        structure.full_clean()
    assert "phone" in error.value.message_dict


@pytest.mark.django_db
def test_pages_show_the_national_format():
    structure = make_structure(phone="+33240123456")
    html = Template(
        "{% load places %}<a href='{{ s.phone|tel_uri }}'>{{ s.phone|phone }}</a>"
    ).render(Context({"s": structure}))
    assert html == "<a href='tel:+33240123456'>02 40 12 34 56</a>"


@pytest.mark.django_db
def test_the_admin_accepts_a_short_number(staff_client):
    from django.urls import reverse

    from tests.admin_helpers import admin_post_data, empty_inlines

    structure = make_structure(name="Agence de démonstration (fictive)")
    url = reverse("admin:actors_structure_change", args=[structure.pk])
    data = admin_post_data(staff_client.get(url))
    data.update(phone="39 49", last_verified_at_0="", last_verified_at_1="")
    data.update(empty_inlines())
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    structure.refresh_from_db()
    assert structure.phone == "3949"
    assert structure.field_origins["phone"] == "manual"  # an agent's value: imports keep it
    page = staff_client.get(url).content.decode()
    assert 'value="39 49"' in page


@pytest.mark.django_db
def test_a_partner_may_propose_a_short_number_but_not_words(partner_a_client, structure_a):
    from django.urls import reverse

    from partners.models import ChangeProposal
    from tests.partners_helpers import proposal_post

    url = reverse("partners:propose", args=[structure_a.slug])
    refused = partner_a_client.post(url, proposal_post(structure_a, phone="appelez-nous"))
    assert refused.status_code == 200 and "Numéro de téléphone" in refused.content.decode()
    accepted = partner_a_client.post(url, proposal_post(structure_a, phone="39 49"))
    assert accepted.status_code == 302
    assert ChangeProposal.objects.get().changes == {"phone": "3949"}


@hypothesis.settings(max_examples=2000, deadline=None)
@hypothesis.given(
    digits=st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: d[0] != "0"),
    style=st.sampled_from(
        ["0{} {} {} {} {}", "+33 {}{} {} {} {}", "0{}.{}.{}.{}.{}", "0033{}{}{}{}{}"]
    ),
)
def test_the_quick_way_for_french_numbers_agrees_with_libphonenumber(digits, style):
    parts = [digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:9]]
    typed = style.format(*parts)
    number = phonenumbers.parse(typed, "FR")
    expected = (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number)
        else None
    )
    try:
        got = normalize_phone(typed)
    except ValueError:
        got = None
    assert got == expected, typed


def test_whether_a_french_number_exists_depends_on_its_first_five_digits_only():
    """What the quick way relies on, for every prefix, against another number of it."""
    rng = random.Random(7)
    for prefix in range(10_000, 100_000):
        # "0" + prefix + 4 digits, as phonenumbers.parse(…, "FR") reads it (built directly:
        # parsing 90,000 numbers took two thirds of this test).
        other = PhoneNumber(country_code=33, national_number=prefix * 10_000 + rng.randint(0, 9999))
        assert _french_prefix_exists(str(prefix)) == phonenumbers.is_valid_number(other), other
