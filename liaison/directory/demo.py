"""The demo Directory: the organisations, officials and places of the five seed articles.

Every fact comes from `seed_data/` (hand-checked from the articles, or marked public). Loading is
idempotent: records are recognised by their external key, so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from typing import Any

from django.db import transaction

from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory import indexing, reference, services
from liaison.directory.models import (
    Country,
    Locality,
    LocalityKind,
    Mandate,
    MandateField,
    MandateRole,
    NameKind,
    Organisation,
    OrganisationKind,
    Person,
)
from liaison.directory.reference import SEED_DIR

SEED = "seed:"


def _json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _names(items: list[dict[str, Any]]) -> list[services.NameInput]:
    """One name record per distinct (value, language), its sources joined."""
    merged: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
    for n in items:
        key = (n["value"].strip(), n["language"])
        if key in merged:
            sources = merged[key]["source"].split("; ")
            if n.get("source") and n["source"] not in sources:
                merged[key]["source"] = "; ".join([*sources, n["source"]])[:300]
            continue
        merged[key] = {
            "value": key[0],
            "language": n["language"],
            "kind": n.get("kind", NameKind.OFFICIAL),
            "source": n.get("source", ""),
            "family": n.get("family", ""),
            "given": n.get("given", ""),
        }
    return [services.NameInput(**m) for m in merged.values()]


def _country(code: str | None) -> Country | None:
    return Country.objects.filter(code=code).first() if code else None


def load_organisations(*, by: Any) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {
        o.external_key.removeprefix(SEED): o
        for o in Organisation.objects.filter(external_key__startswith=SEED)
    }
    localities = {loc.code: loc for loc in Locality.objects.all()}
    for item in _json("organisations.json"):
        if item["key"] in orgs:
            continue
        locality = localities.get(item.get("iso_3166_2", "")) if item.get("iso_3166_2") else None
        orgs[item["key"]] = services.create_organisation(
            by=by,
            data=services.OrganisationInput(
                parent=orgs.get(item["parent"]) if item["parent"] else None,
                pillar=item["pillar"],
                kind=item["kind"],
                country=_country(item.get("country")),
                locality=locality,
                valid_to=_date(item.get("valid_to")),
                notes=item.get("notes", ""),
                classification=Classification.PUBLIC,
                external_key=SEED + item["key"],
            ),
            names=_names(item["names"]),
        )
    return orgs


def load_provincial_units(*, by: Any, orgs: dict[str, Organisation]) -> int:
    """A provincial party committee and people's committee for every provincial unit, old and new."""
    cc, government = orgs["cpv-cc"], orgs["vn-government"]
    existing = set(
        Organisation.objects.filter(external_key__startswith="prov:").values_list("external_key", flat=True)
    )
    created = 0
    vn = Country.objects.get(code="VN")
    for loc in Locality.objects.filter(
        country=vn, kind__in=[LocalityKind.PROVINCE, LocalityKind.MUNICIPALITY]
    ):
        if loc.code == "42":  # Hà Tĩnh's bodies come from the articles themselves.
            continue
        for suffix, parent, pillar, kind, vi, en, ar in (
            (
                "party",
                cc,
                "party",
                OrganisationKind.PROVINCIAL_COMMITTEE,
                "Tỉnh ủy",
                "Provincial Party Committee",
                "لجنة الحزب في",
            ),
            (
                "people",
                government,
                "state",
                OrganisationKind.PEOPLE_COMMITTEE,
                "UBND",
                "People's Committee",
                "اللجنة الشعبية في",
            ),
        ):
            key = f"prov:{loc.code}:{suffix}"
            if key in existing:
                continue
            services.create_organisation(
                by=by,
                data=services.OrganisationInput(
                    parent=parent,
                    pillar=pillar,
                    kind=kind,
                    country=vn,
                    locality=loc,
                    valid_from=loc.valid_from,
                    valid_to=loc.valid_to,
                    classification=Classification.PUBLIC,
                    external_key=key,
                    notes="Demo: generated for every provincial unit.",
                ),
                names=[
                    services.NameInput(value=f"{vi} {loc.name_vi}", language="vi"),
                    services.NameInput(value=f"{loc.name_en} {en}", language="en"),
                    *(
                        [services.NameInput(value=f"{ar} {loc.name_ar}", language="ar")]
                        if loc.name_ar
                        else []
                    ),
                ],
            )
            created += 1
    return created


def load_people(*, by: Any, orgs: dict[str, Organisation]) -> dict[str, Person]:
    people = {
        p.external_key.removeprefix(SEED): p for p in Person.objects.filter(external_key__startswith=SEED)
    }
    for item in _json("people.json"):
        if item["key"] in people:
            continue
        first_org = orgs[item["positions"][0]["organisation"]] if item["positions"] else orgs["cpv"]
        notes = item.get("notes", "")
        person = services.create_person(
            by=by,
            data=services.PersonInput(
                owner=first_org,
                nationality=_country(item.get("nationality")),
                gender=item.get("gender") or "",
                birth_date=_date(item.get("born")) if len(item.get("born") or "") == 10 else None,
                death_date=_date(item.get("died")) if len(item.get("died") or "") == 10 else None,
                notes=notes,
                classification=Classification.PUBLIC,
                external_key=SEED + item["key"],
            ),
            names=_names(item["names"]),
        )
        for position in _merged_positions(item["positions"]):
            services.add_position(
                by=by,
                person=person,
                data=services.PositionInput(
                    organisation=orgs[position["organisation"]],
                    title_en=position["title"]["en"],
                    title_vi=position["title"].get("vi") or "",
                    title_ar=position["title"].get("ar") or "",
                    start=_date(position.get("from")),
                    end=_date(position.get("to")),
                    source=position["source"][:300],
                ),
            )
        people[item["key"]] = person
    return people


def _merged_positions(positions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The articles repeat a title once per article; keep one position, all its sources."""
    merged: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
    for p in positions:
        key = (p["organisation"], p["title"]["en"], p.get("from"), p.get("to"))
        if key in merged:
            if p.get("source") and p["source"] not in merged[key]["source"]:
                merged[key]["source"] += "; " + p["source"]
            continue
        merged[key] = {**p, "source": p.get("source", "")}
    return list(merged.values())


def load_mandates(*, orgs: dict[str, Organisation]) -> None:
    """Who leads which field of external affairs (a 2025 decree made MOFA the unified manager)."""
    wanted = [
        ("cerc", MandateField.EXTERNAL_AFFAIRS, MandateRole.COORDINATE, None, None, "public"),
        (
            "mofa",
            MandateField.EXTERNAL_AFFAIRS,
            MandateRole.LEAD,
            "2025-03-01",
            None,
            "public: 2025 decree on the unified management of external affairs",
        ),
        ("mofa", MandateField.ECONOMIC_DIPLOMACY, MandateRole.LEAD, None, None, "001_bb76272c596a6b97.txt"),
        ("vufo", MandateField.PEOPLE_TO_PEOPLE, MandateRole.LEAD, None, None, "004_154074880c2c91e6.txt"),
        ("vufo", MandateField.FOREIGN_NGO, MandateRole.COORDINATE, None, None, "004_154074880c2c91e6.txt"),
        ("mofa", MandateField.OVERSEAS_COMPATRIOTS, MandateRole.LEAD, None, None, "002_0e62a694b455f136.txt"),
    ]
    for key, field, role, start, end, source in wanted:
        Mandate.objects.get_or_create(
            organisation=orgs[key],
            field=field,
            role=role,
            defaults={"start": _date(start), "end": _date(end), "source": source},
        )


@transaction.atomic
def load_demo_directory(*, by: Any) -> dict[str, int]:
    """Load reference data and the seed Directory; returns counts of what exists afterwards."""
    with acting_as(by, via="demo"):
        reference.load_countries()
        reference.load_vietnam_provinces()
        reference.load_foreign_localities()
        orgs = load_organisations(by=by)
        load_provincial_units(by=by, orgs=orgs)
        load_people(by=by, orgs=orgs)
        load_mandates(orgs=orgs)
    indexing.reindex_all()
    return {
        "countries": Country.objects.count(),
        "localities": Locality.objects.count(),
        "organisations": Organisation.objects.count(),
        "people": Person.objects.count(),
    }
