import io

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from actors.models import Need, Neighbourhood, Public, Structure

pytestmark = pytest.mark.django_db

NANTES_QUARTIERS = {
    "centre-ville",
    "bellevue-chantenay-sainte-anne",
    "dervallieres-zola",
    "hauts-paves-saint-felix",
    "malakoff-saint-donatien",
    "ile-de-nantes",
    "breil-barberie",
    "nantes-nord",
    "nantes-erdre",
    "doulon-bottiere",
    "nantes-sud",
}

REQUIRED_NEEDS = {
    "stage-de-3e",
    "choisir-son-orientation",
    "parcoursup-etudes-superieures",
    "apprentissage-alternance",
    "trouver-une-formation",
    "cv-lettre-de-motivation",
    "trouver-un-emploi",
    "reconversion-bilan-de-competences",
    "decrochage-scolaire",
    "demarches-en-ligne-numerique",
    "handicap-et-orientation",
    "creer-son-activite",
}

REQUIRED_PUBLICS = {
    "collegiens",
    "lyceens",
    "etudiants",
    "jeunes-16-25",
    "parents",
    "demandeurs-emploi",
    "adultes-en-reconversion",
    "personnes-en-situation-de-handicap",
}


def test_the_eleven_quartiers_of_nantes_are_loaded_with_their_polygons():
    nantes = Neighbourhood.objects.filter(city="Nantes")
    assert set(nantes.values_list("slug", flat=True)) == NANTES_QUARTIERS
    breil = nantes.get(slug="breil-barberie")
    assert breil.name == "Breil - Barberie"
    assert breil.insee_code == "44109"
    assert breil.boundary["type"] == "Polygon"
    # The neighbouring communes' sub-areas come too (one has no geometry in the source).
    assert Neighbourhood.objects.exclude(city="Nantes").count() == 33


def test_loading_the_quartiers_twice_changes_nothing():
    out = io.StringIO()
    call_command("load_neighbourhoods", stdout=out, stderr=io.StringIO())
    assert "0 créées, 0 mises à jour, 44 inchangées" in out.getvalue()


def test_taxonomy_holds_the_required_needs_and_publics():
    assert set(Need.objects.values_list("slug", flat=True)) >= REQUIRED_NEEDS
    assert set(Public.objects.values_list("slug", flat=True)) >= REQUIRED_PUBLICS
    assert "stage 3e" in Need.objects.get(slug="stage-de-3e").synonym_list


def test_taxonomy_maps_to_real_data_inclusion_codes():
    thematiques = {t.value for t in v1.Thematique}
    publics = {p.value for p in v1.Public}
    for need in Need.objects.all():
        assert need.di_thematiques, need.slug
        assert set(need.di_thematiques) <= thematiques, need.slug
    for public in Public.objects.all():
        assert set(public.di_publics) <= publics, public.slug


def test_reloading_the_taxonomy_updates_instead_of_duplicating():
    before = Need.objects.count()
    call_command("loaddata", "needs", "publics", "languages", verbosity=0)
    assert Need.objects.count() == before


def _snapshot():
    return list(
        Structure.objects.filter(is_example=True)
        .order_by("slug")
        .values_list(
            "slug", "name", "kind", "status", "latitude", "longitude", "neighbourhood__slug"
        )
    )


def test_seed_demo_is_deterministic_and_marks_every_row_as_example():
    call_command("seed_demo", count=60, seed=7, stdout=io.StringIO())
    first = _snapshot()
    first_needs = sorted(
        Structure.needs.through.objects.values_list("structure__slug", "need__slug")
    )
    call_command("seed_demo", count=60, seed=7, replace=True, stdout=io.StringIO())
    assert _snapshot() == first
    assert (
        sorted(Structure.needs.through.objects.values_list("structure__slug", "need__slug"))
        == first_needs
    )
    assert len(first) == 60
    assert not Structure.objects.filter(is_example=False).exists()
    kinds = {row[2] for row in first}
    assert len(kinds) >= 5


def test_seed_demo_points_lie_inside_their_quartier():
    call_command("seed_demo", count=80, seed=2, stdout=io.StringIO())
    for structure in Structure.objects.select_related("neighbourhood"):
        assert structure.neighbourhood.contains(structure.latitude, structure.longitude)
        assert "exemple" in structure.name
        assert structure.phone.startswith("+3326191")  # ARCEP range reserved for fiction
        assert structure.email.endswith("@example.org")


def test_seed_demo_does_not_run_twice_without_replace():
    call_command("seed_demo", count=10, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", count=10, stdout=out)
    assert "nothing to do" in out.getvalue()
    assert Structure.objects.count() == 10


def test_seed_demo_replace_never_touches_real_entries():
    from tests.factories import make_structure

    real = make_structure(name="Vraie fiche")
    call_command("seed_demo", count=10, stdout=io.StringIO())
    call_command("seed_demo", count=10, replace=True, stdout=io.StringIO())
    assert Structure.objects.filter(pk=real.pk).exists()


def test_seed_demo_replace_refuses_to_drop_what_refers_to_examples():
    from django.core.management.base import CommandError

    from partners.models import ChangeProposal

    call_command("seed_demo", count=10, stdout=io.StringIO())
    example = Structure.objects.filter(is_example=True).first()
    proposal = ChangeProposal.objects.create(structure=example, changes={"phone": "02 61 91 00 00"})
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("seed_demo", count=10, seed=2, replace=True, stdout=io.StringIO())
    assert ChangeProposal.objects.filter(pk=proposal.pk).exists()
    assert Structure.objects.filter(pk=example.pk, name=example.name).exists()
    assert Structure.objects.count() == 10
