"""The demo membership register: about 600 party organisations at home and abroad and 11,000
members, the shape article 002 gives the MOFA Party Committee's register. Synthetic: the names are
generated from syllables (never real people's personal data), every member is `is_demo`, every
register number starts with DEMO-, every organisation made here is marked "(demo)".

- At home: the "Party Committee of the Foreign Affairs bloc (demo)" below the Central Agencies
  Bloc's committee, with the committees of ministries and agencies and of the provinces'
  foreign-affairs departments, their branches and cells.
- Abroad: the "Party Committee Abroad (demo)" with a branch in every representative mission, sitting
  in the mission and in its country: the Directory's missions, and embassies, consulates-general and
  permanent missions on every continent generated for the demo (`seed_data/missions.json`); cells
  in the largest.
- Members joined over 40 years; some moved between branches, left, died or were suspended; about
  one in eleven is posted abroad and temporarily attached to the mission's branch, some were posted
  before. And the cases each check is for: posted abroad with no branch there (not attached, or a
  temporary transfer not received yet), postings over but still attached, posted and never
  attached, one undersized branch, a few branches without a secretary, transfers pending (some
  longer than LIAISON_TRANSFER_PENDING_DAYS), dossiers partly digitised over the last two years.

Organisations and branches go through the Directory's and this module's services. Members and
their history are written in bulk, as the services would write them (the audited bulk writes
record an event per row); statuses, branch counters, the postings' "attached abroad" and the name
index are then derived by `statuses.refresh`, `counters.refresh`, `placements.mark_postings` and
`name_index.index_many`. Loading is idempotent:
organisations and branches are recognised by their external keys, members by `is_demo`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liaison.core import name_index
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.names import fold
from liaison.directory import services as directory
from liaison.directory.models import Country, Locality, Organisation, OrganisationKind
from liaison.membership import counters, placements, services, statuses
from liaison.membership.models import (
    Branch,
    BranchLevel,
    Dossier,
    DossierFile,
    DossierStatus,
    EventKind,
    Member,
    MemberEvent,
    MemberName,
    Placement,
    PlacementKind,
    Posting,
    StatusCause,
    Transfer,
    TransferKind,
    TransferState,
)

SEED_DIR = Path(__file__).resolve().parent / "seed_data"
RANDOM_SEED = 2002
MEMBERS = 11_000
BRANCHES = 600
BRANCH_PREFIX = "demo-branch-"
MISSION_PREFIX = "demo-mission-"
HOME_KEY = "demo-branch-home"
ABROAD_KEY = "demo-branch-abroad"
REGISTER_PREFIX = "DEMO-"
DOSSIER_DIR = "membership/dossiers/demo"

# Shares of the register (of all members, or of those not protected as a branch's core).
ABROAD_SHARE = 0.17  # of the branches: the mission branches and their cells
POSTED_SHARE = 0.09  # posted abroad now and attached to the mission's branch
FORMERLY_POSTED_SHARE = 0.04
MOVED_SHARE = 0.10  # received from another branch in the past
LEFT_SHARE = 0.02
DIED_SHARE = 0.01
SUSPENDED_SHARE = 0.004
REINSTATED_SHARE = 0.003
DIGITISED_SHARE = 0.55
IN_PROGRESS_SHARE = 0.12
CORE = 3  # the first members of every branch stay there (branches keep their minimum size)

# Ministries and agencies whose party committees the bloc's committee leads: key, English, Vietnamese,
# weight (MOFA's committee keeps most branches), and their units (English, Vietnamese).
AGENCIES: tuple[tuple[str, str, str, int], ...] = (
    ("mofa", "Ministry of Foreign Affairs", "Bộ Ngoại giao", 3),
    ("cerc", "Central External Relations Commission", "Ban Đối ngoại Trung ương", 1),
    ("vufo", "Viet Nam Union of Friendship Organisations", "Liên hiệp các tổ chức hữu nghị Việt Nam", 1),
    ("moit", "Ministry of Industry and Trade", "Bộ Công Thương", 1),
    ("mcst", "Ministry of Culture, Sports and Tourism", "Bộ Văn hóa, Thể thao và Du lịch", 1),
    ("moet", "Ministry of Education and Training", "Bộ Giáo dục và Đào tạo", 1),
    ("mof", "Ministry of Finance", "Bộ Tài chính", 1),
    ("mae", "Ministry of Agriculture and Environment", "Bộ Nông nghiệp và Môi trường", 1),
)
MOFA_UNITS: tuple[tuple[str, str], ...] = (
    ("Ministry Office", "Văn phòng Bộ"),
    (
        "Department of Southeast Asia, South Asia and the South Pacific",
        "Vụ Đông Nam Á - Nam Á - Nam Thái Bình Dương",
    ),
    ("Department of Northeast Asia", "Vụ Đông Bắc Á"),
    ("Department of Europe", "Vụ Châu Âu"),
    ("Department of the Americas", "Vụ Châu Mỹ"),
    ("Department of West Asia and Africa", "Vụ Tây Á - Châu Phi"),
    ("ASEAN Department", "Vụ ASEAN"),
    ("Department of International Organisations", "Vụ Các tổ chức quốc tế"),
    ("Department of Economic Affairs", "Vụ Tổng hợp kinh tế"),
    ("Department of Law and International Treaties", "Vụ Luật pháp và Điều ước quốc tế"),
    ("Consular Department", "Cục Lãnh sự"),
    ("State Protocol Department", "Cục Lễ tân Nhà nước"),
    ("Press and Information Department", "Vụ Thông tin báo chí"),
    ("Department of Foreign Policy", "Vụ Chính sách đối ngoại"),
    ("Department of Personnel and Organisation", "Vụ Tổ chức cán bộ"),
    ("Department of Finance and Administration", "Cục Quản trị tài vụ"),
    ("Ministry Inspectorate", "Thanh tra Bộ"),
    ("Department of Cultural Diplomacy and UNESCO", "Vụ Ngoại giao văn hóa và UNESCO"),
    ("Department of Local External Relations", "Cục Ngoại vụ"),
    ("State Committee for Overseas Vietnamese", "Ủy ban Nhà nước về người Việt Nam ở nước ngoài"),
    ("National Boundary Commission", "Ủy ban Biên giới quốc gia"),
    ("Diplomatic Academy", "Học viện Ngoại giao"),
    ("Service Department for the Diplomatic Corps", "Cục Phục vụ ngoại giao đoàn"),
    ("The World and Vietnam Report", "Báo Thế giới và Việt Nam"),
    ("Office of the Ministry in Ho Chi Minh City", "Sở Ngoại vụ Thành phố Hồ Chí Minh"),
    ("Institute for Foreign Policy and Strategic Studies", "Viện Nghiên cứu chiến lược ngoại giao"),
)
AGENCY_UNITS: tuple[tuple[str, str], ...] = (
    ("Office", "Văn phòng"),
    ("Department of International Cooperation", "Vụ Hợp tác quốc tế"),
    ("Department of Personnel and Organisation", "Vụ Tổ chức cán bộ"),
    ("Department of Planning and Finance", "Vụ Kế hoạch - Tài chính"),
    ("Inspectorate", "Thanh tra"),
    ("Legal Department", "Vụ Pháp chế"),
    ("Department of Science and Technology", "Vụ Khoa học và Công nghệ"),
    ("Information Centre", "Trung tâm Thông tin"),
    ("Training School", "Trường Bồi dưỡng cán bộ"),
    ("Department of Policy", "Vụ Chính sách"),
)
PROVINCE_UNITS: tuple[tuple[str, str], ...] = (
    ("Office", "Văn phòng"),
    ("Consular Division", "Phòng Lãnh sự"),
    ("Overseas Vietnamese Division", "Phòng Người Việt Nam ở nước ngoài"),
    ("Economic Diplomacy Division", "Phòng Ngoại giao kinh tế"),
    ("Protocol Division", "Phòng Lễ tân"),
    ("Border Affairs Division", "Phòng Biên giới"),
    ("Foreign NGO Division", "Phòng Tổ chức phi chính phủ nước ngoài"),
)
LANGUAGES = {"FR": "fr", "CN": "zh", "HK": "zh", "JP": "ja", "RU": "ru", "DE": "de", "KR": "ko", "LA": "lo"}
LANGUAGES |= dict.fromkeys(["ES", "MX", "CU", "AR", "CL", "PE", "PA", "VE"], "es")
LANGUAGES |= dict.fromkeys(["EG", "DZ", "MA", "SA", "AE", "KW", "QA", "IQ"], "ar")


def _today() -> dt.date:
    return timezone.localdate()


@cache
def _json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def slug(value: str) -> str:
    value = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    value = "".join(c for c in value if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def ascii_name(value: str) -> str:
    """Nguyễn Văn An → Nguyen Van An (the spelling of passports and English documents)."""
    value = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in value if not unicodedata.combining(c))


# --- Names ---------------------------------------------------------------------------------


class NameMaker:
    """Vietnamese names from syllables: family name (weighted as in Viet Nam), middle, given.
    Every name has a middle name, and names of real people in the seed data, or of the country's
    leaders, are never produced (`seed_data/names.json`)."""

    def __init__(self, rng: random.Random) -> None:
        data = _json("names.json")
        self.rng = rng
        self.family, self.family_w = zip(*data["family"], strict=True)
        self.middle = {g: tuple(zip(*data[f"middle_{g}"], strict=True)) for g in ("m", "f")}
        self.given = {g: tuple(data[f"given_{g}"]) for g in ("m", "f")}
        self.never = {fold(n) for n in data["never"]} | _seed_people_names()

    def make(self) -> tuple[str, str]:
        """(name, gender)."""
        rng = self.rng
        while True:
            gender = "f" if rng.random() < 0.45 else "m"
            family = rng.choices(self.family, self.family_w)[0]
            middles, weights = self.middle[gender]
            middle = rng.choices(middles, weights)[0]
            given = rng.choice(self.given[gender])
            if rng.random() < 0.2:  # a second middle name: Nguyễn Thị Kim Ngân
                given = f"{rng.choice([m for m in middles if m not in ('Văn', 'Thị')])} {given}"
            name = f"{family} {middle} {given}"
            words = name.split()
            if len(set(words)) == len(words) and fold(name) not in self.never:
                return name, gender


def _seed_people_names() -> set[str]:
    from liaison.directory.reference import SEED_DIR as DIRECTORY_SEED

    path = DIRECTORY_SEED / "people.json"
    if not path.exists():
        return set()
    people = json.loads(path.read_text(encoding="utf-8"))
    return {fold(n["value"]) for p in people for n in p["names"] if n["language"] in ("vi", "en")}


# --- The tree ------------------------------------------------------------------------------


@dataclass
class MissionSpec:
    key: str  # the organisation's external key
    country: str
    en: str
    vi: str
    weight: int
    existing: Organisation | None = None


@dataclass
class Unit:
    key: str
    en: str
    vi: str
    level: str
    parent: str  # a unit's key, or a seed organisation's external key ("seed:…"), or "" (top)
    country: str = field(default_factory=lambda: settings.LIAISON_HOME_COUNTRY)
    mission: str = ""  # the mission's external key (abroad)
    postings: int = 0  # share of the postings abroad it receives (abroad)
    locality: str = ""
    weight: float = 0.0  # share of the members whose branch it is (0: only attached members)
    fixed: int = 0  # members whose branch it is, when fixed (committees)
    children: list[str] = field(default_factory=list)

    @property
    def abroad(self) -> bool:
        return self.country != settings.LIAISON_HOME_COUNTRY


def _mission_specs(count: int) -> list[MissionSpec]:
    """The Directory's representative missions abroad, then generated ones, `count` in all (at
    least every one the Directory has)."""
    home = settings.LIAISON_HOME_COUNTRY
    specs = [
        MissionSpec(
            key=org.external_key or f"pk-{org.pk}",
            country=org.country.code if org.country else "",
            en=org.sort_name,
            vi=org.sort_name,
            weight=2,
            existing=org,
        )
        for org in Organisation.objects.filter(kind=OrganisationKind.MISSION, country__isnull=False)
        .exclude(country__code=home)
        .exclude(external_key__startswith=MISSION_PREFIX)
        .select_related("country")
        .order_by("pk")
    ]
    for item in _json("missions.json")["missions"]:
        if len(specs) >= count:
            break
        if item["kind"] == "embassy":
            country = Country.objects.get(code=item["country"])
            en = f"Embassy of Viet Nam in {item.get('country_en') or country.name_en} (demo)"
            vi = f"Đại sứ quán Việt Nam tại {item['country_vi']} (demo)"
            weight = 3 if len(specs) < 12 else 2
        elif item["kind"] == "consulate":
            en = f"Consulate General of Viet Nam in {item['city_en']} (demo)"
            vi = f"Tổng Lãnh sự quán Việt Nam tại {item['city_vi']} (demo)"
            weight = 1
        else:
            en = f"Permanent Mission of Viet Nam to {item['to_en']} (demo)"
            vi = f"Phái đoàn thường trực Việt Nam tại {item['to_vi']} (demo)"
            weight = 1
        specs.append(MissionSpec(MISSION_PREFIX + item["key"], item["country"], en, vi, weight))
    return specs


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainders)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    shares = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _units_below(
    parent: Unit, count: int, names: Sequence[tuple[str, str]], rng: random.Random, where: tuple[str, str]
) -> list[Unit]:
    """`count` branches and cells below a committee (about one in five a cell of a branch)."""
    cells = count // 5
    branches = count - cells
    out: list[Unit] = []
    for n in range(branches):
        en, vi = names[n % len(names)]
        number = f" No. {n // len(names) + 1}" if n >= len(names) else ""
        out.append(
            Unit(
                key=f"{parent.key}-{n + 1:02d}",
                en=f"Party Branch{number}, {en}, {where[0]} (demo)",
                vi=f"Chi bộ{number.replace('No.', 'số')} {vi}, {where[1]} (demo)",
                level=BranchLevel.BRANCH,
                parent=parent.key,
                locality=parent.locality,
                weight=rng.uniform(0.6, 1.8),
            )
        )
    owners = out[: max(1, branches)]
    for n in range(cells):
        owner = owners[n % len(owners)]
        cell = n // len(owners) + 1
        out.append(
            Unit(
                key=f"{owner.key}-c{cell}",
                en=f"Party Cell {cell}, {owner.en}",
                vi=f"Tổ đảng {cell}, {owner.vi}",
                level=BranchLevel.CELL,
                parent=owner.key,
                locality=parent.locality,
                weight=rng.uniform(0.3, 0.9),
            )
        )
    return out


def plan(branches: int, rng: random.Random) -> tuple[list[MissionSpec], list[Unit]]:
    """The missions and the units (parents before children) of a register of `branches` branches."""
    if branches < 40:
        raise ValueError("The demo register needs at least 40 branches.")
    abroad = max(4, round(branches * ABROAD_SHARE))
    abroad_cells = abroad // 15
    missions = _mission_specs(abroad - 1 - abroad_cells)
    abroad_cells = max(0, abroad - 1 - len(missions))
    units = [
        Unit(
            HOME_KEY,
            "Party Committee of the Foreign Affairs bloc (demo)",
            "Đảng bộ Khối Đối ngoại (demo)",
            BranchLevel.COMMITTEE,
            "seed:party-central-agencies-bloc",
            fixed=rng.randint(3, 6),
        ),
        Unit(
            ABROAD_KEY,
            "Party Committee Abroad (demo)",
            "Đảng bộ Ngoài nước (demo)",
            BranchLevel.COMMITTEE,
            "seed:overseas-party-committee",
            fixed=rng.randint(3, 6),
        ),
    ]
    for spec in missions:
        name_en = spec.en.removesuffix(" (demo)")
        name_vi = spec.vi.removesuffix(" (demo)")
        units.append(
            Unit(
                BRANCH_PREFIX + spec.key.removeprefix(MISSION_PREFIX)
                if spec.existing is None
                else f"{BRANCH_PREFIX}in-{slug(spec.key)}",
                f"Party Branch, {name_en} (demo)",
                f"Chi bộ {name_vi} (demo)",
                BranchLevel.BRANCH,
                ABROAD_KEY,
                country=spec.country,
                mission=spec.key,
                postings=spec.weight,
            )
        )
    mission_units = units[2:]
    for n in range(abroad_cells):
        owner = mission_units[n % min(6, len(mission_units))]
        number = n // min(6, len(mission_units)) + 1
        units.append(
            Unit(
                f"{owner.key}-c{number}",
                f"Party Cell {number}, {owner.en}",
                f"Tổ đảng {number}, {owner.vi}",
                BranchLevel.CELL,
                owner.key,
                country=owner.country,
                mission=owner.mission,
                postings=1,
            )
        )
    home = branches - len(units) + 1  # the home committee is counted already
    agencies = AGENCIES[: min(len(AGENCIES), max(2, home // 15))]
    provinces = [p for p in _json_directory("vn_provinces.json") if not p.get("valid_to")]
    provinces = provinces[: min(len(provinces), max(2, home // 12))]
    rest = home - 1 - len(agencies) - len(provinces)
    for_agencies = round(rest * 0.6)
    per_agency = _split(for_agencies, [a[3] for a in agencies])
    per_province = _split(rest - for_agencies, [1] * len(provinces))
    for (key, en, vi, _weight), count in zip(agencies, per_agency, strict=True):
        committee = Unit(
            f"{BRANCH_PREFIX}{key}",
            f"Party Committee of the {en} (demo)",
            f"Đảng bộ {vi} (demo)",
            BranchLevel.COMMITTEE,
            HOME_KEY,
            fixed=rng.randint(3, 6),
        )
        units.append(committee)
        units.extend(
            _units_below(committee, count, MOFA_UNITS if key == "mofa" else AGENCY_UNITS, rng, (en, vi))
        )
    for province, count in zip(provinces, per_province, strict=True):
        where = (
            f"Department of Foreign Affairs of {province['name_en']}",
            f"Sở Ngoại vụ {province['short_vi']}",
        )
        committee = Unit(
            f"{BRANCH_PREFIX}dofa-{slug(province['short_vi'])}",
            f"Party Committee of the {where[0]} (demo)",
            f"Đảng bộ {where[1]} (demo)",
            BranchLevel.COMMITTEE,
            HOME_KEY,
            locality=province["code"],
            fixed=rng.randint(3, 6),
        )
        units.append(committee)
        units.extend(_units_below(committee, count, PROVINCE_UNITS, rng, where))
    return missions, units


def _json_directory(name: str) -> Any:
    from liaison.directory.reference import SEED_DIR as DIRECTORY_SEED

    return json.loads((DIRECTORY_SEED / name).read_text(encoding="utf-8"))


# --- Organisations and branches (through the services) --------------------------------------


def _organisations(by: Any, missions: list[MissionSpec], units: list[Unit]) -> dict[str, Branch]:
    """Create the missions, organisations and branches that do not exist yet; the branches by key."""
    keys = [m.key for m in missions if m.existing is None] + [u.key for u in units]
    seeds = {u.parent for u in units if u.parent.startswith("seed:")} | {"seed:vn-missions-abroad"}
    orgs = {o.external_key: o for o in Organisation.objects.filter(external_key__in=[*keys, *seeds])} | {
        m.key: m.existing for m in missions if m.existing is not None
    }
    countries = {c.code: c for c in Country.objects.all()}
    localities = {loc.code: loc for loc in Locality.objects.filter(code__in={u.locality for u in units})}
    for spec in missions:
        if spec.key in orgs:
            continue
        orgs[spec.key] = directory.create_organisation(
            by=by,
            data=directory.OrganisationInput(
                pillar="state",
                kind=OrganisationKind.MISSION,
                parent=orgs.get("seed:vn-missions-abroad"),
                country=countries[spec.country],
                classification=Classification.PUBLIC,
                external_key=spec.key,
                notes="Demo: a representative mission generated for the membership demo.",
            ),
            names=[
                directory.NameInput(value=spec.en, language="en"),
                directory.NameInput(value=spec.vi, language="vi"),
            ],
        )
    for unit in units:
        if unit.key in orgs:
            continue
        orgs[unit.key] = directory.create_organisation(
            by=by,
            data=directory.OrganisationInput(
                pillar="party",
                kind=OrganisationKind.PARTY_COMMITTEE
                if unit.level == BranchLevel.COMMITTEE
                else OrganisationKind.PARTY_BRANCH,
                parent=orgs.get(unit.parent),
                country=countries[unit.country],
                locality=localities.get(unit.locality),
                classification=Classification.INTERNAL,
                external_key=unit.key,
                notes="Demo: a party organisation of the synthetic membership register.",
            ),
            names=[
                directory.NameInput(value=unit.vi, language="vi"),
                directory.NameInput(value=unit.en, language="en"),
            ],
        )
    existing = set(Branch.objects.filter(pk__in=[orgs[u.key].pk for u in units]).values_list("pk", flat=True))
    for unit in units:
        org = orgs[unit.key]
        if org.pk in existing:
            continue
        services.create_branch(
            by=by,
            organisation=org,
            data=services.BranchInput(level=unit.level, mission=orgs[unit.mission] if unit.mission else None),
        )
    loaded = {
        b.organisation.external_key: b
        for b in Branch.objects.filter(pk__in=[orgs[u.key].pk for u in units]).select_related(
            "organisation__country", "mission__country"
        )
    }
    return {unit.key: loaded[unit.key] for unit in units}


# --- Members (in bulk) ---------------------------------------------------------------------

REGULAR = "regular"
MOVED = "moved"  # received from another branch in the past
TRANSIT = "transit"  # released by their branch, not received yet
LEFT = "left"
DIED = "died"
SUSPENDED = "suspended"
REINSTATED = "reinstated"
ATTACHED = "attached"  # posted now, attached to the mission's branch
ENDED_ATTACHED = "ended_attached"  # the posting is over, still attached
RELEASED_ABROAD = "released_abroad"  # posted now, temporary transfer not received yet
POSTED_ALONE = "posted_alone"  # posted now, never attached
ENDED_ALONE = "ended_alone"  # posted before, never attached
FORMERLY = "formerly"  # posted before, attached there, back home


@dataclass
class Row:
    """One member being generated, with the story their history tells."""

    member: Member
    home: Branch  # their branch (the sending branch while in transit)
    core: bool
    story: str = REGULAR
    unit: Branch | None = None  # the branch abroad (posted) or the receiving branch (transit)
    overdue: bool = False
    names: list[tuple[str, str]] = field(default_factory=list)


class Writer:
    """Collects the rows of every table, in the order the services would write them."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng, self.today = rng, today
        self.names: list[MemberName] = []
        self.postings: list[tuple[Row, Posting]] = []
        self.transfers: list[Transfer] = []
        self.placements: list[Placement] = []
        self.events: list[MemberEvent] = []
        self.shared: list[tuple[int, int]] = []
        self.letters = 0

    def ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def letter(self, day: dt.date, suffix: str) -> str:
        self.letters += 1
        return f"DEMO {self.letters}-{suffix} ({day.year})"

    def transfer(
        self, row: Row, kind: str, to: Branch, released: dt.date, received: dt.date | None
    ) -> Transfer:
        transfer = Transfer(
            member=row.member,
            kind=kind,
            from_branch=row.home,
            to_branch=to,
            letter_number=self.letter(released, "QĐ/ĐU"),
            letter_date=released - dt.timedelta(days=self.rng.randint(0, 7)),
            released_on=released,
            received_on=received,
            state=TransferState.RECEIVED if received else TransferState.RELEASED,
        )
        self.transfers.append(transfer)
        return transfer

    def place(
        self,
        row: Row,
        kind: str,
        branch: Branch | None,
        start: dt.date,
        end: dt.date | None = None,
        transfer: Transfer | None = None,
    ) -> None:
        self.placements.append(
            Placement(member=row.member, kind=kind, branch=branch, start=start, end=end, transfer=transfer)
        )

    def event(self, row: Row, kind: str, on: dt.date, transfer: Transfer | None = None) -> None:
        self.events.append(MemberEvent(member=row.member, kind=kind, on=on, transfer=transfer))

    def posting(self, row: Row, start: dt.date, end: dt.date | None) -> None:
        assert row.unit is not None and row.unit.mission is not None
        posting = Posting(
            member=row.member,
            mission=row.unit.mission,
            country=row.unit.mission.country,
            start=start,
            end=end,
            letter_number=self.letter(start, "QĐ/BNG"),
        )
        self.postings.append((row, posting))

    def temporary(
        self, row: Row, start: dt.date, *, received: dt.date | None, until: dt.date | None = None
    ) -> None:
        """Released for a temporary attachment (before leaving), received by the branch abroad."""
        assert row.unit is not None
        released = max(row.member.joined_on, start - dt.timedelta(days=self.rng.randint(5, 40)))
        transfer = self.transfer(row, TransferKind.TEMPORARY, row.unit, released, received)
        self.event(row, EventKind.TEMPORARY_RELEASE, released, transfer)
        if received is None:
            self.shared.append((row.member.pk, row.unit.pk))
            return
        self.event(row, EventKind.ATTACHED, received, transfer)
        self.place(row, PlacementKind.TEMPORARY, row.unit, received, until, transfer)
        if until is None:
            self.shared.append((row.member.pk, row.unit.pk))
        else:
            self.event(row, EventKind.DETACHED, until)

    def history(self, row: Row, others: list[Branch], pending_days: int) -> None:
        """The member's placements, events, transfers and postings, by their story."""
        rng, today, m = self.rng, self.today, row.member
        joined = m.joined_on
        self.event(row, EventKind.JOINED, joined)
        story = row.story
        if story == MOVED:
            sender = rng.choice([b for b in others if b.pk != row.home.pk])
            released = joined + dt.timedelta(days=rng.randint(1, max(1, (today - joined).days - 70)))
            received = min(today, released + dt.timedelta(days=rng.randint(3, 60)))
            transfer = Transfer(
                member=m,
                kind=TransferKind.PERMANENT,
                from_branch=sender,
                to_branch=row.home,
                letter_number=self.letter(released, "QĐ/ĐU"),
                letter_date=released - dt.timedelta(days=rng.randint(0, 7)),
                released_on=released,
                received_on=received,
                state=TransferState.RECEIVED,
            )
            self.transfers.append(transfer)
            self.place(row, PlacementKind.REGULAR, sender, joined, released)
            self.place(row, PlacementKind.TRANSIT, None, released, received, transfer)
            self.place(row, PlacementKind.REGULAR, row.home, received, None, transfer)
            self.event(row, EventKind.RELEASED, released, transfer)
            self.event(row, EventKind.RECEIVED, received, transfer)
            return
        if story == TRANSIT:
            assert row.unit is not None
            released = (
                self.ago(pending_days + 5, pending_days + 150)
                if row.overdue
                else self.ago(1, max(1, pending_days - 5))
            )
            transfer = self.transfer(row, TransferKind.PERMANENT, row.unit, released, None)
            self.place(row, PlacementKind.REGULAR, row.home, joined, released)
            self.place(row, PlacementKind.TRANSIT, None, released, None, transfer)
            self.event(row, EventKind.RELEASED, released, transfer)
            self.shared.append((m.pk, row.unit.pk))
            return
        if story in (LEFT, DIED):
            on = joined + dt.timedelta(days=rng.randint(400, (today - joined).days))
            self.place(row, PlacementKind.REGULAR, row.home, joined, on)
            self.event(row, EventKind.LEFT if story == LEFT else EventKind.DIED, on)
            return
        self.place(row, PlacementKind.REGULAR, row.home, joined)
        if story in (SUSPENDED, REINSTATED):
            on = self.ago(120 if story == REINSTATED else 5, 700)
            self.event(row, EventKind.SUSPENDED, on)
            if story == REINSTATED:
                self.event(
                    row, EventKind.REINSTATED, min(today, on + dt.timedelta(days=rng.randint(90, 300)))
                )
        elif story == ATTACHED:
            start = self.ago(30, 1050)
            end = None if rng.random() < 0.15 else start + dt.timedelta(days=1095)
            self.posting(row, start, end)
            self.temporary(row, start, received=min(today, start + dt.timedelta(days=rng.randint(0, 45))))
        elif story == ENDED_ATTACHED:
            start = self.ago(1150, 1400)
            self.posting(row, start, self.ago(10, 150))
            self.temporary(row, start, received=start + dt.timedelta(days=rng.randint(0, 30)))
        elif story == RELEASED_ABROAD:
            if row.overdue:
                released = self.ago(pending_days + 5, pending_days + 120)
            else:
                released = self.ago(1, max(1, pending_days - 5))
            start = min(today, released + dt.timedelta(days=rng.randint(3, 30)))
            self.posting(row, start, start + dt.timedelta(days=1095))
            assert row.unit is not None
            transfer = self.transfer(row, TransferKind.TEMPORARY, row.unit, released, None)
            self.event(row, EventKind.TEMPORARY_RELEASE, released, transfer)
            self.shared.append((m.pk, row.unit.pk))
        elif story == POSTED_ALONE:
            start = self.ago(20, 400)
            self.posting(row, start, None if rng.random() < 0.5 else start + dt.timedelta(days=1095))
        elif story == ENDED_ALONE:
            start = self.ago(800, 1500)
            self.posting(row, start, self.ago(30, 300))
        elif story == FORMERLY:
            earliest = (today - joined).days - 400
            start = self.ago(1500, max(1501, min(earliest, 7000)))
            end = start + dt.timedelta(days=rng.randint(700, 1460))
            received = start + dt.timedelta(days=rng.randint(0, 30))
            self.posting(row, start, end)
            self.temporary(
                row, start, received=received, until=min(today, end + dt.timedelta(days=rng.randint(0, 20)))
            )


def _allocate(units: list[Unit], members: int, undersized: Unit) -> list[int]:
    """How many members each unit keeps: committees a few, the undersized branch two, branches
    and cells by weight (at least six), mission branches none (their members are attached)."""
    counts = [0] * len(units)
    for i, unit in enumerate(units):
        if unit is undersized:
            counts[i] = CORE - 1
        elif unit.fixed:
            counts[i] = unit.fixed
    weighted = [i for i, u in enumerate(units) if u.weight and u is not undersized]
    rest = members - sum(counts) - 6 * len(weighted)
    if rest < 0:
        raise ValueError(f"{members} members are too few for {len(units)} branches.")
    for i, extra in zip(weighted, _split(rest, [units[i].weight for i in weighted]), strict=True):
        counts[i] = 6 + extra
    return counts


def _take(pool: list[Row], count: int, test: Any = None) -> list[Row]:
    """Remove and return up to `count` rows of the pool that pass `test`."""
    taken: list[Row] = []
    kept: list[Row] = []
    for row in pool:
        if len(taken) < count and (test is None or test(row)):
            taken.append(row)
        else:
            kept.append(row)
    pool[:] = kept
    return taken


def _pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A plain PDF, one page per entry, each with its lines of (ASCII) text."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        text = " ".join(
            f"BT /F1 12 Tf 72 {770 - 20 * k} Td ({line}) Tj ET" for k, line in enumerate(lines)
        ).encode("ascii")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _dossiers(rows: list[Row], rng: random.Random, today: dt.date) -> None:
    """A dossier for everyone; about half digitised over the last 24 months (more lately), some
    being digitised; each scanned file a small PDF stored under media/membership/dossiers/demo/."""
    storage = DossierFile._meta.get_field("file").storage
    dossiers: list[Dossier] = []
    files: list[DossierFile] = []
    for row in rows:
        member = row.member
        draw = rng.random()
        dossier = Dossier(member=member)
        dossiers.append(dossier)
        if draw >= DIGITISED_SHARE + IN_PROGRESS_SHARE:
            continue
        digitised = draw < DIGITISED_SHARE
        parts = (1 if rng.random() < 0.75 else 2) if digitised else 1
        for part in range(1, parts + 1):
            pages = rng.randint(2, 9) if digitised else rng.randint(1, 4)
            data = _pdf(
                [
                    [
                        f"Liaison demo - synthetic dossier {member.register_number}",
                        "Generated for the demonstration: not a real person.",
                        f"File {part}, page {page} of {pages}",
                    ]
                    for page in range(1, pages + 1)
                ]
            )
            name = f"{DOSSIER_DIR}/{member.register_number}-{part}.pdf"
            if not storage.exists(name):
                name = storage.save(name, ContentFile(data))
            item = DossierFile(
                dossier=dossier,
                original_name=f"{member.register_number}-{part}.pdf",
                content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                pages=pages,
            )
            item.file.name = name
            files.append(item)
            dossier.page_count += pages
        if digitised:
            # More lately: the density grows towards today.
            back = int(730 * (1 - math.sqrt(rng.random())))
            dossier.status = DossierStatus.DIGITISED
            dossier.digitised_on = min(today, max(member.joined_on, today - dt.timedelta(days=back)))
        else:
            dossier.status = DossierStatus.IN_PROGRESS
    Dossier.objects.bulk_create(dossiers, batch_size=2000)
    DossierFile.objects.bulk_create(files, batch_size=2000)


def _members(
    units: list[Unit], branches: dict[str, Branch], members: int, rng: random.Random, today: dt.date
) -> None:
    pending_days = settings.LIAISON_TRANSFER_PENDING_DAYS
    home_units = [u for u in units if not u.abroad and u.level != BranchLevel.COMMITTEE]
    cells = [u for u in home_units if u.level == BranchLevel.CELL]
    undersized = cells[len(cells) // 2] if cells else home_units[-1]
    counts = _allocate(units, members, undersized)
    names = NameMaker(rng)

    rows: list[Row] = []
    for unit, count in zip(units, counts, strict=True):
        branch = branches[unit.key]
        for n in range(count):
            name, gender = names.make()
            joined = today - dt.timedelta(days=rng.randint(0, 40 * 365))
            age = rng.randint(18, 40)
            member = Member(
                owner_id=branch.pk,
                classification=Classification.RESTRICTED,
                register_number=f"{REGISTER_PREFIX}{len(rows) + 1:06d}",
                gender=gender,
                birth_date=joined - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
                joined_on=joined,
                languages=", ".join(["vi", *(["en"] if rng.random() < 0.5 else [])]),
                is_demo=True,
                name=name,
                sort_name=fold(name)[:300] or name,
                branch=branch,
            )
            rows.append(Row(member=member, home=branch, core=n < CORE, names=[(name, "vi")]))

    # The stories, drawn from the members who are not a branch's core.
    pool = [row for row in rows if not row.core]
    rng.shuffle(pool)
    abroad_units = [branches[u.key] for u in units if u.abroad]
    weights = [u.postings for u in units if u.abroad]
    old = today - dt.timedelta(days=1200)
    posted = max(round(members * POSTED_SHARE), CORE * len(abroad_units) + 10)
    attached = _take(pool, posted, lambda r: r.member.joined_on <= old)
    for i, row in enumerate(attached):
        row.story = ATTACHED
        row.unit = (
            abroad_units[i % len(abroad_units)]
            if i < CORE * len(abroad_units)
            else rng.choices(abroad_units, weights)[0]
        )
    few = max(3, members // 2000)
    missions_only = [b for b in abroad_units if b.level == BranchLevel.BRANCH]
    for story, count in (
        (ENDED_ATTACHED, few),
        (RELEASED_ABROAD, max(4, members // 2500)),
        (POSTED_ALONE, few),
        (ENDED_ALONE, max(2, members // 4000)),
    ):
        for i, row in enumerate(
            _take(pool, count, lambda r: r.member.joined_on <= old - dt.timedelta(days=800))
        ):
            row.story, row.unit = (
                story,
                rng.choice(abroad_units if story == ENDED_ATTACHED else missions_only),
            )
            row.overdue = i % 2 == 0
    formerly = today - dt.timedelta(days=3000)
    for row in _take(pool, round(members * FORMERLY_POSTED_SHARE), lambda r: r.member.joined_on <= formerly):
        row.story, row.unit = FORMERLY, rng.choice(missions_only)
    for story, share, since in (
        (MOVED, MOVED_SHARE, 400),
        (LEFT, LEFT_SHARE, 1500),
        (DIED, DIED_SHARE, 3000),
        (SUSPENDED, SUSPENDED_SHARE, 800),
        (REINSTATED, REINSTATED_SHARE, 800),
    ):
        cutoff = today - dt.timedelta(days=since)
        for row in _take(pool, max(2, round(members * share)), lambda r, c=cutoff: r.member.joined_on <= c):
            row.story = story
    home_branches = [branches[u.key] for u in home_units if u is not undersized]
    settled = today - dt.timedelta(days=400)
    for i, row in enumerate(
        _take(pool, max(6, round(members * 0.004)), lambda r: r.member.joined_on <= settled)
    ):
        row.story, row.overdue = TRANSIT, i % 2 == 0
        row.unit = rng.choice([b for b in home_branches if b.pk != row.home.pk])

    for row in rows:
        m = row.member
        if row.story in (LEFT, DIED, TRANSIT):
            m.branch = None
        if row.story in (ATTACHED, ENDED_ATTACHED):
            m.attached_to = row.unit
        if row.unit is not None and row.story not in (MOVED, TRANSIT):
            spelled = ascii_name(m.name)
            row.names.append((spelled, "en"))
            country = row.unit.organisation.country.code if row.unit.organisation.country else ""
            m.languages = ", ".join(dict.fromkeys(["vi", "en", LANGUAGES.get(country, "en")]))
    Member.objects.bulk_create([row.member for row in rows], batch_size=2000)

    writer = Writer(rng, today)
    for row in rows:
        writer.history(row, home_branches, pending_days)
        writer.names.extend(MemberName(member=row.member, value=v, language=lang) for v, lang in row.names)
    MemberName.objects.bulk_create(writer.names, batch_size=2000)
    Transfer.objects.bulk_create(writer.transfers, batch_size=2000)
    Placement.objects.bulk_create(writer.placements, batch_size=2000)
    MemberEvent.objects.bulk_create(writer.events, batch_size=2000)
    Posting.objects.bulk_create([p for _, p in writer.postings], batch_size=2000)
    latest: dict[int, Member] = {}
    for row, posting in writer.postings:
        row.member.posting = posting
        latest[row.member.pk] = row.member
    Member.objects.bulk_update(list(latest.values()), ["posting"], batch_size=2000)
    through = Member.shared_with.through
    through.objects.bulk_create(
        [through(member_id=member, organisation_id=org) for member, org in dict.fromkeys(writer.shared)],
        batch_size=2000,
    )
    _dossiers(rows, rng, today)
    _secretaries(units, branches, rows, undersized, rng)

    ids = [row.member.pk for row in rows]
    statuses.refresh(ids, cause=StatusCause.EVENT, day=today)
    counters.refresh(b.pk for b in branches.values())
    placements.mark_postings(ids)
    name_index.index_many(
        kind=services.NAME_KIND, entities=[(row.member.pk, [v for v, _ in row.names]) for row in rows]
    )


def _secretaries(
    units: list[Unit], branches: dict[str, Branch], rows: list[Row], undersized: Unit, rng: random.Random
) -> None:
    """Most branches have a secretary (a longest-standing member placed there); a few have none."""
    placed: dict[int, list[Row]] = {}
    for row in rows:
        m = row.member
        if row.core:
            placed.setdefault(row.home.pk, []).append(row)
        if row.story == ATTACHED and m.attached_to_id:
            placed.setdefault(m.attached_to_id, []).append(row)
    home = [u for u in units if not u.abroad and u.level != BranchLevel.COMMITTEE and u is not undersized]
    abroad = [u for u in units if u.abroad]
    without = {u.key for u in rng.sample(home, min(4, len(home)))} | {rng.choice(abroad).key}
    changed = []
    for unit in units:
        branch = branches[unit.key]
        candidates = placed.get(branch.pk, [])
        if unit.key in without or not candidates:
            continue
        branch.secretary = min(candidates, key=lambda r: (r.member.joined_on, r.member.pk)).member
        changed.append(branch)
    Branch.objects.bulk_update(changed, ["secretary"], batch_size=1000)


# --- Loading -------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    """What the demo register holds now."""
    branches = Branch.objects.filter(organisation__external_key__startswith=BRANCH_PREFIX)
    members = Member.objects.filter(is_demo=True)
    day = _today()
    return {
        "branches": branches.count(),
        "abroad": branches.filter(abroad=True).count(),
        "members": members.count(),
        "posted": members.filter(
            Q(posting__start__lte=day) & (Q(posting__end__isnull=True) | Q(posting__end__gte=day))
        ).count(),
        "pending": Transfer.objects.filter(member__is_demo=True, state=TransferState.RELEASED).count(),
        "digitised": Dossier.objects.filter(member__is_demo=True, status=DossierStatus.DIGITISED).count(),
    }


@transaction.atomic
def load_demo_membership(
    *, by: Any, members: int = MEMBERS, branches: int = BRANCHES, today: dt.date | None = None
) -> dict[str, int]:
    """Load the demo register (once: a second call finds it and changes nothing); returns its counts.

    `members` and `branches` size it (tests load a smaller one); `today` anchors its dates.
    """
    from liaison.accounts.demo import add_demo_memberships

    today = today or _today()
    rng = random.Random(RANDOM_SEED)
    with acting_as(by, via="demo"):
        missions, units = plan(branches, rng)
        by_key = _organisations(by, missions, units)
        if not Member.objects.filter(is_demo=True).exists():
            _members(units, by_key, members, rng, today)
    add_demo_memberships()
    return counts()
