"""A partner proposes a change, a Région agent accepts it in the admin, the public page shows it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NEW_DESCRIPTION = (
    "Accueil des 16-25 ans : emploi, formation, logement. Nouveau : ateliers CV le mardi."
)
NEW_PHONE = "02 61 91 12 34"  # the range ARCEP keeps for fiction


def sign_in(page, username, password, *, user_label, button):
    page.get_by_label(user_label).fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name=button).click()


def test_partner_change_is_published_once_an_agent_accepts_it(
    reference_data, structure_a, partner_a, staff_agent, new_context, page, snap, browser_problems
):
    structure_a.description = "Ancienne description."
    structure_a.phone = "02 61 91 00 00"
    structure_a.save()

    # The partner signs in and proposes a new description and phone number.
    page.goto("/partenaires/connexion/")
    expect(page.locator("h1")).to_have_text("Espace partenaires")
    sign_in(
        page,
        "partenaire-a",
        "motdepasse-partenaire-a",
        user_label="Identifiant",
        button="Se connecter",
    )
    expect(page).to_have_url(re.compile(r"/partenaires/$"))
    expect(page.locator(".partner-structure h3")).to_have_text(structure_a.name)
    snap(page, "espace-partenaire")
    page.get_by_role("link", name="Proposer une modification").click()
    expect(page.locator("h1")).to_contain_text(structure_a.name)
    form = page.locator("form.partner-form")
    expect(form.get_by_label("Description :", exact=True)).to_have_value("Ancienne description.")
    form.get_by_label("Description :", exact=True).fill(NEW_DESCRIPTION)
    form.get_by_label("Téléphone :", exact=True).fill(NEW_PHONE)
    snap(page, "proposition")
    form.get_by_role("button", name="Envoyer la proposition").click()
    expect(page.locator(".messages")).to_contain_text("Votre proposition")
    expect(page.locator(".partner-structure")).to_contain_text("1 proposition en attente")

    # Nothing is public before moderation.
    page.goto(structure_a.get_absolute_url())
    expect(page.locator(".description")).to_have_text("Ancienne description.")

    # A Région agent, on another computer, moderates in the admin.
    admin = new_context().new_page()
    admin.goto("/admin/")
    sign_in(admin, "agent", "motdepasse-agent", user_label="Nom d’utilisateur", button="Connexion")
    admin.get_by_role("link", name=re.compile("^Propositions", re.I)).first.click()
    snap(admin, "file-de-moderation")
    queue = admin.locator("#result_list tbody tr")
    expect(queue).to_have_count(1)
    queue.first.locator("th a, td a").first.click()
    diff = admin.locator("table.proposal-diff")
    expect(diff).to_contain_text(NEW_DESCRIPTION)
    expect(diff).to_contain_text(NEW_PHONE)
    expect(diff).to_contain_text("Ancienne description.")
    snap(admin, "relecture")
    admin.get_by_role("button", name="Accepter et publier").click()
    expect(admin.locator(".messagelist")).to_contain_text("Proposition acceptée")
    expect(admin.locator("#result_list tbody tr")).to_have_count(0)

    # The public page now shows the partner's words, verified today.
    page.goto(structure_a.get_absolute_url())
    snap(page, "fiche-publique")
    expect(page.locator(".description")).to_have_text(NEW_DESCRIPTION)
    expect(page.get_by_role("link", name=NEW_PHONE)).to_have_attribute("href", re.compile("^tel:"))
    expect(page.locator(".freshness")).to_contain_text("Vérifié le")
    assert not browser_problems, browser_problems


def test_an_invited_partner_sets_a_password_and_gets_a_proposal_accepted(
    reference_data,
    structure_a,
    staff_agent,
    django_user_model,
    new_context,
    page,
    snap,
    browser_problems,
    mailoutbox,
):
    from partners.models import Membership

    invited = django_user_model.objects.create_user(
        "conseillere-ml", "conseillere@partenaire.example.org"
    )
    Membership.objects.create(structure=structure_a, user=invited)

    # A Région agent sends the invitation from the admin's list of members.
    admin = new_context().new_page()
    admin.goto("/admin/partners/membership/")
    sign_in(admin, "agent", "motdepasse-agent", user_label="Nom d’utilisateur", button="Connexion")
    admin.locator("#result_list tbody tr").first.locator("input[type=checkbox]").check()
    admin.locator("select[name=action]").select_option("invite")
    admin.locator("button[name=index], .actions button").first.click()
    expect(admin.locator(".messagelist")).to_contain_text("1 invitation envoyée.")
    (invitation,) = [m for m in mailoutbox if m.to == ["conseillere@partenaire.example.org"]]
    link = re.search(r"https?://\S+/partenaires/invitation/\S+/", invitation.body).group(0)

    # The partner opens the link, chooses a password and is in the partner space.
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.locator("h1")).to_have_text("Bienvenue dans l'espace partenaires")
    snap(page, "invitation")
    page.get_by_label("Nouveau mot de passe").fill("un-premier-secret-2026")
    page.get_by_label("Confirmez le mot de passe").fill("un-premier-secret-2026")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page).to_have_url(re.compile(r"/partenaires/$"))
    expect(page.locator(".messages")).to_contain_text("Bienvenue")
    expect(page.locator(".partner-structure h3")).to_have_text(structure_a.name)

    # The partner proposes a new phone number; the agent accepts it.
    page.get_by_role("link", name="Proposer une modification").click()
    page.locator("form.partner-form").get_by_label("Téléphone :", exact=True).fill(NEW_PHONE)
    page.get_by_role("button", name="Envoyer la proposition").click()
    expect(page.locator(".partner-structure")).to_contain_text("1 proposition en attente")

    admin.goto("/admin/")
    expect(admin.locator("#waiting-module")).to_contain_text("1 proposition en attente")
    admin.locator("#waiting-module").get_by_role("link", name=structure_a.name).first.click()
    admin.get_by_role("button", name="Accepter et publier").click()
    expect(admin.locator(".messagelist")).to_contain_text("Proposition acceptée")

    page.goto(structure_a.get_absolute_url())
    expect(page.get_by_role("link", name=NEW_PHONE)).to_have_attribute("href", re.compile("^tel:"))
    assert not browser_problems, browser_problems
