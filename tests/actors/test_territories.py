"""Every quartier of the Région: layers of any kind, overlapping kinds, several communes.

The layers loaded here are fictional (fixtures/exemple-*.geojson): quartiers, IRIS and
QPVs around "Null Island" (0°, 0°), in communes of the non-existent département 00.
"""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from actors import geo, territories, vocabulary
from actors.enums import AreaKind
from actors.models import Neighbourhood, Structure
from tests.factories import make_structure

FIXTURES = "fixtures/"
QUARTIERS = FIXTURES + "exemple-quartiers-fictifs.geojson"
QPV = FIXTURES + "exemple-qpv-fictifs.geojson"
IRIS = FIXTURES + "exemple-iris-fictifs.geojson"
GENERIC = [
    "--name-field=quartier",
    "--city-field=ville",
    "--insee-field=code_commune",
    "--id-field=ref",
    "--kind=quartier",
    "--layer=exemple",
]
# Points of the fictional layers (latitude, longitude).
IN_TILLEULS_AND_QPV = (0.010, 0.018)  # Quartier fictif des Tilleuls, inside the QPV
NEAR_QPV = (0.010, 0.0135)  # Tilleuls, about 170 m west of the QPV
FAR_FROM_QPV = (0.015, 0.003)  # Tilleuls, far from any QPV
IN_HAMEAU_NORD = (0.015, 0.09)  # no quartier layer there: its IRIS


def tiles(page):
    """The quartiers a page lists as tiles (not the search form's options)."""
    return re.findall(r'<a class="tile" href="/quartiers/[^"]+/">([^<]+) <span', page)


def load(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_neighbourhoods", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def fictional_layers(db):
    """The three fictional layers, as a Région would load them."""
    load(QUARTIERS, *GENERIC)
    load(QPV, "--preset=qpv")
    load(IRIS, "--preset=iris")
    vocabulary.forget()


def write_layer(tmp_path, features, name="couche.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def square(x0, y0, x1, y1):
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


# --- Loading any layer --------------------------------------------------------------------


def test_the_generic_mapping_loads_a_layer_with_its_own_field_names(db):
    out, err = load(QUARTIERS, *GENERIC)
    assert "3 créées, 0 mises à jour, 0 inchangées, 1 écartées" in out
    tilleuls = Neighbourhood.objects.get(layer="exemple", source_id="VF-1")
    assert (tilleuls.name, tilleuls.city, tilleuls.insee_code, tilleuls.kind) == (
        "Quartier fictif des Tilleuls",
        "Villefictive",
        "00001",
        AreaKind.QUARTIER,
    )
    # Not the default territory: its commune is in its address and its name.
    assert tilleuls.slug == "villefictive-quartier-fictif-des-tilleuls"
    assert str(tilleuls) == "Quartier fictif des Tilleuls (Villefictive)"


def test_a_feature_without_geometry_is_reported_with_the_reason_and_what_to_do(db):
    _out, err = load(QUARTIERS, *GENERIC)
    assert "Bourg-d'Exemple / Quartier fictif sans contour (identifiant BE-2)" in err
    assert "pas de géométrie dans la couche" in err
    assert "dessinez son contour dans l'admin" in err


def test_loading_a_layer_again_updates_and_never_duplicates(db, tmp_path):
    load(QUARTIERS, *GENERIC)
    out, _err = load(QUARTIERS, *GENERIC)
    assert "0 créées, 0 mises à jour, 3 inchangées" in out
    # The producer renames a quartier and moves its boundary: same row, same address.
    layer = json.loads(Path(QUARTIERS).read_text(encoding="utf-8"))
    layer["features"][0]["properties"]["quartier"] = "Quartier fictif des Grands Tilleuls"
    layer["features"][0]["geometry"] = square(0.0, 0.0, 0.02, 0.021)
    out, _err = load(write_layer(tmp_path, layer["features"]), *GENERIC)
    assert "0 créées, 1 mises à jour, 2 inchangées" in out
    renamed = Neighbourhood.objects.get(layer="exemple", source_id="VF-1")
    assert renamed.name == "Quartier fictif des Grands Tilleuls"
    assert renamed.slug == "villefictive-quartier-fictif-des-tilleuls"
    assert renamed.max_latitude == pytest.approx(0.021)
    assert Neighbourhood.objects.filter(layer="exemple").count() == 3


def test_the_qpv_preset_reads_the_national_layers_field_names(db):
    out, _err = load(QPV, "--preset=qpv")
    assert "2 créées" in out
    qpv = Neighbourhood.objects.get(layer="qpv", source_id="QN00001X")
    assert qpv.kind == AreaKind.QPV
    assert (qpv.name, qpv.city, qpv.insee_code) == (
        "QPV fictif des Tours d'Exemple",
        "Villefictive",
        "00001",
    )
    assert qpv.slug.startswith("qpv-")
    assert Neighbourhood.objects.get(source_id="QN00002X").boundary["type"] == "MultiPolygon"


def test_the_iris_preset_reads_the_iris_field_names(db):
    out, _err = load(IRIS, "--preset=iris")
    assert "3 créées" in out
    nord = Neighbourhood.objects.get(layer="iris", source_id="000030101")
    assert (nord.kind, nord.name, nord.city, nord.insee_code) == (
        AreaKind.IRIS,
        "IRIS fictif du Hameau Nord",
        "Hameau-Fictif",
        "00003",
    )


def test_a_layer_can_be_cut_to_a_departement_or_to_communes(db):
    out, _err = load(IRIS, "--preset=iris", "--communes=00003")
    assert "2 créées" in out and "1 zone(s) hors du territoire demandé" in out
    with pytest.raises(CommandError, match="Aucune zone chargée"):
        load(QPV, "--preset=qpv", "--departement=49")


def test_features_that_cannot_be_areas_are_reported_and_the_others_load(db, tmp_path):
    def feature(name, geometry, ref):
        props = {"quartier": name, "ville": "Villefictive", "code_commune": "00001", "ref": ref}
        return {"type": "Feature", "properties": props, "geometry": geometry}

    bowtie = {  # a ring that crosses itself: repaired, not refused
        "type": "Polygon",
        "coordinates": [[[0, 0], [0.01, 0.01], [0.01, 0], [0, 0.01], [0, 0]]],
    }
    path = write_layer(
        tmp_path,
        [
            feature("Quartier fictif correct", square(0, 0, 0.01, 0.01), "1"),
            feature("Quartier fictif en un point", {"type": "Point", "coordinates": [0, 0]}, "2"),
            feature("Quartier fictif projeté", square(355000, 6689000, 356000, 6690000), "3"),
            {"type": "Feature", "properties": {"ville": "Villefictive", "ref": "4"}},
            feature("Quartier fictif en nœud papillon", bowtie, "5"),
        ],
    )
    out, err = load(path, *GENERIC)
    assert "2 créées, 0 mises à jour, 0 inchangées, 3 écartées" in out
    assert "1 contour(s) invalide(s)" in out
    assert "n'est pas un polygone (Point)" in err
    assert "ogr2ogr -f GeoJSON -t_srs EPSG:4326" in err
    assert "pas de nom (propriété quartier absente)" in err and "--name-field" in err
    repaired = Neighbourhood.objects.get(layer="exemple", source_id="5")
    assert repaired.boundary["type"] == "MultiPolygon"
    assert repaired.contains(0.005, 0.002) and repaired.contains(0.005, 0.008)


def test_a_file_that_breaks_half_way_writes_nothing(db, tmp_path):
    text = Path(QUARTIERS).read_text(encoding="utf-8")
    path = tmp_path / "coupee.geojson"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(CommandError, match="GeoJSON illisible"):
        load(str(path), *GENERIC)
    assert not Neighbourhood.objects.filter(layer="exemple").exists()


def test_display_polygons_are_simplified_but_the_exact_ones_decide(db, tmp_path):
    # A quartier whose edge wobbles by 1 m every 10 m: the display outline drops it.
    wobble = [[0.0001 * i, 0.00001 * (i % 2)] for i in range(0, 201)]
    ring = [*wobble, [0.02, 0.02], [0.0, 0.02], [0.0, 0.0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    props = {"quartier": "Quartier fictif ondulé", "ville": "Villefictive", "ref": "W"}
    load(
        write_layer(tmp_path, [{"type": "Feature", "properties": props, "geometry": geometry}]),
        *GENERIC,
    )
    area = Neighbourhood.objects.get(layer="exemple", source_id="W")
    assert len(area.display_boundary["coordinates"][0]) < 10 < len(ring)
    # Under a wobble's peak: outside the exact polygon, inside the simplified one.
    under_peak = (0.000005, 0.0001)
    assert geo.point_in_geometry(*under_peak, area.display_boundary)
    assert not area.contains(*under_peak)
    assert Neighbourhood.objects.locate(*under_peak) is None
    assert Neighbourhood.objects.locate(0.000015, 0.0001) == area


# --- Kinds that overlap -------------------------------------------------------------------


def test_a_place_gets_its_quartier_from_the_quartiers_and_its_qpv_apart(fictional_layers):
    inside = make_structure(name="Lieu fictif dans le QPV", at=IN_TILLEULS_AND_QPV)
    near = make_structure(name="Lieu fictif près du QPV", at=NEAR_QPV)
    far = make_structure(name="Lieu fictif loin du QPV", at=FAR_FROM_QPV)
    tilleuls = Neighbourhood.objects.get(source_id="VF-1")
    qpv = Neighbourhood.objects.get(source_id="QN00001X")
    # The IRIS covers all of Villefictive too: the quartier layer wins.
    assert inside.neighbourhood == near.neighbourhood == far.neighbourhood == tilleuls
    assert (inside.qpv, inside.qpv_distance_m, inside.in_qpv) == (qpv, 0, True)
    assert near.qpv == qpv and 150 < near.qpv_distance_m < 200 and not near.in_qpv
    assert far.qpv is None and far.qpv_distance_m is None


def test_where_no_quartier_layer_covers_a_place_its_iris_is_its_quartier(fictional_layers):
    place = make_structure(name="Lieu fictif du hameau", at=IN_HAMEAU_NORD)
    assert place.neighbourhood == Neighbourhood.objects.get(source_id="000030101")


def test_loading_a_layer_derives_the_places_already_there(db):
    load(QUARTIERS, *GENERIC)
    place = make_structure(name="Lieu fictif d'avant le QPV", at=IN_TILLEULS_AND_QPV)
    assert place.qpv is None
    out, _err = load(QPV, "--preset=qpv")
    assert "recalculé pour 1" in out
    place.refresh_from_db()
    assert place.qpv.source_id == "QN00001X" and place.in_qpv


def test_the_search_finds_places_in_or_near_a_qpv(client, fictional_layers):
    make_structure(name="Lieu fictif dans le QPV", at=IN_TILLEULS_AND_QPV)
    make_structure(name="Lieu fictif près du QPV", at=NEAR_QPV)
    make_structure(name="Lieu fictif loin du QPV", at=FAR_FROM_QPV)
    origin = "lat=0.01&lon=0.01&rayon=5"

    def names(qpv):
        data = client.get(f"/api/v1/structures/?{origin}&qpv={qpv}").json()
        return {item["name"] for item in data["results"]}

    assert names("dans") == {"Lieu fictif dans le QPV"}
    assert names("proche") == {"Lieu fictif dans le QPV", "Lieu fictif près du QPV"}
    page = client.get(f"/recherche/?{origin}").content.decode()
    assert 'name="qpv"' in page  # the form offers it: a QPV layer is loaded
    assert '<span class="badge badge-qpv">quartier prioritaire</span>' in page
    assert client.get(f"/recherche/?{origin}&qpv=partout").status_code == 400


def test_without_a_qpv_layer_the_form_does_not_offer_the_filter(client, db):
    assert 'name="qpv"' not in client.get("/recherche/?besoin=stage-de-3e").content.decode()


def test_a_place_page_says_it_is_in_or_near_a_quartier_prioritaire(client, fictional_layers):
    inside = make_structure(name="Lieu fictif dans le QPV", at=IN_TILLEULS_AND_QPV)
    near = make_structure(name="Lieu fictif près du QPV", at=NEAR_QPV)
    page = client.get(inside.get_absolute_url()).content.decode()
    assert "Dans le quartier prioritaire QPV fictif des Tours d&#x27;Exemple" in page
    page = client.get(near.get_absolute_url()).content.decode()
    assert "du quartier prioritaire QPV fictif des Tours d&#x27;Exemple" in page
    assert "À 170 m" in page or "À 180 m" in page


def test_a_qpv_page_lists_the_places_inside_it(client, fictional_layers):
    make_structure(name="Lieu fictif dans le QPV", at=IN_TILLEULS_AND_QPV)
    make_structure(name="Lieu fictif près du QPV", at=NEAR_QPV)
    qpv = Neighbourhood.objects.get(source_id="QN00001X")
    page = client.get(qpv.get_absolute_url()).content.decode()
    assert "Quartier prioritaire de la politique de la ville" in page
    assert "Lieu fictif dans le QPV" in page and "Lieu fictif près du QPV" not in page
    assert "qpv=proche" in page


# --- Several territories -----------------------------------------------------------------


def test_the_home_page_shows_the_default_territory_and_offers_the_others(client, fictional_layers):
    page = client.get("/").content.decode()
    assert "Par quartier de Nantes" in page and "Breil - Barberie" in tiles(page)
    assert "Quartier fictif des Tilleuls" not in tiles(page)
    assert '<option value="00001"' in page and ">Villefictive</option>" in page


def test_a_visitor_picks_another_commune_and_it_is_kept(client, fictional_layers):
    response = client.get("/?commune=00001")
    page = response.content.decode()
    assert "Par quartier de Villefictive" in page
    # The commune's IRIS overlaps its quartiers: the quartiers are what it lists.
    assert tiles(page) == ["Quartier fictif des Tilleuls", "Quartier fictif du Port"]
    assert response.cookies[territories.COOKIE].value == "00001"
    assert "Par quartier de Villefictive" in client.get("/").content.decode()
    # A commune by name works as well; an unknown one falls back on the kept choice.
    assert "Par quartier de Hameau-Fictif" in client.get("/?commune=hameau-fictif").content.decode()
    assert "Par quartier de Hameau-Fictif" in client.get("/?commune=Atlantide").content.decode()


def test_the_default_territory_comes_from_the_settings(client, fictional_layers, settings):
    settings.DEFAULT_TERRITORY = "Bourg-d'Exemple"
    vocabulary.forget()
    page = client.get("/").content.decode()
    assert "Par quartier de Bourg-d&#x27;Exemple" in page
    assert "Quartier fictif de la Gare" in page


def test_the_desks_commune_is_the_default_for_a_passeur(client, fictional_layers):
    desk = make_structure(name="Maison fictive de Villefictive", at=FAR_FROM_QPV)
    client.cookies["mon_accueil"] = desk.slug
    assert "Par quartier de Villefictive" in client.get("/").content.decode()


def test_the_quartier_list_groups_every_commune(client, fictional_layers):
    page = client.get("/quartiers/").content.decode()
    for commune in ("Nantes", "Villefictive", "Bourg-d&#x27;Exemple", "Hameau-Fictif"):
        assert f">{commune}</h2>" in page
    assert "IRIS fictif du Hameau Nord" in page


def test_a_search_from_a_quartier_of_another_territory(client, fictional_layers):
    place = make_structure(name="Lieu fictif des Tilleuls", at=FAR_FROM_QPV, needs=["stage-de-3e"])
    tilleuls = Neighbourhood.objects.get(source_id="VF-1")
    page = client.get(f"/recherche/?quartier={tilleuls.slug}&besoin=stage-de-3e").content.decode()
    assert place.name in page
    assert "centre du quartier Quartier fictif des Tilleuls" in page
    # The form lists the other communes' quartiers, the default territory's first.
    form = client.get("/recherche/").content.decode()
    assert form.index('<optgroup label="Nantes"') < form.index('<optgroup label="Villefictive"')
    assert f'<option value="{tilleuls.slug}">Quartier fictif des Tilleuls</option>' in form


def test_the_neighbourhood_page_and_guide_work_for_any_quartier(client, fictional_layers):
    make_structure(name="Lieu fictif des Tilleuls", at=FAR_FROM_QPV)
    tilleuls = Neighbourhood.objects.get(source_id="VF-1")
    page = client.get(tilleuls.get_absolute_url()).content.decode()
    assert "Lieu fictif des Tilleuls" in page
    assert client.get(f"/quartiers/{tilleuls.slug}/guide/").status_code == 200


def test_demo_data_is_seeded_for_any_loaded_territory(fictional_layers):
    call_command("seed_demo", count=30, territory="00001", stdout=io.StringIO())
    examples = Structure.objects.filter(is_example=True)
    villefictive = set(
        Neighbourhood.objects.filter(insee_code="00001", kind="quartier").values_list(
            "pk", flat=True
        )
    )
    inside = examples.filter(neighbourhood__in=villefictive).count()
    # 80 % in the territory, the rest in the other communes of its layer.
    assert inside >= 18
    assert set(examples.values_list("neighbourhood__insee_code", flat=True)) <= {"00001", "00002"}
    assert examples.filter(qpv__isnull=False).exists() or inside < 30
    with pytest.raises(CommandError, match="Territoire inconnu"):
        call_command(
            "seed_demo", count=3, territory="Atlantide", replace=True, stdout=io.StringIO()
        )


def test_the_dashboard_counts_searches_from_another_territory(
    client, staff_client, fictional_layers
):
    make_structure(name="Lieu fictif des Tilleuls", at=FAR_FROM_QPV, needs=["stage-de-3e"])
    tilleuls = Neighbourhood.objects.get(source_id="VF-1")
    client.get(f"/recherche/?lat={FAR_FROM_QPV[0]}&lon={FAR_FROM_QPV[1]}&besoin=stage-de-3e")
    page = staff_client.get(f"/tableau-de-bord/?quartier={tilleuls.slug}")
    assert page.status_code == 200
    assert "Quartier fictif des Tilleuls" in page.content.decode()


def test_searches_from_a_qpv_are_counted_for_the_dashboard(client, fictional_layers, settings):
    """The statistics say how many searches started inside a QPV, and how many of them found
    nothing within walking distance (insights.RecordedSearch.from_priority_area)."""
    from django.core.cache import caches

    from insights.models import RecordedSearch

    settings.SEARCH_CACHE_SECONDS = 0
    browser = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"}
    for lat, lon in (IN_TILLEULS_AND_QPV, FAR_FROM_QPV):
        caches["insights"].clear()
        client.get(
            "/recherche/", {"lat": lat, "lon": lon, "besoin": "stage-de-3e"}, headers=browser
        )
    inside, outside = RecordedSearch.objects.order_by("pk")
    assert inside.from_priority_area and not outside.from_priority_area
    summary = RecordedSearch.objects.summary()
    assert summary["from_priority_areas"] == 1 and summary["unanswered_in_priority_areas"] == 1


def test_a_qpvs_printed_guide_lists_the_places_inside_it(client, fictional_layers):
    make_structure(name="Lieu fictif dans le QPV", at=IN_TILLEULS_AND_QPV)
    make_structure(name="Lieu fictif loin du QPV", at=FAR_FROM_QPV)
    qpv = Neighbourhood.objects.get(source_id="QN00001X")
    page = client.get(reverse("frontdesk:guide", args=[qpv.slug])).content.decode()
    assert "Lieu fictif dans le QPV" in page
    assert "quartier prioritaire" in page.lower()


def test_an_imported_place_gets_its_quartier_and_its_qpv(fictional_layers, tmp_path):
    """The import locates places with the same index as the site (AreaIndex): a QPV is never
    taken for a place's quartier, and the place knows its QPV."""
    from tests.opendata.test_import_csv import HEADER, run_import, write

    lat, lon = IN_TILLEULS_AND_QPV
    row = (
        f"lieu-fictif-qpv;Lieu fictif importé;association;published;1 voie fictive;00000;"
        f"Villefictive;{lat};{lon};;;;;oui;"
    )
    run_import(write(tmp_path, [HEADER, row]))
    place = Structure.objects.get(name="Lieu fictif importé")
    assert place.neighbourhood == Neighbourhood.objects.get(source_id="VF-1")
    assert place.qpv == Neighbourhood.objects.get(source_id="QN00001X")
    assert place.qpv_distance_m == 0
