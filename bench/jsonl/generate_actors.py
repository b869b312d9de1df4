#!/usr/bin/env python3
"""Writes N synthetic actors as JSON Lines (protobuf JSON of maillage.v1.Actor),
spread over the real communes in proportion to their population, for
scripts/bench-jsonl.sh. Independent of the project's own generators (the
import benchmark's SIRENE/RNA files, tools/loadgen): its own mix of kinds,
names, themes, needs and offers, descriptions and websites, as a lab's
directory holds them. Deterministic for a seed.

  generate_actors.py REFERENCE_DIR N OUT.jsonl [SEED]
"""
import bisect
import json
import random
import sys


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f
                if line.strip() and not line.startswith("#")]


def main():
    reference, count, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 17)
    rows = read_tsv(reference + "/geo/communes.tsv")[1:]  # after the header
    communes = [(r[0], r[1], int(r[4] or 0)) for r in rows if int(r[4] or 0) > 0]
    cumulative, total = [], 0
    for _, _, population in communes:
        total += population
        cumulative.append(total)
    themes = [r[0] for r in read_tsv(reference + "/vocab/themes.tsv")]
    resources = [r[0] for r in read_tsv(reference + "/vocab/resources.tsv")]
    kinds = [("ACTOR_KIND_COMPANY", 0.68), ("ACTOR_KIND_ASSOCIATION", 0.24),
             ("ACTOR_KIND_PUBLIC_BODY", 0.05), ("ACTOR_KIND_ACADEMIC", 0.02),
             ("ACTOR_KIND_MEDIA", 0.01)]
    words = ["Atelier", "Maison", "Régie", "Collectif", "Réseau", "Comptoir",
             "Fabrique", "Espace", "Cercle", "Union", "Société", "Compagnie"]
    places = ["du Val", "des Hauts", "de la Bièvre", "du Marché", "des Écoles",
              "de l'Étang", "Saint-Éloi", "des Coteaux", "du Port", "Solidaire"]
    nafs = ["88.99B", "94.99Z", "62.01Z", "47.11F", "56.10A", "85.59A",
            "43.22A", "69.20Z", "90.01Z", "81.30Z", "86.21Z", "10.71C"]
    sizes = ["SIZE_BAND_NONE", "SIZE_BAND_MICRO", "SIZE_BAND_MICRO",
             "SIZE_BAND_SMALL", "SIZE_BAND_MEDIUM", "SIZE_BAND_LARGE"]
    phrases = ["accompagnement vers l'emploi", "médiation numérique",
               "aide alimentaire", "rénovation énergétique",
               "éducation populaire", "circuits courts", "mobilité solidaire",
               "accès aux droits", "culture en pied d'immeuble",
               "réemploi et réparation", "santé des aînés", "sport pour tous"]
    kind_names = [k for k, _ in kinds]
    kind_weights = [w for _, w in kinds]
    with open(out_path, "w", encoding="utf-8") as out:
        for n in range(count):
            code, departement, _ = communes[
                bisect.bisect_right(cumulative, rng.randrange(total))]
            kind = rng.choices(kind_names, kind_weights)[0]
            siren = 300000000 + n * 7 % 699999999
            actor = {}
            if kind == "ACTOR_KIND_COMPANY":
                siret = "%09d%05d" % (siren, rng.randrange(1, 99999))
                actor["id"] = "siret:" + siret
                legal = {"siren": siret[:9], "siret": siret}
            elif kind == "ACTOR_KIND_ASSOCIATION":
                actor["id"] = "rna:W%09d" % (100000000 + n)
                legal = {"rna": "W%09d" % (100000000 + n)}
            else:
                actor["id"] = "ext:bench:%d" % n
                legal = None
            actor["kind"] = kind
            actor["name"] = "%s %s %d" % (rng.choice(words), rng.choice(places), n)
            if legal:
                actor["legal_ids"] = legal
            if kind == "ACTOR_KIND_COMPANY":
                actor["naf_code"] = rng.choice(nafs)
                actor["size_band"] = rng.choice(sizes)
            actor["home_commune"] = code
            if rng.random() < 0.7:
                actor["location"] = {
                    "latitude": round(42.4 + rng.random() * 8.6, 7),
                    "longitude": round(-4.6 + rng.random() * 12.8, 7)}
            if rng.random() < 0.3:
                actor["action_territories"] = [
                    {"level": "TERRITORY_LEVEL_DEPARTEMENT", "code": departement}]
            mine = rng.sample(themes, rng.randint(1, 3))
            actor["themes"] = mine
            if rng.random() < 0.6:
                actor["needs"] = [{"resource": r, "theme": rng.choice(mine)}
                                  for r in rng.sample(resources, rng.randint(1, 2))]
            if rng.random() < 0.8:
                actor["offers"] = [{"resource": r, "theme": rng.choice(mine)}
                                   for r in rng.sample(resources, rng.randint(1, 3))]
            if rng.random() < 0.3:
                actor["capacity"] = rng.randint(1, 10)
            if rng.random() < 0.4:
                actor["description"] = "Structure de proximité : %s, %s et %s." % tuple(
                    rng.sample(phrases, 3))
            if rng.random() < 0.3:
                actor["website"] = "https://acteur-%d.example.fr" % n
            actor["source"] = "bench"
            out.write(json.dumps(actor, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")


if __name__ == "__main__":
    main()
