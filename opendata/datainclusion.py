"""Our structures in the data·inclusion v1 schema (structures and services).

Each published structure is a data·inclusion *structure*; each need it
serves is a *service* of that structure, with the need's `di_thematiques`
and the publics' `di_publics`. Hours are OSM `opening_hours`, past dated
exceptions left out. `source` is our producer id (settings.DATA_INCLUSION_SOURCE).
The tests validate every record with the official `data-inclusion-schema`.
"""

from django.conf import settings
from django.utils import timezone

from actors.enums import StructureKind

from .opening_hours import format_opening_hours

# Our kinds that belong to a data·inclusion "réseau porteur".
NETWORKS = {
    StructureKind.MISSION_LOCALE: "mission-locale",
    StructureKind.FRANCE_TRAVAIL: "france-travail",
    StructureKind.CAP_EMPLOI: "cap-emploi-reseau-cheops",
    StructureKind.INFORMATION_JEUNESSE: "reseau-information-jeunesse",
    StructureKind.E2C: "ecoles-de-la-deuxieme-chance",
    StructureKind.CHAMBRE_CONSULAIRE: "chambres-consulaires",
    StructureKind.ESPACE_NUMERIQUE: "espaces-publics-numeriques",
    StructureKind.MAIRIE_DE_QUARTIER: "communes",
}
EVERYONE = "tous-publics"


def source():
    return settings.DATA_INCLUSION_SOURCE


def structure_id(structure):
    return f"{source()}--{structure.slug}"


def _or_none(value):
    return value if value not in ("", None) else None


def _date_maj(structure):
    """Last change or last human check, whichever is later (never in the future)."""
    moments = [m for m in (structure.updated_at, structure.last_verified_at) if m]
    return min(timezone.localtime(max(moments)).date(), timezone.localdate()).isoformat()


def _common(structure, related, base_url, today):
    return {
        "source": source(),
        "lien_source": f"{base_url}{structure.get_absolute_url()}" if base_url else None,
        "date_maj": _date_maj(structure),
        "commune": _or_none(structure.city),
        "code_postal": _or_none(structure.postcode),
        "code_insee": _or_none(structure.insee_code),
        "adresse": _or_none(structure.street),
        "complement_adresse": _or_none(structure.address_complement),
        "longitude": structure.longitude,
        "latitude": structure.latitude,
        "telephone": _or_none(structure.phone),
        "courriel": _or_none(structure.email),
        "horaires_accueil": _or_none(
            format_opening_hours(
                related.slots, related.exceptions, structure.holidays_rule, since=today
            )
        ),
    }


def _name(text):
    return text[:150].strip()


def structure_record(structure, related, base_url=""):
    today = timezone.localdate()
    network = NETWORKS.get(structure.kind)
    return {
        "id": structure_id(structure),
        "nom": _name(structure.name),
        "description": _or_none(structure.description),
        "siret": None,
        **_common(structure, related, base_url, today),
        "site_web": _or_none(structure.website),
        "accessibilite_lieu": _or_none(structure.acceslibre_url),
        "reseaux_porteurs": [network] if network else None,
    }


def _publics(related):
    codes = {code for public in related.publics for code in public.di_publics}
    if EVERYONE in codes:
        return [EVERYONE]  # the schema forbids "tous-publics" with other values
    return sorted(codes) or None


def _mobilisation(structure):
    modes = []
    if structure.walk_in:
        modes.append("se-presenter")
    if structure.phone and (structure.by_phone or structure.by_appointment):
        modes.append("telephoner")
    if structure.email:
        modes.append("envoyer-un-courriel")
    if structure.online and structure.website:
        modes.append("utiliser-lien-mobilisation")
    return modes or None


def service_records(structure, related, base_url=""):
    """One service per need the structure serves."""
    today = timezone.localdate()
    common = _common(structure, related, base_url, today)
    conditions = " ".join(p for p in (structure.access_details, structure.what_to_bring) if p)
    precisions = []
    if structure.by_appointment:
        precisions.append("Sur rendez-vous.")
    if structure.referral_required:
        precisions.append("Orientation par un professionnel obligatoire.")
    for need in related.needs:
        description = f"{need.label} : {structure.name}."
        if need.description:
            description = f"{description} {need.description}"
        yield {
            "id": f"{structure_id(structure)}--{need.slug}",
            "structure_id": structure_id(structure),
            "nom": _name(f"{need.label} — {structure.name}"),
            "description": description[:10000],
            "type": None,
            "thematiques": sorted(need.di_thematiques) or None,
            "frais": "gratuit" if structure.is_free else "payant",
            "frais_precisions": _or_none(structure.fees_details),
            "publics": _publics(related),
            "publics_precisions": None,
            "conditions_acces": _or_none(conditions),
            **common,
            "modes_accueil": ["en-presentiel"] + (["a-distance"] if structure.online else []),
            "zone_eligibilite": [structure.insee_code] if structure.insee_code else None,
            "contact_nom_prenom": None,
            "lien_mobilisation": _or_none(structure.website) if structure.online else None,
            "modes_mobilisation": _mobilisation(structure),
            "mobilisable_par": ["professionnels"]
            if structure.referral_required
            else ["professionnels", "usagers"],
            "mobilisation_precisions": " ".join(precisions) or None,
            "volume_horaire_hebdomadaire": None,
            "nombre_semaines": None,
        }
