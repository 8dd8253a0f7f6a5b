"""The address origin, through the real geopy BANFrance client and a loopback BAN server."""

import time

import pytest
from django.core.cache import cache

from actors import search
from actors.geocoding import GeocoderUnavailable, geocode
from actors.models import GeocodedAddress
from tests.ban_server import BanServer, ban_server_fixture  # noqa: F401 (the ban_server fixture)
from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure, offset

pytestmark = pytest.mark.django_db

HOME = offset(ILE_DE_NANTES, north_m=50)


class SlowBanServer(BanServer):
    """Answers, but only after `delay` seconds."""

    delay = 0.0

    def answer(self, query):
        time.sleep(self.delay)
        return super().answer(query)


@pytest.fixture
def slow_ban(settings):
    server = SlowBanServer().start()
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_DOMAIN = server.domain
    settings.GEOCODER_TIMEOUT = 0.25  # seconds: a hanging geocoder costs the suite little
    yield server
    server.stop()


@pytest.fixture
def places():
    make_structure(name="Sur l'île", at=offset(ILE_DE_NANTES, east_m=100), needs=["stage-de-3e"])
    make_structure(name="Dans le Breil", at=offset(BREIL_CENTRE, east_m=100), needs=["stage-de-3e"])


def test_a_found_address_is_the_origin_and_is_cached(client, ban_server, places):
    ban_server.add("12 voie fictive de l'Île 44200 Nantes", *HOME)
    params = {"adresse": "12 voie fictive de l'Île 44200 Nantes", "besoin": "stage-de-3e"}
    response = client.get("/recherche/", params)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Sur l&#x27;île") < body.index("Dans le Breil")
    assert "12 voie fictive de l&#x27;Île 44200 Nantes" in body  # the origin, as the BAN labels it
    assert len(ban_server.queries) == 1
    client.get("/recherche/", params)
    client.get("/api/v1/structures/", params)
    assert len(ban_server.queries) == 1  # the cache answered
    assert GeocodedAddress.objects.get().found


def test_an_unknown_address_says_so_and_falls_back_to_the_quartier(client, ban_server, places):
    response = client.get(
        "/recherche/", {"adresse": "nulle part 44000", "quartier": "breil-barberie"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Adresse introuvable : « nulle part 44000 »" in body
    assert "centre du quartier Breil - Barberie" in body
    client.get("/recherche/", {"adresse": "Nulle part 44000"})
    assert len(ban_server.queries) == 1  # misses are cached too, whatever the case
    assert not GeocodedAddress.objects.get().found


def test_a_failing_geocoder_is_paused_and_the_page_still_answers(client, ban_server, places):
    ban_server.failing = True
    params = {"adresse": "12 voie fictive 44200", "quartier": "breil-barberie"}
    response = client.get("/recherche/", params)
    assert response.status_code == 200
    assert "ne répond pas pour le moment" in response.content.decode()
    # Left alone for GEOCODER_PAUSE_SECONDS: the next search falls back without asking.
    assert "ne répond pas" in client.get("/api/v1/structures/", params).json()["notices"][0]
    assert len(ban_server.queries) == 1
    ban_server.failing = False
    ban_server.add("12 voie fictive 44200", *HOME)
    cache.clear()  # the pause is over, and the fallback pages, kept no longer, with it
    assert "ne répond pas" not in client.get("/recherche/", params).content.decode()
    api = client.get("/api/v1/structures/", params).json()
    assert api["origin"]["kind"] == search.OriginKind.ADDRESS
    assert len(ban_server.queries) == 2  # the API's answer came from the database cache


def test_without_a_pause_every_search_asks_again_and_no_fallback_is_kept(
    client, ban_server, places, settings
):
    settings.GEOCODER_PAUSE_SECONDS = 0
    ban_server.failing = True
    params = {"adresse": "12 voie fictive 44200", "quartier": "breil-barberie"}
    assert "ne répond pas" in client.get("/recherche/", params).content.decode()
    with pytest.raises(GeocoderUnavailable):
        geocode("12 voie fictive 44200")
    assert len(ban_server.queries) == 2
    ban_server.failing = False
    ban_server.add("12 voie fictive 44200", *HOME)
    # The fallback page was not cached (page cache on): the same URL now starts from the address.
    assert "ne répond pas" not in client.get("/recherche/", params).content.decode()
    assert len(ban_server.queries) == 3


def test_a_slow_geocoder_times_out_and_falls_back_to_the_desk(client, slow_ban, places):
    desk = make_structure(name="Mon accueil", at=BREIL_CENTRE)
    slow_ban.delay = 1
    with pytest.raises(GeocoderUnavailable):
        geocode("3 voie fictive 44300")
    response = client.get(
        "/api/v1/structures/", {"adresse": "3 voie fictive 44300", "depuis": desk.slug}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["origin"]["kind"] == search.OriginKind.DESK
    assert "ne répond pas" in body["notices"][0]
    assert not GeocodedAddress.objects.exists()


def test_without_a_postcode_the_search_stays_in_nantes(ban_server):
    geocode("12 voie fictive des Tests")
    geocode("12 voie fictive des Tests 44300")
    assert ban_server.queries == [
        "12 voie fictive des Tests Nantes",
        "12 voie fictive des Tests 44300",
    ]


def test_the_closed_loopback_default_means_unavailable_not_internet():
    # Without a test server the suite's geocoder points at a closed local port.
    with pytest.raises(GeocoderUnavailable):
        geocode("1 voie fictive 44000")


def test_the_cache_keeps_no_typed_address_and_forgets_old_ones(ban_server, settings):
    import datetime

    from django.utils import timezone

    ban_server.add("12 voie fictive de l'Île 44200", *HOME)
    geocode("12 voie fictive de l'Île 44200")
    row = GeocodedAddress.objects.get()
    assert "voie" not in row.query and len(row.query) == 64  # a keyed hash, not the text
    old = timezone.now() - datetime.timedelta(days=settings.GEOCODER_CACHE_DAYS + 1)
    GeocodedAddress.objects.update(created_at=old)
    geocode("1 voie fictive inconnue 44000")  # any new answer purges the expired ones
    assert GeocodedAddress.objects.count() == 1
    assert GeocodedAddress.objects.get().created_at > old


def test_with_the_cache_down_a_hanging_geocoder_is_paused_in_this_process(
    client, slow_ban, places, settings, caplog
):
    # The pause lived in the cache only: with Redis down, every address search waited
    # for the geocoder's timeout.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }
    slow_ban.delay = 1  # longer than GEOCODER_TIMEOUT: it hangs
    params = {"adresse": "3 voie fictive 44300", "quartier": "breil-barberie"}
    asked = []
    for _ in range(3):
        response = client.get("/recherche/", params)
        assert response.status_code == 200
        assert "ne répond pas pour le moment" in response.content.decode()
        asked.append(len(slow_ban.queries))  # geopy's client retries a timed-out request
    assert asked[0] >= 1 and asked[1:] == [asked[0], asked[0]]  # then it is left alone
    assert "geocoder paused in this process only" in caplog.text
