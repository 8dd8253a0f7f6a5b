"""Accessibility of every public page, in Chromium, with axe-core and a few checks of our own.

On each page, in French and in English: no axe violation of impact "serious" or
"critical", exactly one <h1>, no skipped heading level, <html lang> the page's language,
a skip link to #contenu that works from the keyboard, every form control labelled, and a
visible focus indicator on everything that takes focus. All pages are checked before the
test fails, with one report.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from actors.enums import Status
from tests.e2e.site import (
    make_breil,
    partner_pages,
    public_pages,
    set_desk_and_selection,
    sign_in_partner_a,
    speak,
)
from tests.factories import BREIL_CENTRE, make_structure
from tests.transit_feed import FEED_DIR
from transit.importer import import_feed

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

# The levels of the page's headings in order, those inside the map's popups included.
HEADING_LEVELS = """() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
    .filter((heading) => heading.checkVisibility())
    .map((heading) => Number(heading.tagName[1]))"""

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


def check_page(page, url, problems, notes, language="fr", status=200):
    """Open `url` (unless already there) and add what is wrong with it to `problems`."""
    found = []
    response = page.goto(url)
    if response is None or response.status != status:
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
    if lang != language:
        found.append(f'  <html lang="{lang}"> instead of "{language}"')
    levels = page.evaluate(HEADING_LEVELS)
    skipped = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    if skipped:
        found.append(f"  heading levels skipped: {skipped} in {levels}")
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


def _invitation_path(structure):
    from django.contrib.auth import get_user_model

    from partners.links import invitation_url
    from partners.models import Membership

    invited, _ = get_user_model().objects.get_or_create(
        username="invitee-axe", defaults={"email": "invitee@partenaire.example.org"}
    )
    Membership.objects.get_or_create(structure=structure, user=invited)
    return "/" + invitation_url(invited).split("://", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_public_page_is_accessible(
    reference_data, structure_a, partner_a, live_server, context, page, snap, capsys, language
):
    breil = make_breil()
    # The example network: cards and pages show their stops and line badges.
    import_feed(FEED_DIR, "exemple", is_example=True)
    # The passeur's desk and a visitor's selection, so the pages show them.
    set_desk_and_selection(page, breil)
    speak(context, live_server, language)

    problems, notes, checked = [], [], []
    for url in public_pages(breil):
        check_page(page, url, problems, notes, language)
        checked.append(url)
        if problems and problems[-1].startswith(url):
            snap(page, f"{len(checked):02d}")

    # An invitation's page, with a live link (its form to choose the first password).
    check_page(page, _invitation_path(structure_a), problems, notes, language)
    checked.append("invitation")

    # A search to correct: its errors tied to their fields.
    for url in [f"{reverse('actors:search')}?rayon=abc&besoin=inexistant&lat=abc&lon=1"]:
        check_page(page, url, problems, notes, language, status=400)
        checked.append(url)

    # Error pages: an unknown address, and a closed place with its nearest replacements.
    closed = make_structure(
        name="Lieu fermé (exemple)",
        needs=["stage-de-3e"],
        status=Status.ARCHIVED,
        at=BREIL_CENTRE,
        is_example=True,
    )
    for url, status in [("/nexiste-pas/", 404), (closed.get_absolute_url(), 410)]:
        check_page(page, url, problems, notes, language, status=status)
        checked.append(url)

    sign_in_partner_a(page, language)
    for url in partner_pages(structure_a):
        check_page(page, url, problems, notes, language)
        checked.append(url)
        if problems and problems[-1].startswith(url):
            snap(page, f"{len(checked):02d}")

    with capsys.disabled():
        print(f"\naxe and page checks ({language}) on {len(checked)} pages: " + ", ".join(checked))
        if notes:
            print("Moderate or minor axe findings, not blocking:\n" + "\n".join(notes))
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
