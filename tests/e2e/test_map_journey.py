"""The results map shows one marker per place the API returns, clustered or not."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import BREIL_CENTRE, ILE_DE_NANTES, make_structure, offset

pytestmark = pytest.mark.e2e

QUERY = "besoin=stage-de-3e&quartier=breil-barberie"


def test_map_shows_as_many_markers_as_the_api_returns(reference_data, page, snap, browser_problems):
    # Six places in the same building (a cluster on the map) and three far apart.
    together = [
        make_structure(
            name=f"Permanence groupée {n} (exemple)",
            needs=["stage-de-3e"],
            at=offset(BREIL_CENTRE, north_m=5 * n, east_m=5 * n),
        )
        for n in range(6)
    ]
    apart = [
        make_structure(name=f"Lieu isolé {name} (exemple)", needs=["stage-de-3e"], at=point)
        for name, point in [
            ("nord", offset(BREIL_CENTRE, north_m=700)),
            ("sud", offset(BREIL_CENTRE, north_m=-700)),
            ("ouest", offset(BREIL_CENTRE, east_m=-700)),
        ]
    ]
    make_structure(name="Trop loin (exemple)", needs=["stage-de-3e"], at=ILE_DE_NANTES)
    make_structure(name="Autre besoin (exemple)", needs=["trouver-un-emploi"], at=BREIL_CENTRE)
    expected = {structure.name for structure in together + apart}

    page.goto(f"/carte/?{QUERY}")
    expect(page.locator("h1")).to_have_text("Carte des résultats")
    carte = page.locator("#map")
    expect(carte).to_have_attribute("data-ready", "true")
    snap(page, "carte")

    api = page.request.get(carte.get_attribute("data-geojson"))
    assert api.ok and "quartier=breil-barberie" in api.url
    features = api.json()["features"]
    assert {feature["properties"]["name"] for feature in features} == expected
    expect(carte).to_have_attribute("data-markers", str(len(features)))
    expect(page.locator("main h2").first).to_have_text(f"{len(features)} lieux")

    # What is drawn: single markers plus the counts shown on the clusters.
    singles = carte.locator(".leaflet-marker-pane img.leaflet-marker-icon")
    clusters = carte.locator(".leaflet-marker-pane .marker-cluster")
    expect(singles).to_have_count(len(apart))
    expect(clusters).to_have_count(1)
    in_clusters = sum(int(text) for text in clusters.all_inner_texts())
    assert singles.count() + in_clusters == len(features)
    assert {singles.nth(i).get_attribute("alt") for i in range(singles.count())} == {
        structure.name for structure in apart
    }

    # A single marker opens a popup linking to the place's page.
    north = apart[0]
    carte.get_by_role("button", name=north.name).click()
    popup = carte.locator(".leaflet-popup")
    expect(popup.locator("h2")).to_have_text(north.name)
    expect(popup.get_by_role("link", name="Voir la fiche")).to_have_attribute(
        "href", re.compile(re.escape(north.get_absolute_url()) + "$")
    )
    snap(page, "popup")

    # A click on the cluster zooms in on it: its places split into several
    # markers or smaller clusters, none lost (places outside the view are not drawn).
    clusters.first.click()
    page.wait_for_function(
        """(grouped) => {
            const pane = document.querySelector("#map .leaflet-marker-pane");
            const singles = Array.from(pane.querySelectorAll("img.leaflet-marker-icon"))
                .filter((marker) => marker.alt.startsWith("Permanence groupée")).length;
            const clusters = Array.from(pane.querySelectorAll(".marker-cluster"));
            const inClusters = clusters.reduce((sum, c) => sum + Number(c.textContent), 0);
            return singles + clusters.length > 1 && singles + inClusters === grouped;
        }""",
        arg=len(together),
    )
    snap(page, "groupe-ouvert")
    assert not browser_problems, browser_problems
