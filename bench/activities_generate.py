"""Generate the activities benchmark's data on top of the directory benchmark's (deterministic, seeded).

Run (see bench/README.md; the directory must have been generated first by ``bench/generate.py``):

    DATABASE_URL=... uv run python bench/activities_generate.py [--scale 1] [--reset]

At scale 1, over the 10,000 organisations and 100,000 people of the directory:

- **500,000 activities** from 2015 to 2028 (kinds, pillars, statuses, classifications, embargoes,
  leaders with their rank, lead organisations spread over the organisation trees, time zones of
  the place), their co-organisers, foreign counterparts and counterpart countries, and their
  search entries (``core.search``'s folded text, as ``services._refresh_derived`` writes it).
  One ministry (Foreign Affairs) leads about a tenth of them: some 3,600 a year in its subtree.
- **2,000,000 delegation members** in visiting and hosting delegations of visits, receptions,
  talks and some signings (``activity_id`` = the delegation's activity), most compositions
  approved, some still draft or submitted; itinerary stops of the delegations travelling.
- **5,000 conferences** with their sessions (chairs and speakers) and, when hybrid or online, up
  to 63 connected sites (one per province valid on the day; two rooms in some provinces after the
  2025 merger left 34).
- **Outcomes** of signings and some visits, with their parties.
- About 1,000 **long-running programmes** (every 35th activity of kind "other", stretched to two
  to ten months): the rows the overlap queries look up apart.
- **Participation** rows derived from the above exactly as ``activities.participation.rows_for``
  derives them (leader, members, site chairs: the whole time; session roles: the session's time,
  unless the person already takes the whole time), computed in SQL.
- A benchmark user with memberships (EDITOR of the Ministry of Foreign Affairs, VIEWER of Hanoi's
  People's Committee, RESTRICTED clearance, focal point of the Ministry), a superuser, and a
  calendar feed of the Ministry for each (known tokens, only their SHA-256 stored).

Two records are made to order for the detail pages: a conference with 63 connected sites and an
outgoing visit by the head of government with a 250-strong delegation.

Rows are bulk-inserted (COPY on PostgreSQL, executemany on SQLite), no service call per row, but
they carry what the services write: ``pillars`` in ``pillars_value`` form, ``high_level`` from the
rank, ``ends_at >= starts_at``, embargoes before the end, cities valid on the day, ``version`` 1,
``created_at``/``updated_at``. Not generated: audit events, status changes, attachments.

Resumable: each phase runs in one transaction and is skipped when its rows are already there, so
a second run only adds what is missing (``--reset`` deletes every activity first). Writes
``$LIAISON_VAR_DIR/activities-<vendor>-<scale>.json`` (counts, times, the ids and tokens
``activities_run.py`` measures with).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import common

SEED = 20260202
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# "Today" for the data (statuses, embargoes): fixed, so a resumed run derives the same rows.
TODAY = dt.date(2026, 11, 23)
FIRST_DAY, LAST_DAY = dt.date(2015, 1, 1), dt.date(2028, 12, 31)
MERGER = dt.date(2025, 7, 1)
CREATED = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)

# Feed tokens of the benchmark user and superuser (only their SHA-256 is stored).
FEED_TOKEN = "bench-activities-feed-mofa-0123456789abcdef0123456789abcdef"
ADMIN_FEED_TOKEN = "bench-activities-feed-mofa-admin-0123456789abcdef0123456789"
BENCH_USER = "bench-activities"
CONFERENCE_63_TITLE = (
    "National online conference on external affairs and international integration",
    "Hội nghị trực tuyến toàn quốc về công tác đối ngoại và hội nhập quốc tế",
    "المؤتمر الوطني عبر الإنترنت حول الشؤون الخارجية والتكامل الدولي",
)
BENCH_ADMIN = "bench-activities-admin"

KIND_WEIGHTS = (
    ("outgoing_visit", 15.0),
    ("incoming_visit", 12.0),
    ("reception", 12.0),
    ("talks", 12.0),
    ("meeting", 26.0),
    ("signing", 8.0),
    ("ceremony", 8.0),
    ("other", 7.0),
)
RANK_WEIGHTS = (
    ("party_leader", 0.4),
    ("head_of_state", 0.6),
    ("head_of_government", 0.8),
    ("head_of_parliament", 0.6),
    ("head_of_io", 0.2),
    ("deputy_leader", 2.0),
    ("politburo", 2.0),
    ("minister", 14.0),
    ("deputy_minister", 20.0),
    ("provincial_leader", 18.0),
    ("ambassador", 10.0),
    ("other", 31.4),
)
HIGH = {"party_leader", "head_of_state", "head_of_government", "head_of_parliament", "head_of_io"}
# How many different people hold each rank over the years (pool sizes at scale 1).
RANK_POOL = {
    "party_leader": 2,
    "head_of_state": 3,
    "head_of_government": 3,
    "head_of_parliament": 3,
    "head_of_io": 10,
    "deputy_leader": 12,
    "politburo": 18,
    "minister": 80,
    "deputy_minister": 300,
    "provincial_leader": 400,
    "ambassador": 150,
}
RANK_TITLES = {
    "party_leader": ("the General Secretary", "Tổng Bí thư", "الأمين العام"),
    "head_of_state": ("the President", "Chủ tịch nước", "الرئيس"),
    "head_of_government": ("the Prime Minister", "Thủ tướng", "رئيس الوزراء"),
    "head_of_parliament": (
        "the Chairman of the National Assembly",
        "Chủ tịch Quốc hội",
        "رئيس الجمعية الوطنية",
    ),
    "deputy_leader": ("the Deputy Prime Minister", "Phó Thủ tướng", "نائب رئيس الوزراء"),
    "politburo": ("a Politburo member", "Ủy viên Bộ Chính trị", "عضو المكتب السياسي"),
    "minister": ("the Minister", "Bộ trưởng", "الوزير"),
    "deputy_minister": ("the Deputy Minister", "Thứ trưởng", "نائب الوزير"),
    "provincial_leader": ("the provincial leadership", "lãnh đạo tỉnh", "قيادة المقاطعة"),
    "ambassador": ("the Ambassador", "Đại sứ", "السفير"),
}
# Partners weighted by how often they appear in the register; other countries get 0.3 each.
PARTNERS = {
    "CN": 10,
    "LA": 9,
    "US": 8,
    "JP": 8,
    "KR": 8,
    "KH": 7,
    "TH": 5,
    "RU": 5,
    "SG": 4,
    "IN": 4,
    "FR": 4,
    "DE": 3,
    "AU": 3,
    "GB": 3,
    "ID": 3,
    "MY": 3,
    "PH": 2,
    "MM": 2,
    "CU": 2,
    "IT": 1.5,
    "AE": 1.5,
    "NZ": 1,
    "SA": 1,
    "EG": 1,
    "DZ": 1,
    "BR": 1,
    "CA": 1,
}
VENUES = (
    "Government Guest House",
    "National Convention Centre",
    "Ministry headquarters, meeting room 1",
    "Presidential Palace",
    "Diên Hồng Hall, National Assembly House",
    "Provincial People's Committee hall",
    "Party Central Office",
    "Melia Hotel, Hanoi",
    "",
)
STOP_PLACES = ("Capital city", "Economic hub", "Port city", "Industrial park", "Research centre")
MEMBER_TITLES = (
    "Director",
    "Deputy Director",
    "Head of Division",
    "Counsellor",
    "First Secretary",
    "Expert",
    "Senior Expert",
    "Member",
    "Deputy Minister",
    "Ambassador",
)
TOPICS = (
    ("trade and investment", "thương mại và đầu tư", "التجارة والاستثمار"),
    ("education and training", "giáo dục và đào tạo", "التعليم والتدريب"),
    ("defence cooperation", "hợp tác quốc phòng", "التعاون الدفاعي"),
    ("energy transition", "chuyển đổi năng lượng", "التحول في مجال الطاقة"),
    ("labour and migration", "lao động và di cư", "العمل والهجرة"),
    ("science and technology", "khoa học và công nghệ", "العلوم والتكنولوجيا"),
    ("culture and tourism", "văn hóa và du lịch", "الثقافة والسياحة"),
    ("health cooperation", "hợp tác y tế", "التعاون الصحي"),
    ("digital transformation", "chuyển đổi số", "التحول الرقمي"),
    ("climate change", "biến đổi khí hậu", "تغير المناخ"),
    ("overseas Vietnamese", "người Việt Nam ở nước ngoài", "الفيتناميون في الخارج"),
    ("border and territory", "biên giới và lãnh thổ", "الحدود والأراضي"),
    ("agriculture", "nông nghiệp", "الزراعة"),
    ("people-to-people exchange", "giao lưu nhân dân", "التبادل الشعبي"),
    ("party-to-party relations", "quan hệ giữa hai Đảng", "العلاقات بين الحزبين"),
    ("ASEAN cooperation", "hợp tác ASEAN", "التعاون في إطار آسيان"),
)


class Act:
    """One planned activity (only what the later phases need, plus its row)."""

    __slots__ = (
        "city",
        "classification",
        "co",
        "country",
        "cp_countries",
        "cp_orgs",
        "embargo",
        "end",
        "fmt",
        "id",
        "kind",
        "lead",
        "leader",
        "owner",
        "pillars",
        "rank",
        "shared",
        "special",
        "start",
        "status",
        "summary",
        "title",
        "tz",
        "venue",
    )

    def __init__(self, **kw: Any) -> None:
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def country_zones() -> dict[str, str]:
    zones: dict[str, str] = {}
    for path in ("/usr/share/zoneinfo/zone.tab",):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                code, _coords, zone, *_ = line.split("\t")
                zones.setdefault(code, zone)
        except OSError:
            pass
    return zones


# --- bulk insertion --------------------------------------------------------------------------------


class Bulk:
    """Insert plain tuples into a model's table: COPY on PostgreSQL, executemany on SQLite.

    `columns` are attnames (``activity_id``...); every other concrete field gets its default
    (refused when it has none and is NOT NULL), so a row is what the ORM would have written.
    """

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        from django.db import connection, models

        self.connection = connection
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = [by_attname[c].column for c in columns]
        extra: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            if f.attname in columns or f.primary_key:
                continue
            default = f.get_default()
            if default is None and not f.null:
                raise SystemExit(f"{self.table}.{f.column} needs a value")
            extra.append((f.column, default))
        self.columns += [c for c, _ in extra]
        self.extra = tuple(v for _, v in extra)
        fields = [by_attname[c] for c in columns]
        self.sqlite = connection.vendor == "sqlite"
        self.dt_idx = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
        self.date_idx = [
            i
            for i, f in enumerate(fields)
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        ]
        self.count = 0

    @staticmethod
    def _sqlite_dt(value: dt.datetime | None) -> str | None:
        # What Django's SQLite backend stores: naive UTC, "YYYY-MM-DD HH:MM:SS".
        if value is None:
            return None
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")

    def write(self, rows: Iterable[tuple]) -> int:
        extra = self.extra
        if self.sqlite:
            dt_idx, date_idx = self.dt_idx, self.date_idx
            conv = self._sqlite_dt

            def adapt(row: tuple) -> tuple:
                if dt_idx or date_idx:
                    r = list(row)
                    for i in dt_idx:
                        r[i] = conv(r[i])
                    for i in date_idx:
                        r[i] = r[i].isoformat() if r[i] is not None else None
                    row = tuple(r)
                return row + extra

            sql = (
                f'INSERT INTO "{self.table}" ({", ".join(f'"{c}"' for c in self.columns)}) '
                f"VALUES ({', '.join('?' * len(self.columns))})"
            )
            raw = self.connection.connection
            batch: list[tuple] = []
            n = 0
            for row in rows:
                batch.append(adapt(row))
                if len(batch) >= 20_000:
                    raw.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                raw.executemany(sql, batch)
                n += len(batch)
        else:
            n = 0
            cols = ", ".join(f'"{c}"' for c in self.columns)
            with (
                self.connection.cursor() as cursor,
                cursor.cursor.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row + extra)
                    n += 1
        self.count += n
        return n


def next_id(model: Any) -> int:
    from django.db.models import Max

    return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


# --- the plan ----------------------------------------------------------------------------------


class Generator:
    def __init__(self, *, scale: float, seed: int) -> None:
        from liaison.core.models import Classification
        from liaison.directory.models import Country, Locality, Organisation, OrganisationName, Person

        self.scale = scale
        self.seed = seed
        self.n_activities = max(2_000, int(500_000 * scale))
        self.n_members = max(8_000, int(2_000_000 * scale))
        self.n_conferences = max(20, int(5_000 * scale))
        self.zones = country_zones()

        self.orgs = list(
            Organisation._base_manager.order_by("id").values_list(
                "id", "parent_id", "path", "depth", "pillar", "kind", "country_id", "locality_id"
            )
        )
        if not self.orgs:
            raise SystemExit("No directory here: run bench/generate.py first (see bench/README.md).")
        self.org = {o[0]: o for o in self.orgs}
        mofa = (
            OrganisationName.objects.filter(
                value="Ministry of Foreign Affairs", organisation__kind="ministry"
            )
            .values_list("organisation_id", flat=True)
            .first()
        )
        if mofa is None:
            raise SystemExit(
                "The directory has no Ministry of Foreign Affairs (generate it with bench/generate.py)."
            )
        self.mofa = mofa
        mofa_path = self.org[mofa][2]
        self.mofa_tree = [o[0] for o in self.orgs if o[2].startswith(mofa_path)]
        domestic = [o for o in self.orgs if o[4] != "foreign"]
        self.domestic = [o[0] for o in domestic]
        self.central = [o[0] for o in domestic if o[3] <= 1 and not o[2].startswith(mofa_path)]
        self.provincial = [
            o[0]
            for o in domestic
            if o[5] in ("people_committee", "provincial_committee", "province_department", "party_committee")
        ]
        self.tops = [o[0] for o in self.orgs if o[3] <= 1]
        self.foreign_by_country: dict[int, list[int]] = {}
        for o in self.orgs:
            if o[4] == "foreign" and o[6] is not None:
                self.foreign_by_country.setdefault(o[6], []).append(o[0])
        self.foreign_orgs = [o[0] for o in self.orgs if o[4] == "foreign"]
        self.committee_of_locality = {
            o[7]: o[0] for o in self.orgs if o[5] == "people_committee" and o[7] is not None
        }

        countries = list(
            Country.objects.order_by("code").values_list("id", "code", "name_en", "name_vi", "name_ar")
        )
        self.country = {c[0]: c for c in countries}
        self.vn = next(c[0] for c in countries if c[1] == "VN")
        self.partners = [c for c in countries if c[1] != "VN" and c[3] and c[4]]
        self.partner_w = [PARTNERS.get(c[1], 0.3) for c in self.partners]
        self.localities = list(
            Locality.objects.filter(country_id=self.vn)
            .order_by("code")
            .values_list("id", "valid_from", "valid_to", "name_en", "name_vi", "name_ar")
        )
        self._valid_cache: dict[dt.date, list[tuple]] = {}

        people = list(
            Person._base_manager.order_by("id").values_list("id", "nationality_id", "classification")
        )
        self.vn_people = [p[0] for p in people if p[1] == self.vn]
        self.vn_public = [p[0] for p in people if p[1] == self.vn and p[2] == Classification.PUBLIC]
        self.foreign_people = [p[0] for p in people if p[1] != self.vn] or self.vn_people
        rng = random.Random(seed)
        self.rank_pool: dict[str, list[int]] = {}
        for rank, size in RANK_POOL.items():
            pool = self.foreign_people if rank == "head_of_io" else self.vn_public
            self.rank_pool[rank] = rng.sample(pool, min(len(pool), max(1, round(size * max(scale, 0.05)))))

    # --- helpers ---

    def valid_localities(self, day: dt.date) -> list[tuple]:
        found = self._valid_cache.get(day)
        if found is None:
            found = [
                loc
                for loc in self.localities
                if (loc[1] is None or loc[1] <= day) and (loc[2] is None or loc[2] >= day)
            ]
            self._valid_cache[day] = found
        return found

    def zone_of(self, country_id: int) -> str:
        return self.zones.get(self.country[country_id][1], "UTC")

    def pick_lead(self, rng: random.Random) -> int:
        r = rng.random()
        if r < 0.05:
            return self.mofa
        if r < 0.10:
            return rng.choice(self.mofa_tree)
        if r < 0.25:
            return rng.choice(self.central)
        if r < 0.50:
            return rng.choice(self.provincial)
        return rng.choice(self.domestic)

    def pick_day(self, rng: random.Random) -> dt.date:
        span = (LAST_DAY - FIRST_DAY).days
        while True:
            day = FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
            if day.weekday() < 5 or rng.random() < 0.15:
                return day

    @staticmethod
    def status_for(rng: random.Random, start: dt.datetime, end: dt.datetime) -> str:
        now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=HANOI)
        r = rng.random()
        if end < now:
            return (
                "done" if r < 0.55 else "reported" if r < 0.90 else "cancelled" if r < 0.96 else "postponed"
            )
        if start > now:
            return (
                "proposed"
                if r < 0.40
                else "approved"
                if r < 0.80
                else "prepared"
                if r < 0.92
                else "cancelled"
                if r < 0.96
                else "postponed"
            )
        return "under_way"

    def plan(self) -> list[Act]:
        """Every activity, deterministically (the same list on every run over the same directory)."""
        from liaison.activities.models import pillars_value

        rng = random.Random(self.seed + 1)
        kinds = [k for k, _ in KIND_WEIGHTS]
        kind_w = [w for _, w in KIND_WEIGHTS]
        ranks = [r for r, _ in RANK_WEIGHTS]
        rank_w = [w for _, w in RANK_WEIGHTS]
        conference_at = set(rng.sample(range(self.n_activities), self.n_conferences))
        acts: list[Act] = []
        for i in range(self.n_activities):
            kind = "conference" if i in conference_at else rng.choices(kinds, kind_w)[0]
            day = self.pick_day(rng)
            country = self.vn
            city = None
            tz = "Asia/Ho_Chi_Minh"
            partner = rng.choices(self.partners, self.partner_w)[0]
            if kind == "outgoing_visit":
                country = partner[0]
                tz = self.zone_of(country)
                days = rng.randint(2, 7)
                start = dt.datetime.combine(day, dt.time(rng.choice((8, 9, 10))), tzinfo=ZoneInfo(tz))
                end = dt.datetime.combine(day + dt.timedelta(days=days - 1), dt.time(17), tzinfo=ZoneInfo(tz))
            else:
                if rng.random() < 0.9:
                    city = rng.choice(self.valid_localities(day))[0]
                hour = rng.choice((8, 9, 10, 14, 15, 16))
                start = dt.datetime.combine(day, dt.time(hour, rng.choice((0, 30))), tzinfo=HANOI)
                length = {
                    "incoming_visit": dt.timedelta(days=rng.randint(1, 4), hours=3),
                    "reception": dt.timedelta(hours=1),
                    "talks": dt.timedelta(minutes=rng.choice((90, 120, 180))),
                    "meeting": dt.timedelta(minutes=rng.choice((60, 90, 120, 180, 240))),
                    "conference": dt.timedelta(hours=rng.choice((4, 8, 28, 32))),
                    "signing": dt.timedelta(hours=1),
                    "ceremony": dt.timedelta(hours=2),
                    "other": dt.timedelta(hours=2),
                }[kind]
                end = start + length
            lead = self.pick_lead(rng)
            owner = lead
            if rng.random() < 0.15 and self.org[lead][1] is not None:
                owner = self.org[lead][1]
            leader, rank = None, ""
            if rng.random() < 0.65:
                rank = rng.choices(ranks, rank_w)[0]
                pool = self.rank_pool.get(rank)
                leader = rng.choice(pool) if pool else rng.choice(self.vn_people)
            r = rng.random()
            classification = 0 if r < 0.70 else 1 if r < 0.96 else 2
            shared = (
                rng.sample(self.tops, rng.randint(1, 2)) if classification == 2 and rng.random() < 0.7 else []
            )
            embargo = start if rng.random() < 0.03 else None
            status = self.status_for(rng, start, end)
            if kind == "conference":
                fmt = rng.choices(("hybrid", "online", "in_person"), (60, 30, 10))[0]
            else:
                fmt = "online" if rng.random() < 0.05 else "in_person"
            pillars = {self.org[lead][4]}
            if rng.random() < 0.15:
                pillars.add(rng.choice(("party", "state", "people")))
            if kind in ("outgoing_visit", "incoming_visit", "reception", "talks", "signing", "ceremony"):
                cp_countries = [partner[0]]
                if rng.random() < 0.08:
                    other = rng.choices(self.partners, self.partner_w)[0][0]
                    if other != partner[0]:
                        cp_countries.append(other)
            else:
                cp_countries = [partner[0]] if rng.random() < 0.3 else []
            cp_orgs: list[int] = []
            if cp_countries and rng.random() < 0.4:
                pool = self.foreign_by_country.get(cp_countries[0])
                if pool:
                    cp_orgs = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
            co = rng.sample(self.domestic, rng.randint(1, 2)) if rng.random() < 0.2 else []
            co = [c for c in co if c != lead]
            topic = rng.choice(TOPICS)
            title = self.title(kind, partner, topic, rank, rng)
            summary = (
                (
                    f"{title[0]}: exchanges on {topic[0]} and next steps.",
                    f"{title[1]}: trao đổi về {topic[1]} và các bước tiếp theo.",
                    f"{title[2]}: تبادل حول {topic[2]} والخطوات التالية.",
                )
                if rng.random() < 0.5
                else ("", "", "")
            )
            acts.append(
                Act(
                    id=i + 1,
                    kind=kind,
                    start=start,
                    end=end,
                    tz=tz,
                    country=country,
                    city=city,
                    lead=lead,
                    owner=owner,
                    leader=leader,
                    rank=rank,
                    status=status,
                    classification=classification,
                    embargo=embargo,
                    fmt=fmt,
                    pillars=pillars_value(pillars),
                    title=title,
                    summary=summary,
                    venue=rng.choice(VENUES) if kind != "outgoing_visit" else "",
                    co=co,
                    cp_orgs=cp_orgs,
                    cp_countries=cp_countries,
                    shared=shared,
                    special="",
                )
            )
        self._make_specials(acts, rng)
        return acts

    def _make_specials(self, acts: list[Act], rng: random.Random) -> None:
        """A 63-site conference and a big visit the benchmark user can read, for the detail pages."""
        conf = next(a for a in acts if a.kind == "conference")
        conf.special = "conference-63-sites"
        # Before the 2025 merger: 63 provinces, one site each.
        conf.start = dt.datetime(2025, 3, 18, 8, 0, tzinfo=HANOI)
        conf.tz, conf.country = "Asia/Ho_Chi_Minh", self.vn
        hanoi = [loc for loc in self.valid_localities(conf.start.date()) if loc[3] == "Hanoi"]
        conf.city = hanoi[0][0] if hanoi else None
        conf.fmt = "hybrid"
        conf.classification = 0
        conf.embargo = None
        conf.shared = []
        conf.lead = conf.owner = self.mofa
        conf.pillars = ",state,"
        conf.title = CONFERENCE_63_TITLE
        conf.end = conf.start + dt.timedelta(hours=8)
        conf.status = "reported"
        visit = next(a for a in acts if a.kind == "outgoing_visit" and a.country != self.vn)
        visit.special = "visit-big-delegation"
        zone = ZoneInfo(visit.tz)
        visit.start = dt.datetime(2026, 5, 11, 9, 0, tzinfo=zone)
        visit.end = dt.datetime(2026, 5, 14, 17, 0, tzinfo=zone)
        visit.classification = 0
        visit.embargo = None
        visit.shared = []
        visit.rank = "head_of_government"
        visit.leader = self.rank_pool["head_of_government"][0]
        visit.lead = visit.owner = self.mofa
        visit.pillars = ",party,state,"
        visit.status = "done"
        partner = self.country[visit.country]
        visit.title = (
            f"Official visit to {partner[2]} by the Prime Minister",
            f"Chuyến thăm chính thức {partner[3]} của Thủ tướng",
            f"الزيارة الرسمية لرئيس الوزراء إلى {partner[4]}",
        )

    @staticmethod
    def title(kind: str, partner: tuple, topic: tuple, rank: str, rng: random.Random) -> tuple[str, str, str]:
        _, _, en, vi, ar = partner
        t_en, t_vi, t_ar = topic
        who = RANK_TITLES.get(rank)
        if kind == "outgoing_visit":
            if who:
                return (
                    f"Visit to {en} by {who[0]}",
                    f"Chuyến thăm {vi} của {who[1]}",
                    f"زيارة {who[2]} إلى {ar}",
                )
            return (f"Working visit to {en}", f"Chuyến công tác tại {vi}", f"زيارة عمل إلى {ar}")
        if kind == "incoming_visit":
            return (f"Visit of a delegation of {en}", f"Đoàn {vi} thăm Việt Nam", f"زيارة وفد من {ar}")
        if kind == "reception":
            return (f"Reception of the Ambassador of {en}", f"Tiếp Đại sứ {vi}", f"استقبال سفير {ar}")
        if kind == "talks":
            return (
                f"Talks with {en} on {t_en}",
                f"Hội đàm với {vi} về {t_vi}",
                f"محادثات مع {ar} حول {t_ar}",
            )
        if kind == "meeting":
            if rng.random() < 0.5:
                return (f"Working meeting on {t_en}", f"Họp làm việc về {t_vi}", f"اجتماع عمل حول {t_ar}")
            return (f"Meeting with {en} on {t_en}", f"Gặp gỡ {vi} về {t_vi}", f"لقاء مع {ar} حول {t_ar}")
        if kind == "conference":
            return (
                f"National conference on {t_en}",
                f"Hội nghị toàn quốc về {t_vi}",
                f"المؤتمر الوطني حول {t_ar}",
            )
        if kind == "signing":
            return (
                f"Signing of a memorandum on {t_en} with {en}",
                f"Ký kết bản ghi nhớ về {t_vi} với {vi}",
                f"توقيع مذكرة تفاهم حول {t_ar} مع {ar}",
            )
        if kind == "ceremony":
            return (
                f"Anniversary of diplomatic relations with {en}",
                f"Kỷ niệm ngày thiết lập quan hệ ngoại giao với {vi}",
                f"ذكرى إقامة العلاقات الدبلوماسية مع {ar}",
            )
        return (f"Exchange with {en} on {t_en}", f"Giao lưu với {vi} về {t_vi}", f"تبادل مع {ar} حول {t_ar}")

    # --- phase 1: activities, their relations, search entries ---

    def write_activities(self, acts: list[Act]) -> None:
        from liaison.activities.models import Activity
        from liaison.core.models import SearchEntry
        from liaison.core.names import fold

        cols = (
            "id",
            "version",
            "created_at",
            "updated_at",
            "owner_id",
            "classification",
            "kind",
            "pillars",
            "lead_organisation_id",
            "leader_id",
            "leader_rank",
            "high_level",
            "title_en",
            "title_vi",
            "title_ar",
            "summary_en",
            "summary_vi",
            "summary_ar",
            "starts_at",
            "ends_at",
            "time_zone",
            "city_id",
            "country_id",
            "venue",
            "format",
            "status",
            "embargo_until",
            "external_key",
            "is_demo",
        )

        def created(a: Act) -> dt.datetime:
            return min(CREATED, a.start.astimezone(dt.UTC) - dt.timedelta(days=30)).replace(microsecond=0)

        Bulk(Activity, cols).write(
            (
                a.id,
                1,
                created(a),
                created(a),
                a.owner,
                a.classification,
                a.kind,
                a.pillars,
                a.lead,
                a.leader,
                a.rank,
                a.rank in HIGH,
                *a.title,
                *a.summary,
                a.start,
                a.end,
                a.tz,
                a.city,
                a.country,
                a.venue,
                a.fmt,
                a.status,
                a.embargo,
                f"bench:activity:{a.id}",
                False,
            )
            for a in acts
        )
        Bulk(Activity.co_organisers.through, ("activity_id", "organisation_id")).write(
            (a.id, o) for a in acts for o in a.co
        )
        Bulk(Activity.counterpart_organisations.through, ("activity_id", "organisation_id")).write(
            (a.id, o) for a in acts for o in a.cp_orgs
        )
        Bulk(Activity.counterpart_countries.through, ("activity_id", "country_id")).write(
            (a.id, c) for a in acts for c in a.cp_countries
        )
        Bulk(Activity.shared_with.through, ("activity_id", "organisation_id")).write(
            (a.id, o) for a in acts for o in a.shared
        )
        Bulk(SearchEntry, ("kind", "entity_id", "text")).write(
            ("activity", a.id, fold(" ".join(p for p in (*a.title, *a.summary, a.venue) if p))) for a in acts
        )

    # --- phase 2: delegations, members, itinerary stops ---

    def write_delegations(self, acts: list[Act]) -> dict[str, int]:
        from liaison.activities.models import Delegation, DelegationMember, ItineraryStop

        rng = random.Random(self.seed + 2)
        # (activity, side, organisation, people pool, size)
        specs: list[list[Any]] = []
        big: list[int] = []
        for a in acts:
            foreign_org = None
            if a.cp_orgs:
                foreign_org = a.cp_orgs[0]
            elif a.cp_countries and self.foreign_by_country.get(a.cp_countries[0]):
                foreign_org = rng.choice(self.foreign_by_country[a.cp_countries[0]])
            elif self.foreign_orgs:
                foreign_org = rng.choice(self.foreign_orgs)
            visiting_size = 1 + int(rng.lognormvariate(1.4, 0.75))
            hosting_size = 1 + int(rng.lognormvariate(0.8, 0.6))
            if a.special == "visit-big-delegation":
                big.append(len(specs))
                specs.append([a, "visiting", a.lead, self.vn_people, min(250, len(self.vn_people))])
                big.append(len(specs))
                specs.append(
                    [a, "hosting", foreign_org, self.foreign_people, min(40, len(self.foreign_people))]
                )
            elif a.kind == "outgoing_visit":
                specs.append([a, "visiting", a.lead, self.vn_people, visiting_size])
                if foreign_org is not None and rng.random() < 0.7:
                    specs.append([a, "hosting", foreign_org, self.foreign_people, hosting_size])
            elif a.kind in ("incoming_visit", "reception") or (a.kind == "talks" and rng.random() < 0.5):
                if foreign_org is not None:
                    specs.append([a, "visiting", foreign_org, self.foreign_people, visiting_size])
                specs.append([a, "hosting", a.lead, self.vn_people, hosting_size])
            elif a.kind == "talks" or (a.kind == "signing" and rng.random() < 0.3):
                specs.append([a, "visiting", a.lead, self.vn_people, hosting_size])
        # Scale the sizes so that the members add up to exactly n_members.
        fixed = sum(specs[i][4] for i in big)
        free = [i for i in range(len(specs)) if i not in set(big)]
        total = sum(specs[i][4] for i in free)
        ratio = (self.n_members - fixed) / total
        for i in free:
            cap = len(specs[i][3])
            specs[i][4] = min(cap, max(1, round(specs[i][4] * ratio)))
        diff = self.n_members - sum(s[4] for s in specs)
        while diff != 0:
            i = rng.choice(free)
            if diff > 0 and specs[i][4] < min(200, len(specs[i][3])):
                specs[i][4] += 1
                diff -= 1
            elif diff < 0 and specs[i][4] > 1:
                specs[i][4] -= 1
                diff += 1
        first = next_id(Delegation)
        statuses = ("approved", "submitted", "draft", "returned")
        status_w = (85, 5, 7, 3)
        delegations, members, stops = [], [], []
        for n, (a, side, org, pool, size) in enumerate(specs):
            did = first + n
            status = "approved" if a.special else rng.choices(statuses, status_w)[0]
            created = min(CREATED, a.start.astimezone(dt.UTC) - dt.timedelta(days=20)).replace(microsecond=0)
            decided = created + dt.timedelta(days=3) if status in ("approved", "returned") else None
            submitted = created + dt.timedelta(days=1) if status != "draft" else None
            delegations.append(
                (
                    did,
                    1,
                    created,
                    created,
                    a.id,
                    side,
                    org,
                    "",
                    size + rng.randint(0, 4),
                    status,
                    submitted,
                    decided,
                )
            )
            for order, person in enumerate(rng.sample(pool, size), start=1):
                if order == 1:
                    role = "head"
                elif order == 2 and size >= 4:
                    role = "deputy_head"
                elif order == size and size >= 5 and rng.random() < 0.3:
                    role = "interpreter"
                else:
                    role = rng.choices(("member", "adviser", "staff", "press"), (70, 15, 10, 5))[0]
                members.append(
                    (1, created, created, did, a.id, person, role, rng.choice(MEMBER_TITLES), order)
                )
            travelling = (a.kind == "outgoing_visit" and side == "visiting") or (
                a.kind == "incoming_visit" and side == "visiting" and rng.random() < 0.3
            )
            if travelling:
                local_start = a.start.date()
                local_end = a.end.date()
                days = (local_end - local_start).days + 1
                n_stops = min(days, rng.randint(1, 3))
                bounds = sorted(rng.sample(range(1, days), n_stops - 1)) if n_stops > 1 else []
                edges = [0, *bounds, days]
                for k in range(n_stops):
                    arrives = local_start + dt.timedelta(days=edges[k])
                    leaves = local_start + dt.timedelta(days=max(edges[k], edges[k + 1] - 1))
                    if a.kind == "outgoing_visit":
                        city, place, country = None, STOP_PLACES[k % len(STOP_PLACES)], a.country
                    else:
                        city, place, country = rng.choice(self.valid_localities(arrives))[0], "", self.vn
                    stops.append(
                        (1, created, created, did, a.id, k + 1, city, place, country, arrives, leaves)
                    )
        Bulk(
            Delegation,
            (
                "id",
                "version",
                "created_at",
                "updated_at",
                "activity_id",
                "side",
                "organisation_id",
                "name",
                "size",
                "composition_status",
                "submitted_at",
                "decided_at",
            ),
        ).write(delegations)
        Bulk(
            DelegationMember,
            (
                "version",
                "created_at",
                "updated_at",
                "delegation_id",
                "activity_id",
                "person_id",
                "role",
                "title",
                "protocol_order",
            ),
        ).write(members)
        Bulk(
            ItineraryStop,
            (
                "version",
                "created_at",
                "updated_at",
                "delegation_id",
                "activity_id",
                "order",
                "city_id",
                "place",
                "country_id",
                "arrives_on",
                "leaves_on",
            ),
        ).write(stops)
        return {
            "delegations": len(delegations),
            "delegation members": len(members),
            "itinerary stops": len(stops),
        }

    # --- phase 3: conferences' sessions and connected sites ---

    def write_conferences(self, acts: list[Act]) -> dict[str, int]:
        from liaison.activities.models import ConferenceSession, ConnectedSite, SessionParticipant

        rng = random.Random(self.seed + 3)
        first = next_id(ConferenceSession)
        sessions, participants, sites = [], [], []
        for a in acts:
            if a.kind != "conference":
                continue
            created = min(CREATED, a.start.astimezone(dt.UTC) - dt.timedelta(days=20)).replace(microsecond=0)
            n = 6 if a.special else rng.randint(3, 8)
            slot = (a.end - a.start) / n
            for k in range(n):
                sid = first + len(sessions)
                kind = (
                    "opening"
                    if k == 0
                    else "closing"
                    if k == n - 1
                    else rng.choice(("plenary", "panel", "panel"))
                )
                s_start = (a.start + slot * k).replace(microsecond=0, second=0)
                s_end = max(s_start, (s_start + slot * 0.8).replace(microsecond=0, second=0))
                topic = rng.choice(TOPICS)
                sessions.append(
                    (
                        sid,
                        1,
                        created,
                        created,
                        a.id,
                        kind,
                        f"Session {k + 1}: {topic[0]}",
                        f"Phiên {k + 1}: {topic[1]}",
                        f"الجلسة {k + 1}: {topic[2]}",
                        s_start,
                        s_end,
                        rng.choice(("Hall A", "Hall B", "Room 301", "")),
                    )
                )
                people = rng.sample(self.vn_people, rng.randint(2, 6))
                participants.append((1, created, created, sid, a.id, people[0], "chair", 1, ""))
                for order, person in enumerate(people[1:], start=1):
                    participants.append(
                        (1, created, created, sid, a.id, person, "speaker", order, f"On {topic[0]}")
                    )
            if a.fmt == "in_person":
                continue
            n_sites = 63 if a.special or rng.random() < 0.35 else rng.randint(1, 62)
            valid = self.valid_localities(a.start.astimezone(HANOI).date())
            places = [(loc, "") for loc in valid] + [(loc, "Hall B") for loc in valid]
            chosen = places[:n_sites] if a.special else rng.sample(places, min(n_sites, len(places)))
            past = a.end.date() < TODAY
            for loc, room in chosen:
                status = (
                    rng.choices(("ok", "failed", "not_checked"), (90, 4, 6))[0] if past else "not_checked"
                )
                expected = rng.randint(20, 300)
                sites.append(
                    (
                        1,
                        created,
                        created,
                        a.id,
                        loc[0],
                        self.committee_of_locality.get(loc[0]),
                        room,
                        rng.choice(self.vn_people) if rng.random() < 0.8 else None,
                        a.start.replace(microsecond=0) - dt.timedelta(days=1)
                        if status != "not_checked"
                        else None,
                        status,
                        rng.choice(("vi", "vi, en", "vi, en, fr", "")),
                        expected,
                        int(expected * rng.uniform(0.7, 1.0)) if past else None,
                    )
                )
        Bulk(
            ConferenceSession,
            (
                "id",
                "version",
                "created_at",
                "updated_at",
                "activity_id",
                "kind",
                "theme_en",
                "theme_vi",
                "theme_ar",
                "starts_at",
                "ends_at",
                "room",
            ),
        ).write(sessions)
        Bulk(
            SessionParticipant,
            (
                "version",
                "created_at",
                "updated_at",
                "session_id",
                "activity_id",
                "person_id",
                "role",
                "order",
                "topic",
            ),
        ).write(participants)
        Bulk(
            ConnectedSite,
            (
                "version",
                "created_at",
                "updated_at",
                "activity_id",
                "locality_id",
                "host_organisation_id",
                "room",
                "chair_id",
                "connection_checked_at",
                "connection_status",
                "interpretation",
                "expected_attendance",
                "attendance",
            ),
        ).write(sites)
        return {
            "sessions": len(sessions),
            "session participants": len(participants),
            "connected sites": len(sites),
        }

    # --- phase 4: outcomes ---

    def write_outcomes(self, acts: list[Act]) -> dict[str, int]:
        from liaison.activities.models import Outcome

        rng = random.Random(self.seed + 4)
        first = next_id(Outcome)
        outcomes, parties = [], []
        for a in acts:
            if a.kind == "signing":
                n = rng.randint(1, 3)
            elif (a.kind in ("outgoing_visit", "incoming_visit", "talks") and rng.random() < 0.15) or (
                a.kind == "meeting" and rng.random() < 0.03
            ):
                n = 1
            else:
                continue
            if a.status not in ("done", "reported", "under_way"):
                continue
            created = min(CREATED, a.end.astimezone(dt.UTC)).replace(microsecond=0)
            day = a.start.date()
            for k in range(n):
                oid = first + len(outcomes)
                if a.kind == "meeting":
                    kind = "follow_up"
                else:
                    kind = rng.choice(("agreement", "memorandum", "joint_statement", "decision"))
                topic = rng.choice(TOPICS)
                signed = kind in ("agreement", "memorandum", "joint_statement")
                outcomes.append(
                    (
                        oid,
                        1,
                        created,
                        created,
                        a.id,
                        kind,
                        f"{kind.replace('_', ' ').capitalize()} on {topic[0]}",
                        f"Văn kiện về {topic[1]}",
                        f"وثيقة حول {topic[2]}",
                        f"{a.id}-{k + 1}/BENCH" if signed else "",
                        day if signed else None,
                        a.lead if not signed else None,
                        day + dt.timedelta(days=90) if not signed else None,
                    )
                )
                if signed:
                    parties.append((oid, a.lead))
                    if a.cp_orgs:
                        parties.append((oid, a.cp_orgs[0]))
        Bulk(
            Outcome,
            (
                "id",
                "version",
                "created_at",
                "updated_at",
                "activity_id",
                "kind",
                "title_en",
                "title_vi",
                "title_ar",
                "code",
                "signed_on",
                "responsible_id",
                "due_on",
            ),
        ).write(outcomes)
        Bulk(Outcome.parties.through, ("outcome_id", "organisation_id")).write(parties)
        return {"outcomes": len(outcomes), "outcome parties": len(parties)}


# --- phase 5: participation (derived, in SQL) ------------------------------------------------------


def write_participation() -> int:
    """Participation rows as `participation.rows_for` derives them, for every activity at once."""
    from django.db import connection
    from django.db.models import F

    from liaison.activities.models import (
        LONG_RUNNING,
        Activity,
        ConferenceSession,
        ConnectedSite,
        DelegationMember,
        Participation,
        SessionParticipant,
    )

    p = Participation._meta.db_table
    a = Activity._meta.db_table
    m = DelegationMember._meta.db_table
    s = ConnectedSite._meta.db_table
    sp = SessionParticipant._meta.db_table
    cs = ConferenceSession._meta.db_table
    active = "(a.status NOT IN ('cancelled', 'postponed'))"
    cols = "(activity_id, person_id, starts_at, ends_at, capacity, active)"
    statements = [
        f"INSERT INTO {p} {cols} SELECT a.id, a.leader_id, a.starts_at, a.ends_at, 'leader', {active} "
        f"FROM {a} a WHERE a.leader_id IS NOT NULL",
        f"INSERT INTO {p} {cols} SELECT a.id, x.person_id, a.starts_at, a.ends_at, 'member', {active} "
        f"FROM (SELECT DISTINCT activity_id, person_id FROM {m}) x JOIN {a} a ON a.id = x.activity_id",
        f"INSERT INTO {p} {cols} SELECT a.id, x.chair_id, a.starts_at, a.ends_at, 'site', {active} "
        f"FROM (SELECT DISTINCT activity_id, chair_id FROM {s} WHERE chair_id IS NOT NULL) x "
        f"JOIN {a} a ON a.id = x.activity_id",
        # A session role adds nothing for someone who already takes the whole time.
        f"INSERT INTO {p} {cols} SELECT a.id, x.person_id, x.starts_at, x.ends_at, 'session', {active} "
        f"FROM (SELECT DISTINCT sp.activity_id, sp.person_id, cs.starts_at, cs.ends_at FROM {sp} sp "
        f"JOIN {cs} cs ON cs.id = sp.session_id) x JOIN {a} a ON a.id = x.activity_id "
        f"WHERE NOT EXISTS (SELECT 1 FROM {p} w WHERE w.activity_id = x.activity_id "
        f"AND w.person_id = x.person_id AND w.capacity <> 'session')",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    Participation.objects.annotate(length=F("ends_at") - F("starts_at")).filter(
        length__gt=LONG_RUNNING
    ).update(long_running=True)
    return Participation.objects.count()


def write_long_running() -> int:
    """Stretch every 35th activity of kind "other" into a programme of two to ten months (about
    1,000 at scale 1, 0.2 %): the long-running rows the overlap queries look up apart
    (`models.overlapping_ids`). Their whole-time participation rows follow."""
    from django.db.models import OuterRef, Subquery

    from liaison.activities.models import Activity, Participation, is_long_running

    picked = list(
        Activity._base_manager.filter(external_key__startswith="bench:activity:", kind="other")
        .only("id", "starts_at", "ends_at")
        .order_by("id")
    )[::35]
    for a in picked:
        a.ends_at = a.starts_at + dt.timedelta(days=60 + a.pk % 240)
        a.long_running = is_long_running(a.starts_at, a.ends_at)
    Activity._base_manager.bulk_update(picked, ["ends_at", "long_running"], batch_size=500)
    ids = [a.pk for a in picked]
    for i in range(0, len(ids), 500):
        Participation.objects.filter(activity_id__in=ids[i : i + 500]).exclude(capacity="session").update(
            ends_at=Subquery(Activity._base_manager.filter(pk=OuterRef("activity_id")).values("ends_at")[:1]),
            long_running=True,
        )
    return len(picked)


# --- phase 6: users and feeds ----------------------------------------------------------------------


def ensure_users(gen: Generator) -> dict[str, Any]:
    from liaison.accounts.models import Membership, User
    from liaison.activities.models import CalendarFeed, FocalPoint
    from liaison.core.access import Role
    from liaison.core.models import Classification

    user, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"clearance": Classification.RESTRICTED, "language": "en"}
    )
    hanoi_committee = next(
        (
            gen.committee_of_locality[loc[0]]
            for loc in gen.valid_localities(TODAY)
            if loc[3] == "Hanoi" and loc[0] in gen.committee_of_locality
        ),
        None,
    )
    Membership.objects.get_or_create(user=user, organisation_id=gen.mofa, defaults={"role": Role.EDITOR})
    if hanoi_committee is not None:
        Membership.objects.get_or_create(
            user=user, organisation_id=hanoi_committee, defaults={"role": Role.VIEWER}
        )
    FocalPoint._base_manager.get_or_create(organisation_id=gen.mofa, user=user)
    admin, created = User.objects.get_or_create(
        username=BENCH_ADMIN,
        defaults={
            "is_superuser": True,
            "is_staff": True,
            "clearance": Classification.RESTRICTED,
            "language": "en",
        },
    )
    if created:
        admin.set_unusable_password()
        admin.save()
    for owner, token in ((user, FEED_TOKEN), (admin, ADMIN_FEED_TOKEN)):
        CalendarFeed.objects.get_or_create(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            defaults={
                "user": owner,
                "organisation_id": gen.mofa,
                "label": "bench: Ministry of Foreign Affairs",
            },
        )
    return {
        "user": BENCH_USER,
        "admin": BENCH_ADMIN,
        "memberships": list(
            Membership.objects.filter(user=user).values_list("organisation_id", "organisation__path", "role")
        ),
        "feed_token": FEED_TOKEN,
        "admin_feed_token": ADMIN_FEED_TOKEN,
    }


# --- main ----------------------------------------------------------------------------------------


def reset_activities() -> None:
    from django.db import connection

    from liaison.activities.models import Activity, CalendarFeed, Participation
    from liaison.core.models import SearchEntry

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'TRUNCATE "{Activity._meta.db_table}" CASCADE')
        else:
            Participation.objects.all().delete()
            for model in Activity._meta.apps.get_app_config("activities").get_models():
                if model not in (CalendarFeed,):
                    cursor.execute(f'DELETE FROM "{model._meta.db_table}"')
            for through in (
                "co_organisers",
                "counterpart_organisations",
                "counterpart_countries",
                "shared_with",
            ):
                cursor.execute(f'DELETE FROM "{getattr(Activity, through).through._meta.db_table}"')
            cursor.execute(f'DELETE FROM "{Activity._meta.db_table}"')
    SearchEntry.objects.filter(kind="activity").delete()


def reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from liaison.activities.models import Activity, ConferenceSession, Delegation, Outcome

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Activity, Delegation, ConferenceSession, Outcome]
        ):
            cursor.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 500k activities, 2M delegation members")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--reset", action="store_true", help="delete every activity first")
    opts = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (see bench/README.md).")
    started = time.perf_counter()
    common.setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from liaison.activities.models import (
        Activity,
        ConferenceSession,
        ConnectedSite,
        Delegation,
        DelegationMember,
        ItineraryStop,
        Outcome,
        Participation,
        SessionParticipant,
    )
    from liaison.core.models import SearchEntry

    timings: dict[str, float] = {}

    def timed(name: str, fn: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args)
        timings[name] = time.perf_counter() - t
        print(f"  {name}: {timings[name]:.1f} s", flush=True)
        return out

    timed("migrate", call_command, "migrate", "--no-input", "--verbosity", "0")
    if opts.reset:
        with transaction.atomic():
            timed("reset", reset_activities)
    gen = timed("load the directory", lambda: Generator(scale=opts.scale, seed=opts.seed))
    bench_q = Activity._base_manager.filter(external_key__startswith="bench:activity:")
    have = bench_q.count()
    wrote: list[str] = []
    missing = (
        have == 0
        or not Delegation._base_manager.exists()
        or not ConferenceSession._base_manager.exists()
        or not Outcome._base_manager.exists()
    )
    acts: list[Act] = []
    if missing:
        t = time.perf_counter()
        acts = gen.plan()
        timings["plan (in memory)"] = time.perf_counter() - t
        print(f"  planned {len(acts):,} activities in {timings['plan (in memory)']:.1f} s", flush=True)
        if have not in (0, len(acts)):
            raise SystemExit(f"{have} bench activities found, expected 0 or {len(acts)}: run with --reset.")
    if have == 0:
        with transaction.atomic():
            timed("activities, relations, search entries", gen.write_activities, acts)
        wrote.append("activities")
    if not Delegation._base_manager.exists():
        with transaction.atomic():
            timed("delegations, members, stops", gen.write_delegations, acts)
        wrote.append("delegations")
    if not ConferenceSession._base_manager.exists():
        with transaction.atomic():
            timed("conference sessions and sites", gen.write_conferences, acts)
        wrote.append("conferences")
    if not Outcome._base_manager.exists():
        with transaction.atomic():
            timed("outcomes", gen.write_outcomes, acts)
        wrote.append("outcomes")
    if wrote or not Participation.objects.exists():
        with transaction.atomic():
            Participation.objects.all().delete()
            timed("participation (derived, SQL)", write_participation)
        wrote.append("participation")
    if not Activity._base_manager.filter(long_running=True).exists():
        with transaction.atomic():
            timed("long-running programmes", write_long_running)
        wrote.append("long-running")
    with transaction.atomic():
        users = timed("users, memberships, feeds", ensure_users, gen)
        reset_sequences()
    if wrote:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
            else:
                # The planner's statistics (the tables were empty when migrations analysed them).
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        timings["vacuum/analyze (PG) or analyze and WAL checkpoint (SQLite)"] = time.perf_counter() - t
    total = time.perf_counter() - started

    conference_63 = bench_q.get(title_en=CONFERENCE_63_TITLE[0]).pk
    big = bench_q.get(title_en__startswith="Official visit to", leader_rank="head_of_government").pk
    from django.db.models import Count

    mofa_year = Activity._base_manager.filter(
        lead_organisation__path__startswith=gen.org[gen.mofa][2],
        starts_at__gte=dt.datetime(2026, 1, 1, tzinfo=HANOI),
        starts_at__lt=dt.datetime(2027, 1, 1, tzinfo=HANOI),
    ).count()
    from liaison.directory.models import PersonName

    leader_name = (
        PersonName.objects.filter(person_id=gen.rank_pool["head_of_government"][0], language="vi")
        .values_list("value", flat=True)
        .first()
    )
    counts = {
        "activities": bench_q.count(),
        "conferences": bench_q.filter(kind="conference").count(),
        "delegations": Delegation._base_manager.count(),
        "delegation members": DelegationMember._base_manager.count(),
        "itinerary stops": ItineraryStop._base_manager.count(),
        "sessions": ConferenceSession._base_manager.count(),
        "session participants": SessionParticipant._base_manager.count(),
        "connected sites": ConnectedSite._base_manager.count(),
        "max sites per conference": ConnectedSite._base_manager.values("activity_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("n", flat=True)
        .first(),
        "outcomes": Outcome._base_manager.count(),
        "participation rows": Participation.objects.count(),
        "search entries": SearchEntry.objects.filter(kind="activity").count(),
        "Ministry of Foreign Affairs subtree, activities starting in 2026": mofa_year,
        "members of the big delegation visit": DelegationMember._base_manager.filter(activity_id=big).count(),
    }
    print(
        f"Activities on {connection.vendor} ready in {total:.1f} s (wrote: {', '.join(wrote) or 'nothing'}):"
    )
    for k, v in counts.items():
        print(f"  {k}: {v:,}" if isinstance(v, int) else f"  {k}: {v}")
    stamp = common.BENCH_VAR / f"activities-{connection.vendor}-{opts.scale:g}.json"
    previous = json.loads(stamp.read_text()) if stamp.exists() else {}
    generation_seconds = total if wrote else previous.get("seconds", total)
    stamp.write_text(
        json.dumps(
            {
                "seconds": generation_seconds,
                "timings": timings if wrote else previous.get("timings", timings),
                "last_run_seconds": total,
                "counts": counts,
                "scale": opts.scale,
                "mofa": gen.mofa,
                "mofa_path": gen.org[gen.mofa][2],
                "conference_63": conference_63,
                "visit_big": big,
                "leader_name": leader_name,
                "users": users,
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
