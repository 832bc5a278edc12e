"""Consistency check for the Directory seed data.

Run:  cd /work/main && uv run python liaison/directory/seed_data/check.py
Optional: pass the seed-article folder to also verify that every Arabic
surface form cited to an article really occurs in that article, e.g.
      uv run python liaison/directory/seed_data/check.py /work/shared/corpus/seeds
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORG_KINDS = {
    "central_committee",
    "commission",
    "ministry",
    "department",
    "party_committee",
    "provincial_committee",
    "people_committee",
    "province_department",
    "mission",
    "friendship_association",
    "mass_organisation",
    "international_organisation",
    "foreign_state_body",
    "foreign_locality",
    "ngo",
    "other",
}
PILLARS = {"party", "state", "people", "foreign"}
NAME_KINDS = {"official", "transliteration", "alias", "abbreviation", "former"}
PLACE_KINDS = {"country", "province", "city", "foreign_locality"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SRC = re.compile(r"^(public|\d{3}_[0-9a-f]{16}\.txt)$")

errors = []


def err(msg):
    errors.append(msg)


def load(name):
    with open(HERE / name, encoding="utf-8") as f:
        return json.load(f)


try:
    import pycountry

    def iso_ok(code):
        return pycountry.countries.get(alpha_2=code) is not None

    def sub_ok(code):
        return pycountry.subdivisions.get(code=code) is not None
except ImportError:  # pragma: no cover

    def iso_ok(code):
        return bool(re.fullmatch(r"[A-Z]{2}", code))

    def sub_ok(code):
        return True


def check_names(owner, names, article_dir):
    if not names:
        err(f"{owner}: no names")
    for nm in names:
        if nm.get("kind") not in NAME_KINDS:
            err(f"{owner}: bad name kind {nm.get('kind')!r}")
        src = nm.get("source", "")
        if not SRC.match(src):
            err(f"{owner}: bad source {src!r}")
        if not nm.get("value") or not nm.get("language"):
            err(f"{owner}: empty name/language {nm}")
        if article_dir and src != "public":
            text = (article_dir / src).read_text(encoding="utf-8")
            if nm["value"] not in text:
                err(f"{owner}: {nm['value']!r} not found in {src}")


def main():
    article_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    orgs, people, places, provs = (
        load(n) for n in ("organisations.json", "people.json", "places.json", "vn_provinces.json")
    )

    okeys = [o["key"] for o in orgs]
    for k, c in Counter(okeys).items():
        if c > 1:
            err(f"duplicate org key {k}")
    okset = set(okeys)
    for o in orgs:
        if o["parent"] is not None and o["parent"] not in okset:
            err(f"org {o['key']}: unknown parent {o['parent']}")
        if o["kind"] not in ORG_KINDS:
            err(f"org {o['key']}: bad kind {o['kind']}")
        if o["pillar"] not in PILLARS:
            err(f"org {o['key']}: bad pillar {o['pillar']}")
        if not iso_ok(o["country"]):
            err(f"org {o['key']}: bad country {o['country']}")
        if "iso_3166_2" in o and not sub_ok(o["iso_3166_2"]):
            err(f"org {o['key']}: bad subdivision {o['iso_3166_2']}")
        check_names(f"org {o['key']}", o["names"], article_dir)
    # no cycles
    parent = {o["key"]: o["parent"] for o in orgs}
    for k in parent:
        seen, cur = set(), k
        while cur is not None:
            if cur in seen:
                err(f"org cycle at {k}")
                break
            seen.add(cur)
            cur = parent.get(cur)

    pkeys = [p["key"] for p in people]
    for k, c in Counter(pkeys).items():
        if c > 1:
            err(f"duplicate person key {k}")
    for p in people:
        if not iso_ok(p["nationality"]):
            err(f"person {p['key']}: bad nationality")
        if p.get("gender") not in ("m", "f", None):
            err(f"person {p['key']}: bad gender")
        check_names(f"person {p['key']}", p["names"], article_dir)
        if not any(n["language"] == "vi" and n["kind"] == "official" for n in p["names"]):
            err(f"person {p['key']}: no official vi name")
        for pos in p["positions"]:
            if pos["organisation"] not in okset:
                err(f"person {p['key']}: unknown org {pos['organisation']}")
            for f in ("from", "to"):
                if pos[f] is not None and not DATE.match(pos[f]):
                    err(f"person {p['key']}: bad {f} {pos[f]}")
            for d in pos.get("known_held") or []:
                if not DATE.match(d):
                    err(f"person {p['key']}: bad known_held {d}")
            if pos["from"] and pos["to"] and pos["from"] > pos["to"]:
                err(f"person {p['key']}: from > to")
            if not SRC.match(pos["source"]):
                err(f"person {p['key']}: bad position source {pos['source']}")

    plkeys = [p["key"] for p in places]
    for k, c in Counter(plkeys).items():
        if c > 1:
            err(f"duplicate place key {k}")
    for p in places:
        if p["kind"] not in PLACE_KINDS:
            err(f"place {p['key']}: bad kind")
        if not iso_ok(p["country"]):
            err(f"place {p['key']}: bad country")
        if "iso_3166_2" in p and not sub_ok(p["iso_3166_2"]):
            err(f"place {p['key']}: bad subdivision {p['iso_3166_2']}")
        if p.get("parent") and p["parent"] not in plkeys:
            err(f"place {p['key']}: unknown parent")
        check_names(f"place {p['key']}", p["names"], article_dir)

    old = [u for u in provs if u["valid_to"] == "2025-06-30"]
    new = [u for u in provs if u["valid_from"] == "2025-07-01"]
    if len(old) + len(new) != len(provs):
        err("province records neither old nor new")
    codes = [u["code"] for u in provs]
    for k, c in Counter(codes).items():
        if c > 1:
            err(f"duplicate province code {k}")
    if len(old) != 63:
        err(f"expected 63 old units, got {len(old)}")
    if len(new) != 34:
        err(f"expected 34 new units, got {len(new)}")
    kinds_old = Counter(u["kind"] for u in old)
    if kinds_old != Counter({"province": 58, "municipality": 5}):
        err(f"old kinds {kinds_old}")
    kinds_new = Counter(u["kind"] for u in new)
    if kinds_new != Counter({"province": 28, "municipality": 6}):
        err(f"new kinds {kinds_new}")
    preds = Counter(c for u in new for c in u["predecessors"])
    oldcodes = {u["code"] for u in old}
    if set(preds) != oldcodes or any(v != 1 for v in preds.values()):
        err(
            f"predecessor mapping broken: missing={oldcodes - set(preds)} extra={set(preds) - oldcodes} "
            f"dups={[k for k, v in preds.items() if v != 1]}"
        )
    unchanged = [u for u in new if len(u["predecessors"]) == 1]
    if len(unchanged) != 11:
        err(f"expected 11 unchanged units, got {len(unchanged)}")
    for u in new:
        if (
            u["short_vi"] not in {o["short_vi"] for o in old if o["code"] in u["predecessors"]}
            and u["short_vi"] != "Huế"
        ):
            err(f"new unit {u['code']} name not taken from a predecessor")
    offs = Counter(u.get("official_code_2025") for u in new)
    if any(v > 1 for v in offs.values()):
        err("duplicate official_code_2025")

    n_names = (
        sum(len(o["names"]) for o in orgs)
        + sum(len(p["names"]) for p in people)
        + sum(len(p["names"]) for p in places)
    )
    print(
        f"orgs={len(orgs)} people={len(people)} places={len(places)} name_records={n_names} "
        f"provinces_old={len(old)} provinces_new={len(new)} unchanged={len(unchanged)}"
    )
    if errors:
        print("\n".join("ERROR: " + e for e in errors))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
