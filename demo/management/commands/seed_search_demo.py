"""Example searches for the dashboard: "a morning of searches in the Breil", and a year before.

Each example is a real search run on the directory as it is (the demo
structures of seed_demo, usually), recorded the way the site records one, then
marked `is_example=True` and dated: the dashboard shows what the data would
say, and says that it is example data. Deterministic for a given --seed and day.
"""

import datetime
import random
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from actors import search as search_module
from actors import territories
from actors.models import Need, Neighbourhood, Structure
from demo.management.commands.seed_demo import PointSampler
from insights.models import Channel, MissedWord, RecordedSearch
from insights.words import count_words, unmatched_words

BREIL = "breil-barberie"
# What a front desk in the Breil is asked about (weights): the 3e internship first.
MORNING_NEEDS = {
    "stage-de-3e": 8,
    "cv-lettre-de-motivation": 5,
    "trouver-un-emploi": 4,
    "demarches-en-ligne-numerique": 3,
    "parcoursup-etudes-superieures": 2,
    "apprentissage-alternance": 2,
    "handicap-et-orientation": 1,
    "reconversion-bilan-de-competences": 1,
    "creer-son-activite": 1,
    "mobilite-internationale": 1,
}
# Free text typed at the desk, as people say it: some words the guide knows, some it does
# not (yet): the dashboard's "pas compris" (searches run as they are, so a word the search
# learns is understood here too).
MORNING_FREE_TEXT = [
    "stage 3ème",
    "parcoursupp",
    "apprentisage",
    "internship",
    "logement",
    "permis de conduire",
    "titre de séjour",
    "job d'été",
    "boulot",
    "stage",
    "cv",
]
# The radius choices of the search form: at a front desk, "within 500 m" is a real question.
RADII = [None, None, None, "1", "0.5"]
PUBLIC_FOR_NEED = {"stage-de-3e": "collegiens", "parcoursup-etudes-superieures": "lyceens"}


class Command(BaseCommand):
    help = (
        "Crée des recherches d'exemple pour le tableau de bord : une matinée de recherches "
        "au Breil, et des recherches dans les quartiers de Nantes sur l'année écoulée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--morning", type=int, default=40, help="Recherches ce matin au Breil.")
        parser.add_argument("--days", type=int, default=365, help="Jours d'historique avant.")
        parser.add_argument("--per-day", type=int, default=3, help="Recherches par jour avant.")
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument(
            "--territory",
            default="",
            help="Commune (nom ou code INSEE) des recherches de l'année (défaut : le territoire "
            "par défaut).",
        )
        parser.add_argument(
            "--quartier",
            default="",
            help="Quartier de la matinée (défaut : le Breil s'il est chargé, sinon le plus grand "
            "quartier du territoire).",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Supprime d'abord les recherches d'exemple."
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Supprime les recherches d'exemple, sans en créer.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if options["delete"] or options["replace"]:
            deleted, _ = RecordedSearch.objects.filter(is_example=True).delete()
            MissedWord.objects.filter(is_example=True).delete()
            self.stdout.write(f"{deleted} recherches d'exemple supprimées.")
            if options["delete"]:
                return
        rng = random.Random(options["seed"])
        territory = territories.find(options["territory"]) or territories.default()
        if territory is None:
            raise CommandError("Aucun quartier chargé : lancez d'abord load_neighbourhoods.")
        morning = self._morning_quartier(options["quartier"], territory)
        self.needs = {need.slug: need for need in Need.objects.all()}
        self.outcomes = {}
        self.missed = {}  # id(row) → the words its search did not understand
        today = timezone.localdate()
        rows = [
            self._example(params, today, rng)
            for params in self._morning_in(morning, rng, options["morning"])
        ]
        # Before this morning: searches from the territory's quartiers (each distinct search
        # runs once).
        neighbourhoods = list(
            Neighbourhood.objects.filter(pk__in=[n.pk for n in territory.neighbourhoods]).only(
                "slug"
            )
        )
        for days_ago in range(1, options["days"] + 1):
            day = today - datetime.timedelta(days=days_ago)
            for _search in range(rng.randint(0, 2 * options["per_day"])):
                rows.append(self._example(self._anywhere(rng, neighbourhoods), day, rng))
        RecordedSearch.objects.bulk_create(rows, batch_size=500)
        for row in rows:
            count_words(self.missed.get(id(row), []), row.day, is_example=True)
        self.stdout.write(
            f"{len(rows)} recherches d'exemple créées, dont {options['morning']} ce matin "
            f"({morning.name})."
        )

    def _morning_quartier(self, slug, territory):
        if slug:
            found = Neighbourhood.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"Quartier inconnu : « {slug} ».")
            return found
        return (
            Neighbourhood.objects.filter(slug=BREIL).first()
            or Neighbourhood.objects.filter(pk__in=[n.pk for n in territory.neighbourhoods])
            .order_by("-area_m2")
            .first()
        )

    def _morning_in(self, breil, rng, count):
        desks = list(
            Structure.objects.published().filter(neighbourhood=breil).values_list("slug", flat=True)
        )[:3]
        sampler = PointSampler(breil.boundary, rng)
        for _search in range(count):
            if rng.random() < 0.2:
                yield {"q": rng.choice(MORNING_FREE_TEXT), "quartier": BREIL}
                continue
            need = self._weighted(rng, MORNING_NEEDS)
            params = {"besoin": need}
            if need in PUBLIC_FOR_NEED and rng.random() < 0.5:
                params["public"] = PUBLIC_FOR_NEED[need]
            if radius := rng.choice(RADII):
                params["rayon"] = radius
            start = rng.random()
            if desks and start < 0.4:
                params["depuis"] = rng.choice(desks)
            elif start < 0.7:
                lat, lon = sampler.point()
                params.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}")
            else:
                params["quartier"] = breil.slug
            yield params

    def _anywhere(self, rng, neighbourhoods):
        params = {"quartier": rng.choice(neighbourhoods).slug}
        if rng.random() < 0.05:
            params["q"] = rng.choice(MORNING_FREE_TEXT)
        elif rng.random() < 0.85:
            params["besoin"] = rng.choice(sorted(self.needs))
        if radius := rng.choice(RADII):
            params["rayon"] = radius
        return params

    def _weighted(self, rng, weights):
        slugs = [slug for slug in weights if slug in self.needs]
        return rng.choices(slugs, [weights[slug] for slug in slugs])[0]

    def _example(self, params, day, rng):
        """The row the site would record for these parameters (searches run once each)."""
        key = tuple(sorted(params.items()))
        if key not in self.outcomes:
            search = search_module.run(QueryDict(urlencode(params)))
            if not search.is_valid:
                raise CommandError(f"Invalid example search {params}: {search.errors}")
            first = search.page(1).object_list
            missed = unmatched_words(search)
            row = RecordedSearch.from_search(
                search, first, channel=Channel.SITE, not_understood=bool(missed)
            )
            self.outcomes[key] = row, missed
        row, missed = self.outcomes[key]
        example = RecordedSearch(
            day=day,
            channel=Channel.API if rng.random() < 0.1 else Channel.SITE,
            needs=row.needs,
            publics=row.publics,
            neighbourhood_id=row.neighbourhood_id,
            origin_kind=row.origin_kind,
            results_nearby=row.results_nearby,
            nearest_m=row.nearest_m,
            not_understood=row.not_understood,
            is_example=True,
        )
        if missed:
            self.missed[id(example)] = missed
        return example
