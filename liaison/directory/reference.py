"""Reference data: ISO 3166 countries (from pycountry) and Vietnam's provincial units."""

from __future__ import annotations

import datetime as dt
import gettext
import json
from pathlib import Path
from typing import Any

import pycountry
from django.db import transaction

from liaison.directory.models import Country, Locality, LocalityKind, LocalitySuccession

SEED_DIR = Path(__file__).parent / "seed_data"


def _translator(language: str) -> Any:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


@transaction.atomic
def load_countries(*, country_model: Any = Country) -> int:
    """Create or refresh every ISO 3166-1 country with English, Vietnamese and Arabic names.

    The model may be given so that a data migration can pass its historical model.
    """
    ar, vi = _translator("ar"), _translator("vi")
    existing = {c.code: c for c in country_model.objects.all()}
    new, changed = [], []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        values = {
            "alpha3": c.alpha_3,
            "name_en": name,
            "name_vi": vi.gettext(name) if vi.gettext(name) != name else vi.gettext(c.name),
            "name_ar": ar.gettext(name) if ar.gettext(name) != name else ar.gettext(c.name),
        }
        row = existing.get(c.alpha_2)
        if row is None:
            new.append(country_model(code=c.alpha_2, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    country_model.objects.bulk_create(new)
    country_model.objects.bulk_update(changed, ["alpha3", "name_en", "name_vi", "name_ar"])
    if new or changed:
        from liaison.directory.selectors import forget_countries

        transaction.on_commit(forget_countries)
    return len(new) + len(changed)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def load_vietnam_provinces(
    *,
    country_model: Any = Country,
    locality_model: Any = Locality,
    succession_model: Any = LocalitySuccession,
) -> int:
    """Vietnam's 63 provincial units before the 2025 merger and the 34 after, with successions."""
    vn = country_model.objects.get(code="VN")
    rows = json.loads((SEED_DIR / "vn_provinces.json").read_text(encoding="utf-8"))
    by_code: dict[str, Locality] = {}
    for row in rows:
        loc, _ = locality_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": LocalityKind.MUNICIPALITY if row["kind"] == "municipality" else LocalityKind.PROVINCE,
                "country": vn,
                "name_en": row["name_en"],
                "name_vi": row["short_vi"],
                "name_ar": row.get("name_ar", ""),
                "valid_from": _date(row.get("valid_from")),
                "valid_to": _date(row.get("valid_to")),
            },
        )
        by_code[row["code"]] = loc
    for row in rows:
        for old in row.get("predecessors", []):
            succession_model.objects.get_or_create(
                predecessor=by_code[old],
                successor=by_code[row["code"]],
                defaults={
                    "effective": dt.date.fromisoformat(row["valid_from"]),
                    "source": row.get("source", ""),
                },
            )
    return len(rows)


@transaction.atomic
def load_foreign_localities() -> int:
    """Foreign provinces and cities named in the seed articles."""
    count = 0
    for place in json.loads((SEED_DIR / "places.json").read_text(encoding="utf-8")):
        if place["kind"] != "foreign_locality":
            continue
        names = {n["language"]: n["value"] for n in reversed(place["names"])}
        Locality.objects.update_or_create(
            code=place.get("iso_3166_2") or place["key"],
            defaults={
                "kind": LocalityKind.FOREIGN_REGION,
                "country": Country.objects.get(code=place["country"]),
                "name_en": names.get("en", place["key"]),
                "name_vi": names.get("vi", ""),
                "name_ar": names.get("ar", ""),
            },
        )
        count += 1
    return count
