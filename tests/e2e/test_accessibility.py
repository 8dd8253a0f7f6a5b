"""Accessibility of every public page, in Chromium, with axe-core and a few checks of our own.

On each page: no axe violation of impact "serious" or "critical", exactly one
<h1>, <html lang="fr">, a skip link to #contenu that works from the keyboard,
every form control labelled, and a visible focus indicator on everything that
takes focus. All pages are checked before the test fails, with one report.
"""

import datetime
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests.factories import BREIL_CENTRE, make_permanence, make_structure, offset

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BLOCKING = {"serious", "critical"}

RUN_AXE = """async () => {
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        helpUrl: violation.helpUrl,
        nodes: violation.nodes.map((node) => ({
            target: node.target.join(" "),
            html: node.html.slice(0, 200),
            summary: (node.failureSummary || "").split("\\n").slice(0, 2).join(" "),
        })),
    }));
}"""

# Form controls a person fills in, without a label, aria-label, aria-labelledby or title.
UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((control) => !["hidden", "submit", "button", "reset", "image"].includes(control.type))
    .filter((control) => {
        const byLabel = Array.from(control.labels || [])
            .some((label) => label.textContent.trim() !== "");
        const byAria = (control.getAttribute("aria-label") || "").trim() !== "";
        const byReference = (control.getAttribute("aria-labelledby") || "").split(/\\s+/)
            .some((id) => id && document.getElementById(id)?.textContent.trim());
        const byTitle = (control.getAttribute("title") || "").trim() !== "";
        return !(byLabel || byAria || byReference || byTitle);
    })
    .map((control) => control.outerHTML.slice(0, 160))"""

TABBABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex='0']"

# Every element reachable with Tab, focused in turn after a keyboard interaction:
# those drawing neither an outline nor a box-shadow when focused.
NO_VISIBLE_FOCUS = """() => {
    const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
    const missing = [];
    for (const element of document.querySelectorAll(selector)) {
        if (element.tabIndex < 0 || element.disabled || element.type === "hidden") continue;
        if (!element.checkVisibility({ visibilityProperty: true })) continue;
        element.focus();
        if (document.activeElement !== element) continue;
        const style = getComputedStyle(element);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        if (!outline && style.boxShadow === "none") missing.push(element.outerHTML.slice(0, 160));
    }
    return missing;
}"""


@pytest.fixture
def context_options():
    # A Content-Security-Policy would refuse the injected axe script: these pages
    # are checked for accessibility, not for their policy (the journeys keep it).
    return {"bypass_csp": True}


def optional_url(name, *args):
    """A page that exists only once its app is installed (e.g. "À propos des données")."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def check_page(page, url, problems, notes):
    """Open `url` (unless already there) and add what is wrong with it to `problems`."""
    found = []
    response = page.goto(url)
    if response is None or response.status >= 400:
        problems.append(f"{url}: answered {response and response.status}")
        return
    if page.locator("#map").count():
        expect(page.locator("#map")).to_have_attribute("data-ready", "true")

    # Folded parts ("Plus de critères", "Signaler une erreur") are checked unfolded.
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(RUN_AXE):
        nodes = "\n".join(
            f"      {node['target']}: {node['html']}\n        {node['summary']}"
            for node in violation["nodes"][:8]
        )
        if violation["impact"] in BLOCKING:
            found.append(
                f"  axe {violation['impact']}: {violation['id']} — {violation['help']} "
                f"({violation['helpUrl']}), {len(violation['nodes'])} node(s):\n{nodes}"
            )
        else:
            targets = ", ".join(node["target"] for node in violation["nodes"][:3])
            notes.append(f"  {url}: {violation['impact']} {violation['id']} ({targets})")

    h1 = page.locator("h1").count()
    if h1 != 1:
        found.append(f"  {h1} <h1> elements instead of one")
    lang = page.locator("html").get_attribute("lang")
    if lang != "fr":
        found.append(f'  <html lang="{lang}"> instead of "fr"')
    for control in page.evaluate(UNLABELLED):
        found.append(f"  unlabelled form control: {control}")

    # The skip link: first in the Tab order, on screen when focused, and Enter
    # moves the focus to the content. (A sign-in form may focus its first field
    # on load: then the skip link is focused directly.)
    autofocused = page.evaluate("() => document.activeElement !== document.body")
    first = page.evaluate("(css) => document.querySelector(css).getAttribute('href')", TABBABLE)
    if first != "#contenu":
        found.append(f"  the first Tab stop is {first!r}, not the skip link to #contenu")
    else:
        if autofocused:
            page.evaluate("(css) => document.querySelector(css).focus()", TABBABLE)
        else:
            page.keyboard.press("Tab")
        on_screen = page.evaluate(
            "() => { const r = document.activeElement.getBoundingClientRect();"
            " return document.activeElement.getAttribute('href') === '#contenu'"
            " && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.width > 1; }"
        )
        if not on_screen:
            found.append("  the skip link is not focused on screen")
        page.keyboard.press("Enter")
        if page.evaluate("() => document.activeElement.id") != "contenu":
            found.append("  the skip link does not move the focus to #contenu")
    for element in page.evaluate(NO_VISIBLE_FOCUS):
        found.append(f"  no visible focus: {element}")

    if found:
        problems.append(f"{url}\n" + "\n".join(found))


def test_every_public_page_is_accessible(
    reference_data, structure_a, partner_a, page, snap, capsys
):
    desk = make_structure(
        name="Maison de quartier du Breil (exemple)",
        kind="maison-de-quartier",
        is_example=True,
    )
    places = [
        make_structure(
            name=f"Lieu d'orientation {n} (exemple)",
            kind=kind,
            needs=["stage-de-3e", "choisir-son-orientation"],
            publics=["collegiens"] if n == 1 else [],
            hours=[(weekday, datetime.time(9), datetime.time(12)) for weekday in range(5)],
            at=offset(BREIL_CENTRE, north_m=120 * n, east_m=-80 * n),
            is_example=True,
            phone="02 61 91 00 0" + str(n),
            description="Un lieu fictif pour les tests.",
            public_transport="Tram 3, arrêt fictif",
        )
        for n, kind in enumerate(
            ["cio", "mission-locale", "information-jeunesse", "association"], start=1
        )
    ]
    make_permanence(places[2], places[1], title="Permanence Mission locale", needs=["stage-de-3e"])
    structure = places[0]

    # The passeur's desk and a visitor's selection, so the pages show them.
    page.goto(reverse("frontdesk:desk"))
    page.get_by_role("button", name=f"Choisir {desk.name}").click()
    for place in places[:2]:
        page.goto(place.get_absolute_url())
        page.get_by_role("button", name=f"Ajouter à la fiche : {place.name}").click()
        expect(
            page.get_by_role("button", name=f"Retirer de la fiche : {place.name}")
        ).to_be_visible()

    search = "besoin=stage-de-3e&quartier=breil-barberie"
    public_pages = [
        reverse("actors:home"),
        f"{reverse('actors:search')}?{search}",
        f"{reverse('frontdesk:map')}?{search}",
        reverse("actors:neighbourhoods"),
        reverse("actors:neighbourhood", args=["breil-barberie"]),
        structure.get_absolute_url(),
        places[2].get_absolute_url(),  # hosts a permanence
        reverse("frontdesk:selection"),
        reverse("frontdesk:handout"),
        reverse("frontdesk:guide", args=["breil-barberie"]),
        reverse("frontdesk:desk"),
        reverse("reports:report", args=[structure.slug]),
        optional_url("insights:about-data"),
        reverse("partners:login"),
    ]
    partner_pages = [
        reverse("partners:home"),
        reverse("partners:propose", args=[structure_a.slug]),
        reverse("partners:propose_new"),
    ]
    problems, notes, checked = [], [], []
    for url in filter(None, public_pages):
        check_page(page, url, problems, notes)
        checked.append(url)
        if problems and problems[-1].startswith(url):
            snap(page, f"{len(checked):02d}")

    page.goto(reverse("partners:login"))
    page.get_by_label("Identifiant").fill("partenaire-a")
    page.get_by_label("Mot de passe").fill("motdepasse-partenaire-a")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".partner-structure")).to_have_count(1)
    for url in partner_pages:
        check_page(page, url, problems, notes)
        checked.append(url)
        if problems and problems[-1].startswith(url):
            snap(page, f"{len(checked):02d}")

    with capsys.disabled():
        print(f"\naxe and page checks on {len(checked)} pages: " + ", ".join(checked))
        if notes:
            print("Moderate or minor axe findings, not blocking:\n" + "\n".join(notes))
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
