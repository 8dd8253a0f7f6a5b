"""Deterministic, fictional data·inclusion files for the import benchmark.

    .venv/bin/python bench/datainclusion_files.py 100000 /tmp/di   # structures.json, services.json

N structures spread over Nantes Métropole, two services each, in the v1 schema
(every record validates with data-inclusion-schema). Names say "fictif",
addresses are "voie fictive", phones come from the range kept for fiction.
"""

import json
import random
import sys
from pathlib import Path

PRODUCERS = ["dora", "soliguide", "france-travail", "mission-locale", "france-services"]
KINDS = [
    "Centre social de démonstration",
    "Association de démonstration",
    "Mission locale de démonstration",
    "France services de démonstration",
    "Point information jeunesse de démonstration",
    "CIO de démonstration",
]
HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
    "Mo-Fr 08:30-12:30,13:30-17:30",
    "Tu-Sa 10:00-12:30,14:00-18:00; PH off",
    "Mo-Th 09:00-12:00; Fr 09:00-12:00,14:00-16:00",
    "mo-fr 09:00-12:00; Jul,Aug off",
    "Mo-Sa 10:00-19:00; Su,PH off",
    "Mo,We,Fr 09:00-12:00",
    "Mo-Fr 09:00-12:00; Sa[1] 10:00-12:00",
    'Mo-Fr 09:00-12:00 "sur rendez-vous l\'après-midi"',
    None,
]
THEMATIQUES = [
    ["choisir-un-metier--confirmer-son-choix-de-metier", "se-former--trouver-sa-formation"],
    ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
    [
        "trouver-un-emploi--repondre-a-des-offres-demploi",
        "trouver-un-emploi--faire-des-candidatures-spontanees",
    ],
    [
        "numerique--acceder-a-des-services-en-ligne",
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ],
    ["logement-hebergement--louer-un-logement"],
    ["choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite"],
]
PUBLICS = [["jeunes"], ["tous-publics"], ["demandeurs-emploi", "jeunes"], ["familles"], None]


def structure(n, rng):
    producer = PRODUCERS[n % len(PRODUCERS)]
    return {
        "source": producer,
        "id": f"{producer}--fictif-{n}",
        "nom": f"{KINDS[n % len(KINDS)]} n° {n} (fictif)",
        "date_maj": "2026-10-01",
        "commune": "Nantes",
        "code_postal": "44300",
        "code_insee": "44109",
        "adresse": f"{n} voie fictive des Essais",
        "latitude": round(47.17 + rng.random() * 0.12, 6),
        "longitude": round(-1.65 + rng.random() * 0.20, 6),
        "telephone": f"02 61 91 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
        "courriel": f"contact-{n}@example.org",
        "site_web": f"https://example.org/fictif-{n}",
        "horaires_accueil": HOURS[n % len(HOURS)],
        "description": "Lieu fictif créé pour mesurer l'import : aucune donnée réelle.",
    }


def service(n, k, rng, owner):
    return {
        "source": owner["source"],
        "id": f"{owner['id']}--service-{k}",
        "structure_id": owner["id"],
        "nom": f"Service de démonstration {k} du lieu n° {n} (fictif)",
        "date_maj": "2026-10-01",
        "description": "Service fictif créé pour mesurer l'import.",
        "thematiques": THEMATIQUES[(n + k) % len(THEMATIQUES)],
        "publics": PUBLICS[(n + k) % len(PUBLICS)],
        "frais": "gratuit" if (n + k) % 3 else "payant",
        "modes_accueil": ["en-presentiel"] + (["a-distance"] if k else []),
    }


def write(count, folder):
    """The two files in `folder` (kept from an earlier run: the generator is deterministic)."""
    rng = random.Random(42)
    folder = Path(folder)
    if (folder / "structures.json").exists() and (folder / "services.json").exists():
        return folder / "structures.json", folder / "services.json"
    folder.mkdir(parents=True, exist_ok=True)
    structures = [structure(n, rng) for n in range(1, count + 1)]
    with (folder / "structures.json").open("w") as out:
        json.dump({"items": structures, "total": count, "page": 1, "size": count}, out,
                  ensure_ascii=False)  # fmt: skip
    with (folder / "services.json").open("w") as out:
        out.write("[")
        for index, owner in enumerate(structures):
            for k in range(2):
                if index or k:
                    out.write(",\n")
                out.write(json.dumps(service(index + 1, k, rng, owner), ensure_ascii=False))
        out.write("]\n")
    return folder / "structures.json", folder / "services.json"


if __name__ == "__main__":
    write(int(sys.argv[1]), sys.argv[2])
