#!/usr/bin/env python3
"""Makes tests/relevance/iceland-queries.tsv from the real Icelandic address register.

Run once from the crate directory: python3 tests/relevance/make-iceland-queries.py
Deterministic: no randomness, only a fixed stride over the records and positions derived from
the record id, so the same data always gives the same file. Each query is what a person might
type for one real address (exact, unaccented, house-number first with an unfinished street,
a typo, a missing letter, with the postcode, with the town, "12 a" spacing); the expected answer
is that record's address_id. Only records the query can identify are used: the street, number
and letter (plus postcode or town when the query has them) must be unique in the register.
"""
import csv
import gzip
import sys
from collections import Counter

SOURCE = "../../../shared/data/iceland-addresses.csv.gz"
OUT = "tests/relevance/iceland-queries.tsv"
PER_KIND = 30

# Postcode -> town for the larger places; the register itself has no town names.
TOWNS = {}
for codes, town in [
    ("101 102 103 104 105 107 108 109 110 111 112 113 116 161 162", "Reykjavík"),
    ("170", "Seltjarnarnes"), ("200 201 203 206", "Kópavogur"), ("210 212 225", "Garðabær"),
    ("220 221 222", "Hafnarfjörður"), ("230 232 233 235 260 262", "Reykjanesbær"), ("240", "Grindavík"),
    ("270 271", "Mosfellsbær"), ("300", "Akranes"), ("310", "Borgarnes"), ("340", "Stykkishólmur"),
    ("400", "Ísafjörður"), ("415", "Bolungarvík"), ("550", "Sauðárkrókur"), ("600 603", "Akureyri"),
    ("640", "Húsavík"), ("700", "Egilsstaðir"), ("780", "Höfn"), ("800", "Selfoss"), ("810", "Hveragerði"),
    ("815", "Þorlákshöfn"), ("900", "Vestmannaeyjar"),
]:
    for c in codes.split():
        TOWNS[c] = town

FOLD = {"á": "a", "à": "a", "ä": "a", "æ": "ae", "ð": "d", "é": "e", "í": "i", "ó": "o", "ö": "o", "ø": "o",
        "ú": "u", "ü": "u", "ý": "y", "þ": "th"}


def fold(s):
    return "".join(FOLD.get(c, c) for c in s.lower())


def typo(word, seed):
    """One substituted letter, never the first."""
    i = 1 + seed % (len(word) - 1)
    c = word[i]
    r = "a" if c == "e" else "e" if c != "e" else "i"
    return word[:i] + r + word[i + 1:]


def drop(word, seed):
    """One letter missing, never the first."""
    i = 1 + seed % (len(word) - 1)
    return word[:i] + word[i + 1:]


def main():
    rows = []
    with gzip.open(SOURCE, "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["house_number"].isdigit() and r["street"].strip():
                rows.append(r)
    key = lambda r: (fold(r["street"]), r["house_number"], r["house_letter"].lower())
    national = Counter(key(r) for r in rows)
    by_postcode = Counter(key(r) + (r["postcode"],) for r in rows)
    by_town = Counter(key(r) + (TOWNS.get(r["postcode"], ""),) for r in rows)
    rows.sort(key=lambda r: int(r["address_id"]))

    def unique(r):
        return national[key(r)] == 1

    kinds = [
        ("exact", unique, lambda r, s, w: f"{r['street']} {r['house_number']}{r['house_letter']}"),
        ("unaccented", unique, lambda r, s, w: f"{fold(r['street'])} {r['house_number']}{r['house_letter']}"),
        ("number-first-prefix", lambda r: unique(r) and len(w_last(r)) >= 6,
         lambda r, s, w: f"{r['house_number']}{r['house_letter']} {' '.join(w[:-1] + [w[-1][:max(4, len(w[-1]) * 2 // 3)]])}"),
        ("typo", lambda r: unique(r) and len(w_last(r)) >= 5,
         lambda r, s, w: f"{' '.join(w[:-1] + [typo(w[-1], s)])} {r['house_number']}{r['house_letter']}"),
        ("missing-letter", lambda r: unique(r) and len(w_last(r)) >= 6,
         lambda r, s, w: f"{' '.join(w[:-1] + [drop(w[-1], s)])} {r['house_number']}{r['house_letter']}"),
        ("with-postcode", lambda r: by_postcode[key(r) + (r["postcode"],)] == 1,
         lambda r, s, w: f"{fold(r['street'])} {r['house_number']}{r['house_letter']} {r['postcode']}"),
        ("with-town", lambda r: r["postcode"] in TOWNS and by_town[key(r) + (TOWNS[r["postcode"]],)] == 1,
         lambda r, s, w: f"{fold(r['street'])} {r['house_number']}{r['house_letter']} {fold(TOWNS[r['postcode']])}"),
        ("spaced-letter", lambda r: unique(r) and r["house_letter"] != "",
         lambda r, s, w: f"{r['house_number']} {r['house_letter'].lower()} {fold(r['street'])}"),
    ]
    out = []
    for n, (kind, eligible, make) in enumerate(kinds):
        chosen = [r for r in rows if eligible(r)]
        stride = max(1, len(chosen) // PER_KIND)
        for r in chosen[n::stride][:PER_KIND]:
            seed = int(r["address_id"])
            words = fold(r["street"]).split()
            out.append((make(r, seed, words), r["address_id"], kind))
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("query\taddress_id\tkind\n")
        for q, i, k in out:
            f.write(f"{q}\t{i}\t{k}\n")
    print(f"{len(out)} queries written to {OUT}", file=sys.stderr)


def w_last(r):
    return fold(r["street"]).split()[-1]


if __name__ == "__main__":
    main()
