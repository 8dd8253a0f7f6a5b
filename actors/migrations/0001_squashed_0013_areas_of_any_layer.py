"""Actors migrations 0001 to 0013 in one: a new database is created from it.

A database that has applied 0001–0013 records this one as applied too; a new one (each
test database, `make run` on a fresh machine) creates its tables in one pass instead of
replaying thirteen migrations' model states (most of `migrate`'s 7.3 s on SQLite). 0014,
which takes the history over from partners, stays apart: it must come after partners'
0005, and partners' first migration needs these tables.

The data migrations of the chain (0007, 0013) reshaped rows that existed then; a new
database has none. The database-specific indexes (0003, 0008, 0012) are kept below.
Generated from the state at 0013 by Django's autodetector, then given `replaces`.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.math
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import actors.phones

# On PostgreSQL (0003, 0008): a trigram index for free text; a GiST index on each
# published place's point on the unit sphere (actors.geo.SPHERE_POINT_SQL), nearest first.
SPHERE_POINT = (
    "cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)), "
    "cos(radians(latitude)) * sin(radians(longitude)), sin(radians(latitude))])"
)
POSTGRESQL_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS structure_search_text_trgm_idx "
    "ON actors_structure USING gin (search_text gin_trgm_ops)",
    "CREATE EXTENSION IF NOT EXISTS cube",
    "CREATE INDEX IF NOT EXISTS structure_published_sphere_idx ON actors_structure "
    f"USING gist ({SPHERE_POINT}) WHERE status = 'published'",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS structure_search_text_trgm_idx",
    "DROP INDEX IF EXISTS structure_published_sphere_idx",
]
# On every database (0012): the through tables indexed by value, then place.
THROUGH = [
    ("actors_structure_needs", "need_id", "structure_id", "structure_needs_by_need_idx"),
    ("actors_structure_publics", "public_id", "structure_id", "structure_publics_by_public_idx"),
    (
        "actors_structure_languages",
        "language_id",
        "structure_id",
        "structure_languages_by_language_idx",
    ),
    ("actors_permanence_needs", "need_id", "permanence_id", "permanence_needs_by_need_idx"),
    ("actors_permanence_publics", "public_id", "permanence_id", "permanence_publics_by_public_idx"),
]


def _on_postgresql(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("actors", "0001_initial"),
        ("actors", "0002_geocoded_address"),
        ("actors", "0003_search_text_trigram_index"),
        ("actors", "0004_latitude_band"),
        ("actors", "0005_geocoding_cache_retention"),
        ("actors", "0006_hours_ordered_by_structure_first"),
        ("actors", "0007_sources_services_phones"),
        ("actors", "0008_nearest_first_sphere_index"),
        ("actors", "0009_permanence_calendar"),
        ("actors", "0010_vocabulary_in_english"),
        ("actors", "0011_age_ranges"),
        ("actors", "0012_through_tables_by_value"),
        ("actors", "0013_areas_of_any_layer"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Language",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(max_length=8, unique=True, verbose_name="code ISO 639-1"),
                ),
                ("label", models.CharField(max_length=60, verbose_name="langue")),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, verbose_name="ordre d'affichage"),
                ),
                (
                    "label_en",
                    models.CharField(blank=True, max_length=120, verbose_name="libellé en anglais"),
                ),
            ],
            options={
                "verbose_name": "langue",
                "verbose_name_plural": "langues",
                "ordering": ["position", "label"],
            },
        ),
        migrations.CreateModel(
            name="Need",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=80, unique=True, verbose_name="identifiant")),
                ("label", models.CharField(max_length=120, verbose_name="libellé")),
                (
                    "description",
                    models.CharField(blank=True, max_length=300, verbose_name="description"),
                ),
                (
                    "synonyms",
                    models.TextField(
                        blank=True,
                        help_text="Un par ligne : les mots de tous les jours qui désignent ce besoin (« stage 3e », « stage d'observation »). Ils servent à la recherche libre.",
                        verbose_name="synonymes",
                    ),
                ),
                (
                    "di_thematiques",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Codes du référentiel « thématiques » de data·inclusion, pour l'export.",
                        verbose_name="thématiques data·inclusion",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, verbose_name="ordre d'affichage"),
                ),
                (
                    "description_en",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="description en anglais"
                    ),
                ),
                (
                    "label_en",
                    models.CharField(blank=True, max_length=120, verbose_name="libellé en anglais"),
                ),
                (
                    "synonyms_en",
                    models.TextField(
                        blank=True,
                        help_text="Un par ligne, comme les synonymes : « internship », « work experience ».",
                        verbose_name="synonymes en anglais",
                    ),
                ),
            ],
            options={
                "verbose_name": "besoin",
                "verbose_name_plural": "besoins",
                "ordering": ["position", "label"],
            },
        ),
        migrations.CreateModel(
            name="Public",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=80, unique=True, verbose_name="identifiant")),
                ("label", models.CharField(max_length=120, verbose_name="libellé")),
                (
                    "di_publics",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Codes du référentiel « publics » de data·inclusion, pour l'export.",
                        verbose_name="publics data·inclusion",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, verbose_name="ordre d'affichage"),
                ),
                (
                    "label_en",
                    models.CharField(blank=True, max_length=120, verbose_name="libellé en anglais"),
                ),
            ],
            options={
                "verbose_name": "public",
                "verbose_name_plural": "publics",
                "ordering": ["position", "label"],
            },
        ),
        migrations.CreateModel(
            name="GeocodedAddress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "query",
                    models.CharField(
                        max_length=255, unique=True, verbose_name="empreinte de la recherche"
                    ),
                ),
                ("found", models.BooleanField(verbose_name="trouvée")),
                (
                    "label",
                    models.CharField(blank=True, max_length=255, verbose_name="adresse trouvée"),
                ),
                ("latitude", models.FloatField(blank=True, null=True)),
                ("longitude", models.FloatField(blank=True, null=True)),
                (
                    "score",
                    models.FloatField(blank=True, null=True, verbose_name="score du géocodeur"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        db_index=True,
                        default=django.utils.timezone.now,
                        verbose_name="interrogé le",
                    ),
                ),
            ],
            options={
                "verbose_name": "adresse géocodée (cache)",
                "verbose_name_plural": "adresses géocodées (cache)",
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("found", False),
                            models.Q(
                                ("latitude__gte", -90),
                                ("latitude__lte", 90),
                                ("longitude__gte", -180),
                                ("longitude__lte", 180),
                            ),
                            _connector="OR",
                        ),
                        name="geocoded_found_has_coordinates",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Actor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text="Facultatif : un rôle suffit (« conseiller ou conseillère Mission locale »).",
                        max_length=150,
                        verbose_name="nom",
                    ),
                ),
                ("role", models.CharField(max_length=200, verbose_name="fonction")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=30,
                        validators=[actors.phones.PhoneValidator()],
                        verbose_name="téléphone",
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="courriel")),
                (
                    "contact_visibility",
                    models.CharField(
                        choices=[
                            ("public", "Publique : affichée sur le site"),
                            ("professionals", "Réservée aux agents et partenaires"),
                        ],
                        default="professionals",
                        help_text="Par défaut, les coordonnées d'une personne ne sont pas publiées (RGPD) : le public voit celles de la structure.",
                        max_length=16,
                        verbose_name="visibilité des coordonnées",
                    ),
                ),
                ("notes", models.TextField(blank=True, verbose_name="remarques")),
                ("is_active", models.BooleanField(default=True, verbose_name="en poste")),
                (
                    "needs",
                    models.ManyToManyField(
                        blank=True, related_name="actors", to="actors.need", verbose_name="besoins"
                    ),
                ),
            ],
            options={
                "verbose_name": "professionnel",
                "verbose_name_plural": "professionnels",
                "ordering": ["structure", "role", "name"],
            },
        ),
        migrations.CreateModel(
            name="Neighbourhood",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="nom")),
                ("slug", models.SlugField(max_length=140, unique=True, verbose_name="identifiant")),
                ("city", models.CharField(max_length=120, verbose_name="commune")),
                (
                    "insee_code",
                    models.CharField(
                        blank=True, max_length=5, verbose_name="code INSEE de la commune"
                    ),
                ),
                (
                    "boundary",
                    models.JSONField(
                        help_text="Géométrie GeoJSON (Polygon ou MultiPolygon) en WGS84, longitude puis latitude. Le contour exact : il décide si un point est dans la zone.",
                        verbose_name="contour",
                    ),
                ),
                (
                    "centroid_latitude",
                    models.FloatField(editable=False, verbose_name="latitude du centre"),
                ),
                (
                    "centroid_longitude",
                    models.FloatField(editable=False, verbose_name="longitude du centre"),
                ),
                ("min_latitude", models.FloatField(editable=False)),
                ("max_latitude", models.FloatField(editable=False)),
                ("min_longitude", models.FloatField(editable=False)),
                ("max_longitude", models.FloatField(editable=False)),
                ("area_m2", models.FloatField(editable=False, verbose_name="surface (m²)")),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="source")),
                (
                    "source_id",
                    models.CharField(
                        blank=True, max_length=50, verbose_name="identifiant dans la source"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifié le")),
                (
                    "display_boundary",
                    models.JSONField(
                        default=dict, editable=False, verbose_name="contour simplifié"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("quartier", "Quartier"),
                            ("iris", "IRIS (Insee)"),
                            ("qpv", "Quartier prioritaire (QPV)"),
                        ],
                        default="quartier",
                        help_text="Le quartier d'une structure vient des quartiers, sinon des IRIS ; un quartier prioritaire (QPV) s'y ajoute sans le remplacer.",
                        max_length=12,
                        verbose_name="type de zone",
                    ),
                ),
                (
                    "layer",
                    models.SlugField(
                        blank=True,
                        help_text="La couche ouverte d'où vient la zone (load_neighbourhoods) : recharger la couche met à jour ses zones, par leur identifiant dans la source.",
                        max_length=60,
                        verbose_name="couche",
                    ),
                ),
            ],
            options={
                "verbose_name": "quartier",
                "verbose_name_plural": "quartiers",
                "ordering": ["city", "name"],
                "indexes": [
                    models.Index(
                        fields=["min_latitude", "max_latitude", "min_longitude", "max_longitude"],
                        name="neighbourhood_bbox_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("centroid_latitude__gte", -90), ("centroid_latitude__lte", 90)
                        ),
                        name="neighbourhood_centroid_latitude_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("centroid_longitude__gte", -180), ("centroid_longitude__lte", 180)
                        ),
                        name="neighbourhood_centroid_longitude_range",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("source_id", ""), _negated=True),
                        fields=("layer", "source_id"),
                        name="neighbourhood_unique_in_layer",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="KindDefaults",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cio", "Centre d'information et d'orientation (CIO)"),
                            ("mission-locale", "Mission locale"),
                            ("france-travail", "France Travail"),
                            ("information-jeunesse", "Information jeunesse (PIJ, BIJ, CRIJ)"),
                            ("maison-de-quartier", "Maison de quartier, centre socioculturel"),
                            ("mairie-de-quartier", "Mairie de quartier"),
                            ("espace-numerique", "Espace numérique, médiation numérique"),
                            ("association", "Association"),
                            ("etablissement-scolaire", "Établissement scolaire"),
                            ("onisep", "ONISEP"),
                            ("carif-oref", "Carif-Oref"),
                            ("cap-emploi", "Cap emploi"),
                            ("e2c", "École de la 2e chance (E2C)"),
                            ("france-services", "France services"),
                            ("mdph", "Maison départementale des personnes handicapées (MDPH)"),
                            (
                                "chambre-consulaire",
                                "Chambre consulaire (CCI, CMA, chambre d'agriculture)",
                            ),
                            ("autre", "Autre"),
                        ],
                        max_length=32,
                        unique=True,
                        verbose_name="type",
                    ),
                ),
                (
                    "needs",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="actors.need", verbose_name="besoins"
                    ),
                ),
                (
                    "publics",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="actors.public", verbose_name="publics"
                    ),
                ),
            ],
            options={
                "verbose_name": "besoins et publics par défaut d'un type",
                "verbose_name_plural": "besoins et publics par défaut des types",
                "ordering": ["kind"],
            },
        ),
        migrations.CreateModel(
            name="Structure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="nom")),
                (
                    "slug",
                    models.SlugField(
                        help_text="Lettres minuscules, chiffres et tirets. Ne le changez pas après publication.",
                        max_length=220,
                        unique=True,
                        verbose_name="identifiant dans l'adresse web",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cio", "Centre d'information et d'orientation (CIO)"),
                            ("mission-locale", "Mission locale"),
                            ("france-travail", "France Travail"),
                            ("information-jeunesse", "Information jeunesse (PIJ, BIJ, CRIJ)"),
                            ("maison-de-quartier", "Maison de quartier, centre socioculturel"),
                            ("mairie-de-quartier", "Mairie de quartier"),
                            ("espace-numerique", "Espace numérique, médiation numérique"),
                            ("association", "Association"),
                            ("etablissement-scolaire", "Établissement scolaire"),
                            ("onisep", "ONISEP"),
                            ("carif-oref", "Carif-Oref"),
                            ("cap-emploi", "Cap emploi"),
                            ("e2c", "École de la 2e chance (E2C)"),
                            ("france-services", "France services"),
                            ("mdph", "Maison départementale des personnes handicapées (MDPH)"),
                            (
                                "chambre-consulaire",
                                "Chambre consulaire (CCI, CMA, chambre d'agriculture)",
                            ),
                            ("autre", "Autre"),
                        ],
                        max_length=32,
                        verbose_name="type",
                    ),
                ),
                (
                    "description",
                    models.TextField(
                        blank=True,
                        help_text="Ce que la structure fait, en quelques phrases simples.",
                        verbose_name="description",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Brouillon"),
                            ("published", "Publiée"),
                            ("archived", "Archivée"),
                        ],
                        default="draft",
                        help_text="Seules les fiches publiées sont visibles du public. On archive, on ne supprime pas.",
                        max_length=12,
                        verbose_name="statut",
                    ),
                ),
                (
                    "is_example",
                    models.BooleanField(
                        default=False,
                        help_text="Fiche fictive de démonstration : signalée comme telle sur toutes les pages.",
                        verbose_name="donnée d'exemple",
                    ),
                ),
                ("street", models.CharField(blank=True, max_length=250, verbose_name="adresse")),
                (
                    "address_complement",
                    models.CharField(
                        blank=True, max_length=250, verbose_name="complément d'adresse"
                    ),
                ),
                (
                    "postcode",
                    models.CharField(
                        blank=True,
                        max_length=5,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{5}$", "Un code postal compte 5 chiffres."
                            )
                        ],
                        verbose_name="code postal",
                    ),
                ),
                ("city", models.CharField(blank=True, max_length=120, verbose_name="commune")),
                (
                    "insee_code",
                    models.CharField(
                        blank=True,
                        max_length=5,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^(\\d{5}|2[AB]\\d{3})$", "Un code INSEE compte 5 caractères."
                            )
                        ],
                        verbose_name="code INSEE",
                    ),
                ),
                ("latitude", models.FloatField(blank=True, null=True, verbose_name="latitude")),
                ("longitude", models.FloatField(blank=True, null=True, verbose_name="longitude")),
                (
                    "coordinates_source",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Inconnue"),
                            ("manual", "Saisie ou placée par un agent"),
                            ("geocoded", "Géocodée (Base adresse nationale)"),
                            ("imported", "Importée avec la fiche"),
                            ("example", "Donnée d'exemple"),
                        ],
                        max_length=12,
                        verbose_name="origine de la position",
                    ),
                ),
                (
                    "neighbourhood_is_manual",
                    models.BooleanField(
                        default=False,
                        help_text="Cochez pour garder ce quartier même si la position change.",
                        verbose_name="quartier choisi à la main",
                    ),
                ),
                (
                    "public_transport",
                    models.CharField(
                        blank=True,
                        help_text="Ex. : « Tram 3, arrêt Chanzy, puis 5 minutes à pied ».",
                        max_length=300,
                        verbose_name="transports en commun",
                    ),
                ),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        help_text="Tout numéro : 02 40 12 34 56, +33 2 40…, un numéro court (39 49), étranger.",
                        max_length=30,
                        validators=[actors.phones.PhoneValidator()],
                        verbose_name="téléphone",
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="courriel")),
                ("website", models.URLField(blank=True, verbose_name="site web")),
                (
                    "walk_in",
                    models.BooleanField(default=False, verbose_name="accueil sans rendez-vous"),
                ),
                (
                    "by_appointment",
                    models.BooleanField(default=False, verbose_name="sur rendez-vous"),
                ),
                ("by_phone", models.BooleanField(default=False, verbose_name="par téléphone")),
                ("online", models.BooleanField(default=False, verbose_name="en ligne")),
                (
                    "referral_required",
                    models.BooleanField(
                        default=False,
                        help_text="La personne doit être adressée par un professionnel (prescription).",
                        verbose_name="orientation par un professionnel obligatoire",
                    ),
                ),
                ("access_details", models.TextField(blank=True, verbose_name="conditions d'accès")),
                (
                    "what_to_bring",
                    models.CharField(
                        blank=True,
                        help_text="Ex. : « pièce d'identité, CV »",
                        max_length=300,
                        verbose_name="à apporter",
                    ),
                ),
                ("is_free", models.BooleanField(default=True, verbose_name="gratuit")),
                (
                    "fees_details",
                    models.CharField(blank=True, max_length=300, verbose_name="tarifs"),
                ),
                (
                    "wheelchair",
                    models.CharField(
                        choices=[
                            ("unknown", "Non renseigné"),
                            ("yes", "Accessible en fauteuil roulant"),
                            ("partial", "Partiellement accessible"),
                            ("no", "Non accessible en fauteuil roulant"),
                        ],
                        default="unknown",
                        max_length=10,
                        verbose_name="accès fauteuil roulant",
                    ),
                ),
                ("acceslibre_url", models.URLField(blank=True, verbose_name="fiche acceslibre")),
                (
                    "accessibility_details",
                    models.TextField(blank=True, verbose_name="détails d'accessibilité"),
                ),
                (
                    "holidays_rule",
                    models.CharField(
                        choices=[
                            ("closed", "Fermé les jours fériés"),
                            ("open", "Ouvert les jours fériés aux horaires habituels"),
                        ],
                        default="closed",
                        max_length=8,
                        verbose_name="jours fériés",
                    ),
                ),
                (
                    "hours_note",
                    models.CharField(
                        blank=True, max_length=1000, verbose_name="remarque sur les horaires"
                    ),
                ),
                (
                    "last_verified_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="vérifiée le"),
                ),
                (
                    "verification_method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("agent", "Vérifiée par un agent"),
                            ("phone", "Vérifiée par téléphone"),
                            ("partner", "Confirmée par le partenaire"),
                            ("import", "Source officielle importée"),
                        ],
                        max_length=10,
                        verbose_name="mode de vérification",
                    ),
                ),
                ("search_text", models.TextField(default="", editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créée le")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifiée le")),
                (
                    "latitude_band",
                    models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.math.Floor(
                            django.db.models.expressions.CombinedExpression(
                                models.F("latitude"), "*", models.Value(200)
                            )
                        ),
                        output_field=models.IntegerField(null=True),
                    ),
                ),
                (
                    "field_origins",
                    models.JSONField(
                        blank=True, default=dict, verbose_name="provenance des champs"
                    ),
                ),
                (
                    "hours_to_check",
                    models.BooleanField(
                        default=False,
                        help_text="Horaires importés qui ne tiennent pas exactement dans les créneaux : le texte d'origine est dans la remarque. Corrigez les créneaux, puis décochez.",
                        verbose_name="horaires à vérifier",
                    ),
                ),
                (
                    "siret",
                    models.CharField(
                        blank=True,
                        max_length=14,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{14}$", "Un numéro SIRET compte 14 chiffres."
                            )
                        ],
                        verbose_name="SIRET",
                    ),
                ),
                (
                    "max_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus (ex. : 25 pour une Mission locale). Vide : pas de limite.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge maximum",
                    ),
                ),
                (
                    "min_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus. Vide : pas d'âge minimum.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge minimum",
                    ),
                ),
                (
                    "qpv_distance_m",
                    models.FloatField(
                        blank=True,
                        editable=False,
                        help_text="0 : dans le quartier prioritaire.",
                        null=True,
                        verbose_name="distance au QPV (m)",
                    ),
                ),
                (
                    "languages",
                    models.ManyToManyField(
                        blank=True,
                        related_name="structures",
                        to="actors.language",
                        verbose_name="langues parlées",
                    ),
                ),
                (
                    "needs",
                    models.ManyToManyField(
                        blank=True,
                        related_name="structures",
                        to="actors.need",
                        verbose_name="besoins",
                    ),
                ),
                (
                    "neighbourhood",
                    models.ForeignKey(
                        blank=True,
                        help_text="Déduit de la position, sauf si « quartier choisi à la main » est coché.",
                        limit_choices_to={"kind__in": ["quartier", "iris"]},
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="structures",
                        to="actors.neighbourhood",
                        verbose_name="quartier",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="branches",
                        to="actors.structure",
                        verbose_name="réseau ou structure mère",
                    ),
                ),
                (
                    "publics",
                    models.ManyToManyField(
                        blank=True,
                        related_name="structures",
                        to="actors.public",
                        verbose_name="publics",
                    ),
                ),
                (
                    "qpv",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="Le QPV où se trouve la structure, ou le plus proche à moins de 300 m.",
                        limit_choices_to={"kind": "qpv"},
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="structures_near",
                        to="actors.neighbourhood",
                        verbose_name="quartier prioritaire (QPV)",
                    ),
                ),
                (
                    "verified_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="vérifiée par",
                    ),
                ),
            ],
            options={
                "verbose_name": "structure",
                "verbose_name_plural": "structures",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Service",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=50, verbose_name="source")),
                (
                    "source_id",
                    models.CharField(max_length=200, verbose_name="identifiant dans la source"),
                ),
                ("name", models.CharField(max_length=200, verbose_name="nom")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                (
                    "thematiques",
                    models.JSONField(
                        blank=True, default=list, verbose_name="thématiques data·inclusion"
                    ),
                ),
                ("is_free", models.BooleanField(blank=True, null=True, verbose_name="gratuit")),
                (
                    "fees_details",
                    models.CharField(blank=True, max_length=300, verbose_name="tarifs"),
                ),
                ("in_person", models.BooleanField(default=False, verbose_name="sur place")),
                ("remote", models.BooleanField(default=False, verbose_name="à distance")),
                ("access_details", models.TextField(blank=True, verbose_name="conditions d'accès")),
                (
                    "opening_hours",
                    models.CharField(
                        blank=True,
                        help_text="Quand ils diffèrent de ceux de la structure.",
                        max_length=1000,
                        verbose_name="horaires (OpenStreetMap)",
                    ),
                ),
                (
                    "source_updated_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="mise à jour dans la source"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifié le")),
                (
                    "max_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus (ex. : 25 pour une Mission locale). Vide : pas de limite.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge maximum",
                    ),
                ),
                (
                    "min_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus. Vide : pas d'âge minimum.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge minimum",
                    ),
                ),
                (
                    "needs",
                    models.ManyToManyField(
                        blank=True,
                        related_name="services",
                        to="actors.need",
                        verbose_name="besoins",
                    ),
                ),
                (
                    "publics",
                    models.ManyToManyField(
                        blank=True,
                        related_name="services",
                        to="actors.public",
                        verbose_name="publics",
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="services",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "service",
                "verbose_name_plural": "services",
                "ordering": ["structure_id", "name"],
            },
        ),
        migrations.CreateModel(
            name="Permanence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        help_text="Ex. : « Permanence Mission locale »",
                        max_length=200,
                        verbose_name="intitulé",
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "lundi"),
                            (1, "mardi"),
                            (2, "mercredi"),
                            (3, "jeudi"),
                            (4, "vendredi"),
                            (5, "samedi"),
                            (6, "dimanche"),
                        ],
                        verbose_name="jour",
                    ),
                ),
                ("opens", models.TimeField(verbose_name="de")),
                ("closes", models.TimeField(verbose_name="à")),
                (
                    "recurrence",
                    models.CharField(
                        choices=[
                            ("weekly", "Chaque semaine"),
                            ("even-weeks", "Les semaines paires"),
                            ("odd-weeks", "Les semaines impaires"),
                            ("first", "Le premier du mois"),
                            ("second", "Le deuxième du mois"),
                            ("third", "Le troisième du mois"),
                            ("fourth", "Le quatrième du mois"),
                            ("last", "Le dernier du mois"),
                        ],
                        default="weekly",
                        max_length=12,
                        verbose_name="fréquence",
                    ),
                ),
                ("starts_on", models.DateField(blank=True, null=True, verbose_name="à partir du")),
                ("ends_on", models.DateField(blank=True, null=True, verbose_name="jusqu'au")),
                ("walk_in", models.BooleanField(default=False, verbose_name="sans rendez-vous")),
                (
                    "by_appointment",
                    models.BooleanField(default=True, verbose_name="sur rendez-vous"),
                ),
                (
                    "notes",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="informations pratiques"
                    ),
                ),
                (
                    "max_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus (ex. : 25 pour une Mission locale). Vide : pas de limite.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge maximum",
                    ),
                ),
                (
                    "min_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus. Vide : pas d'âge minimum.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge minimum",
                    ),
                ),
                (
                    "off_in_school_holidays",
                    models.BooleanField(
                        default=False,
                        help_text="Les séances qui tombent pendant les vacances scolaires de la zone B (Nantes) ne sont pas annoncées. Les jours fériés ne le sont jamais.",
                        verbose_name="pas pendant les vacances scolaires",
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="permanences",
                        to="actors.actor",
                        verbose_name="professionnel",
                    ),
                ),
                (
                    "languages",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Langues dans lesquelles la personne peut être reçue, en plus du français.",
                        related_name="permanences",
                        to="actors.language",
                        verbose_name="langues parlées",
                    ),
                ),
                (
                    "needs",
                    models.ManyToManyField(
                        blank=True,
                        related_name="permanences",
                        to="actors.need",
                        verbose_name="besoins",
                    ),
                ),
                (
                    "publics",
                    models.ManyToManyField(
                        blank=True,
                        related_name="permanences",
                        to="actors.public",
                        verbose_name="publics",
                    ),
                ),
                (
                    "host",
                    models.ForeignKey(
                        help_text="Où la permanence a lieu (ex. : la maison de quartier).",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hosted_permanences",
                        to="actors.structure",
                        verbose_name="lieu d'accueil",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        help_text="Dont le service est proposé (ex. : la Mission locale).",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="held_permanences",
                        to="actors.structure",
                        verbose_name="structure qui tient la permanence",
                    ),
                ),
            ],
            options={
                "verbose_name": "permanence",
                "verbose_name_plural": "permanences",
                "ordering": ["weekday", "opens"],
            },
        ),
        migrations.CreateModel(
            name="OpeningSlot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "lundi"),
                            (1, "mardi"),
                            (2, "mercredi"),
                            (3, "jeudi"),
                            (4, "vendredi"),
                            (5, "samedi"),
                            (6, "dimanche"),
                        ],
                        verbose_name="jour",
                    ),
                ),
                ("opens", models.TimeField(verbose_name="ouvre à")),
                ("closes", models.TimeField(verbose_name="ferme à")),
                (
                    "structure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opening_slots",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "créneau d'ouverture",
                "verbose_name_plural": "horaires d'ouverture",
                "ordering": ["structure_id", "weekday", "opens"],
            },
        ),
        migrations.CreateModel(
            name="OpeningException",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_on", models.DateField(verbose_name="du")),
                ("ends_on", models.DateField(verbose_name="au (inclus)")),
                (
                    "kind",
                    models.CharField(
                        choices=[("closed", "Fermeture"), ("special", "Horaires particuliers")],
                        default="closed",
                        max_length=10,
                        verbose_name="type",
                    ),
                ),
                ("opens", models.TimeField(blank=True, null=True, verbose_name="ouvre à")),
                ("closes", models.TimeField(blank=True, null=True, verbose_name="ferme à")),
                (
                    "label",
                    models.CharField(
                        blank=True,
                        help_text="Affiché au public, ex. : « congés d'été ».",
                        max_length=200,
                        verbose_name="motif",
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opening_exceptions",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "exception d'ouverture",
                "verbose_name_plural": "fermetures et horaires exceptionnels",
                "ordering": ["structure_id", "starts_on", "opens"],
            },
        ),
        migrations.AddField(
            model_name="actor",
            name="structure",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="actors",
                to="actors.structure",
                verbose_name="structure",
            ),
        ),
        migrations.CreateModel(
            name="StructureSource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=50, verbose_name="source")),
                (
                    "source_id",
                    models.CharField(max_length=200, verbose_name="identifiant dans la source"),
                ),
                (
                    "source_updated_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="mise à jour dans la source"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="rattachée le"),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sources",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "source de la fiche",
                "verbose_name_plural": "sources de la fiche",
                "ordering": ["structure_id", "pk"],
            },
        ),
        migrations.CreateModel(
            name="PermanenceCancellation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "on_date",
                    models.DateField(
                        help_text="Une date où la permanence devait avoir lieu : elle n'est plus annoncée.",
                        verbose_name="date annulée",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        help_text="Affiché au public, ex. : « conseillère absente ».",
                        max_length=200,
                        verbose_name="motif",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="saisie le")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="saisie par",
                    ),
                ),
                (
                    "permanence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cancellations",
                        to="actors.permanence",
                        verbose_name="permanence",
                    ),
                ),
            ],
            options={
                "verbose_name": "séance annulée",
                "verbose_name_plural": "séances annulées",
                "ordering": ["permanence_id", "on_date"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("permanence", "on_date"), name="permanence_cancellation_unique_date"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="structure",
            index=models.Index(fields=["status", "name"], name="structure_status_name_idx"),
        ),
        migrations.AddIndex(
            model_name="structure",
            index=models.Index(
                fields=["status", "last_verified_at"], name="structure_status_verified_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="structure",
            index=models.Index(
                fields=["status", "latitude_band", "longitude", "latitude"],
                name="structure_status_band_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("latitude__isnull", True),
                    models.Q(("latitude__gte", -90), ("latitude__lte", 90)),
                    _connector="OR",
                ),
                name="structure_latitude_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("longitude__isnull", True),
                    models.Q(("longitude__gte", -180), ("longitude__lte", 180)),
                    _connector="OR",
                ),
                name="structure_longitude_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("latitude__isnull", True), ("longitude__isnull", True)),
                    models.Q(("latitude__isnull", False), ("longitude__isnull", False)),
                    _connector="OR",
                ),
                name="structure_coordinates_both_or_neither",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "published", "archived"])),
                name="structure_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(("wheelchair__in", ["unknown", "yes", "partial", "no"])),
                name="structure_wheelchair_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(("holidays_rule__in", ["closed", "open"])),
                name="structure_holidays_rule_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "published"), _negated=True),
                    ("latitude__isnull", False),
                    _connector="OR",
                ),
                name="structure_published_has_coordinates",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "cio",
                            "mission-locale",
                            "france-travail",
                            "information-jeunesse",
                            "maison-de-quartier",
                            "mairie-de-quartier",
                            "espace-numerique",
                            "association",
                            "etablissement-scolaire",
                            "onisep",
                            "carif-oref",
                            "cap-emploi",
                            "e2c",
                            "france-services",
                            "mdph",
                            "chambre-consulaire",
                            "autre",
                        ],
                    )
                ),
                name="structure_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_age__isnull", True),
                    ("max_age__isnull", True),
                    ("min_age__lte", models.F("max_age")),
                    _connector="OR",
                ),
                name="structure_age_range_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="structure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("min_age__isnull", True), ("min_age__lte", 120), _connector="OR"),
                    models.Q(("max_age__isnull", True), ("max_age__lte", 120), _connector="OR"),
                ),
                name="structure_ages_plausible",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.UniqueConstraint(
                fields=("source", "source_id"), name="service_unique_record"
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_age__isnull", True),
                    ("max_age__isnull", True),
                    ("min_age__lte", models.F("max_age")),
                    _connector="OR",
                ),
                name="service_age_range_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("min_age__isnull", True), ("min_age__lte", 120), _connector="OR"),
                    models.Q(("max_age__isnull", True), ("max_age__lte", 120), _connector="OR"),
                ),
                name="service_ages_plausible",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(("opens__lt", models.F("closes"))),
                name="permanence_opens_before_closes",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(("weekday__gte", 0), ("weekday__lte", 6)),
                name="permanence_weekday_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "recurrence__in",
                        [
                            "weekly",
                            "even-weeks",
                            "odd-weeks",
                            "first",
                            "second",
                            "third",
                            "fourth",
                            "last",
                        ],
                    )
                ),
                name="permanence_recurrence_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("starts_on__isnull", True),
                    ("ends_on__isnull", True),
                    ("starts_on__lte", models.F("ends_on")),
                    _connector="OR",
                ),
                name="permanence_dates_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(("host", models.F("provider")), _negated=True),
                name="permanence_host_is_not_provider",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("min_age__isnull", True),
                    ("max_age__isnull", True),
                    ("min_age__lte", models.F("max_age")),
                    _connector="OR",
                ),
                name="permanence_age_range_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("min_age__isnull", True), ("min_age__lte", 120), _connector="OR"),
                    models.Q(("max_age__isnull", True), ("max_age__lte", 120), _connector="OR"),
                ),
                name="permanence_ages_plausible",
            ),
        ),
        migrations.AddIndex(
            model_name="openingslot",
            index=models.Index(fields=["weekday", "opens", "closes"], name="opening_slot_time_idx"),
        ),
        migrations.AddConstraint(
            model_name="openingslot",
            constraint=models.CheckConstraint(
                condition=models.Q(("opens__lt", models.F("closes"))),
                name="opening_slot_opens_before_closes",
            ),
        ),
        migrations.AddConstraint(
            model_name="openingslot",
            constraint=models.CheckConstraint(
                condition=models.Q(("weekday__gte", 0), ("weekday__lte", 6)),
                name="opening_slot_weekday_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="openingslot",
            constraint=models.UniqueConstraint(
                fields=("structure", "weekday", "opens"), name="opening_slot_unique_start"
            ),
        ),
        migrations.AddIndex(
            model_name="openingexception",
            index=models.Index(fields=["starts_on", "ends_on"], name="opening_exception_dates_idx"),
        ),
        migrations.AddConstraint(
            model_name="openingexception",
            constraint=models.CheckConstraint(
                condition=models.Q(("starts_on__lte", models.F("ends_on"))),
                name="opening_exception_dates_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="openingexception",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["closed", "special"])),
                name="opening_exception_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="openingexception",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("closes__isnull", True), ("kind", "closed"), ("opens__isnull", True)),
                    models.Q(
                        ("closes__isnull", False),
                        ("kind", "special"),
                        ("opens__isnull", False),
                        ("opens__lt", models.F("closes")),
                    ),
                    _connector="OR",
                ),
                name="opening_exception_hours_match_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="actor",
            constraint=models.CheckConstraint(
                condition=models.Q(("contact_visibility__in", ["public", "professionals"])),
                name="actor_contact_visibility_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="structuresource",
            constraint=models.UniqueConstraint(
                fields=("source", "source_id"), name="structure_source_unique_record"
            ),
        ),
        migrations.RunPython(_on_postgresql(POSTGRESQL_CREATE), _on_postgresql(POSTGRESQL_DROP)),
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column}, {owner})",
                f"DROP INDEX IF EXISTS {name}",
            )
            for table, column, owner, name in THROUGH
        ),
    ]
