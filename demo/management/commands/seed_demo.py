"""Deterministic, clearly fictional example data spread over the real quartiers.

Every row is `is_example=True`, every name says "exemple", addresses are
"voie fictive", phone numbers come from the ranges ARCEP reserves for fiction
(02 61 91 xx xx, stored in E.164 as +3326191xxxx) and e-mails use example.org:
nothing can be mistaken for a real institution's details.
"""

import bisect
import collections
import datetime
import itertools
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone, translation

from actors import geo, territories, vocabulary
from actors.bulkinsert import delete_selected, insert_rows, select_in
from actors.enums import (
    ContactVisibility,
    CoordinatesSource,
    ExceptionKind,
    HolidaysRule,
    Recurrence,
    Status,
    StructureKind,
    VerificationMethod,
    Wheelchair,
)
from actors.models import (
    Actor,
    Language,
    Need,
    Neighbourhood,
    OpeningException,
    OpeningSlot,
    Permanence,
    Public,
    Structure,
)
from actors.text import normalize

K = StructureKind

# kind: (weight, fictional names, needs served, publics, actor roles)
KINDS = {
    K.MAISON_DE_QUARTIER: (
        15,
        ["Maison de quartier des Tilleuls", "Centre socioculturel du Jardin", "Maison des Haubans"],
        [
            "stage-de-3e",
            "cv-lettre-de-motivation",
            "demarches-en-ligne-numerique",
            "decouvrir-les-metiers",
        ],
        ["collegiens", "parents", "jeunes-16-25", "habitants-qpv", "tous-publics"],
        ["Animatrice ou animateur jeunesse", "Chargée ou chargé d'accueil"],
    ),
    K.ASSOCIATION: (
        18,
        [
            "Association Cap Avenir",
            "Association Tremplin",
            "Collectif Les Passerelles",
            "Atelier Envol",
        ],
        [
            "cv-lettre-de-motivation",
            "trouver-un-emploi",
            "stage-de-3e",
            "decrochage-scolaire",
            "creer-son-activite",
            "mobilite-internationale",
        ],
        ["jeunes-16-25", "demandeurs-emploi", "collegiens", "personnes-exilees", "habitants-qpv"],
        ["Bénévole d'accompagnement", "Coordinatrice ou coordinateur"],
    ),
    K.ETABLISSEMENT_SCOLAIRE: (
        13,
        [
            "Collège des Érables",
            "Lycée des Deux Rives",
            "Lycée professionnel du Canal",
            "Collège du Vallon",
        ],
        [
            "choisir-son-orientation",
            "stage-de-3e",
            "parcoursup-etudes-superieures",
            "apprentissage-alternance",
        ],
        ["collegiens", "lyceens", "parents"],
        ["Psychologue de l'Éducation nationale (PsyEN)", "Professeure ou professeur principal"],
    ),
    K.ESPACE_NUMERIQUE: (
        8,
        ["Espace numérique du Pont", "Point numérique des Prés", "Atelier numérique Clic"],
        [
            "demarches-en-ligne-numerique",
            "cv-lettre-de-motivation",
            "parcoursup-etudes-superieures",
        ],
        ["tous-publics", "demandeurs-emploi", "parents"],
        ["Médiatrice ou médiateur numérique", "Conseillère ou conseiller numérique"],
    ),
    K.MAIRIE_DE_QUARTIER: (
        5,
        ["Mairie annexe des Écluses", "Accueil municipal du Parc"],
        ["demarches-en-ligne-numerique", "stage-de-3e"],
        ["tous-publics", "parents"],
        ["Agente ou agent d'accueil"],
    ),
    K.INFORMATION_JEUNESSE: (
        6,
        ["Point information jeunesse du Port", "Bureau information jeunesse des Quais"],
        [
            "stage-de-3e",
            "trouver-un-emploi",
            "mobilite-internationale",
            "parcoursup-etudes-superieures",
            "apprentissage-alternance",
        ],
        ["collegiens", "lyceens", "etudiants", "jeunes-16-25"],
        ["Informatrice ou informateur jeunesse"],
    ),
    K.MISSION_LOCALE: (
        5,
        ["Mission locale, antenne des Marronniers", "Mission locale, antenne du Fleuve"],
        [
            "trouver-un-emploi",
            "apprentissage-alternance",
            "trouver-une-formation",
            "decrochage-scolaire",
            "cv-lettre-de-motivation",
        ],
        ["jeunes-16-25"],
        ["Conseillère ou conseiller Mission locale", "Chargée ou chargé de relations entreprises"],
    ),
    K.CIO: (
        4,
        ["CIO des Cèdres", "CIO des Peupliers"],
        [
            "choisir-son-orientation",
            "parcoursup-etudes-superieures",
            "decrochage-scolaire",
            "handicap-et-orientation",
        ],
        ["collegiens", "lyceens", "etudiants", "parents", "adultes-en-reconversion"],
        ["Psychologue de l'Éducation nationale (PsyEN)", "Directrice ou directeur de CIO"],
    ),
    K.FRANCE_TRAVAIL: (
        4,
        ["France Travail, agence des Bruyères", "France Travail, agence du Coteau"],
        [
            "trouver-un-emploi",
            "trouver-une-formation",
            "reconversion-bilan-de-competences",
            "creer-son-activite",
        ],
        ["demandeurs-emploi", "adultes-en-reconversion", "jeunes-16-25"],
        ["Conseillère ou conseiller emploi"],
    ),
    K.CAP_EMPLOI: (
        2,
        ["Cap emploi, antenne des Saules"],
        ["handicap-et-orientation", "trouver-un-emploi", "reconversion-bilan-de-competences"],
        ["personnes-en-situation-de-handicap", "demandeurs-emploi"],
        ["Chargée ou chargé d'accompagnement"],
    ),
    K.E2C: (
        2,
        ["École de la 2e chance des Ormes"],
        ["decrochage-scolaire", "trouver-une-formation", "apprentissage-alternance"],
        ["jeunes-16-25"],
        ["Formatrice ou formateur référent"],
    ),
    K.ONISEP: (
        1,
        ["Point ONISEP de démonstration"],
        ["choisir-son-orientation", "decouvrir-les-metiers", "parcoursup-etudes-superieures"],
        ["collegiens", "lyceens", "parents"],
        ["Chargée ou chargé d'information"],
    ),
    K.CARIF_OREF: (
        1,
        ["Carif-Oref, point relais de démonstration"],
        ["trouver-une-formation", "reconversion-bilan-de-competences", "decouvrir-les-metiers"],
        ["adultes-en-reconversion", "demandeurs-emploi", "salaries"],
        ["Chargée ou chargé d'information formation"],
    ),
    K.CHAMBRE_CONSULAIRE: (
        3,
        [
            "Point apprentissage de la chambre des métiers (exemple)",
            "Espace entreprendre (exemple)",
        ],
        ["apprentissage-alternance", "creer-son-activite", "decouvrir-les-metiers"],
        ["jeunes-16-25", "adultes-en-reconversion", "salaries"],
        ["Développeuse ou développeur de l'apprentissage"],
    ),
    K.AUTRE: (
        6,
        ["Bibliothèque des Glycines", "Centre de bilan Horizon", "Espace emploi des Lilas"],
        [
            "reconversion-bilan-de-competences",
            "demarches-en-ligne-numerique",
            "decouvrir-les-metiers",
            "cv-lettre-de-motivation",
        ],
        ["tous-publics", "adultes-en-reconversion", "salaries"],
        ["Conseillère ou conseiller en évolution professionnelle"],
    ),
}

# Kinds that hold permanences in other places (the nearby answer in a quartier).
PROVIDER_KINDS = [K.MISSION_LOCALE, K.CIO, K.FRANCE_TRAVAIL, K.CAP_EMPLOI, K.INFORMATION_JEUNESSE]
HOST_KINDS = [
    K.MAISON_DE_QUARTIER,
    K.MAIRIE_DE_QUARTIER,
    K.ESPACE_NUMERIQUE,
    K.ETABLISSEMENT_SCOLAIRE,
]
PERMANENCE_KINDS = frozenset(PROVIDER_KINDS + HOST_KINDS)

POSTCODES = {
    "Nantes": "44000",
    "Rezé": "44400",
    "Orvault": "44700",
    "Vertou": "44120",
    "Saint-Herblain": "44800",
    "Les Sorinières": "44840",
}

T = datetime.time
HOUR_PATTERNS = [
    # (weekdays, [(opens, closes), ...]) — lunch breaks are two slots.
    (range(5), [(T(9), T(12, 30)), (T(13, 30), T(17, 30))]),
    (range(5), [(T(9), T(17))]),
    (range(1, 6), [(T(10), T(12)), (T(14), T(18, 30))]),
    (range(4), [(T(8, 30), T(12)), (T(13, 30), T(17))]),
    ((0, 2, 4), [(T(14), T(18))]),
    ((1, 2, 3, 4, 5), [(T(9, 30), T(12, 30))]),
]

# What an agent would write for the English pages (the second example is left to show
# the French fallback, marked as French).
WHAT_TO_BRING_EN = {"Une pièce d'identité": "An identity document"}
TRANSPORT = [
    "Tram {line}, arrêt fictif « Exemple », puis {minutes} minutes à pied",
    "Bus C{line}, arrêt fictif « Démonstration »",
    "Busway, station fictive « Exemple », {minutes} minutes à pied",
]

BATCH = 2000

# What permanences need to know of a seeded structure (model instances cost ~50 µs each).
Seeded = collections.namedtuple("Seeded", "pk kind status")
# Structures generated and written at a time (with their needs, hours, actors…).
CHUNK = 20_000

WHEELCHAIR = [
    w.value for w in (Wheelchair.YES, Wheelchair.PARTIAL, Wheelchair.NO, Wheelchair.UNKNOWN)
]
CLOSED_ON_HOLIDAYS, OPEN_ON_HOLIDAYS = HolidaysRule.CLOSED.value, HolidaysRule.OPEN.value


class PointSampler:
    """Draws random points inside a quartier's polygon, fast enough for 100,000 points.

    Rejection sampling would test a point against ~1,000 vertices per try. Instead,
    `lines` horizontal scanlines are cut once against every edge; a point is then a
    scanline (weighted by its inside length) and a uniform position along its inside
    intervals: O(1) per point after set-up. Demonstration data only.
    """

    def __init__(self, geometry, rng, lines=200):
        self.rng = rng
        polygon = geo.geometry_shape(geometry)
        _, min_lat, _, max_lat = polygon.bounds
        span = max_lat - min_lat
        latitudes = [min_lat + span * (k + rng.random()) / lines for k in range(lines)]
        crossings = [[] for _ in latitudes]
        for part in getattr(polygon, "geoms", [polygon]):
            for ring in (part.exterior, *part.interiors):
                coordinates = list(ring.coords)
                for (x0, y0), (x1, y1) in zip(coordinates, coordinates[1:], strict=False):
                    if y0 == y1:
                        continue
                    # Only the scanlines between the edge's ends can cross it.
                    first = bisect.bisect_left(latitudes, min(y0, y1))
                    last = bisect.bisect_left(latitudes, max(y0, y1))
                    for k in range(first, last):
                        lat = latitudes[k]
                        crossings[k].append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
        self.scanlines = []  # (lat, [(x0, x1), ...], inside length)
        for lat, xs in zip(latitudes, crossings, strict=True):
            xs.sort()
            intervals = list(zip(xs[::2], xs[1::2], strict=False))
            length = sum(x1 - x0 for x0, x1 in intervals)
            if length > 0:
                self.scanlines.append((lat, intervals, length))
        if not self.scanlines:
            raise ValueError("Degenerate geometry")
        self.weights = list(itertools.accumulate(length for _, _, length in self.scanlines))

    def point(self):
        lat, intervals, length = self.rng.choices(self.scanlines, cum_weights=self.weights)[0]
        offset = self.rng.uniform(0, length)
        for x0, x1 in intervals:
            if offset <= x1 - x0:
                return lat, x0 + offset
            offset -= x1 - x0
        return lat, intervals[-1][1]


class Command(BaseCommand):
    help = (
        "Crée des structures d'exemple fictives, déterministes, réparties dans les vrais quartiers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=300, help="nombre de structures (défaut 300)"
        )
        parser.add_argument("--seed", type=int, default=1, help="graine aléatoire (défaut 1)")
        parser.add_argument(
            "--territory",
            default="",
            help=(
                "commune (nom ou code INSEE) où placer la plupart des structures : 80 %% dans "
                "ses quartiers, le reste dans les autres communes de sa couche "
                "(défaut : DEFAULT_TERRITORY)"
            ),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="supprime d'abord les données d'exemple existantes (jamais les vraies fiches)",
        )

    def handle(self, *args, count, seed, replace, territory="", **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        neighbourhoods = list(
            Neighbourhood.objects.quartiers().defer("display_boundary").order_by("slug")
        )
        needs = {n.slug: n for n in Need.objects.all()}
        publics = {p.slug: p for p in Public.objects.all()}
        languages = {lang.slug: lang for lang in Language.objects.all()}
        if not neighbourhoods or not needs or not publics:
            raise CommandError(
                "Load the neighbourhoods and the taxonomy first: "
                "manage.py load_neighbourhoods && manage.py loaddata needs publics languages"
            )
        existing = Structure.objects.filter(is_example=True)
        if existing.exists() and not replace:
            self.stdout.write(
                f"Example data already present ({existing.count()} structures): nothing to do. "
                "Use --replace to rebuild it."
            )
            return
        home = self._territory(territory)
        if replace:
            self._check_nothing_refers_to_examples()
        started = time.monotonic()
        # DEBUG keeps every query and its parameters in memory: off for bulk writes.
        with override_settings(DEBUG=False), transaction.atomic(), translation.override("fr"):
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks queue one trigger event per row until
                # COMMIT; checking each row as it arrives is markedly faster here.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if replace:
                self._delete_examples()
            created = self._create(
                count, random.Random(seed), home, neighbourhoods, needs, publics, languages
            )
            if Neighbourhood.objects.priority_areas().exists():
                # The quartiers come with each point; whether it is in or near a QPV here.
                examples = Structure.objects.filter(is_example=True)
                examples.relocate(Neighbourhood.objects.index())
        self.stdout.write(
            f"Created {created} example structures in {time.monotonic() - started:.1f} s "
            f"(seed {seed})."
        )

    def _territory(self, wanted):
        """The commune to seed (--territory, else the default territory), or an error that
        lists the communes with quartiers."""
        vocabulary.forget()  # quartiers loaded a moment ago by another command
        found = territories.find(wanted) if wanted else territories.default()
        if found is None:
            known = ", ".join(t.name for t in territories.all_territories()[:30])
            raise CommandError(
                f"Territoire inconnu : « {wanted} ». Communes ayant des quartiers : {known}."
            )
        return found

    def _check_nothing_refers_to_examples(self):
        """--replace deletes example rows and their own children only: if other data
        (change proposals, error reports, partner memberships…) points at them, stop."""
        examples = Structure.objects.filter(is_example=True).values("pk")
        own = {Structure, Permanence, Actor, OpeningSlot, OpeningException}
        referring = [
            rel.related_model._meta.verbose_name_plural
            for rel in Structure._meta.related_objects
            if rel.related_model not in own
            and rel.related_model._default_manager.filter(
                **{f"{rel.field.name}__in": examples}
            ).exists()
        ]
        if referring:
            raise CommandError(
                "Other data refers to the example structures ("
                + ", ".join(str(name) for name in referring)
                + "): --replace would delete it, so nothing was changed."
            )

    def _delete_examples(self):
        """Bulk-delete fictional rows, children first (no signals: they are re-creatable).

        Every filter is a subquery on a single table, so each DELETE runs in SQL
        without loading ids into Python.
        """
        examples = Structure.objects.filter(is_example=True).values("pk")
        permanences = Permanence.objects.filter(Q(host__in=examples) | Q(provider__in=examples))
        actors = Actor.objects.filter(structure__in=examples)
        deletions = [
            Permanence.needs.through.objects.filter(permanence__in=permanences.values("pk")),
            Permanence.publics.through.objects.filter(permanence__in=permanences.values("pk")),
            permanences,
            Actor.needs.through.objects.filter(actor__in=actors.values("pk")),
            actors,
            OpeningSlot.objects.filter(structure__in=examples),
            OpeningException.objects.filter(structure__in=examples),
            Structure.needs.through.objects.filter(structure__in=examples),
            Structure.publics.through.objects.filter(structure__in=examples),
            Structure.languages.through.objects.filter(structure__in=examples),
        ]
        for queryset in deletions:
            delete_selected(queryset)
        Structure.objects.filter(parent__in=examples).update(parent=None)
        delete_selected(Structure.objects.filter(is_example=True))

    def _create(self, count, rng, home, neighbourhoods, needs, publics, languages):
        now = timezone.now()
        year = timezone.localdate().year
        ours = {n.pk for n in home.neighbourhoods}
        inside = [n for n in neighbourhoods if n.pk in ours]
        # The other communes of the same layers (Nantes' neighbours in Nantes Métropole).
        layers = {n.layer for n in inside}
        others = [n for n in neighbourhoods if n.pk not in ours and n.layer in layers]
        # Most of the demand is in the territory itself; weight by area within each group.
        places = inside + others
        share = 0.8 if others else 1.0
        weights = [share * n.area_m2 / sum(x.area_m2 for x in inside) for n in inside] + [
            0.2 * n.area_m2 / sum(x.area_m2 for x in others) for n in others
        ]
        kinds = list(KINDS)
        kind_weights = [KINDS[k][0] for k in kinds]
        lines = max(20, min(400, count // 50))
        samplers = {n.pk: PointSampler(n.boundary, rng, lines=lines) for n in places}
        kind_labels = {k: str(k.label) for k in kinds}
        language_slugs = sorted(languages)

        created, analysed = [], False
        # Chunks of structures with their children, written as they are made: a million
        # rows held at once took 7.6 GB; a chunk at a time stays well under 1.5 GB.
        for first in range(1, count + 1, CHUNK):
            structures, structure_needs, structure_publics, structure_languages = [], [], [], []
            slots, exceptions, actors = [], [], []
            for i in range(first, min(first + CHUNK, count + 1)):
                neighbourhood = rng.choices(places, weights=weights)[0]
                kind = rng.choices(kinds, weights=kind_weights)[0]
                _, names, kind_needs, kind_publics, roles = KINDS[kind]
                lat, lon = samplers[neighbourhood.pk].point()
                name = f"{rng.choice(names)} (exemple n° {i})"
                slug = f"exemple-{i}-{kind.value}"
                status = rng.choices(
                    [Status.PUBLISHED, Status.DRAFT, Status.ARCHIVED], weights=[94, 4, 2]
                )[0]
                description = (
                    f"Structure fictive de démonstration ({kind_labels[kind]}). "
                    "Elle ne correspond à aucun lieu réel : ne vous y rendez pas."
                )
                structure = {
                    "name": name,
                    "slug": slug,
                    "kind": kind.value,
                    "description": description,
                    "status": status.value,
                    "is_example": True,
                    "street": f"{rng.randint(1, 120)}, voie fictive de démonstration",
                    "postcode": POSTCODES.get(
                        neighbourhood.city, f"{(neighbourhood.insee_code or '44')[:2]}000"
                    ),
                    "city": neighbourhood.city,
                    "insee_code": neighbourhood.insee_code,
                    "latitude": round(lat, 6),
                    "longitude": round(lon, 6),
                    "coordinates_source": CoordinatesSource.EXAMPLE.value,
                    "neighbourhood_id": neighbourhood.pk,
                    "public_transport": rng.choice(TRANSPORT).format(
                        line=rng.randint(1, 3), minutes=rng.randint(2, 9)
                    ),
                    "phone": f"+3326191{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}",
                    "email": f"contact-{slug}@example.org",
                    "website": f"https://example.org/{slug}",
                    "walk_in": rng.random() < 0.5,
                    "by_appointment": rng.random() < 0.7,
                    "by_phone": rng.random() < 0.4,
                    "online": rng.random() < 0.2,
                    "referral_required": rng.random() < 0.05,
                    "what_to_bring": (
                        bring := rng.choice(
                            ["", "", "Une pièce d'identité", "Votre CV si vous en avez un"]
                        )
                    ),
                    "what_to_bring_en": WHAT_TO_BRING_EN.get(bring, ""),
                    "is_free": rng.random() < 0.9,
                    "wheelchair": rng.choices(WHEELCHAIR, weights=[50, 10, 10, 30])[0],
                    "holidays_rule": CLOSED_ON_HOLIDAYS
                    if rng.random() < 0.95
                    else OPEN_ON_HOLIDAYS,
                    "last_verified_at": now - datetime.timedelta(days=rng.randint(0, 400)),
                    "verification_method": VerificationMethod.AGENT.value,
                    "search_text": normalize(
                        " ".join([name, kind_labels[kind], neighbourhood.city, description])
                    ),
                    "created_at": now,
                    "updated_at": now,
                }
                if not structure["is_free"]:
                    structure["fees_details"] = (
                        "Participation modeste selon quotient familial (exemple)"
                    )
                structures.append(structure)
                for slug_ in rng.sample(kind_needs, k=min(len(kind_needs), rng.randint(2, 4))):
                    structure_needs.append((i, needs[slug_].pk))
                for slug_ in rng.sample(kind_publics, k=min(len(kind_publics), rng.randint(1, 3))):
                    structure_publics.append((i, publics[slug_].pk))
                spoken = {"fr"} | set(rng.sample(language_slugs, k=rng.choice([0, 0, 1, 2])))
                for slug_ in sorted(spoken):
                    structure_languages.append((i, languages[slug_].pk))
                days, pattern = rng.choice(HOUR_PATTERNS)
                for weekday in days:
                    for opens, closes in pattern:
                        slots.append((i, weekday, opens, closes))
                if rng.random() < 0.2:
                    exceptions.append(
                        (
                            i,
                            datetime.date(year, 12, 24),
                            datetime.date(year + 1, 1, 1),
                            "Congés de fin d'année",
                        )
                    )
                for role in rng.sample(roles, k=rng.randint(0, len(roles))):
                    actors.append((i, role, rng.random() < 0.3))

            insert_rows(Structure, structures)
            if connection.vendor == "postgresql" and not analysed:
                analysed = True
                # Fresh statistics, or the foreign-key checks of the 1.5 million child
                # rows below plan for the empty table they saw before this insert.
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(Structure._meta.db_table)}")
            by_slug = dict(
                select_in(Structure, ["slug", "pk"], "slug", [r["slug"] for r in structures])
            )
            pk = {i: by_slug[row["slug"]] for i, row in enumerate(structures, start=first)}
            insert_rows(
                Structure.needs.through,
                [{"structure_id": pk[i], "need_id": n} for i, n in structure_needs],
            )
            insert_rows(
                Structure.publics.through,
                [{"structure_id": pk[i], "public_id": p} for i, p in structure_publics],
            )
            insert_rows(
                Structure.languages.through,
                [{"structure_id": pk[i], "language_id": lang} for i, lang in structure_languages],
            )
            insert_rows(
                OpeningSlot,
                [
                    {"structure_id": pk[i], "weekday": d, "opens": o, "closes": c}
                    for i, d, o, c in slots
                ],
            )
            insert_rows(
                OpeningException,
                [
                    {
                        "structure_id": pk[i],
                        "starts_on": s,
                        "ends_on": e,
                        "kind": ExceptionKind.CLOSED,
                        "label": lb,
                    }
                    for i, s, e, lb in exceptions
                ],
            )
            insert_rows(
                Actor,
                [
                    {
                        "structure_id": pk[i],
                        "role": role,
                        "phone": f"+3326191{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}"
                        if public
                        else "",
                        "contact_visibility": ContactVisibility.PUBLIC
                        if public
                        else ContactVisibility.PROFESSIONALS,
                    }
                    for i, role, public in actors
                ],
            )
            # Only what the permanences need to pick their providers and hosts.
            created.extend(
                Seeded(pk[i], row["kind"], row["status"])
                for i, row in enumerate(structures, start=first)
                if row["status"] == Status.PUBLISHED.value and row["kind"] in PERMANENCE_KINDS
            )
        self._create_permanences(rng, created, needs, publics)
        return count

    def _create_permanences(self, rng, structures, needs, publics):
        """About one host in ten receives a provider's weekly or monthly permanence."""
        providers = [
            s for s in structures if s.kind in PROVIDER_KINDS and s.status == Status.PUBLISHED
        ]
        hosts = [s for s in structures if s.kind in HOST_KINDS and s.status == Status.PUBLISHED]
        if not providers:
            return
        permanences, permanence_needs, permanence_publics = [], [], []
        for host in hosts:
            if rng.random() >= 0.35:
                continue
            provider = rng.choice(providers)
            _, _, provider_needs, provider_publics, _ = KINDS[StructureKind(provider.kind)]
            opens = T(rng.choice([9, 10, 14]))
            permanences.append(
                Permanence(
                    host_id=host.pk,
                    provider_id=provider.pk,
                    title=f"Permanence {StructureKind(provider.kind).label} (exemple)",
                    weekday=rng.randint(0, 4),
                    opens=opens,
                    closes=T(opens.hour + rng.choice([2, 3])),
                    recurrence=rng.choices(
                        [
                            Recurrence.WEEKLY,
                            Recurrence.EVEN_WEEKS,
                            Recurrence.FIRST,
                            Recurrence.THIRD,
                        ],
                        weights=[60, 15, 15, 10],
                    )[0],
                    walk_in=rng.random() < 0.5,
                    by_appointment=rng.random() < 0.7,
                    notes="Permanence fictive de démonstration",
                    # The Missions locales' public, without a draw: the demo stays the same.
                    **(
                        {"min_age": 16, "max_age": 25}
                        if provider.kind == StructureKind.MISSION_LOCALE
                        else {}
                    ),
                )
            )
            permanence_needs.append(rng.sample(provider_needs, k=min(2, len(provider_needs))))
            permanence_publics.append(provider_publics[:2])
        created = Permanence.objects.bulk_create(permanences, batch_size=BATCH)
        insert_rows(
            Permanence.needs.through,
            [
                {"permanence_id": p.pk, "need_id": needs[slug].pk}
                for p, slugs in zip(created, permanence_needs, strict=True)
                for slug in slugs
            ],
        )
        insert_rows(
            Permanence.publics.through,
            [
                {"permanence_id": p.pk, "public_id": publics[slug].pk}
                for p, slugs in zip(created, permanence_publics, strict=True)
                for slug in slugs
            ],
        )
