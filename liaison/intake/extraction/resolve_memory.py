"""A resolver over the Directory's seed data and ISO countries, in memory (no database)."""

from __future__ import annotations

import datetime as dt
import gettext
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

from liaison.core.names import rank, token_keys_for_query
from liaison.intake.extraction.data import load
from liaison.intake.extraction.resolver import ORGANISATION, PERSON, PLACE, Candidate, Entry, Position

SEED_DIR = Path(__file__).resolve().parents[2] / "directory" / "seed_data"


def _json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class MemoryResolver:
    """Entries and their names held in memory, looked up with the shared matcher."""

    def __init__(self, entries: Iterable[tuple[Entry, Iterable[str]]]) -> None:
        self._names: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
        self._by_key: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        self._entries: dict[str, list[Entry]] = defaultdict(list)
        seen: dict[tuple[str, str], int] = {}
        self._seen_names: set[tuple[str, Entry]] = set()
        for entry, names in entries:
            index = seen.get((entry.kind, entry.key))
            if index is None:
                index = seen[entry.kind, entry.key] = len(self._entries[entry.kind])
                self._entries[entry.kind].append(entry)
            entry = self._entries[entry.kind][index]
            for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
                if (name, entry) in self._seen_names:
                    continue
                self._seen_names.add((name, entry))
                self._names[entry.kind].append((name, entry))
                for key in token_keys_for_query(name):
                    self._by_key[entry.kind][key].append((index, name))

    def names(self, kind: str) -> Iterable[tuple[str, Entry]]:
        return self._names[kind]

    def lookup(self, kind: str, query: str, *, limit: int = 5) -> list[Candidate]:
        keyed = self._by_key[kind]
        pairs = {pair for key in token_keys_for_query(query) for pair in keyed.get(key, ())}
        entries = self._entries[kind]
        return [
            Candidate(entry=entries[m.key], score=m.score, matched=m.value)
            for m in rank(query, sorted(pairs), limit=limit)
        ]

    @classmethod
    def from_seed_data(cls, *, without_source: str | None = None) -> MemoryResolver:
        """The seed Directory; ``without_source`` leaves out the names taken from that article
        (to measure extraction on spellings the Directory has not seen)."""
        return _seed_resolver(without_source)


def _names(items: list[dict[str, Any]], without_source: str | None) -> list[str]:
    return [n["value"] for n in items if not without_source or n.get("source") != without_source]


def _people(without_source: str | None) -> Iterable[tuple[Entry, list[str]]]:
    for item in _json("people.json"):
        official = next((n["value"] for n in item["names"] if n.get("kind") == "official"), item["key"])
        positions = tuple(
            Position(
                title_en=p["title"]["en"], title_ar=p["title"].get("ar") or "", organisation=p["organisation"]
            )
            for p in item["positions"]
        )
        entry = Entry(
            kind=PERSON,
            key=item["key"],
            id=item["key"],
            name=official,
            gender=item.get("gender") or "",
            positions=positions,
        )
        yield entry, _names(item["names"], without_source)


def _organisations(without_source: str | None) -> Iterable[tuple[Entry, list[str]]]:
    for item in _json("organisations.json"):
        english = next((n["value"] for n in item["names"] if n["language"] == "en"), item["key"])
        entry = Entry(kind=ORGANISATION, key=item["key"], id=item["key"], name=english)
        yield entry, _names(item["names"], without_source)


def _countries() -> Iterable[tuple[Entry, list[str]]]:
    translators = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("ar", "vi")
    }
    aliases: dict[str, list[str]] = load("places")["country_aliases"]
    seeded: dict[str, list[str]] = defaultdict(list)
    for place in _json("places.json"):
        if place["kind"] == "country":
            seeded[place["country"]].extend(n["value"] for n in place["names"])
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        names = [name, country.name, *(t.gettext(country.name) for t in translators.values())]
        names += [t.gettext(name) for t in translators.values()]
        names += aliases.get(country.alpha_2, []) + seeded.get(country.alpha_2, [])
        entry = Entry(
            kind=PLACE, key=f"country:{country.alpha_2}", id=country.alpha_2, name=name, place_kind="country"
        )
        yield entry, names


def _localities() -> Iterable[tuple[Entry, list[str]]]:
    for row in _json("vn_provinces.json"):
        entry = Entry(
            kind=PLACE,
            key=f"locality:{row['code']}",
            id=row["code"],
            name=row["name_en"],
            place_kind=row["kind"],
            valid_from=_date(row.get("valid_from")),
            valid_to=_date(row.get("valid_to")),
        )
        yield entry, [row["name_en"], row["name_vi"], row["short_vi"], row.get("name_ar", "")]
    for place in _json("places.json"):
        if place["kind"] != "foreign_locality":
            continue
        code = place.get("iso_3166_2") or place["key"]
        english = next((n["value"] for n in place["names"] if n["language"] == "en"), code)
        entry = Entry(kind=PLACE, key=f"locality:{code}", id=code, name=english, place_kind="foreign_region")
        yield entry, [n["value"] for n in place["names"]]
    # Seed places that are Vietnamese units carry the articles' spellings: add them to the units.
    extra: dict[str, list[str]] = defaultdict(list)
    for place in _json("places.json"):
        if place["kind"] in {"city", "province"}:
            extra[place["names"][0]["value"]].extend(n["value"] for n in place["names"])
    for row in _json("vn_provinces.json"):
        if row["short_vi"] in extra:
            entry = Entry(
                kind=PLACE,
                key=f"locality:{row['code']}",
                id=row["code"],
                name=row["name_en"],
                place_kind=row["kind"],
                valid_from=_date(row.get("valid_from")),
                valid_to=_date(row.get("valid_to")),
            )
            yield entry, extra[row["short_vi"]]


@cache
def _seed_resolver(without_source: str | None) -> MemoryResolver:
    return MemoryResolver(
        [*_people(without_source), *_organisations(without_source), *_countries(), *_localities()]
    )
