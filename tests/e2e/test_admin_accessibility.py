"""Accessibility of the admin pages the guide adds, in Chromium, with axe-core.

The agents' pages of issue 19: the admin index with its panel of what waits, a
structure's readable history, the one-click « Vérifié par téléphone » page (with and
without a stale link) and the moderation page of a proposal with a conflict to
resolve. In French and in English: no axe violation of impact "serious" or
"critical", one <h1>, no skipped heading level, <html lang> the page's language and
every form control labelled. Django's admin has its own skip link (to its content),
so the public pages' skip-link check is not repeated here.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from actors.models import Actor, OpeningSlot
from partners.models import ChangeProposal, ErrorReport
from tests.e2e.site import speak
from tests.e2e.test_accessibility import AXE, BLOCKING, HEADING_LEVELS, RUN_AXE
from tests.factories import make_permanence, make_structure, need

pytestmark = pytest.mark.e2e

# Form controls without a name: no label (its text, or the alt of its image, as the
# admin's search box has), aria-label, aria-labelledby or title.
UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((control) => !["hidden", "submit", "button", "reset", "image"].includes(control.type))
    .filter((control) => {
        const named = (element) => element.textContent.trim() !== ""
            || Array.from(element.querySelectorAll("img[alt]")).some((img) => img.alt.trim());
        const byLabel = Array.from(control.labels || []).some(named);
        const byAria = (control.getAttribute("aria-label") || "").trim() !== "";
        const byReference = (control.getAttribute("aria-labelledby") || "").split(/\\s+/)
            .some((id) => id && document.getElementById(id)?.textContent.trim());
        const byTitle = (control.getAttribute("title") || "").trim() !== "";
        return !(byLabel || byAria || byReference || byTitle);
    })
    .map((control) => control.outerHTML.slice(0, 160))"""


@pytest.fixture
def context_options():
    # The Content-Security-Policy would refuse the injected axe script.
    return {"bypass_csp": True}


def sign_in_agent(page):
    page.goto(reverse("admin:login"))
    page.get_by_label("Nom d’utilisateur").fill("agent")
    page.get_by_label("Mot de passe").fill("motdepasse-agent")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/admin/")


def admin_pages(structure_a, partner_a):
    """What an agent meets in a day: each page filled as in use."""
    # A proposal whose phone changed on the live entry since: a conflict to resolve.
    proposal = ChangeProposal.propose(
        structure_a,
        by=partner_a,
        values={"phone": "+33261910001", "description": "Ateliers CV le mardi."},
    )
    structure_a.phone = "+33261910009"
    structure_a.save()
    ErrorReport.objects.create(structure=structure_a, message="Fermé le lundi (exemple)")

    # A stale entry without a partner, with a history: edits, a needs change, hours,
    # a professional and a permanence.
    stale = make_structure(
        name="Maison de quartier sans partenaire (exemple)",
        kind="maison-de-quartier",
        phone="02 61 91 00 07",
        needs=["stage-de-3e"],
        is_example=True,
    )
    stale.description = "Accueil de tous les publics."
    stale._change_reason = "Appel du 3 mars"
    stale.save()
    stale.needs.set([need("stage-de-3e"), need("trouver-un-emploi")])
    OpeningSlot.objects.create(
        structure=stale, weekday=1, opens=datetime.time(9), closes=datetime.time(12)
    )
    Actor.objects.create(structure=stale, name="Camille Exemple", role="Animatrice")
    make_permanence(stale, structure_a, title="Permanence Mission locale")
    old = timezone.now() - datetime.timedelta(days=800)
    type(stale).objects.filter(pk=stale.pk).update(last_verified_at=old)

    phone_check = reverse("admin:actors_structure_verified_by_phone", args=[stale.pk])
    # Each page, and what shows it is in use (so axe reads the filled page).
    return [
        (reverse("admin:index"), "#waiting-module .inline-verify button"),
        (
            reverse("admin:actors_structure_history", args=[stale.pk]),
            "#change-history tbody tr:nth-child(4) .history-changes",
        ),
        (phone_check, "#content-main form button[type=submit]"),
        # A stale link: the page says so, then asks.
        (f"{phone_check}?jeton=perime", ".messagelist .warning"),
        (reverse("admin:partners_changeproposal_changelist"), "#result_list tbody tr"),
        (
            reverse("admin:partners_changeproposal_change", args=[proposal.pk]),
            ".proposal-diff tr.conflict input[type=radio]",
        ),
    ]


def check_admin_page(page, url, shown, problems, notes, language):
    found = []
    response = page.goto(url)
    if response is None or response.status != 200:
        problems.append(f"{url}: answered {response and response.status}")
        return
    expect(page.locator(shown).first).to_be_visible()
    page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(RUN_AXE):
        targets = "\n".join(
            f"      {node['target']}: {node['html']}\n        {node['summary']}"
            for node in violation["nodes"][:8]
        )
        if violation["impact"] in BLOCKING:
            found.append(
                f"  axe {violation['impact']}: {violation['id']} — {violation['help']} "
                f"({violation['helpUrl']}), {len(violation['nodes'])} node(s):\n{targets}"
            )
        else:
            first = ", ".join(node["target"] for node in violation["nodes"][:3])
            notes.append(f"  {url}: {violation['impact']} {violation['id']} ({first})")
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
    if found:
        problems.append(f"{url}\n" + "\n".join(found))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_agents_pages_are_accessible(
    reference_data,
    structure_a,
    partner_a,
    staff_agent,
    live_server,
    context,
    page,
    snap,
    capsys,
    language,
):
    pages = admin_pages(structure_a, partner_a)
    sign_in_agent(page)
    speak(context, live_server, language)

    problems, notes = [], []
    for url, shown in pages:
        check_admin_page(page, url, shown, problems, notes, language)
        if problems and problems[-1].startswith(url):
            snap(page, url.strip("/").replace("/", "-"))

    with capsys.disabled():
        print(f"\naxe on the admin pages ({language}): " + ", ".join(url for url, _ in pages))
        if notes:
            print("Moderate or minor axe findings, not blocking:\n" + "\n".join(notes))
    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


LOOK = """(element) => {
    const style = getComputedStyle(element);
    return [style.backgroundColor, style.color, style.fontSize, style.borderRadius];
}"""


def test_accept_and_refuse_look_like_the_admins_own_buttons(
    reference_data, structure_a, partner_a, staff_agent, page
):
    proposal = ChangeProposal.propose(structure_a, by=partner_a, values={"phone": "+33261910001"})
    sign_in_agent(page)
    # The admin's own: "Enregistrer" and "Supprimer" on a structure's change page.
    page.goto(reverse("admin:actors_structure_change", args=[structure_a.pk]))
    save = page.locator(".submit-row input[name=_save]").evaluate(LOOK)
    delete = page.locator(".submit-row a.deletelink").evaluate(LOOK)

    page.goto(reverse("admin:partners_changeproposal_change", args=[proposal.pk]))
    accept = page.get_by_role("button", name="Accepter et publier").evaluate(LOOK)
    refuse = page.get_by_role("button", name="Refuser").evaluate(LOOK)
    assert accept[:2] == save[:2] and refuse[:2] == delete[:2]
    assert accept[2] == save[2] and accept[3] == save[3]
