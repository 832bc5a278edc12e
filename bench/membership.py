"""Membership records at national scale: 1,000,000 members in 50,000 branches on PostgreSQL
(100,000 in 5,000 on SQLite). Targets: every check page under 1 s, the member list p95 under 60 ms.

    # PostgreSQL (a database of its own; --reset drops and recreates it)
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_bench_membership
    export LIAISON_VAR_DIR=/work/main/var/bench/membership
    uv run python bench/membership.py generate --reset          # ~3 min
    uv run python bench/membership.py run [--repeat 10 --list-repeat 200]
    uv run python bench/membership.py explain [--user committee]   # the slowest queries' plans

    # SQLite
    export DATABASE_URL=sqlite:////work/main/var/bench/membership.sqlite3
    export LIAISON_VAR_DIR=/work/main/var/bench/membership
    uv run python bench/membership.py generate --reset   # --members 100000 --branches 5000 by default
    uv run python bench/membership.py run

`generate` writes the register with raw bulk inserts (COPY on PostgreSQL, executemany on SQLite),
bypassing the services and the audit (their speed is not what is measured), with the foreign keys'
checks off while it loads (the rows are consistent by construction; on SQLite `PRAGMA
foreign_key_check` confirms it). The shapes:

- a tree of party organisations: a home committee over two blocs (the committee officer coordinates
  one: about half the tree), each bloc's committees and sub-committees, then branches and cells
  (one in five); 5 % of the branches abroad: a branch in each of up to 300 representative missions
  (in ~80 countries) and cells in them;
- members with generated Vietnamese names (the demo's syllables; no real people), joined over 40
  years; 3 % posted abroad now (most attached to a branch of the mission, some posted and never
  attached, some released and not received yet, some whose posting ended but who are still
  attached), 3 % posted before, 10 % moved between branches in the past, 0.3 % in transit (half for
  longer than LIAISON_TRANSFER_PENDING_DAYS), 2 % left, 1 % died, 0.4 % suspended; statuses by
  the status rules (`statuses.status_on`), branch sizes and secretaries (95 % of branches);
- every member's names (`MemberName`) and the name index's keys (`NameKey`) — the q search reads
  them — their placements, events, transfers, postings and dossier (60 % digitised over the last 24
  months, 10 % in progress); no audit events, status change log or scanned files.

`run` measures, as three users — the superuser, a committee officer (coordinator of one bloc,
cleared for restricted records) and a branch officer (editor of one branch) —

- each check of `checks.CHECKS` through the selectors: the capped count (`core.htmx.capped_count`)
  and the first page of its rows, as the check page reads them;
- the pages themselves through Django's test client (the whole request: middleware, access
  policy, queries, template): the checks page (`membership:home`: every count, dossiers not
  digitised by branch, the digitisation progress) and each check's page (`membership:check`);
- the member list: `selectors.members` + `selectors.member_rows` (first page of 50) + the capped
  count, unfiltered and filtered by branch, by status and by name (`q`, a different member's name
  each request), through the selectors and as the page (`membership:members`);

and prints p50 / p95 in ms, the number of queries, and pass/fail against the targets (check pages:
p95 under 1 s; member list: p95 under 60 ms) as JSON and Markdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from activities_generate import Bulk, next_id

SEED = 20261124
ROOT = "bench-membership-root"
COMMITTEE_OFFICER = "bench-membership-committee"
BRANCH_OFFICER = "bench-membership-branch"
USERS = {"superuser": ROOT, "committee": COMMITTEE_OFFICER, "branch": BRANCH_OFFICER}
CHUNK = 50_000
PAGE = 50
NOW = dt.datetime.now(dt.UTC)

CHECK_PAGE_TARGET_MS = 1000.0
LIST_TARGET_MS = 60.0


# --- Set-up --------------------------------------------------------------------------------


def setup_django() -> None:
    """Start Django on the benchmark's database (never the developer's var/liaison.sqlite3)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL (see the docstring); the benchmark never uses the default database.")
    if url.startswith("sqlite") and str(common.REPO / "var") in url and "/var/bench/" not in url:
        sys.exit("On SQLite the benchmark's database lives under var/bench/.")
    os.environ.setdefault("LIAISON_VAR_DIR", str(common.REPO / "var" / "bench" / "membership"))
    os.environ.setdefault("LIAISON_HTTPS", "0")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LIAISON_LOG_LEVEL", "ERROR")
    Path(os.environ["LIAISON_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if str(common.REPO) not in sys.path:
        sys.path.insert(0, str(common.REPO))
    import django

    django.setup()


def reset_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(parsed.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = parsed.path.lstrip("/")
    host = [
        "-h",
        parsed.hostname or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
    ]
    subprocess.run(["dropdb", *host, "--if-exists", name], check=True)
    subprocess.run(["createdb", *host, name], check=True)


# --- The tree ------------------------------------------------------------------------------


@dataclass
class Unit:
    id: int
    parent: int | None
    path: str
    depth: int
    level: str  # committee, branch, cell
    kind: str  # the organisation's kind
    country: int
    abroad: bool
    name: str
    mission: int | None = None
    weight: float = 0.0  # share of the members whose branch it is
    pull: float = 0.0  # share of the postings abroad it receives
    size: int = 0
    secretary: int | None = None
    bloc: str = ""


class Tree:
    """Organisations: a root for the missions and the missions; the party tree (the branches)."""

    def __init__(self, branches: int, rng: random.Random) -> None:
        from django.conf import settings

        from liaison.directory.models import Country, Organisation
        from liaison.membership.demo import _json

        self.rng = rng
        self.next = next_id(Organisation)
        home_code = settings.LIAISON_HOME_COUNTRY
        countries = {c.code: c.pk for c in Country.objects.all()}
        self.home = countries[home_code]
        abroad_codes = list(dict.fromkeys(m["country"] for m in _json("missions.json")["missions"]))
        self.orgs: list[Unit] = []  # every organisation, parents first
        self.units: list[Unit] = []  # those that keep members (have a Branch row)

        missions_root = self._org(None, "Bench representative missions", "other", self.home, "")
        abroad_units = max(2, round(branches * 0.05))
        n_missions = min(300, max(2, abroad_units // 8))
        self.missions = [
            self._org(
                missions_root,
                f"Bench mission {n + 1}",
                "mission",
                countries[abroad_codes[n % len(abroad_codes)]],
                "",
            )
            for n in range(n_missions)
        ]
        home_units = branches - abroad_units
        per_bloc = max(2, round(math.sqrt(home_units) / 9))
        subs_per = 10
        overhead = 1 + 1 + 2 + 2 * per_bloc * (1 + subs_per)
        rest = home_units - overhead
        if rest < 2 * per_bloc * subs_per:
            raise SystemExit("Too few branches for the tree; give at least 2,000.")
        home = self._unit(None, "Bench home committee", "committee", self.home, weight=0.2)
        abroad = self._unit(None, "Bench committee abroad", "committee", self.home, weight=0.2)
        subs: list[Unit] = []
        for bloc_name in ("A", "B"):
            bloc = self._unit(
                home, f"Bench bloc {bloc_name}", "committee", self.home, weight=0.2, bloc=bloc_name
            )
            for c in range(per_bloc):
                committee = self._unit(
                    bloc, f"Bench committee {bloc_name}{c + 1}", "committee", self.home, weight=0.2
                )
                for s in range(subs_per):
                    subs.append(
                        self._unit(
                            committee,
                            f"Bench sub-committee {bloc_name}{c + 1}.{s + 1}",
                            "committee",
                            self.home,
                            weight=0.3,
                        )
                    )
        for sub, count in zip(subs, split(rest, [1] * len(subs)), strict=True):
            cells = count // 5
            owners = [
                self._unit(
                    sub, f"{sub.name}, branch {b + 1}", "branch", self.home, weight=rng.lognormvariate(0, 0.5)
                )
                for b in range(count - cells)
            ]
            for c in range(cells):
                owner = owners[c % len(owners)]
                self._unit(
                    owner,
                    f"{owner.name}, cell {c // len(owners) + 1}",
                    "cell",
                    self.home,
                    weight=0.5 * rng.lognormvariate(0, 0.5),
                )
        mission_branches = []
        for n in range(abroad_units):
            if n < len(self.missions):
                mission = self.missions[n]
                unit = self._unit(
                    abroad, f"Bench branch in {mission.name}", "branch", mission.country, mission=mission.id
                )
                unit.pull = 3.0 if n < 20 else 1.0
                mission_branches.append(unit)
            else:
                owner = mission_branches[n % len(mission_branches)]
                unit = self._unit(
                    owner,
                    f"{owner.name}, cell {n // len(mission_branches)}",
                    "cell",
                    owner.country,
                    mission=owner.mission,
                )
                unit.pull = 0.5
        assert len(self.units) == branches, (len(self.units), branches)
        self.bloc_a = next(u for u in self.units if u.bloc == "A")

    def _org(self, parent: Unit | None, name: str, kind: str, country: int, level: str, **extra: Any) -> Unit:
        pk = self.next
        self.next += 1
        path = f"{parent.path if parent else '/'}{pk}/"
        unit = Unit(
            id=pk,
            parent=parent.id if parent else None,
            path=path,
            depth=(parent.depth + 1) if parent else 0,
            level=level,
            kind=kind,
            country=country,
            abroad=country != self.home,
            name=name,
            **extra,
        )
        if parent is not None and parent.bloc and "bloc" not in extra:
            unit.bloc = parent.bloc
        self.orgs.append(unit)
        return unit

    def _unit(self, parent: Unit | None, name: str, level: str, country: int, **extra: Any) -> Unit:
        kind = "party_committee" if level == "committee" else "party_branch"
        unit = self._org(parent, name, kind, country, level, **extra)
        self.units.append(unit)
        return unit


def split(total: int, weights: list[float]) -> list[int]:
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    shares = [math.floor(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[: total - sum(shares)]:
        shares[i] += 1
    return shares


# --- Generation ----------------------------------------------------------------------------


def write_organisations(tree: Tree) -> None:
    from liaison.core.models import Classification
    from liaison.directory.models import Organisation, OrganisationName

    orgs = Bulk(
        Organisation,
        [
            "id",
            "owner_id",
            "classification",
            "parent_id",
            "path",
            "depth",
            "pillar",
            "kind",
            "country_id",
            "sort_name",
            "external_key",
            "created_at",
            "updated_at",
        ],
    )
    orgs.write(
        (
            u.id,
            u.parent or u.id,
            Classification.PUBLIC if u.kind == "mission" else Classification.INTERNAL,
            u.parent,
            u.path,
            u.depth,
            "party" if u.kind.startswith("party") else "state",
            u.kind,
            u.country,
            u.name,
            f"bench-membership-{u.id}",
            NOW,
            NOW,
        )
        for u in tree.orgs
    )
    names = Bulk(
        OrganisationName, ["organisation_id", "value", "language", "script", "created_at", "updated_at"]
    )
    names.write((u.id, u.name, "en", "Latn", NOW, NOW) for u in tree.orgs)


class Story:
    REGULAR = "regular"
    ATTACHED = "attached"
    ENDED_ATTACHED = "ended_attached"
    RELEASED_ABROAD = "released_abroad"
    POSTED_ALONE = "posted_alone"
    ENDED_ALONE = "ended_alone"
    FORMERLY = "formerly"
    MOVED = "moved"
    TRANSIT = "transit"
    LEFT = "left"
    DIED = "died"
    SUSPENDED = "suspended"


# (story, share of the members, youngest joining in days before today)
STORIES = (
    (Story.ATTACHED, 0.0270, 1300),
    (Story.ENDED_ATTACHED, 0.0006, 1500),
    (Story.RELEASED_ABROAD, 0.0012, 1300),
    (Story.POSTED_ALONE, 0.0008, 1300),
    (Story.ENDED_ALONE, 0.0004, 1600),
    (Story.FORMERLY, 0.0300, 3200),
    (Story.MOVED, 0.1000, 400),
    (Story.TRANSIT, 0.0030, 400),
    (Story.LEFT, 0.0200, 1500),
    (Story.DIED, 0.0100, 3000),
    (Story.SUSPENDED, 0.0040, 800),
)


class Register:
    """Writes the members and everything about them, a chunk at a time."""

    TABLES = ("member", "name", "key", "posting", "transfer", "placement", "event", "dossier", "shared")

    def __init__(self, tree: Tree, rng: random.Random, today: dt.date) -> None:
        from django.conf import settings

        from liaison.core.models import NameKey
        from liaison.membership import statuses
        from liaison.membership.demo import NameMaker
        from liaison.membership.models import (
            Dossier,
            Member,
            MemberEvent,
            MemberName,
            Placement,
            Posting,
            Transfer,
        )

        self.tree, self.rng, self.today = tree, rng, today
        self.pending_days = settings.LIAISON_TRANSFER_PENDING_DAYS
        self.rules = statuses.rules_in_force()
        self.home_units = [u for u in tree.units if not u.abroad]
        self.abroad_units = [u for u in tree.units if u.abroad]
        self.mission_branches = [u for u in self.abroad_units if u.level == "branch"]
        self.home_cum = list(_cumulative(u.weight for u in self.home_units))
        self.abroad_cum = list(_cumulative(u.pull for u in self.abroad_units))
        self.story_cum = list(_cumulative(share for _, share, _ in STORIES))
        self.youngest = {story: days for story, _, days in STORIES}
        self.names = NameMaker(rng)
        self.key_cache: dict[str, list[str]] = {}
        self.member_id = next_id(Member)
        self.posting_id = next_id(Posting)
        self.transfer_id = next_id(Transfer)
        through = Member.shared_with.through
        self.bulk = {
            "member": Bulk(
                Member,
                [
                    "id",
                    "owner_id",
                    "classification",
                    "register_number",
                    "gender",
                    "birth_date",
                    "joined_on",
                    "is_demo",
                    "name",
                    "sort_name",
                    "status",
                    "status_since",
                    "branch_id",
                    "attached_to_id",
                    "posting_id",
                    "created_at",
                    "updated_at",
                ],
            ),
            "name": Bulk(MemberName, ["member_id", "value", "language", "created_at", "updated_at"]),
            "key": Bulk(NameKey, ["kind", "entity_id", "value", "key"]),
            "posting": Bulk(
                Posting,
                [
                    "id",
                    "member_id",
                    "mission_id",
                    "country_id",
                    "start",
                    "end",
                    "letter_number",
                    "created_at",
                    "updated_at",
                ],
            ),
            "transfer": Bulk(
                Transfer,
                [
                    "id",
                    "member_id",
                    "kind",
                    "from_branch_id",
                    "to_branch_id",
                    "letter_number",
                    "letter_date",
                    "released_on",
                    "received_on",
                    "state",
                    "created_at",
                    "updated_at",
                ],
            ),
            "placement": Bulk(
                Placement,
                ["member_id", "kind", "branch_id", "start", "end", "transfer_id", "created_at", "updated_at"],
            ),
            "event": Bulk(
                MemberEvent, ["member_id", "kind", "on", "transfer_id", "created_at", "updated_at"]
            ),
            "dossier": Bulk(Dossier, ["member_id", "status", "digitised_on", "created_at", "updated_at"]),
            "shared": Bulk(through, ["member_id", "organisation_id"]),
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in self.TABLES}
        self.counts: dict[str, int] = dict.fromkeys(self.TABLES, 0)

    def flush(self) -> None:
        for table in self.TABLES:
            self.counts[table] += self.bulk[table].write(self.rows[table])
            self.rows[table] = []

    def ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def transfer(
        self, mid: int, kind: str, frm: int, to: int, released: dt.date, received: dt.date | None
    ) -> int:
        tid = self.transfer_id
        self.transfer_id += 1
        state = "received" if received else "released"
        self.rows["transfer"].append(
            (tid, mid, kind, frm, to, f"B-{tid}", released, released, received, state, NOW, NOW)
        )
        return tid

    def post(self, mid: int, unit: Unit, start: dt.date, end: dt.date | None) -> int:
        pid = self.posting_id
        self.posting_id += 1
        self.rows["posting"].append((pid, mid, unit.mission, unit.country, start, end, f"P-{pid}", NOW, NOW))
        return pid

    def place(
        self, mid: int, kind: str, branch: int | None, start: dt.date, end: dt.date | None, tid: int | None
    ) -> None:
        self.rows["placement"].append((mid, kind, branch, start, end, tid, NOW, NOW))

    def member(self) -> None:
        """One member: their story, history, status, names and dossier."""
        from liaison.core.models import Classification
        from liaison.core.names import fold, name_keys, retrieval_keys
        from liaison.membership import statuses
        from liaison.membership.demo import ascii_name

        rng, today = self.rng, self.today
        mid = self.member_id
        self.member_id += 1
        home = self.home_units[_pick(rng, self.home_cum)]
        draw = rng.random()
        story = next(
            (s for (s, _, _), c in zip(STORIES, self.story_cum, strict=True) if draw < c), Story.REGULAR
        )
        joined = today - dt.timedelta(days=rng.randint(self.youngest.get(story, 0), 40 * 365))
        name, gender = self.names.make()
        events: list[tuple[str, dt.date, int | None]] = [("joined", joined, None)]
        branch: int | None = home.id
        attached: Unit | None = None
        posting: int | None = None
        days = dt.timedelta

        if story == Story.MOVED:
            sender = self.home_units[_pick(rng, self.home_cum)]
            if sender is home:
                sender = self.home_units[(self.home_units.index(home) + 1) % len(self.home_units)]
            released = joined + days(rng.randint(1, max(1, (today - joined).days - 70)))
            received = min(today, released + days(rng.randint(3, 60)))
            tid = self.transfer(mid, "permanent", sender.id, home.id, released, received)
            self.place(mid, "regular", sender.id, joined, released, None)
            self.place(mid, "transit", None, released, received, tid)
            self.place(mid, "regular", home.id, received, None, tid)
            events += [("released", released, tid), ("received", received, tid)]
        elif story == Story.TRANSIT:
            late = rng.random() < 0.5
            p = self.pending_days
            released = self.ago(p + 5, p + 200) if late else self.ago(1, p - 2)
            to = self.home_units[_pick(rng, self.home_cum)]
            tid = self.transfer(mid, "permanent", home.id, to.id, released, None)
            self.place(mid, "regular", home.id, joined, released, None)
            self.place(mid, "transit", None, released, None, tid)
            events.append(("released", released, tid))
            self.rows["shared"].append((mid, to.id))
            branch = None
        elif story in (Story.LEFT, Story.DIED):
            on = joined + days(rng.randint(400, (today - joined).days))
            self.place(mid, "regular", home.id, joined, on, None)
            events.append(("left" if story == Story.LEFT else "died", on, None))
            branch = None
        else:
            self.place(mid, "regular", home.id, joined, None, None)
            if story == Story.SUSPENDED:
                events.append(("suspended", self.ago(5, 700), None))
            elif story in (Story.ATTACHED, Story.ENDED_ATTACHED):
                unit = self.abroad_units[_pick(rng, self.abroad_cum)]
                if story == Story.ATTACHED:
                    start = self.ago(30, 1095)
                    end = None if rng.random() < 0.15 else start + days(1095)
                else:
                    start, end = self.ago(1150, 1400), self.ago(10, 150)
                posting = self.post(mid, unit, start, end)
                released = start - days(rng.randint(5, 40))
                received = min(today, start + days(rng.randint(0, 45)))
                tid = self.transfer(mid, "temporary", home.id, unit.id, released, received)
                self.place(mid, "temporary", unit.id, received, None, tid)
                events += [("temporary_release", released, tid), ("attached", received, tid)]
                self.rows["shared"].append((mid, unit.id))
                attached = unit
            elif story in (Story.RELEASED_ABROAD, Story.POSTED_ALONE, Story.ENDED_ALONE, Story.FORMERLY):
                unit = self.mission_branches[rng.randrange(len(self.mission_branches))]
                if story == Story.RELEASED_ABROAD:
                    p = self.pending_days
                    released = self.ago(p + 5, p + 120) if rng.random() < 0.5 else self.ago(1, p - 2)
                    start = min(today, released + days(rng.randint(3, 30)))
                    posting = self.post(mid, unit, start, start + days(1095))
                    tid = self.transfer(mid, "temporary", home.id, unit.id, released, None)
                    events.append(("temporary_release", released, tid))
                    self.rows["shared"].append((mid, unit.id))
                elif story == Story.POSTED_ALONE:
                    posting = self.post(mid, unit, self.ago(20, 400), None)
                elif story == Story.ENDED_ALONE:
                    posting = self.post(mid, unit, self.ago(800, 1500), self.ago(30, 300))
                else:
                    start = self.ago(1500, max(1501, min((today - joined).days - 400, 7000)))
                    end = start + days(rng.randint(700, 1460))
                    posting = self.post(mid, unit, start, end)
                    released = start - days(rng.randint(5, 40))
                    received = start + days(rng.randint(0, 30))
                    detached = min(today, end + days(rng.randint(0, 20)))
                    tid = self.transfer(mid, "temporary", home.id, unit.id, released, received)
                    self.place(mid, "temporary", unit.id, received, detached, tid)
                    events += [
                        ("temporary_release", released, tid),
                        ("attached", received, tid),
                        ("detached", detached, None),
                    ]
        status, since = statuses.status_on(
            [statuses.Event(kind, on, n) for n, (kind, on, _) in enumerate(events)], self.rules, today
        )
        if branch is not None:
            home.size += 1
            if home.secretary is None and story == Story.REGULAR:
                home.secretary = mid if rng.random() < 0.95 else -1  # -1: this branch has none
        if attached is not None:
            attached.size += 1
            if attached.secretary is None and story == Story.ATTACHED:
                attached.secretary = mid
        self.rows["member"].append(
            (
                mid,
                home.id,
                Classification.RESTRICTED,
                f"B-{mid:08d}",
                gender,
                joined - days(365 * rng.randint(18, 40) + rng.randint(0, 364)),
                joined,
                False,
                name,
                fold(name)[:300] or name,
                status,
                since,
                branch,
                attached.id if attached else None,
                posting,
                NOW,
                NOW,
            )
        )
        spellings = [(name, "vi")] + ([(ascii_name(name), "en")] if posting else [])
        for value, language in spellings:
            self.rows["name"].append((mid, value, language, NOW, NOW))
            keys = self.key_cache.get(value)
            if keys is None:
                keys = self.key_cache[value] = [
                    k[:64] for k in dict.fromkeys(retrieval_keys(name_keys(value)))
                ]
            self.rows["key"].extend(("member", mid, value, key) for key in keys)
        self.rows["event"].extend((mid, kind, on, tid, NOW, NOW) for kind, on, tid in events)
        draw = rng.random()
        if draw < 0.6:
            back = int(730 * (1 - math.sqrt(rng.random())))
            digitised = min(today, max(joined, today - days(back)))
            self.rows["dossier"].append((mid, "digitised", digitised, NOW, NOW))
        else:
            self.rows["dossier"].append((mid, "in_progress" if draw < 0.7 else "not_started", None, NOW, NOW))


def generate(members: int, branches: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from liaison.accounts.models import Membership, User
    from liaison.core.access import Role
    from liaison.core.models import Classification
    from liaison.membership.models import Branch, Member, Posting, Transfer

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Member.objects.exists():
        return {"note": "already generated", "members": Member.objects.count()}
    phases: dict[str, float] = {"migrate": time.perf_counter() - started}
    rng = random.Random(SEED)
    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("PRAGMA synchronous = OFF")

    t = time.perf_counter()
    with transaction.atomic():
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while loading
        tree = Tree(branches, rng)
        write_organisations(tree)
        phases["organisations"] = time.perf_counter() - t

        t = time.perf_counter()
        register = Register(tree, rng, dt.date.today())
        for start in range(0, members, CHUNK):
            for _ in range(start, min(members, start + CHUNK)):
                register.member()
            register.flush()
            done = min(members, start + CHUNK)
            print(f"{done:,} members ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        phases["members"] = time.perf_counter() - t

        t = time.perf_counter()
        Bulk(
            Branch,
            [
                "organisation_id",
                "level",
                "abroad",
                "mission_id",
                "secretary_id",
                "member_count",
                "created_at",
                "updated_at",
            ],
        ).write(
            (
                u.id,
                u.level,
                u.abroad,
                u.mission,
                u.secretary if u.secretary and u.secretary > 0 else None,
                u.size,
                NOW,
                NOW,
            )
            for u in tree.units
        )
        phases["branches"] = time.perf_counter() - t

    t = time.perf_counter()
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchall()
            if broken:
                raise SystemExit(f"Foreign keys broken: {broken[:5]}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("ANALYZE")
    else:
        from django.core.management.color import no_style

        from liaison.directory.models import Organisation

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Organisation, Member, Posting, Transfer]
            ):
                cursor.execute(sql)
            _check_references_pg(cursor)
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    phases["checks, analyze"] = time.perf_counter() - t

    # The branches' counters of present members and digitised dossiers (the real code path).
    from liaison.membership import counters

    t = time.perf_counter()
    counters.refresh_all()
    phases["counters"] = time.perf_counter() - t
    from liaison.membership import placements

    t = time.perf_counter()
    placements.mark_postings(Posting.objects.values_list("member_id", flat=True).distinct())
    phases["postings attached abroad"] = time.perf_counter() - t

    # The users the run measures as.
    User.objects.get_or_create(
        username=ROOT,
        defaults={"is_superuser": True, "is_staff": True, "clearance": Classification.RESTRICTED},
    )
    committee, _ = User.objects.get_or_create(
        username=COMMITTEE_OFFICER, defaults={"clearance": Classification.RESTRICTED}
    )
    Membership.objects.get_or_create(
        user=committee, organisation_id=tree.bloc_a.id, defaults={"role": Role.COORDINATOR}
    )
    sizes = sorted(
        (u.size, u.id) for u in tree.units if u.level == "branch" and not u.abroad and u.bloc == "B"
    )
    officer, _ = User.objects.get_or_create(
        username=BRANCH_OFFICER, defaults={"clearance": Classification.RESTRICTED}
    )
    Membership.objects.get_or_create(
        user=officer, organisation_id=sizes[len(sizes) // 2][1], defaults={"role": Role.EDITOR}
    )
    return {
        "database": vendor,
        "members": members,
        "branches": branches,
        "abroad branches": len(register.abroad_units),
        "rows": register.counts | {"branch": len(tree.units), "organisation": len(tree.orgs)},
        "seconds": {k: round(v, 1) for k, v in phases.items()},
        "total seconds": round(time.perf_counter() - started, 1),
    }


def _cumulative(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    import bisect

    return min(len(cumulative) - 1, bisect.bisect(cumulative, rng.random() * cumulative[-1]))


def _check_references_pg(cursor: Any) -> None:
    """The foreign keys the load did not check: every reference points at a row."""
    checks = [
        ("membership_member", "branch_id", "membership_branch", "organisation_id"),
        ("membership_member", "attached_to_id", "membership_branch", "organisation_id"),
        ("membership_member", "posting_id", "membership_posting", "id"),
        ("membership_member", "owner_id", "directory_organisation", "id"),
        ("membership_branch", "secretary_id", "membership_member", "id"),
        ("membership_placement", "transfer_id", "membership_transfer", "id"),
        ("membership_placement", "branch_id", "membership_branch", "organisation_id"),
        ("membership_transfer", "to_branch_id", "membership_branch", "organisation_id"),
        ("membership_posting", "member_id", "membership_member", "id"),
    ]
    for table, column, target, key in checks:
        cursor.execute(
            f'SELECT COUNT(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM "{target}" x WHERE x."{key}" = t."{column}")'
        )
        (missing,) = cursor.fetchone()
        if missing:
            raise SystemExit(f"{table}.{column}: {missing} rows point nowhere")


# --- Measuring -----------------------------------------------------------------------------


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], int]:
    from django.db import connection

    fn()  # warm
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # (a request clears the query log: count them here)
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, statements


def _summary(times: list[float], queries: int, target: float) -> dict[str, Any]:
    p95 = common.percentile(times, 95)
    return {
        "p50_ms": round(common.percentile(times, 50), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(times), 1),
        "queries": queries,
        "target_ms": target,
        "pass": p95 < target,
    }


def measure_user(
    user: Any, repeat: int, list_repeat: int, rng: random.Random, *, lists_only: bool = False
) -> dict[str, Any]:
    """Every check (selectors, then pages) and the member list (selectors, then page) as one user;
    with `lists_only`, the member list alone."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from liaison.core.htmx import capped_count
    from liaison.membership import checks, exports, selectors
    from liaison.membership.models import Branch, MemberStatus

    day = timezone.localdate()
    out: dict[str, Any] = {"visible members": capped_count(checks.visible_members(user))[0]}
    for check in [] if lists_only else checks.CHECKS:

        def read(check: checks.Check = check) -> None:
            queryset = exports.check_queryset(check, user, day)
            capped_count(check.rows(user, day))
            list(selectors.member_rows(queryset)[:PAGE] if check.subject == "member" else queryset[:PAGE])

        times, queries = _timed(read, repeat)
        count = capped_count(check.rows(user, day))[0]
        out[f"check {check.slug} (selectors)"] = _summary(times, queries, CHECK_PAGE_TARGET_MS) | {
            "count": count
        }

    visible = checks.visible_members(user)
    if connection.vendor == "postgresql":
        sample = list(visible.order_by("?").values_list("name", flat=True)[:list_repeat])
    else:
        sample = list(
            visible.filter(pk__in=_sample_ids(visible, list_repeat, rng)).values_list("name", flat=True)
        )
    branch_ids = list(
        checks.responsible_branches(user)
        .filter(level="branch", member_count__gt=0)
        .values_list("pk", flat=True)[:2000]
    )
    rng.shuffle(branch_ids)
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=branch_ids).select_related("organisation")}
    cycle = [
        MemberStatus.ACTIVE,
        MemberStatus.PROBATIONARY,
        MemberStatus.ATTACHED,
        MemberStatus.SUSPENDED,
        MemberStatus.TRANSFERRED,
    ]
    variants: dict[str, Callable[[int], tuple[selectors.MemberFilters, str]]] = {
        "all": lambda i: (selectors.MemberFilters(day=day), ""),
        "branch": lambda i: (
            selectors.MemberFilters(branch=branches[branch_ids[i % len(branch_ids)]], day=day),
            f"branch={branch_ids[i % len(branch_ids)]}",
        ),
        "status": lambda i: (
            selectors.MemberFilters(status=cycle[i % len(cycle)], day=day),
            f"status={cycle[i % len(cycle)]}",
        ),
        "q (a name)": lambda i: (
            selectors.MemberFilters(q=sample[i % len(sample)], day=day),
            urlencode({"q": sample[i % len(sample)]}),
        ),
    }
    for variant, make in variants.items():
        counter = itertools.count()

        def member_list(make: Any = make, counter: Any = counter) -> None:
            filters = make(next(counter))[0]
            listed = selectors.member_list(user, filters)
            list(selectors.member_rows(listed.rows)[:PAGE])
            capped_count(listed.count_from, first=listed.count_first)

        times, queries = _timed(member_list, list_repeat)
        out[f"member list: {variant} (selectors)"] = _summary(times, queries, LIST_TARGET_MS)

    try:
        home, members_url = reverse("membership:home"), reverse("membership:members")
    except NoReverseMatch:
        out["pages"] = "not routed"
        return out
    client = Client(HTTP_HOST=next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost"))
    client.force_login(user)

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    if not lists_only:
        times, queries = _timed(lambda: get(home), repeat)
        out["page: checks (membership:home)"] = _summary(times, queries, CHECK_PAGE_TARGET_MS)
    for check in [] if lists_only else checks.CHECKS:
        path = reverse("membership:check", args=[check.slug])
        times, queries = _timed(functools.partial(get, path), repeat)
        out[f"page: check {check.slug}"] = _summary(times, queries, CHECK_PAGE_TARGET_MS)
    for variant, make in variants.items():
        counter = itertools.count()

        def page(make: Any = make, counter: Any = counter) -> None:
            query = make(next(counter))[1]
            get(f"{members_url}?{query}" if query else members_url)

        times, queries = _timed(page, list_repeat)
        out[f"page: member list, {variant}"] = _summary(times, queries, LIST_TARGET_MS)
    return out


def run(
    repeat: int, list_repeat: int, users_wanted: list[str], *, lists_only: bool = False
) -> dict[str, Any]:
    from django.db import connection

    from liaison.accounts.models import User
    from liaison.membership.models import Branch, Member

    rng = random.Random(SEED + 1)
    results: dict[str, Any] = {
        "database": connection.vendor,
        "members": Member.objects.count(),
        "branches": Branch.objects.count(),
    }
    for label in users_wanted:
        user = User.objects.get(username=USERS[label])
        results[label] = measure_user(user, repeat, list_repeat, rng, lists_only=lists_only)
        print(json.dumps({label: results[label]}, indent=1), file=sys.stderr, flush=True)
    return results


def _sample_ids(queryset: Any, n: int, rng: random.Random) -> list[int]:
    ids = list(queryset.values_list("pk", flat=True)[:200_000])
    return rng.sample(ids, min(n, len(ids)))


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Database: {results['database']}, {results['members']:,} members, {results['branches']:,} branches.",
        "",
        "| measured | user | p50 ms | p95 ms | max ms | queries | target (p95) | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in ("superuser", "committee", "branch"):
        for name, row in results.get(label, {}).items():
            if not isinstance(row, dict):
                continue
            count = f" ({row['count']:,} rows)" if "count" in row else ""
            lines.append(
                f"| {name}{count} | {label} | {row['p50_ms']} | **{row['p95_ms']}** | {row['max_ms']} | "
                f"{row['queries']} | < {row['target_ms']:.0f} ms | {'pass' if row['pass'] else '**FAIL**'} |"
            )
    return "\n".join(lines)


# --- Plans ---------------------------------------------------------------------------------


def explain(user_label: str, slowest: int) -> None:
    """The plans of the statements each check and the member list run for a user (EXPLAIN ANALYZE
    on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), slowest first."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from liaison.accounts.models import User
    from liaison.core.htmx import capped_count
    from liaison.membership import checks, exports, selectors

    user = User.objects.get(username=USERS[user_label])
    day = timezone.localdate()
    pg = connection.vendor == "postgresql"
    work: list[tuple[str, Callable[[], Any]]] = []
    for check in checks.CHECKS:

        def read(check: checks.Check = check) -> None:
            queryset = exports.check_queryset(check, user, day)
            capped_count(check.rows(user, day))
            list(selectors.member_rows(queryset)[:PAGE] if check.subject == "member" else queryset[:PAGE])

        work.append((check.slug, read))

    def member_list() -> None:
        queryset = selectors.members(user, selectors.MemberFilters(day=day))
        list(selectors.member_rows(queryset)[:PAGE])
        capped_count(queryset)

    work.append(("member list", member_list))
    work.append(("not digitised by branch", lambda: checks.not_digitised_by_branch(user)))
    work.append(("digitisation progress", lambda: checks.digitisation_progress(user)))
    timed: list[tuple[float, str, str]] = []
    for title, fn in work:
        fn()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            fn()
        for query in queries.captured_queries:
            timed.append((float(query["time"]) * 1000, title, query["sql"]))
    timed.sort(reverse=True)
    for took, title, sql in timed[:slowest]:
        with connection.cursor() as cursor:
            cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN ") + sql)
            plan = "\n".join(str(r[0] if pg else r[-1]) for r in cursor.fetchall())
        print(f"\n### {title}: {took:.0f} ms\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument(
        "--members", type=int, default=None, help="default 1,000,000 (PostgreSQL) / 100,000 (SQLite)"
    )
    gen.add_argument("--branches", type=int, default=None, help="default 50,000 / 5,000")
    gen.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    measure = sub.add_parser("run")
    measure.add_argument("--repeat", type=int, default=10, help="requests per check (selectors and page)")
    measure.add_argument("--list-repeat", type=int, default=200, help="requests per member-list variant")
    measure.add_argument("--users", default="superuser,committee,branch")
    measure.add_argument("--lists-only", action="store_true", help="the member list alone, no checks")
    plans = sub.add_parser("explain")
    plans.add_argument("--user", default="committee", choices=["superuser", "committee", "branch"])
    plans.add_argument("--slowest", type=int, default=8)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if args.command == "generate" and args.reset:
        reset_database(url)
    setup_django()
    if args.command == "generate":
        sqlite = url.startswith("sqlite")
        members = args.members or (100_000 if sqlite else 1_000_000)
        branches = args.branches or (5_000 if sqlite else 50_000)
        print(json.dumps(generate(members, branches), indent=2))
    elif args.command == "run":
        results = run(args.repeat, args.list_repeat, args.users.split(","), lists_only=args.lists_only)
        print(json.dumps(results, indent=2))
        print(markdown(results))
    else:
        explain(args.user, args.slowest)


if __name__ == "__main__":
    main()
