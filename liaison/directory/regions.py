"""Reference data: the UN M49 geographic regions, for grouping countries (and what lies in them,
such as the representative missions abroad) by part of the world.

Five macro-regions (Africa, Americas, Asia, Europe, Oceania), each divided into sub-regions; the
data is `seed_data/regions.json`, read once per process. A macro-region's countries are the union
of its sub-regions'. Every ISO 3166-1 country belongs to exactly one sub-region, except those in
`unplaced()` (Antarctica)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).parent / "seed_data"
LANGUAGES = ("en", "vi", "ar")


@dataclass(frozen=True)
class Region:
    key: str  # "south_eastern_asia"
    m49: str  # "035"
    name_en: str
    name_vi: str
    name_ar: str
    codes: frozenset[str]  # ISO 3166-1 alpha-2 codes of its countries
    parent: str | None = None  # the macro-region's key; None for a macro-region
    subregions: tuple[str, ...] = ()  # the sub-regions' keys, for a macro-region

    @property
    def is_macro(self) -> bool:
        return self.parent is None

    def name(self, language: str | None = None) -> str:
        """The name in the language ("vi-VN" counts as "vi"), English when unknown or empty."""
        short = (language or "en").split("-")[0].lower()
        value: str = getattr(self, f"name_{short}") if short in LANGUAGES else ""
        return value or self.name_en

    def __str__(self) -> str:
        return self.name_en


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEED_DIR / "regions.json").read_text(encoding="utf-8"))
    return data


@functools.cache
def regions() -> dict[str, Region]:
    """Every region by key: each macro-region followed by its sub-regions, in the data's order."""
    found: dict[str, Region] = {}
    for macro in _load()["regions"]:
        subs = [
            Region(
                key=sub["key"],
                m49=sub["m49"],
                name_en=sub["name_en"],
                name_vi=sub["name_vi"],
                name_ar=sub["name_ar"],
                codes=frozenset(sub["countries"]),
                parent=macro["key"],
            )
            for sub in macro["subregions"]
        ]
        found[macro["key"]] = Region(
            key=macro["key"],
            m49=macro["m49"],
            name_en=macro["name_en"],
            name_vi=macro["name_vi"],
            name_ar=macro["name_ar"],
            codes=frozenset().union(*(sub.codes for sub in subs)),
            subregions=tuple(sub.key for sub in subs),
        )
        found.update((sub.key, sub) for sub in subs)
    return found


def region(key: str) -> Region | None:
    return regions().get(key)


def macro_regions() -> list[Region]:
    return [r for r in regions().values() if r.is_macro]


def sub_regions(macro: Region | None = None) -> list[Region]:
    """The sub-regions of one macro-region, or all of them."""
    if macro is not None:
        return [regions()[key] for key in macro.subregions]
    return [r for r in regions().values() if not r.is_macro]


@functools.cache
def unplaced() -> dict[str, str]:
    """Countries deliberately in no region, with the reason (Antarctica)."""
    data: dict[str, str] = _load()["unplaced"]
    return data


def sub_region_of(country_code: str) -> Region | None:
    code = country_code.upper()
    return next((r for r in sub_regions() if code in r.codes), None)
