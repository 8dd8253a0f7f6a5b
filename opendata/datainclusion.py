"""Our structures in the data·inclusion v1 schema (structures and services).

Each published structure is a data·inclusion *structure*; each need it
serves is a *service* of that structure, with the need's `di_thematiques`
and the publics' `di_publics`. Each current permanence a structure holds at a
published host is one more service of that structure, at the host's address,
with the permanence's own schedule. Hours are OSM `opening_hours`, past dated
exceptions left out. `source` is our producer id (settings.DATA_INCLUSION_SOURCE).
The tests validate every record with the official `data-inclusion-schema`.
"""

from django.conf import settings
from django.utils import timezone, translation

from actors.enums import Status, StructureKind
from actors.models import Permanence

from .osm_hours import format_opening_hours, format_permanence_hours

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
        **_address(structure),
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


def _address(structure):
    return {
        "commune": _or_none(structure.city),
        "code_postal": _or_none(structure.postcode),
        "code_insee": _or_none(structure.insee_code),
        "adresse": _or_none(structure.street),
        "complement_adresse": _or_none(structure.address_complement),
        "longitude": structure.longitude,
        "latitude": structure.latitude,
    }


def _permanence_closures(permanence, today):
    """Cancellations and the host's and provider's closures, as (starts_on, ends_on, label)."""
    closures = [(c.on_date, c.on_date, c.reason) for c in permanence.cancellations.all()]
    for structure in (permanence.host, permanence.provider):
        closures.extend(
            (e.starts_on, e.ends_on, e.label) for e in structure.opening_exceptions.all()
        )
    return [closure for closure in closures if closure[1] >= today]


def _permanence_description(permanence):
    # The export is French whatever the language of the request that asked for it.
    with translation.override("fr"):
        text = (
            f"{permanence.title}, tenue par {permanence.provider.name} "
            f"à {permanence.host.name} : le {permanence.get_weekday_display()} "
            f"de {permanence.opens:%H:%M} à {permanence.closes:%H:%M} "
            f"({str(permanence.get_recurrence_display()).lower()})."
        )
        languages = [language.label for language in permanence.languages.all()]
        if languages:
            text = f"{text} Langues : {', '.join(languages)}."
        if permanence.notes:
            text = f"{text} {permanence.notes}"
    return text[:10000]


def _permanence_publics(permanence):
    codes = {code for public in permanence.publics.all() for code in public.di_publics}
    if EVERYONE in codes:
        return [EVERYONE]
    return sorted(codes) or None


def _permanence_mobilisation(permanence):
    modes = []
    if permanence.walk_in:
        modes.append("se-presenter")
    if permanence.provider.phone and permanence.by_appointment:
        modes.append("telephoner")
    if permanence.provider.email:
        modes.append("envoyer-un-courriel")
    return modes or None


def permanence_service_records(providers, base_url=""):
    """One service per current permanence the `providers` hold at a published host.

    Model instances here: permanences are few (about one host in ten holds one), and the
    calendar's prefetches (`with_calendar`) are the ones the pages use. Five queries per
    chunk of providers.
    """
    today = timezone.localdate()
    permanences = (
        Permanence.objects.current()
        .filter(provider__in=providers, host__status=Status.PUBLISHED)
        .select_related("host", "provider")
        .prefetch_related("needs", "publics", "languages")
        .with_calendar(today)
        .order_by("provider__slug", "pk")
    )
    for permanence in permanences:
        provider, host = permanence.provider, permanence.host
        with translation.override("fr"):
            ages = permanence.age_range_label()
        precisions = []
        if permanence.by_appointment and not permanence.walk_in:
            precisions.append("Sur rendez-vous.")
        themes = {theme for need in permanence.needs.all() for theme in need.di_thematiques}
        yield {
            "id": f"{structure_id(provider)}--permanence-{permanence.pk}",
            "structure_id": structure_id(provider),
            "source": source(),
            "lien_source": f"{base_url}{host.get_absolute_url()}" if base_url else None,
            "date_maj": _date_maj(provider),
            "nom": _name(f"{permanence.title} — {host.name}"),
            "description": _permanence_description(permanence),
            "type": None,
            "thematiques": sorted(themes) or None,
            "frais": "gratuit" if provider.is_free else "payant",
            "frais_precisions": _or_none(provider.fees_details),
            "publics": _permanence_publics(permanence),
            "publics_precisions": _or_none(ages),
            "conditions_acces": _or_none(permanence.notes),
            **_address(host),
            "telephone": _or_none(provider.phone),
            "courriel": _or_none(provider.email),
            "horaires_accueil": format_permanence_hours(
                permanence, _permanence_closures(permanence, today), since=today
            ),
            "modes_accueil": ["en-presentiel"],
            "zone_eligibilite": [host.insee_code] if host.insee_code else None,
            "contact_nom_prenom": None,
            "lien_mobilisation": None,
            "modes_mobilisation": _permanence_mobilisation(permanence),
            "mobilisable_par": ["professionnels", "usagers"],
            "mobilisation_precisions": " ".join(precisions) or None,
            "volume_horaire_hebdomadaire": None,
            "nombre_semaines": None,
        }
