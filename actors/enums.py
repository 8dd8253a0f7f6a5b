from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StructureKind(models.TextChoices):
    CIO = "cio", _("Centre d'information et d'orientation (CIO)")
    MISSION_LOCALE = "mission-locale", _("Mission locale")
    FRANCE_TRAVAIL = "france-travail", _("France Travail")
    INFORMATION_JEUNESSE = "information-jeunesse", _("Information jeunesse (PIJ, BIJ, CRIJ)")
    MAISON_DE_QUARTIER = "maison-de-quartier", _("Maison de quartier, centre socioculturel")
    MAIRIE_DE_QUARTIER = "mairie-de-quartier", _("Mairie de quartier")
    ESPACE_NUMERIQUE = "espace-numerique", _("Espace numérique, médiation numérique")
    ASSOCIATION = "association", _("Association")
    ETABLISSEMENT_SCOLAIRE = "etablissement-scolaire", _("Établissement scolaire")
    ONISEP = "onisep", _("ONISEP")
    CARIF_OREF = "carif-oref", _("Carif-Oref")
    CAP_EMPLOI = "cap-emploi", _("Cap emploi")
    E2C = "e2c", _("École de la 2e chance (E2C)")
    FRANCE_SERVICES = "france-services", _("France services")
    MDPH = "mdph", _("Maison départementale des personnes handicapées (MDPH)")
    CHAMBRE_CONSULAIRE = (
        "chambre-consulaire",
        _("Chambre consulaire (CCI, CMA, chambre d'agriculture)"),
    )
    AUTRE = "autre", _("Autre")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    ARCHIVED = "archived", _("Archivée")


class CoordinatesSource(models.TextChoices):
    UNKNOWN = "", _("Inconnue")
    MANUAL = "manual", _("Saisie ou placée par un agent")
    GEOCODED = "geocoded", _("Géocodée (Base adresse nationale)")
    IMPORTED = "imported", _("Importée avec la fiche")
    EXAMPLE = "example", _("Donnée d'exemple")


class Wheelchair(models.TextChoices):
    UNKNOWN = "unknown", _("Non renseigné")
    YES = "yes", _("Accessible en fauteuil roulant")
    PARTIAL = "partial", _("Partiellement accessible")
    NO = "no", _("Non accessible en fauteuil roulant")


class HolidaysRule(models.TextChoices):
    CLOSED = "closed", _("Fermé les jours fériés")
    OPEN = "open", _("Ouvert les jours fériés aux horaires habituels")


class VerificationMethod(models.TextChoices):
    AGENT = "agent", _("Vérifiée par un agent")
    PHONE = "phone", _("Vérifiée par téléphone")
    PARTNER = "partner", _("Confirmée par le partenaire")
    IMPORT = "import", _("Source officielle importée")


class ContactVisibility(models.TextChoices):
    PUBLIC = "public", _("Publique : affichée sur le site")
    PROFESSIONALS = "professionals", _("Réservée aux agents et partenaires")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", pgettext_lazy("opening exception", "Fermeture")
    SPECIAL = "special", _("Horaires particuliers")


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Chaque semaine")
    EVEN_WEEKS = "even-weeks", _("Les semaines paires")
    ODD_WEEKS = "odd-weeks", _("Les semaines impaires")
    FIRST = "first", _("Le premier du mois")
    SECOND = "second", _("Le deuxième du mois")
    THIRD = "third", _("Le troisième du mois")
    FOURTH = "fourth", _("Le quatrième du mois")
    LAST = "last", _("Le dernier du mois")


class OriginKind(models.TextChoices):
    """Where a search measures distances from (actors.search), as the statistics name it."""

    DESK = "desk", _("un lieu d'accueil")
    ADDRESS = "address", _("une adresse")
    STOP = "stop", _("un arrêt de transport")
    NEIGHBOURHOOD = "neighbourhood", _("un quartier")
    COORDINATES = "coordinates", _("des coordonnées")
    NONE = "none", _("sans point de départ")


class AreaKind(models.TextChoices):
    """What a polygon layer holds (actors.Neighbourhood.kind)."""

    QUARTIER = "quartier", _("Quartier")
    IRIS = "iris", _("IRIS (Insee)")
    QPV = "qpv", _("Quartier prioritaire (QPV)")
