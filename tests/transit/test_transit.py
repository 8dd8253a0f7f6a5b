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
    from tests.opendata.test_import_csv import GOOD, HEADER, run_import, write

    import_feed(feed_path, "fictif")
    path = write(tmp_path, [HEADER, GOOD])
    run_import(path, "--dry-run")
    assert not NearbyStop.objects.exists()

    run_import(path)

    cio = Stop.objects.get(gtfs_id="STA_BREIL").nearby_structures.get().structure
    assert cio.slug == "cio-des-essais"


def test_from_the_persons_position_a_card_gives_the_one_seat_ride_and_says_how_long(
    client, feed_path
):
    # The person stands by the Breil station; the place is by the Île stop, 3.6 km away.
    make_structure(
        name="Lieu au bout de la ligne (exemple)",
        needs=["stage-de-3e"],
        at=offset((47.20750, -1.54000), north_m=50),
    )
    import_feed(feed_path, "fictif")
    lat, lon = BREIL_CENTRE
    url = f"{reverse('actors:search')}?besoin=stage-de-3e&lat={lat}&lon={lon}&rayon=5"

    page = client.get(url).content.decode()

    assert "Tram T9 direction Arrêt Fictif Île, de Station Fictive Breil à Arrêt Fictif Île" in page
    # The weekday run: 12 minutes for 2 stops, plus the two walks.
    assert ": 2 arrêts, environ 12 min (15 min en tout avec la marche)" in page
    assert "— à pied : " in page


def test_no_ride_is_said_when_no_line_joins_the_two_places(client, feed_path):
    make_structure(name="Lieu près du bus (exemple)", needs=["stage-de-3e"], at=BREIL_CENTRE)
    import_feed(feed_path, "fictif")
    lat, lon = offset(BREIL_CENTRE, north_m=-1500)  # no stop within a walk of here
    url = f"{reverse('actors:search')}?besoin=stage-de-3e&lat={lat}&lon={lon}&rayon=5"

    page = client.get(url).content.decode()

    assert "card-transit" in page and "card-ride" not in page


def test_a_ride_of_one_stop_says_one_stop(client, feed_path):
    make_structure(name="Lieu au milieu (exemple)", needs=["stage-de-3e"], at=(47.22200, -1.55900))
    import_feed(feed_path, "fictif")
    lat, lon = BREIL_CENTRE
    url = f"{reverse('actors:search')}?besoin=stage-de-3e&lat={lat}&lon={lon}&rayon=5"

    page = client.get(url).content.decode()

    assert ": 1 arrêt, environ 5 min" in page


def test_walking_is_said_to_be_as_quick_when_it_is():
    from transit.rides import Ride
    from transit.templatetags.transit import ride_sentence

    ride = Ride("Tram T9", 1, "Arrêt Fictif Île", "Station A", "Station B", 1, 4, 3, 3)

    assert "— à pied, c&#x27;est aussi rapide : 9 min." in ride_sentence(ride, walking=9)
    assert "— à pied : 30 min." in ride_sentence(ride, walking=30)


def test_the_search_keeps_places_a_short_walk_from_a_tram_stop(client, feed_path):
    by_tram = make_structure(name="Lieu près du tram (exemple)", needs=["stage-de-3e"])
    by_bus = make_structure(
        name="Lieu près du bus seulement (exemple)",
        needs=["stage-de-3e"],
        at=offset((47.23611, -1.57373), east_m=150),
    )
    far = make_structure(
        name="Lieu loin des arrêts (exemple)",
        needs=["stage-de-3e"],
        at=offset(BREIL_CENTRE, north_m=-900),
    )
    import_feed(feed_path, "fictif")
    base = reverse("actors:search") + "?besoin=stage-de-3e&quartier=breil-barberie&rayon=3"

    def names(extra):
        return [s.name for s in client.get(base + extra).context["results"]]

    assert names("&pres_de=tram") == [by_tram.name]
    assert sorted(names("&pres_de=bus")) == sorted([by_tram.name, by_bus.name])
    assert far.name not in names("&pres_de=tout")
    assert client.get(base + "&pres_de=fusee").status_code == 400


def test_the_search_can_start_from_a_stop_named_as_people_say_it(client, feed_path):
    make_structure(name="Lieu près du tram (exemple)", needs=["stage-de-3e"])
    import_feed(feed_path, "fictif")
    url = reverse("actors:search") + "?besoin=stage-de-3e&arret="

    page = client.get(url + "station fictive breil").content.decode()
    assert "l&#x27;arrêt Station Fictive Breil" in page or "l'arrêt Station Fictive Breil" in page

    # Accents and case aside, a part of the name is enough; an unknown stop says so.
    response = client.get(url + "ILE")
    assert response.context["search"].origin.label == "l'arrêt Arrêt Fictif Île"
    missing = client.get(url + "Arrêt qui n'existe pas").content.decode()
    assert "Arrêt introuvable" in missing


def test_the_api_takes_the_same_transport_parameters(client, feed_path):
    make_structure(name="Lieu près du tram (exemple)", needs=["stage-de-3e"])
    import_feed(feed_path, "fictif")

    answer = client.get("/api/v1/structures/?pres_de=tram&arret=Station%20Fictive%20Breil").json()
    assert [item["name"] for item in answer["results"]] == ["Lieu près du tram (exemple)"]
    schema = client.get("/api/v1/schema/").content.decode()
    assert "pres_de" in schema and "arret" in schema


def test_an_agent_uploads_a_feed_in_the_admin_and_the_worker_imports_it(
    staff_client, settings, tmp_path, feed_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.opendata.test_opendata_admin import work
    from transit.models import FeedImport

    settings.OPENDATA_UPLOAD_DIR = str(tmp_path / "uploads")
    place = make_structure(at=BREIL_CENTRE)
    add = reverse("admin:transit_feedimport_add")
    assert staff_client.get(add).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            add,
            {
                "archive": SimpleUploadedFile("reseau.zip", feed_path.read_bytes()),
                "key": "fictif",
                "licence": "ODbL",
            },
        )
    assert response.status_code == 302
    run = FeedImport.objects.get()
    assert run.status == FeedImport.Status.PENDING and not place.nearby_stops.exists()

    work()

    run.refresh_from_db()
    assert run.status == FeedImport.Status.DONE, run.report
    assert "2 lignes" in run.report[0] and not run.stored_name
    assert place.nearby_stops.count() == 2
    page = staff_client.get(reverse("admin:transit_feedimport_change", args=[run.pk]))
    assert "2 lignes" in page.content.decode()


def test_a_bad_upload_is_reported_on_its_run_and_changes_nothing(
    staff_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.opendata.test_opendata_admin import work
    from transit.models import FeedImport

    settings.OPENDATA_UPLOAD_DIR = str(tmp_path / "uploads")
    broken = feed_zip(tmp_path / "casse.zip", leave_out=["stops.txt"])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:transit_feedimport_add"),
            {"archive": SimpleUploadedFile("casse.zip", broken.read_bytes()), "key": "fictif"},
        )
    work()

    run = FeedImport.objects.get()
    assert run.status == FeedImport.Status.FAILED
    assert run.report == ["fichier manquant dans l'archive : stops.txt"]
    assert not Feed.objects.exists()


def test_the_printed_neighbourhood_guide_says_how_to_get_there_in_words(client, feed_path):
    make_structure(name="Lieu près du tram (exemple)", at=BREIL_CENTRE)
    call_command("import_gtfs", str(FEED_DIR), "--network", "exemple", "--example")

    page = client.get(reverse("frontdesk:guide", args=["breil-barberie"])).content.decode()

    assert "Tram T9 — Station Fictive Breil, 2 min à pied (réseau fictif)" in page
    assert "Bus B99 — Arrêt Fictif Barberie, 4 min à pied (réseau fictif)" in page


def test_the_handout_says_in_words_which_stop_and_line_to_take(client, feed_path):
    place = make_structure(name="Lieu près du tram (exemple)", at=BREIL_CENTRE)
    import_feed(feed_path, "fictif")
    client.post(reverse("frontdesk:selection-add"), {"slug": place.slug})

    page = client.get(reverse("frontdesk:handout")).content.decode()

    assert "Tram T9 — Station Fictive Breil, 2 min à pied" in page
