"""Public transport from the network's GTFS feed: the import, the stops near each place,
and what the pages show."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure, offset
from tests.transit_feed import FEED_DIR, feed_zip
from transit.gtfs import FeedError, read
from transit.importer import import_feed
from transit.models import Feed, NearbyStop, Pattern, Route, Stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_path(tmp_path):
    return feed_zip(tmp_path / "reseau-fictif.zip")


def test_the_feed_gives_lines_stops_and_each_lines_usual_run(feed_path):
    feed, parsed = import_feed(feed_path, "fictif", licence="ODbL (fictif)")

    assert feed.name == "Réseau fictif de test"
    assert feed.version == "fictif-2026-09"
    assert str(feed.valid_until) == "2027-07-05"
    tram = Route.objects.get(short_name="T9")
    assert (tram.mode, tram.label, tram.colour) == ("tram", "Tram T9", "007A3D")
    assert Route.objects.get(short_name="B99").label == "Bus B99"
    # The entrance is not a stop; the station carries the lines of its platforms.
    assert not Stop.objects.filter(name="Entrée Fictive").exists()
    station = Stop.objects.get(gtfs_id="STA_BREIL")
    assert station.is_station and station.platforms.count() == 2
    assert list(station.routes.values_list("short_name", flat=True)) == ["T9"]
    # The usual run is the weekday daytime one, not Saturday's longer one.
    outbound = Pattern.objects.get(route=tram, direction=0)
    calls = list(outbound.calls.values_list("stop__gtfs_id", "minutes"))
    assert calls == [("BREIL_A", 0), ("MILIEU", 5), ("ILE", 12)]
    assert outbound.headsign == "Arrêt Fictif Île"


def test_a_place_gets_the_stations_a_short_walk_away_nearest_first(feed_path):
    breil = make_structure(name="Lieu près du tram (exemple)", at=BREIL_CENTRE)
    far = make_structure(name="Lieu loin de tout (exemple)", at=offset(BREIL_CENTRE, north_m=-1500))

    import_feed(feed_path, "fictif")

    stops = list(breil.nearby_stops.values_list("stop__name", "walking_minutes"))
    # Two platforms ~100 m away: one station; the bus stop 250 m east (325 m walking).
    assert [name for name, _minutes in stops] == ["Station Fictive Breil", "Arrêt Fictif Barberie"]
    assert stops[0][1] == 2 and stops[1][1] == 4
    assert not far.nearby_stops.exists()


def test_a_place_that_moves_takes_its_new_stops_with_it(feed_path):
    import_feed(feed_path, "fictif")
    place = make_structure(name="Lieu qui déménage (exemple)", at=BREIL_CENTRE)
    assert place.nearby_stops.filter(stop__name="Station Fictive Breil").exists()

    place.latitude, place.longitude = ILE_DE_NANTES
    place.save()

    assert list(place.nearby_stops.values_list("stop__name", flat=True)) == ["Arrêt Fictif Île"]


def test_reimporting_replaces_the_network_and_never_duplicates_it(feed_path, tmp_path):
    place = make_structure(at=BREIL_CENTRE)
    import_feed(feed_path, "fictif")
    renamed = (FEED_DIR / "routes.txt").read_text().replace("T9,FICTIF,T9", "T9,FICTIF,T10")
    import_feed(feed_zip(tmp_path / "v2.zip", replace={"routes.txt": renamed}), "fictif")

    assert Feed.objects.count() == 1
    assert list(Route.objects.values_list("short_name", flat=True)) == ["T10", "B99"]
    assert Stop.objects.filter(gtfs_id="BREIL_A").count() == 1
    assert place.nearby_stops.count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"leave_out": ["stop_times.txt"]}, "fichier manquant dans l'archive : stop_times.txt"),
        (
            {"replace": {"stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nX,Fictif,abc,1\n"}},
            "stops.txt, ligne 2 : position invalide pour l'arrêt X",
        ),
        (
            {"replace": {"stop_times.txt": "trip_id,stop_id,stop_sequence\nNULLE,BREIL_A,1\n"}},
            "stop_times.txt, ligne 2 : course inconnue",
        ),
        ({"replace": {"routes.txt": "route_id,route_type\nT9,tram\n"}}, "type de ligne invalide"),
        ({"replace": {"trips.txt": "route_id,service_id,trip_id\nT9,S,\x00\n"}}, "ligne illisible"),
    ],
)
def test_a_bad_feed_is_refused_with_its_reason_and_changes_nothing(
    feed_path, tmp_path, change, message
):
    place = make_structure(at=BREIL_CENTRE)
    import_feed(feed_path, "fictif")
    before = list(NearbyStop.objects.values_list("structure", "stop", "distance_m"))

    broken = feed_zip(tmp_path / "casse.zip", **change)
    with pytest.raises(FeedError) as refused:
        import_feed(broken, "fictif")

    assert any(message in line for line in refused.value.errors), refused.value.errors
    assert list(NearbyStop.objects.values_list("structure", "stop", "distance_m")) == before
    assert Route.objects.count() == 2 and place.nearby_stops.count() == 2


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "pas-un-zip.zip"
    path.write_bytes(b"<html>fictif</html>")
    with pytest.raises(FeedError, match="n'est pas une archive GTFS lisible"):
        read(path)


def test_the_command_imports_and_says_what_it_read(feed_path, capsys):
    call_command("import_gtfs", str(feed_path), "--network", "fictif", "--example")
    assert "2 lignes" in capsys.readouterr().out
    assert Feed.objects.get().is_example

    with pytest.raises(CommandError, match="rien n'a été modifié"):
        call_command("import_gtfs", str(FEED_DIR / "stops.txt"), "--network", "fictif")


def test_the_structure_page_names_the_stops_and_their_lines_in_words(client, feed_path):
    place = make_structure(name="Lieu près du tram (exemple)", at=BREIL_CENTRE)
    import_feed(feed_path, "fictif")

    page = client.get(place.get_absolute_url()).content.decode()

    assert "Arrêts à quelques minutes à pied" in page
    assert "Station Fictive Breil" in page and "2 min à pied" in page
    assert 'class="line-badge line-' in page and ">Tram T9</span>" in page
    assert reverse("transit:lines_css") in page


def test_line_colours_come_in_a_stylesheet_that_keeps_the_text_readable(client, feed_path):
    import_feed(feed_path, "fictif")
    tram, bus = Route.objects.get(short_name="T9"), Route.objects.get(short_name="B99")

    css = client.get(reverse("transit:lines_css"))

    assert css["Content-Type"].startswith("text/css")
    text = css.content.decode()
    assert f".line-{tram.pk}{{background:#007A3D;color:#FFFFFF}}" in text
    # Yellow gives no text colour: black reads on it, white would not.
    assert f".line-{bus.pk}{{background:#FFD500;color:#000000}}" in text


def test_without_a_network_a_page_says_nothing_about_stops(client):
    place = make_structure(at=BREIL_CENTRE)
    assert "Arrêts à quelques minutes" not in client.get(place.get_absolute_url()).content.decode()


def test_a_result_card_gives_its_nearest_stop_with_no_query_per_card(client, feed_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import_feed(feed_path, "fictif")
    url = reverse("actors:search") + "?besoin=stage-de-3e&quartier=breil-barberie"
    make_structure(name="Lieu près du tram (exemple)", needs=["stage-de-3e"], at=BREIL_CENTRE)
    client.get(url + "&rayon=3")  # the taxonomy and the session, once
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    for n in range(3):
        make_structure(needs=["stage-de-3e"], at=offset(BREIL_CENTRE, east_m=10 * n))
    with CaptureQueriesContext(connection) as four:
        client.get(url + "&rayon=2")

    assert "Station Fictive Breil · 2 min à pied" in page
    assert 'class="card-transit"><span class="line-badge line-' in page
    assert len(four) == len(one)


def test_an_unzipped_feed_reads_the_same_and_an_example_network_says_it_is_fictional(client):
    place = make_structure(name="Lieu près du tram (exemple)", at=BREIL_CENTRE)
    call_command("import_gtfs", str(FEED_DIR), "--network", "exemple", "--example")

    assert place.nearby_stops.count() == 2
    page = client.get(place.get_absolute_url()).content.decode()
    assert "réseau fictif" in page
    about = client.get("/a-propos/donnees/").content.decode()
    assert "Réseau fictif de test, réseau fictif créé pour la démonstration" in about


def test_the_data_page_names_a_real_networks_licence_and_version(client, feed_path):
    import_feed(feed_path, "fictif", name="Réseau de test", licence="ODbL")

    about = client.get("/a-propos/donnees/").content.decode()

    assert "arrêts et lignes du réseau Réseau de test" in about
    assert "licence : ODbL" in about and "Version fictif-2026-09" in about
    assert (
        "valable jusqu&#x27;au 5 juillet 2027" in about
        or "valable jusqu'au 5 juillet 2027" in about
    )


def test_places_imported_in_bulk_get_their_stops_and_a_dry_run_writes_none(tmp_path, feed_path):
    from tests.test_import_csv import GOOD, HEADER, run_import, write

    import_feed(feed_path, "fictif")
    path = write(tmp_path, [HEADER, GOOD])
    run_import(path, "--dry-run")
    assert not NearbyStop.objects.exists()

    run_import(path)

    cio = Stop.objects.get(gtfs_id="STA_BREIL").nearby_structures.get().structure
    assert cio.slug == "cio-des-essais"
