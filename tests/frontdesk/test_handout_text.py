"""One sheet that reads as people write: French dates and grouped hours, a walking time
always stated, nothing empty or stray printed, walking directions."""

import datetime
import html
import re
from collections import namedtuple
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from actors import geo
from actors.enums import ExceptionKind
from actors.models import OpeningException
from actors.opening import format_day, format_period, usual_week
from tests.factories import BREIL_CENTRE, make_structure, offset

T = datetime.time
D = datetime.date
Slot = namedtuple("Slot", "weekday opens closes")


def text(response):
    page = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_dates_are_written_the_french_way():
    assert format_day(D(2026, 12, 1)) == "1er décembre"
    assert format_day(D(2026, 12, 2), weekday=True) == "mercredi 2 décembre"
    assert format_period(D(2026, 12, 24), D(2027, 1, 1)) == "du 24 décembre au 1er janvier"
    assert format_period(D(2027, 7, 14), D(2027, 7, 14)) == "le 14 juillet"
    with translation.override("en"):
        assert format_day(D(2026, 12, 1), weekday=True) == "Tuesday 1 December"
        assert format_period(D(2026, 12, 24), D(2027, 1, 1)) == "from 24 December to 1 January"


def test_a_closure_reads_as_a_sentence():
    closure = OpeningException(
        starts_on=D(2026, 12, 24), ends_on=D(2027, 1, 1), kind=ExceptionKind.CLOSED
    )
    assert str(closure) == "Fermé du 24 décembre au 1er janvier"


def test_the_usual_week_groups_days_with_the_same_hours():
    week = [Slot(d, T(9), T(12)) for d in range(5)] + [Slot(d, T(14), T(17)) for d in range(5)]
    assert usual_week(week) == "lun.–ven. 9 h–12 h et 14 h–17 h"
    week += [Slot(5, T(9, 30), T(12))]
    assert usual_week(week) == "lun.–ven. 9 h–12 h et 14 h–17 h ; sam. 9 h 30–12 h"
    two_days = [Slot(0, T(9), T(12)), Slot(1, T(9), T(12)), Slot(3, T(14), T(16))]
    assert usual_week(two_days) == "lun., mar. 9 h–12 h ; jeu. 14 h–16 h"
    # Days apart with the same hours are said once (was "lun. 14 h–18 h ; mer. 14 h–18 h ; …").
    every_other = [Slot(d, T(14), T(18)) for d in (0, 2, 4)] + [Slot(1, T(9), T(12))]
    assert usual_week(every_other) == "lun., mer., ven. 14 h–18 h ; mar. 9 h–12 h"
    most_days = [Slot(d, T(9), T(12)) for d in (0, 2, 3, 4)]
    assert usual_week(most_days) == "lun., mer.–ven. 9 h–12 h"
    assert usual_week([]) == ""
    with translation.override("en"):
        assert usual_week(week[:1]) == "Mon 9:00–12:00"


def test_walking_directions_go_from_the_origin_when_known():
    url = geo.walking_directions_url((47.2, -1.5), (47.23611, -1.57704))
    assert url.startswith("https://www.openstreetmap.org/directions?")
    query = parse_qs(urlparse(url).query)
    assert query["engine"] == ["fossgis_osrm_foot"]
    assert query["route"] == ["47.23611,-1.57704;47.20000,-1.50000"]
    assert parse_qs(urlparse(geo.walking_directions_url((47.2, -1.5))).query)["route"] == [
        ";47.20000,-1.50000"
    ]


# --- The sheet ----------------------------------------------------------------------------


@pytest.fixture
def quiet_place(db):
    """A place that says little: no access mode, no phone, no transport, no hours."""
    return make_structure(
        name="Lieu discret (exemple)",
        at=offset(BREIL_CENTRE, north_m=300),
        walk_in=False,
        by_appointment=False,
        phone="",
    )


def _sheet(client, *places):
    for place in places:
        client.post(reverse("frontdesk:selection-add"), {"slug": place.slug})
    return client.get(reverse("frontdesk:handout"))


def test_without_a_desk_the_walk_is_counted_from_the_quartier_centre(client, quiet_place):
    body = text(_sheet(client, quiet_place))
    assert "à 300 m du centre du quartier Breil - Barberie, environ 5 min à pied" in body


def test_nothing_empty_or_stray_is_printed(client, quiet_place):
    body = text(_sheet(client, quiet_place))
    assert "Quand y aller : Horaires non renseignés." in body
    assert not re.search(r": \.|· \d|\s[.,;] |Téléphone : ?$", body)
    assert "Téléphone" not in body and "Transports" not in body


def test_the_desk_itself_is_on_site_not_0_m_away(client, db):
    desk = make_structure(name="Maison de quartier (exemple)", kind="maison-de-quartier")
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    response = _sheet(client, desk)
    body = text(response)
    assert "sur place" in body and "0 m" not in body
    assert "Itinéraire à pied" not in body


def test_the_sheet_links_walking_directions_from_the_desk(client, quiet_place):
    desk = make_structure(name="Maison de quartier (exemple)", kind="maison-de-quartier")
    client.post(reverse("frontdesk:desk-set"), {"slug": desk.slug})
    page = _sheet(client, quiet_place).content.decode()
    expected = geo.walking_directions_url(
        (quiet_place.latitude, quiet_place.longitude), (desk.latitude, desk.longitude)
    )
    assert html.escape(expected) in page and "Itinéraire à pied" in page


def test_the_sheet_gives_the_usual_week_grouped_and_the_closures_in_words(client, db):
    place = make_structure(
        name="CIO (exemple)",
        hours=[(d, T(9), T(12)) for d in range(5)] + [(d, T(14), T(17)) for d in range(5)],
    )
    today = timezone.localdate()
    OpeningException.objects.create(
        structure=place,
        starts_on=today + datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=28),
    )
    body = text(_sheet(client, place))
    assert "Horaires : lun.–ven. 9 h–12 h et 14 h–17 h ; fermé du " in body
    assert not re.search(r"\d{4}-\d\d-\d\d", body)  # no machine dates


def test_the_structure_page_offers_walking_directions(client, quiet_place):
    page = client.get(quiet_place.get_absolute_url()).content.decode()
    assert "Itinéraire à pied" in page
    assert "openstreetmap.org/directions" in page
