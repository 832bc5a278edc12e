"""The demo activities: the real ones of the five seed articles, and synthetic ones around them.

Real activities come from `seed_data/activities.json`; every fact they use is listed with its
article in `seed_data/seed_facts.md`. Synthetic activities are made from `seed_data/synthetic.json`
and a seeded random stream: they are marked `is_demo=True`, titled "[Demo] …" ("[تجريبي] …" in
Arabic) and say in their summary that they are made up. They give the counts the articles report
for the 13th Congress term (45 visits abroad by key leaders and nearly 50 — here 49 — incoming
delegations of leaders and international organisations, 2021-02-01 … 2023-12-31), and a few dozen
activities within 60 days of the day the demo is loaded, among them what the protocol warnings
are about (a double-booked leader, two high-level delegations in one city on one day, an activity
over but still proposed), an embargoed visit, and delegations at each step of their approval.

Every write goes through the activity services (and, for the few people and organisations the
Directory's demo lacks, the Directory services), acting as `by`, which must be a superuser (the
demo administrator). Loading is idempotent: activities, people and organisations are recognised
by their `external_key`, so a second run creates nothing. Load the Directory's demo first.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from liaison.activities import delegations, programme, records, services
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    CompositionStatus,
    DelegationSide,
    FocalPoint,
    LeaderRank,
)
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory import services as directory
from liaison.directory.models import Country, Locality, LocalityKind, NameKind, Organisation, Person

SEED_DIR = Path(__file__).parent / "seed_data"
SITE_ZONE = "Asia/Ho_Chi_Minh"

# The period the articles count: from the 13th Congress to the 32nd Diplomatic Conference.
WINDOW_FROM = dt.date(2021, 2, 1)
WINDOW_TO = dt.date(2023, 12, 31)
LEADER_VISITS_ABROAD = 45
INCOMING_LEADER_DELEGATIONS = 49
# Synthetic activities "around today" fall within this many days of the day the demo is loaded.
AROUND_TODAY_DAYS = 60
RANDOM_SEED = 32  # the 32nd Diplomatic Conference

# External keys: real activities have the articles' "seed:…", synthetic ones "demo:…".
DEMO = "demo:"
DEMO_PERSON = "demo:person:"

DEMO_PREFIX = {"en": "[Demo] ", "vi": "[Demo] ", "ar": "[تجريبي] "}
DEMO_SUMMARY = {
    "en": "Synthetic demo record, made up to fill the calendar and the counts: not a real activity.",
    "vi": "Bản ghi minh họa, tạo ra để lịch và số liệu có nội dung: không phải hoạt động có thật.",
    "ar": "سجل تجريبي مُولَّد لملء التقويم والإحصاءات: ليس نشاطاً حقيقياً.",
}
DEMO_PERSON_NOTE = "Demo: a made-up person for the synthetic demo activities; not a real person."
ADDED_ORGANISATION_NOTE = "Added by the activities demo: a real organisation the Directory's demo lacks."

# Demo users designated as focal points of their organisation (they approve its delegations).
FOCAL_POINTS = [("mofa.coordinator", "seed:mofa"), ("vufo.editor", "seed:vufo")]

LANGUAGES = ("en", "vi", "ar")
Text = dict[str, str]

# The statuses an activity walks through, from proposed, to reach each status.
_FORWARD = [
    ActivityStatus.APPROVED,
    ActivityStatus.PREPARED,
    ActivityStatus.UNDER_WAY,
    ActivityStatus.DONE,
    ActivityStatus.REPORTED,
]
STATUS_PATHS: dict[str, list[str]] = {
    ActivityStatus.PROPOSED: [],
    **{str(status): [str(s) for s in _FORWARD[: i + 1]] for i, status in enumerate(_FORWARD)},
    ActivityStatus.POSTPONED: [ActivityStatus.POSTPONED],
    ActivityStatus.CANCELLED: [ActivityStatus.APPROVED, ActivityStatus.CANCELLED],
}

# Who leads a synthetic visit by (or to) a key leader of each rank.
NATIONAL_ASSEMBLY = "activities:vn-national-assembly"
OUTGOING_LEAD: dict[str, str] = {
    LeaderRank.PARTY_LEADER: "seed:cerc",
    LeaderRank.HEAD_OF_STATE: "seed:vn-state-president",
    LeaderRank.HEAD_OF_GOVERNMENT: "seed:vn-government",
    LeaderRank.HEAD_OF_PARLIAMENT: NATIONAL_ASSEMBLY,
}
INCOMING_LEAD: dict[str, str] = {
    LeaderRank.PARTY_LEADER: "seed:cerc",
    LeaderRank.HEAD_OF_STATE: "seed:mofa",
    LeaderRank.HEAD_OF_GOVERNMENT: "seed:mofa",
    LeaderRank.HEAD_OF_PARLIAMENT: NATIONAL_ASSEMBLY,
}


@cache
def synthetic() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEED_DIR / "synthetic.json").read_text(encoding="utf-8"))
    return data


# --- What to create ---------------------------------------------------------------------------


@dataclass
class SessionPlan:
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    theme: Text
    people: list[tuple[str, str, str]] = field(default_factory=list)  # (person, role, topic)


@dataclass
class SitePlan:
    locality: str
    host: str | None = None
    chair: str | None = None
    notes: str = ""


@dataclass
class OutcomePlan:
    kind: str
    title: Text
    parties: list[str] = field(default_factory=list)
    description: str = ""
    signed_on: dt.date | None = None


@dataclass
class DelegationPlan:
    organisation: str
    side: str = DelegationSide.VISITING
    name: str = ""
    size: int | None = None
    members: list[tuple[str, str]] = field(default_factory=list)  # (person, role)
    composition: str = CompositionStatus.DRAFT


@dataclass
class Plan:
    """One activity to create, with its parts and the status to walk it to."""

    key: str
    kind: str
    lead: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: Text
    summary: Text
    status: str
    time_zone: str = SITE_ZONE
    pillars: tuple[str, ...] = ()
    owner: str | None = None
    co_organisers: tuple[str, ...] = ()
    counterparts: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    city: str | None = None
    country: str | None = None
    venue: str = ""
    format: str = ActivityFormat.IN_PERSON
    leader: str | None = None
    leader_rank: str = ""
    embargo_until: dt.datetime | None = None
    classification: int = Classification.INTERNAL
    is_demo: bool = True
    sessions: list[SessionPlan] = field(default_factory=list)
    sites: list[SitePlan] = field(default_factory=list)
    all_provinces: bool = False  # one connected site per provincial unit valid on the day
    outcomes: list[OutcomePlan] = field(default_factory=list)
    delegations: list[DelegationPlan] = field(default_factory=list)
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (title, url, reference)


def demo_text(text: Text) -> Text:
    """A synthetic record's title in the three languages, each marked as demo."""
    return {lang: DEMO_PREFIX[lang] + text[lang] for lang in LANGUAGES}


def _with_note(note: Text | None) -> Text:
    return DEMO_SUMMARY if note is None else {k: f"{DEMO_SUMMARY[k]} {note[k]}" for k in LANGUAGES}


def _at(day: dt.date, hours: float, tz: str = SITE_ZONE) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(int(hours), round(hours % 1 * 60)), tzinfo=ZoneInfo(tz))


def _local(value: str, tz: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(tz))


def leader_key(country: str, rank: str) -> str:
    """The made-up key leader of a rank in a country (VN: ours), e.g. demo:person:la-head_of_state."""
    return f"{DEMO_PERSON}{country.lower()}-{rank}"


def io_head_key(io: str) -> str:
    return f"{DEMO_PERSON}head-{io.removeprefix('activities:')}"


def person_spec(key: str) -> dict[str, Any]:
    """A made-up person: listed in synthetic.json, or a foreign leader or head of an organisation."""
    data = synthetic()
    if key in data["people"]:
        spec: dict[str, Any] = data["people"][key]
        return spec
    name = key.removeprefix(DEMO_PERSON)
    if name.startswith("head-"):
        short = data["organisations"]["activities:" + name.removeprefix("head-")]["short"]
        names = {
            "en": f"Demo head of {short['en']}",
            "vi": f"Người đứng đầu {short['vi']} (demo)",
            "ar": f"رئيس {short['ar']} (تجريبي)",
        }
        return {"owner": "seed:mofa", "nationality": None, "names": names}
    code, rank = name.split("-", 1)
    country = data["countries"][code.upper()]
    role = {lang: data["foreign_roles"][rank][lang].format(c=country[lang]) for lang in LANGUAGES}
    names = {
        "en": "Demo " + role["en"].removeprefix("the "),
        "vi": role["vi"] + " (demo)",
        "ar": role["ar"] + " (تجريبي)",
    }
    return {"owner": "seed:mofa", "nationality": code.upper(), "names": names}


# --- Real activities (seed_data/activities.json) -----------------------------------------------


def real_plans() -> list[Plan]:
    items: list[dict[str, Any]] = json.loads((SEED_DIR / "activities.json").read_text(encoding="utf-8"))
    plans = []
    for item in items:
        tz = item["time_zone"]
        plans.append(
            Plan(
                key=item["key"],
                kind=item["kind"],
                lead=item["lead"],
                starts_at=_local(item["starts"], tz),
                ends_at=_local(item["ends"], tz),
                title=item["title"],
                summary=item["summary"],
                status=item["status"],
                time_zone=tz,
                pillars=tuple(item["pillars"]),
                co_organisers=tuple(item["co_organisers"]),
                countries=tuple(item.get("counterpart_countries", [])),
                city=item["city"],
                country=item["country"],
                venue=item["venue"],
                format=item["format"],
                leader=item["leader"],
                leader_rank=item["leader_rank"],
                classification=Classification.PUBLIC,
                is_demo=False,
                sessions=[
                    SessionPlan(
                        kind=s["kind"],
                        starts_at=_local(s["starts"], tz),
                        ends_at=_local(s["ends"], tz),
                        theme=s["theme"],
                        people=[(p["person"], p["role"], p["topic"]) for p in s["people"]],
                    )
                    for s in item["sessions"]
                ],
                sites=[SitePlan(s["locality"], s["host"], s["chair"], s["notes"]) for s in item["sites"]],
                all_provinces=item["sites_all_provinces"],
                outcomes=[
                    OutcomePlan(o["kind"], o["title"], o["parties"], o["description"])
                    for o in item["outcomes"]
                ],
                sources=[(s["title"], s["url"], "seeds/" + s["file"]) for s in item["sources"]],
            )
        )
    return plans


# --- Synthetic activities of the 13th Congress term ------------------------------------------


class _Calendar:
    """Days already taken, per person and per city, so the synthetic past raises no warnings."""

    first = WINDOW_FROM + dt.timedelta(days=14)
    last = dt.date(2023, 12, 10)  # before the 32nd Diplomatic Conference reported the numbers

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)

    def free(self, days: int, *keys: str) -> tuple[dt.date, dt.date]:
        """A span of `days` days free (with a day's margin) for everybody and everywhere in `keys`."""
        span = (self.last - self.first).days - days
        margin = dt.timedelta(days=1)
        while True:
            start = self.first + dt.timedelta(days=self.rng.randint(0, span))
            end = start + dt.timedelta(days=days - 1)
            if all(end + margin < a or start > b + margin for key in keys for a, b in self.taken[key]):
                for key in keys:
                    self.taken[key].append((start, end))
                return start, end


def _past_status(last: dt.date) -> str:
    """Visits of 2021 and 2022 are reported on; those of 2023 are done, their reports pending."""
    return ActivityStatus.REPORTED if last < dt.date(2023, 1, 1) else ActivityStatus.DONE


def _visit_type(rng: random.Random, rank: str) -> Text:
    data = synthetic()
    if rank == LeaderRank.HEAD_OF_STATE and rng.random() < 0.4:
        state: Text = data["state_visit"]
        return state
    chosen: Text = rng.choice(data["visit_types"])
    return chosen


def _outgoing(number: int, rank: str, code: str, span: tuple[dt.date, dt.date], rng: random.Random) -> Plan:
    data = synthetic()
    country, role, visit = data["countries"][code], data["own_roles"][rank], _visit_type(rng, rank)
    tz = country["tz"]
    lead = OUTGOING_LEAD[rank]
    # The Party's visits are the Commission's; state visits are prepared with MOFA.
    pillars = ["party"] if rank == LeaderRank.PARTY_LEADER else ["state"]
    if rng.random() < 0.25:
        pillars.append("people")
    return Plan(
        key=f"{DEMO}term:out:{number:02d}",
        kind=ActivityKind.OUTGOING_VISIT,
        lead=lead,
        owner="seed:mofa" if lead.startswith("seed:vn-") else None,
        co_organisers=() if rank == LeaderRank.PARTY_LEADER else ("seed:mofa",),
        starts_at=_at(span[0], 9, tz),
        ends_at=_at(span[1], 18, tz),
        time_zone=tz,
        title=demo_text(
            {
                "en": f"{visit['en']} to {country['en']} by {role['en']}",
                "vi": f"{role['vi']} {visit['vi']} {country['vi']}",
                "ar": f"{visit['ar']} {role['ar']} إلى {country['ar']}",
            }
        ),
        summary=DEMO_SUMMARY,
        status=_past_status(span[1]),
        pillars=tuple(pillars),
        countries=(code,),
        country=code,
        city="LA-VT" if code == "LA" and rng.random() < 0.5 else None,
        leader=leader_key("VN", rank),
        leader_rank=rank,
    )


def _incoming(
    number: int, category: str, span: tuple[dt.date, dt.date], city: str, rng: random.Random, who: str
) -> Plan:
    """An incoming delegation. `category` is a leader's rank, "io_head" or "io_delegation";
    `who` the country code (for a leader) or the international organisation's key."""
    data = synthetic()
    visit = _visit_type(rng, category)
    plan = Plan(
        key=f"{DEMO}term:in:{number:02d}",
        kind=ActivityKind.INCOMING_VISIT,
        lead="seed:mofa",
        starts_at=_at(span[0], 9),
        ends_at=_at(span[1], 17),
        title={},
        summary=DEMO_SUMMARY,
        status=_past_status(span[1]),
        pillars=("state",),
        city=city,
    )
    if category in ("io_head", "io_delegation"):
        short = data["organisations"][who]["short"]
        plan.counterparts = (who,)
        if category == "io_head":
            plan.leader, plan.leader_rank = io_head_key(who), LeaderRank.HEAD_OF_INTERNATIONAL_ORGANISATION
            plan.title = {
                "en": f"{visit['en']} to Viet Nam by the head of {short['en']}",
                "vi": f"Người đứng đầu {short['vi']} {visit['vi']} Việt Nam",
                "ar": f"{visit['ar']} إلى فيتنام لرئيس {short['ar']}",
            }
        else:  # received by MOFA or, for the people's channel, by VUFO
            plan.kind = ActivityKind.RECEPTION
            plan.starts_at, plan.ends_at = _at(span[0], 10), _at(span[0], 11.5)
            if rng.random() < 0.4:
                plan.lead, plan.pillars = "seed:vufo", ("people",)
            plan.title = {
                "en": f"Reception of a delegation of {short['en']}",
                "vi": f"Tiếp đoàn {short['vi']}",
                "ar": f"استقبال وفد {short['ar']}",
            }
    else:
        country = data["countries"][who]
        role = {lang: data["foreign_roles"][category][lang].format(c=country[lang]) for lang in LANGUAGES}
        plan.countries = (who,)
        plan.leader, plan.leader_rank = leader_key(who, category), category
        plan.lead = INCOMING_LEAD[category]
        if category == LeaderRank.PARTY_LEADER:
            plan.pillars = ("party",)
        elif category == LeaderRank.HEAD_OF_PARLIAMENT:
            plan.co_organisers = ("seed:mofa",)
        plan.title = {
            "en": f"{visit['en']} to Viet Nam by {role['en']}",
            "vi": f"{role['vi']} {visit['vi']} Việt Nam",
            "ar": f"{visit['ar']} إلى فيتنام ل{role['ar']}",
        }
    plan.title = demo_text(plan.title)
    return plan


def term_plans(rng: random.Random) -> list[Plan]:
    """45 visits abroad by key leaders and 49 incoming delegations of leaders and international
    organisations within the term, no leader or city hosting two high-level visits at once."""
    data = synthetic()
    calendar = _Calendar(rng)
    plans = []
    ranks = (
        [LeaderRank.PARTY_LEADER] * 8
        + [LeaderRank.HEAD_OF_STATE] * 12
        + [LeaderRank.HEAD_OF_GOVERNMENT] * 17
        + [LeaderRank.HEAD_OF_PARLIAMENT] * 8
    )
    assert len(ranks) == LEADER_VISITS_ABROAD
    rng.shuffle(ranks)
    for number, rank in enumerate(ranks, 1):
        code = rng.choice(data["outgoing_destinations"])
        span = calendar.free(rng.randint(2, 5), leader_key("VN", rank))
        plans.append(_outgoing(number, rank, code, span, rng))
    categories = (
        [LeaderRank.HEAD_OF_STATE] * 14
        + [LeaderRank.HEAD_OF_GOVERNMENT] * 14
        + [LeaderRank.HEAD_OF_PARLIAMENT] * 7
        + [LeaderRank.PARTY_LEADER] * 4
        + ["io_head"] * 5
        + ["io_delegation"] * 5
    )
    assert len(categories) == INCOMING_LEADER_DELEGATIONS
    rng.shuffle(categories)
    ios = sorted(k for k, v in data["organisations"].items() if "short" in v)
    for number, category in enumerate(categories, 1):
        city = "01" if category == LeaderRank.PARTY_LEADER else rng.choice(data["incoming_cities"])
        if category == "io_delegation":  # not high-level: may share a day with others
            io = rng.choice(ios)
            plans.append(_incoming(number, category, calendar.free(1), city, rng, io))
        elif category == "io_head":
            io = rng.choice(ios)
            span = calendar.free(rng.randint(2, 3), io_head_key(io), "city:" + city)
            plans.append(_incoming(number, category, span, city, rng, io))
        else:
            code = rng.choice(data["incoming_origins"])
            span = calendar.free(rng.randint(2, 4), leader_key(code, category), "city:" + city)
            plans.append(_incoming(number, category, span, city, rng, code))
    return plans


# --- Synthetic activities around today --------------------------------------------------------


def _status_now(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime, future: str) -> str:
    """Over: done (reported after a week); going on: under way; to come: the status planned."""
    if ends_at <= now:
        return ActivityStatus.REPORTED if ends_at < now - dt.timedelta(days=7) else ActivityStatus.DONE
    if starts_at > now:
        return future
    return ActivityStatus.UNDER_WAY


def around_today_plans(today: dt.date, now: dt.datetime) -> list[Plan]:
    """The activities of `synthetic.json`'s "around_today", placed relative to `today`."""
    data = synthetic()
    plans = []
    for item in data["around_today"]:
        offset, days = item["offset"], item.get("days", 1)
        assert offset >= -AROUND_TODAY_DAYS and offset + days - 1 <= AROUND_TODAY_DAYS
        kind, code = item["kind"], item.get("country")
        # A visit abroad keeps the time of the country visited; everything else is at home.
        outgoing = kind == ActivityKind.OUTGOING_VISIT
        tz = data["countries"][code]["tz"] if outgoing and code else SITE_ZONE
        first = today + dt.timedelta(days=offset)
        starts_at = _at(first, item["hours"][0], tz)
        ends_at = _at(first + dt.timedelta(days=days - 1), item["hours"][1], tz)
        note = data["notes"][item["note"]] if "note" in item else None
        plan = Plan(
            key=f"{DEMO}now:{item['n']:02d}",
            kind=kind,
            lead=item["lead"],
            owner=item.get("owner"),
            starts_at=starts_at,
            ends_at=ends_at,
            time_zone=tz,
            title=demo_text(item["title"]),
            summary=_with_note(note),
            status=item.get("status") or _status_now(starts_at, ends_at, now, item.get("future", "approved")),
            pillars=tuple(item.get("pillars", ())),
            co_organisers=tuple(item.get("co_organisers", ())),
            counterparts=tuple(item.get("counterparts", ())),
            countries=(code,) if code else (),
            city=item.get("city"),
            country=code if outgoing else None,
            format=item.get("format", ActivityFormat.IN_PERSON),
            leader=item.get("leader"),
            leader_rank=item.get("leader_rank", ""),
            embargo_until=starts_at if item.get("embargo_until_start") else None,
            sites=[SitePlan(c) for c in item.get("sites", ())],
            outcomes=[
                OutcomePlan(
                    o["kind"], demo_text(o["title"]), o["parties"], signed_on=first if o["signed"] else None
                )
                for o in item.get("outcomes", ())
            ],
            delegations=[
                DelegationPlan(
                    d["organisation"],
                    d["side"],
                    d["name"],
                    d.get("size"),
                    [(p, r) for p, r in d["members"]],
                    d["composition"],
                )
                for d in item.get("delegations", ())
            ],
        )
        plans.append(plan)
    return plans


# --- The loader -------------------------------------------------------------------------------


class _Loader:
    def __init__(self, by: Any) -> None:
        self.by = by
        self.created: Counter[str] = Counter()
        self.keys = set(Activity.objects.exclude(external_key="").values_list("external_key", flat=True))
        self.orgs: dict[str, Organisation] = {
            o.external_key: o for o in Organisation.objects.exclude(external_key="")
        }
        self.people: dict[str, Person] = {p.external_key: p for p in Person.objects.exclude(external_key="")}
        self.countries: dict[str, Country] = {c.code: c for c in Country.objects.all()}
        self.localities: dict[str, Locality] = {loc.code: loc for loc in Locality.objects.all()}

    # The Directory's records: its demo's, or the few added here.

    def org(self, key: str) -> Organisation:
        if key not in self.orgs:
            spec = synthetic()["organisations"].get(key)
            if spec is None:
                raise LookupError(f"No organisation {key!r}: load the Directory's demo first.")
            names = [directory.NameInput(value=v, language=lang) for lang, v in spec["names"].items()]
            if spec.get("abbreviation"):
                names.append(
                    directory.NameInput(value=spec["abbreviation"], language="en", kind=NameKind.ABBREVIATION)
                )
            self.orgs[key] = directory.create_organisation(
                by=self.by,
                data=directory.OrganisationInput(
                    pillar=spec["pillar"],
                    kind=spec["kind"],
                    country=self.countries.get(spec.get("country") or ""),
                    classification=Classification.PUBLIC,
                    external_key=key,
                    notes=ADDED_ORGANISATION_NOTE,
                ),
                names=names,
            )
            self.created["organisations"] += 1
        return self.orgs[key]

    def person(self, key: str) -> Person:
        if key not in self.people:
            if not key.startswith(DEMO_PERSON):
                raise LookupError(f"No person {key!r}: load the Directory's demo first.")
            spec = person_spec(key)
            self.people[key] = directory.create_person(
                by=self.by,
                data=directory.PersonInput(
                    owner=self.org(spec["owner"]),
                    nationality=self.countries.get(spec["nationality"] or ""),
                    notes=DEMO_PERSON_NOTE,
                    classification=Classification.PUBLIC,
                    external_key=key,
                ),
                names=[directory.NameInput(value=v, language=lang) for lang, v in spec["names"].items()],
            )
            self.created["people"] += 1
        return self.people[key]

    def locality(self, code: str) -> Locality:
        try:
            return self.localities[code]
        except KeyError:
            raise LookupError(f"No locality {code!r}: load the Directory's demo first.") from None

    def focal_points(self) -> None:
        from liaison.accounts.models import User

        users = {u.username: u for u in User.objects.filter(username__in=[u for u, _ in FOCAL_POINTS])}
        for username, org_key in FOCAL_POINTS:
            user, org = users.get(username), self.orgs.get(org_key)
            if user is None or org is None:
                continue
            if not FocalPoint.objects.filter(organisation=org, user=user).exists():
                FocalPoint.objects.create(organisation=org, user=user)
                self.created["focal_points"] += 1

    # Activities.

    def load(self, plan: Plan) -> None:
        if plan.key in self.keys:
            return
        activity = services.create_activity(
            by=self.by,
            data=services.ActivityInput(
                kind=plan.kind,
                lead_organisation=self.org(plan.lead),
                owner=self.org(plan.owner) if plan.owner else None,
                starts_at=plan.starts_at,
                ends_at=plan.ends_at,
                pillars=plan.pillars,
                title_en=plan.title["en"],
                title_vi=plan.title["vi"],
                title_ar=plan.title["ar"],
                summary_en=plan.summary["en"],
                summary_vi=plan.summary["vi"],
                summary_ar=plan.summary["ar"],
                time_zone=plan.time_zone,
                city=self.locality(plan.city) if plan.city else None,
                country=self.countries[plan.country] if plan.country else None,
                venue=plan.venue,
                format=plan.format,
                leader=self.person(plan.leader) if plan.leader else None,
                leader_rank=plan.leader_rank,
                embargo_until=plan.embargo_until,
                classification=plan.classification,
                co_organisers=[self.org(k) for k in plan.co_organisers],
                counterpart_organisations=[self.org(k) for k in plan.counterparts],
                counterpart_countries=[self.countries[c] for c in plan.countries],
                external_key=plan.key,
                is_demo=plan.is_demo,
            ),
        )
        self.keys.add(plan.key)
        self.created["activities"] += 1
        self._sessions(activity, plan)
        self._sites(activity, plan)
        self._delegations(activity, plan)
        for outcome in plan.outcomes:
            records.add_outcome(
                by=self.by,
                activity=activity,
                data=records.OutcomeInput(
                    kind=outcome.kind,
                    title_en=outcome.title["en"],
                    title_vi=outcome.title["vi"],
                    title_ar=outcome.title["ar"],
                    signed_on=outcome.signed_on,
                    description=outcome.description,
                    parties=[self.org(k) for k in outcome.parties],
                ),
            )
            self.created["outcomes"] += 1
        for title, url, reference in plan.sources:
            records.add_source(by=self.by, activity=activity, title=title, url=url, reference=reference)
            self.created["sources"] += 1
        for step in STATUS_PATHS[plan.status]:
            activity = services.transition(by=self.by, activity=activity, to_status=step)
            self.created["status_changes"] += 1

    def _sessions(self, activity: Activity, plan: Plan) -> None:
        for s in plan.sessions:
            session = programme.add_session(
                by=self.by,
                activity=activity,
                data=programme.SessionInput(
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    kind=s.kind,
                    theme_en=s.theme["en"],
                    theme_vi=s.theme["vi"],
                    theme_ar=s.theme["ar"],
                ),
            )
            self.created["sessions"] += 1
            for person, role, topic in s.people:
                programme.add_session_person(
                    by=self.by,
                    session=session,
                    data=programme.SessionPersonInput(person=self.person(person), role=role, topic=topic),
                )
                self.created["session_people"] += 1

    def _sites(self, activity: Activity, plan: Plan) -> None:
        sites = list(plan.sites)
        if plan.all_provinces:
            day = plan.starts_at.astimezone(ZoneInfo(plan.time_zone)).date()
            provinces = Locality.objects.valid_on(day).filter(
                country__code="VN", kind__in=[LocalityKind.PROVINCE, LocalityKind.MUNICIPALITY]
            )
            for code in sorted(provinces.values_list("code", flat=True)):
                # The bridge points were at the provincial party committees (Hà Tĩnh's is a seed one).
                host = "seed:ha-tinh-party-committee" if code == "42" else f"prov:{code}:party"
                sites.append(SitePlan(code, host=host if host in self.orgs else None))
        for site in sites:
            programme.add_site(
                by=self.by,
                activity=activity,
                data=programme.SiteInput(
                    locality=self.locality(site.locality),
                    host_organisation=self.org(site.host) if site.host else None,
                    chair=self.person(site.chair) if site.chair else None,
                    notes=site.notes,
                ),
            )
            self.created["sites"] += 1

    def _delegations(self, activity: Activity, plan: Plan) -> None:
        for d in plan.delegations:
            delegation = delegations.add_delegation(
                by=self.by,
                activity=activity,
                data=delegations.DelegationInput(
                    organisation=self.org(d.organisation), side=d.side, name=d.name, size=d.size
                ),
            )
            self.created["delegations"] += 1
            for person, role in d.members:
                delegations.add_member(
                    by=self.by,
                    delegation=delegation,
                    data=delegations.MemberInput(person=self.person(person), role=role),
                )
                self.created["delegation_members"] += 1
            if d.composition in (CompositionStatus.SUBMITTED, CompositionStatus.APPROVED):
                delegation = delegations.submit_composition(by=self.by, delegation=delegation)
            if d.composition == CompositionStatus.APPROVED:
                delegations.decide_composition(by=self.by, delegation=delegation, approve=True)


COUNTED = (
    "activities",
    "sessions",
    "session_people",
    "sites",
    "delegations",
    "delegation_members",
    "outcomes",
    "sources",
    "status_changes",
    "focal_points",
    "organisations",
    "people",
)


def all_plans(today: dt.date, now: dt.datetime) -> list[Plan]:
    """Everything the demo holds, real and synthetic (deterministic for a given day)."""
    return [
        *real_plans(),
        *term_plans(random.Random(RANDOM_SEED)),
        *around_today_plans(today, now),
    ]


@transaction.atomic
def load_demo(*, by: Any) -> dict[str, int]:
    """Create the demo activities that do not exist yet, acting as `by` (a superuser); returns
    how many records of each kind it created (all zero when the demo was loaded already)."""
    plans = all_plans(timezone.localdate(), timezone.now())
    with acting_as(by, via="demo"):
        loader = _Loader(by)
        loader.focal_points()
        for plan in plans:
            loader.load(plan)
    return {name: loader.created[name] for name in COUNTED}
