"""The historical models move from `partners` to `actors`, where the models they record live.

Their tables already exist (partners_historical…): the state takes them over, and each
table is renamed to its new app's name. No row is copied or lost.
"""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import actors.phones


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0013_areas_of_any_layer"),
        ("partners", "0005_areas_of_any_layer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    created = [
        migrations.CreateModel(
            name="HistoricalActor",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical professionnel",
                "verbose_name_plural": "historical professionnels",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalActor_needs",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.actor",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalactor",
                    ),
                ),
                (
                    "need",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.need",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalActor_needs",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalNeighbourhood",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="nom")),
                ("slug", models.SlugField(max_length=140, verbose_name="identifiant")),
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
                    "display_boundary",
                    models.JSONField(
                        default=dict, editable=False, verbose_name="contour simplifié"
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
                (
                    "layer",
                    models.SlugField(
                        blank=True,
                        help_text="La couche ouverte d'où vient la zone (load_neighbourhoods) : recharger la couche met à jour ses zones, par leur identifiant dans la source.",
                        max_length=60,
                        verbose_name="couche",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=200, verbose_name="source")),
                (
                    "source_id",
                    models.CharField(
                        blank=True, max_length=50, verbose_name="identifiant dans la source"
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="modifié le"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical quartier",
                "verbose_name_plural": "historical quartiers",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalOpeningException",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical exception d'ouverture",
                "verbose_name_plural": "historical fermetures et horaires exceptionnels",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalOpeningSlot",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical créneau d'ouverture",
                "verbose_name_plural": "historical horaires d'ouverture",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPermanence",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                    "off_in_school_holidays",
                    models.BooleanField(
                        default=False,
                        help_text="Les séances qui tombent pendant les vacances scolaires de la zone B (Nantes) ne sont pas annoncées. Les jours fériés ne le sont jamais.",
                        verbose_name="pas pendant les vacances scolaires",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.actor",
                        verbose_name="professionnel",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "host",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Où la permanence a lieu (ex. : la maison de quartier).",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="lieu d'accueil",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Dont le service est proposé (ex. : la Mission locale).",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="structure qui tient la permanence",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical permanence",
                "verbose_name_plural": "historical permanences",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPermanence_needs",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalpermanence",
                    ),
                ),
                (
                    "need",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.need",
                    ),
                ),
                (
                    "permanence",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.permanence",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalPermanence_needs",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPermanence_publics",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalpermanence",
                    ),
                ),
                (
                    "permanence",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.permanence",
                    ),
                ),
                (
                    "public",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.public",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalPermanence_publics",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalStructure",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
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
                    "max_age",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="En années, inclus (ex. : 25 pour une Mission locale). Vide : pas de limite.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="âge maximum",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="nom")),
                (
                    "slug",
                    models.SlugField(
                        help_text="Lettres minuscules, chiffres et tirets. Ne le changez pas après publication.",
                        max_length=220,
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
                    "hours_to_check",
                    models.BooleanField(
                        default=False,
                        help_text="Horaires importés qui ne tiennent pas exactement dans les créneaux : le texte d'origine est dans la remarque. Corrigez les créneaux, puis décochez.",
                        verbose_name="horaires à vérifier",
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
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="créée le"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="modifiée le"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "neighbourhood",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="Déduit de la position, sauf si « quartier choisi à la main » est coché.",
                        limit_choices_to={"kind__in": ["quartier", "iris"]},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.neighbourhood",
                        verbose_name="quartier",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                        verbose_name="réseau ou structure mère",
                    ),
                ),
                (
                    "qpv",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        help_text="Le QPV où se trouve la structure, ou le plus proche à moins de 300 m.",
                        limit_choices_to={"kind": "qpv"},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.neighbourhood",
                        verbose_name="quartier prioritaire (QPV)",
                    ),
                ),
                (
                    "verified_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="vérifiée par",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical structure",
                "verbose_name_plural": "historical structures",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalStructure_languages",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalstructure",
                    ),
                ),
                (
                    "language",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.language",
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalStructure_languages",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalStructure_needs",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalstructure",
                    ),
                ),
                (
                    "need",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.need",
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalStructure_needs",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalStructure_publics",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="actors.historicalstructure",
                    ),
                ),
                (
                    "public",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.public",
                    ),
                ),
                (
                    "structure",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="actors.structure",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalStructure_publics",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]

    # The tables keep their rows and are renamed (as AlterModelTable would, without
    # rebuilding the state a dozen times: a new database migrates a second faster).
    renamed = [
        migrations.RunSQL(
            f"ALTER TABLE partners_{model.name_lower} RENAME TO actors_{model.name_lower}",
            f"ALTER TABLE actors_{model.name_lower} RENAME TO partners_{model.name_lower}",
        )
        for model in created
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=created, database_operations=renamed)
    ]
