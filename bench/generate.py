"""Generate a national-scale Directory for the benchmark (deterministic, seeded).

Run (see bench/README.md): ``DATABASE_URL=... uv run python bench/generate.py [--scale 1] [--reset]``

At scale 1: 10,000 organisations in trees up to five levels deep (party, state, people's and
foreign pillars), 100,000 people with a Vietnamese name, an ASCII Latin name and an Arabic
transliteration (family names skewed as in Viet Nam: Nguyễn ~38 %), 300,000 positions.

Rows are bulk-inserted, but they carry what the services would have written: ``path``,
``depth``, ``owner`` and ``sort_name`` on organisations (``display_name(names, "en")``),
``sort_name`` on people (``display_name(names, "vi")``), ``script`` on every name
(``detect_script``) and the matcher's NameKey rows (``name_index.index_many``). Audit history is
not generated (the measured pages never read it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

import common

ORG_TOPICS = (
    ("Asia-Pacific Affairs", "Châu Á - Thái Bình Dương", "شؤون آسيا والمحيط الهادئ"),
    ("European Affairs", "Châu Âu", "الشؤون الأوروبية"),
    ("Americas", "Châu Mỹ", "الأمريكتين"),
    ("Middle East and Africa", "Trung Đông - châu Phi", "الشرق الأوسط وأفريقيا"),
    ("Economic Diplomacy", "Ngoại giao kinh tế", "الدبلوماسية الاقتصادية"),
    ("Consular Affairs", "Lãnh sự", "الشؤون القنصلية"),
    ("State Protocol", "Lễ tân Nhà nước", "المراسم الرسمية"),
    ("Press and Information", "Báo chí và Thông tin", "الصحافة والإعلام"),
    ("Cultural Diplomacy", "Ngoại giao văn hóa", "الدبلوماسية الثقافية"),
    ("ASEAN Cooperation", "Hợp tác ASEAN", "التعاون مع آسيان"),
    ("Multilateral Cooperation", "Hợp tác đa phương", "التعاون متعدد الأطراف"),
    ("Law and Treaties", "Luật pháp và Điều ước quốc tế", "القانون والمعاهدات"),
    ("Personnel and Organisation", "Tổ chức cán bộ", "شؤون الموظفين والتنظيم"),
    ("Finance and Planning", "Kế hoạch - Tài chính", "المالية والتخطيط"),
    ("Science and Technology", "Khoa học và Công nghệ", "العلوم والتكنولوجيا"),
    ("Overseas Vietnamese", "Người Việt Nam ở nước ngoài", "الفيتناميون في الخارج"),
    ("Border and Territory", "Biên giới và Lãnh thổ", "الحدود والأراضي"),
    ("International Organisations", "Các tổ chức quốc tế", "المنظمات الدولية"),
    ("Foreign Non-Governmental Organisations", "Tổ chức phi chính phủ nước ngoài", "المنظمات غير الحكومية"),
    ("Research and Strategy", "Nghiên cứu chiến lược", "البحوث والاستراتيجية"),
    ("Inspection", "Thanh tra", "التفتيش"),
    ("Emulation and Commendation", "Thi đua - Khen thưởng", "التكريم والجوائز"),
    ("Propaganda and Training", "Tuyên giáo và Đào tạo", "الدعاية والتدريب"),
    ("Trade Promotion", "Xúc tiến thương mại", "ترويج التجارة"),
    ("Investment", "Đầu tư", "الاستثمار"),
    ("Tourism", "Du lịch", "السياحة"),
    ("Education", "Giáo dục", "التعليم"),
    ("Health Cooperation", "Hợp tác y tế", "التعاون الصحي"),
    ("Defence Cooperation", "Hợp tác quốc phòng", "التعاون الدفاعي"),
    ("Labour and Migration", "Lao động và Di cư", "العمل والهجرة"),
)
UNITS = (
    ("Department", "Vụ", "إدارة"),
    ("Division", "Phòng", "قسم"),
    ("Office", "Văn phòng", "مكتب"),
    ("Institute", "Viện", "معهد"),
    ("Centre", "Trung tâm", "مركز"),
    ("Board", "Ban", "هيئة"),
)
MINISTRIES = (
    ("Ministry of Foreign Affairs", "Bộ Ngoại giao", "وزارة الخارجية"),
    ("Ministry of Public Security", "Bộ Công an", "وزارة الأمن العام"),
    ("Ministry of National Defence", "Bộ Quốc phòng", "وزارة الدفاع الوطني"),
    ("Ministry of Finance", "Bộ Tài chính", "وزارة المالية"),
    ("Ministry of Industry and Trade", "Bộ Công Thương", "وزارة الصناعة والتجارة"),
    ("Ministry of Home Affairs", "Bộ Nội vụ", "وزارة الداخلية"),
    ("Ministry of Justice", "Bộ Tư pháp", "وزارة العدل"),
    ("Ministry of Education and Training", "Bộ Giáo dục và Đào tạo", "وزارة التعليم والتدريب"),
    ("Ministry of Health", "Bộ Y tế", "وزارة الصحة"),
    (
        "Ministry of Culture, Sports and Tourism",
        "Bộ Văn hóa, Thể thao và Du lịch",
        "وزارة الثقافة والرياضة والسياحة",
    ),
    ("Ministry of Science and Technology", "Bộ Khoa học và Công nghệ", "وزارة العلوم والتكنولوجيا"),
    ("Ministry of Agriculture and Environment", "Bộ Nông nghiệp và Môi trường", "وزارة الزراعة والبيئة"),
    ("Ministry of Construction", "Bộ Xây dựng", "وزارة البناء"),
    ("Ministry of Ethnic and Religious Affairs", "Bộ Dân tộc và Tôn giáo", "وزارة الشؤون العرقية والدينية"),
)
PARTY_ROOT = (
    "Central Committee of the Communist Party of Viet Nam",
    "Ban Chấp hành Trung ương Đảng Cộng sản Việt Nam",
    "اللجنة المركزية للحزب الشيوعي الفيتنامي",
)
PARTY_COMMISSIONS = (
    (
        "Central Commission for External Relations",
        "Ban Đối ngoại Trung ương",
        "لجنة العلاقات الخارجية المركزية",
    ),
    ("Central Commission for Organisation", "Ban Tổ chức Trung ương", "لجنة التنظيم المركزية"),
    (
        "Central Commission for Propaganda and Mass Mobilisation",
        "Ban Tuyên giáo và Dân vận Trung ương",
        "لجنة الدعاية والتعبئة المركزية",
    ),
    ("Central Inspection Commission", "Ủy ban Kiểm tra Trung ương", "لجنة التفتيش المركزية"),
    (
        "Central Commission for Policy and Strategy",
        "Ban Chính sách, chiến lược Trung ương",
        "لجنة السياسات والاستراتيجية المركزية",
    ),
)
STATE_ROOTS = (
    ("Government of Viet Nam", "Chính phủ Việt Nam", "حكومة فيتنام", "other"),
    ("National Assembly", "Quốc hội", "الجمعية الوطنية", "other"),
    ("Office of the President", "Văn phòng Chủ tịch nước", "مكتب الرئيس", "other"),
)
PEOPLE_ROOTS = (
    (
        "Viet Nam Union of Friendship Organisations",
        "Liên hiệp các tổ chức hữu nghị Việt Nam",
        "اتحاد منظمات الصداقة الفيتنامية",
    ),
    ("Viet Nam Fatherland Front", "Mặt trận Tổ quốc Việt Nam", "جبهة الوطن الفيتنامية"),
    ("Viet Nam Women's Union", "Hội Liên hiệp Phụ nữ Việt Nam", "الاتحاد النسائي الفيتنامي"),
    (
        "Ho Chi Minh Communist Youth Union",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        "اتحاد الشباب الشيوعي هو تشي منه",
    ),
    (
        "Viet Nam General Confederation of Labour",
        "Tổng Liên đoàn Lao động Việt Nam",
        "الاتحاد العام للعمال الفيتناميين",
    ),
)

# Family names with their approximate share of the population (the rest spread over OTHER_FAMILY).
FAMILY_WEIGHTS = (
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.1),
    ("Phan", 4.5),
    ("Vũ", 2.4),
    ("Võ", 1.5),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Trương", 0.8),
    ("Lương", 0.6),
    ("Mai", 0.5),
    ("Tô", 0.4),
    ("Lâm", 0.5),
    ("Đào", 0.6),
    ("Cao", 0.5),
    ("Hà", 0.5),
    ("Tạ", 0.3),
    ("Chu", 0.3),
    ("Kiều", 0.2),
    ("Vương", 0.3),
    ("Trịnh", 0.5),
    ("Đoàn", 0.5),
    ("Tăng", 0.2),
    ("Lưu", 0.3),
    ("Thái", 0.2),
    ("Quách", 0.2),
    ("Phùng", 0.3),
    ("Tống", 0.2),
    ("Khổng", 0.1),
    ("Lại", 0.2),
    ("Hứa", 0.1),
    ("Mạc", 0.1),
    ("Nông", 0.2),
    ("Triệu", 0.2),
    ("La", 0.1),
)
MALE_MIDDLE = (
    ("Văn", 40),
    ("Đức", 10),
    ("Minh", 10),
    ("Hữu", 8),
    ("Quang", 8),
    ("Thanh", 5),
    ("Xuân", 4),
    ("Công", 4),
    ("Đình", 5),
    ("Trọng", 3),
    ("Thế", 3),
    ("Hoàng", 3),
    ("Anh", 3),
    ("Bảo", 2),
    ("Tuấn", 2),
    ("Mạnh", 2),
    ("Quốc", 4),
    ("Duy", 2),
    ("Tiến", 2),
)
FEMALE_MIDDLE = (
    ("Thị", 60),
    ("Ngọc", 8),
    ("Thu", 6),
    ("Kim", 5),
    ("Thanh", 5),
    ("Minh", 4),
    ("Hồng", 4),
    ("Mai", 3),
    ("Phương", 3),
    ("Bích", 2),
    ("Hải", 2),
    ("Diệu", 2),
    ("Bảo", 2),
    ("Khánh", 2),
)
MALE_GIVEN = (
    "Hùng",
    "Dũng",
    "Nam",
    "Sơn",
    "Tuấn",
    "Minh",
    "Hải",
    "Long",
    "Thắng",
    "Quân",
    "Phong",
    "Hiếu",
    "Việt",
    "Vinh",
    "Tùng",
    "Cường",
    "Thành",
    "Trung",
    "Đông",
    "Lợi",
    "Thịnh",
    "Phúc",
    "Khánh",
    "Bình",
    "An",
    "Hòa",
    "Kiên",
    "Lâm",
    "Toàn",
    "Tâm",
    "Đức",
    "Hưng",
    "Huy",
    "Khoa",
    "Nghĩa",
    "Quang",
    "Tài",
    "Thái",
    "Trí",
    "Vũ",
    "Bảo",
    "Công",
    "Chính",
    "Định",
    "Giang",
    "Hiệp",
    "Kỳ",
    "Luân",
    "Mạnh",
    "Nhân",
    "Phát",
    "Quý",
    "Sang",
    "Thuận",
    "Tiến",
    "Trọng",
    "Tú",
    "Văn",
)
FEMALE_GIVEN = (
    "Lan",
    "Hương",
    "Hà",
    "Mai",
    "Linh",
    "Trang",
    "Thảo",
    "Ngọc",
    "Nga",
    "Hạnh",
    "Yến",
    "Hiền",
    "Nhung",
    "Hoa",
    "Thủy",
    "Phương",
    "Chi",
    "Anh",
    "Vân",
    "Hằng",
    "Loan",
    "Nhi",
    "Oanh",
    "Quyên",
    "Thư",
    "Trâm",
    "Uyên",
    "Vy",
    "Xuân",
    "Diệp",
    "Duyên",
    "Giang",
    "Huyền",
    "Khuê",
    "Ly",
    "My",
    "Ngân",
    "Nguyệt",
    "Phượng",
    "Quỳnh",
    "Tâm",
    "Thanh",
    "Thúy",
    "Tuyết",
    "Vi",
    "Dung",
    "Hồng",
)
FOREIGN_GIVEN = (
    ("Ahmed", "أحمد"),
    ("Mohammed", "محمد"),
    ("Khalid", "خالد"),
    ("Omar", "عمر"),
    ("Youssef", "يوسف"),
    ("Fatima", "فاطمة"),
    ("Layla", "ليلى"),
    ("Hassan", "حسن"),
    ("John", "جون"),
    ("Maria", "ماريا"),
    ("Ivan", "إيفان"),
    ("Anna", "آنا"),
    ("Pierre", "بيير"),
    ("Kenji", "كينجي"),
    ("Min-jun", "مين جون"),
    ("Somsak", "سومساك"),
    ("Wei", "وي"),
    ("Carlos", "كارلوس"),
    ("Sarah", "سارة"),
    ("David", "ديفيد"),
)
FOREIGN_FAMILY = (
    ("Al-Mansouri", "المنصوري"),
    ("Haddad", "حداد"),
    ("Nasser", "ناصر"),
    ("Khalil", "خليل"),
    ("Al-Hashimi", "الهاشمي"),
    ("Smith", "سميث"),
    ("Petrov", "بيتروف"),
    ("Ivanova", "إيفانوفا"),
    ("Dubois", "دوبوا"),
    ("Tanaka", "تاناكا"),
    ("Kim", "كيم"),
    ("Park", "بارك"),
    ("Phommachanh", "فوماتشان"),
    ("Wang", "وانغ"),
    ("Garcia", "غارسيا"),
    ("Müller", "مولر"),
    ("Rossi", "روسي"),
    ("Johnson", "جونسون"),
    ("Chen", "تشين"),
    ("Sato", "ساتو"),
)
TITLES = (
    ("Director", "Vụ trưởng", "مدير"),
    ("Deputy Director", "Phó Vụ trưởng", "نائب المدير"),
    ("Minister", "Bộ trưởng", "وزير"),
    ("Deputy Minister", "Thứ trưởng", "نائب الوزير"),
    ("Ambassador", "Đại sứ", "سفير"),
    ("Consul General", "Tổng Lãnh sự", "قنصل عام"),
    ("Secretary", "Bí thư", "أمين"),
    ("Deputy Secretary", "Phó Bí thư", "نائب الأمين"),
    ("Chairman", "Chủ tịch", "رئيس"),
    ("Vice Chairman", "Phó Chủ tịch", "نائب الرئيس"),
    ("Head of Division", "Trưởng phòng", "رئيس القسم"),
    ("Deputy Head of Division", "Phó Trưởng phòng", "نائب رئيس القسم"),
    ("Counsellor", "Tham tán", "مستشار"),
    ("First Secretary", "Bí thư thứ nhất", "سكرتير أول"),
    ("Expert", "Chuyên viên", "خبير"),
    ("Senior Expert", "Chuyên viên chính", "خبير أول"),
    ("Member", "Ủy viên", "عضو"),
    ("Head of Office", "Chánh Văn phòng", "رئيس المكتب"),
)


def ascii_name(value: str) -> str:
    """Nguyễn Văn Hùng → Nguyen Van Hung (the spelling of passports and English documents)."""
    value = value.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ensure_database(url: str, *, reset: bool) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(parsed.path)
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = f"host={parsed.hostname} port={parsed.port or 5432} user={parsed.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Generator:
    def __init__(self, *, scale: float, seed: int) -> None:
        from liaison.directory.models import Country, Locality

        self.rng = random.Random(seed)
        self.n_orgs = max(60, int(10_000 * scale))
        self.n_people = max(200, int(100_000 * scale))
        self.n_positions = max(600, int(300_000 * scale))
        self.countries = list(Country.objects.order_by("code"))
        self.vn = next(c for c in self.countries if c.code == "VN")
        self.foreign = [c for c in self.countries if c.code != "VN" and c.name_vi and c.name_ar]
        self.provinces = list(Locality.objects.filter(country=self.vn).order_by("code"))
        self.orgs: list[dict] = []  # id, parent, path, depth, pillar, kind, country, locality, names
        self.family = [f for f, _ in FAMILY_WEIGHTS]
        self.family_w = [w for _, w in FAMILY_WEIGHTS]

    # --- organisations ------------------------------------------------------------------------

    def _org(self, parent: dict | None, pillar: str, kind: str, names: tuple[str, str, str], **extra) -> dict:
        oid = len(self.orgs) + 1
        org = {
            "id": oid,
            "parent": parent,
            "path": f"{parent['path'] if parent else '/'}{oid}/",
            "depth": parent["depth"] + 1 if parent else 0,
            "pillar": pillar,
            "kind": kind,
            "country": extra.get("country", self.vn if pillar != "foreign" else None),
            "locality": extra.get("locality"),
            "names": names,
            "root": parent["root"] if parent else oid,
        }
        self.orgs.append(org)
        return org

    def build_organisations(self) -> None:
        rng = self.rng
        # Skeleton: the party, the state, people's organisations, foreign counterparts.
        cc = self._org(None, "party", "central_committee", PARTY_ROOT)
        for names in PARTY_COMMISSIONS:
            self._org(cc, "party", "commission", names)
        government, *_ = (self._org(None, "state", kind, names[:3]) for *names, kind in STATE_ROOTS)
        ministries = [self._org(government, "state", "ministry", names) for names in MINISTRIES]
        mofa = ministries[0]
        vufo, *_ = (self._org(None, "people", "mass_organisation", names) for names in PEOPLE_ROOTS)
        for loc in self.provinces[: max(3, len(self.provinces))]:
            vi, en, ar = loc.name_vi or loc.name_en, loc.name_en, loc.name_ar or loc.name_en
            self._org(
                cc,
                "party",
                "provincial_committee",
                (f"{en} Provincial Party Committee", f"Tỉnh ủy {vi}", f"لجنة الحزب في {ar}"),
                locality=loc,
            )
            self._org(
                government,
                "state",
                "people_committee",
                (f"{en} People's Committee", f"Ủy ban nhân dân {vi}", f"اللجنة الشعبية في {ar}"),
                locality=loc,
            )
        foreign = rng.sample(self.foreign, min(len(self.foreign), max(10, self.n_orgs // 80)))
        for c in foreign:
            self._org(
                mofa,
                "state",
                "mission",
                (
                    f"Embassy of Viet Nam in {c.name_en}",
                    f"Đại sứ quán Việt Nam tại {c.name_vi}",
                    f"سفارة فيتنام في {c.name_ar}",
                ),
                country=c,
            )
            self._org(
                vufo,
                "people",
                "friendship_association",
                (
                    f"Viet Nam - {c.name_en} Friendship Association",
                    f"Hội hữu nghị Việt Nam - {c.name_vi}",
                    f"جمعية الصداقة الفيتنامية {c.name_ar}",
                ),
            )
            self._org(
                None,
                "foreign",
                "foreign_state_body",
                (
                    f"Ministry of Foreign Affairs of {c.name_en}",
                    f"Bộ Ngoại giao {c.name_vi}",
                    f"وزارة خارجية {c.name_ar}",
                ),
                country=c,
            )
        # The rest: units below existing organisations, mostly two to four levels down.
        quota = {"state": 0.42, "party": 0.25, "people": 0.15, "foreign": 0.18}
        by_pillar: dict[str, list[dict]] = {
            p: [o for o in self.orgs if o["depth"] < 4 and o["pillar"] == p] for p in quota
        }
        pillars, weights = list(quota), list(quota.values())
        while len(self.orgs) < self.n_orgs:
            pillar = rng.choices(pillars, weights)[0]
            pool = by_pillar[pillar]
            # Prefer shallow parents so that trees are wide at the top and several levels deep.
            parent = (
                min(rng.choice(pool), rng.choice(pool), key=lambda o: o["depth"])
                if rng.random() < 0.6
                else rng.choice(pool)
            )
            kind = {
                "people_committee": "province_department",
                "provincial_committee": "party_committee",
                "foreign_state_body": "foreign_state_body",
            }.get(parent["kind"], "department")
            unit = UNITS[
                min(parent["depth"], len(UNITS) - 1) if rng.random() < 0.7 else rng.randrange(len(UNITS))
            ]
            topic = rng.choice(ORG_TOPICS)
            if pillar == "foreign":
                c = parent["country"]
                names = (
                    f"{unit[0]} of {topic[0]}, {c.name_en}",
                    f"{unit[1]} {topic[1]}, {c.name_vi}",
                    f"{unit[2]} {topic[2]}، {c.name_ar}",
                )
            elif parent["locality"] is not None:
                loc = parent["locality"]
                names = (
                    f"{unit[0]} of {topic[0]} of {loc.name_en}",
                    f"{unit[1]} {topic[1]} {loc.name_vi}",
                    f"{unit[2]} {topic[2]} {loc.name_ar or loc.name_en}",
                )
            else:
                names = (f"{unit[0]} of {topic[0]}", f"{unit[1]} {topic[1]}", f"{unit[2]} {topic[2]}")
            org = self._org(
                parent, pillar, kind, names, country=parent["country"], locality=parent["locality"]
            )
            if org["depth"] < 4:
                pool.append(org)

    def write_organisations(self) -> dict[str, float]:
        from liaison.core import name_index
        from liaison.core.models import Classification
        from liaison.core.names import detect_script
        from liaison.directory.models import NameKind, Organisation, OrganisationName, display_name

        rng = self.rng
        today = dt.date(2026, 1, 1)
        rows, names = [], []
        for o in self.orgs:
            en, vi, ar = o["names"]
            recs = [
                OrganisationName(
                    organisation_id=o["id"],
                    value=en,
                    language="en",
                    script=detect_script(en),
                    kind=NameKind.OFFICIAL,
                ),
                OrganisationName(
                    organisation_id=o["id"],
                    value=vi,
                    language="vi",
                    script=detect_script(vi),
                    kind=NameKind.OFFICIAL,
                ),
                OrganisationName(
                    organisation_id=o["id"],
                    value=ar,
                    language="ar",
                    script=detect_script(ar),
                    kind=NameKind.TRANSLITERATION if o["pillar"] != "foreign" else NameKind.OFFICIAL,
                ),
            ]
            names.extend(recs)
            o["name_values"] = [en, vi, ar]
            r = rng.random()
            classification = (
                Classification.PUBLIC
                if r < 0.85
                else Classification.INTERNAL
                if r < 0.95
                else Classification.RESTRICTED
            )
            o["classification"] = classification
            valid_to = today - dt.timedelta(days=rng.randrange(30, 6000)) if rng.random() < 0.05 else None
            rows.append(
                Organisation(
                    id=o["id"],
                    parent_id=o["parent"]["id"] if o["parent"] else None,
                    path=o["path"],
                    depth=o["depth"],
                    pillar=o["pillar"],
                    kind=o["kind"],
                    country=o["country"],
                    locality=o["locality"],
                    valid_from=dt.date(1945 + rng.randrange(80), 1 + rng.randrange(12), 1),
                    valid_to=valid_to,
                    email=f"contact{o['id']}@example.vn" if rng.random() < 0.3 else "",
                    classification=classification,
                    owner_id=o["parent"]["id"] if o["parent"] else o["id"],
                    sort_name=display_name(recs, "en")[:300],
                    external_key=f"bench:org:{o['id']}",
                )
            )
        t = time.perf_counter()
        Organisation._base_manager.bulk_create(rows, batch_size=2000)
        OrganisationName._base_manager.bulk_create(names, batch_size=2000)
        through = Organisation.shared_with.through
        shared = []
        tops = [o for o in self.orgs if o["depth"] <= 1]
        for o in self.orgs:
            if o["classification"] == Classification.RESTRICTED:
                for other in rng.sample(tops, rng.randint(1, 2)):
                    if other["id"] != o["id"]:
                        shared.append(through(from_organisation_id=o["id"], to_organisation_id=other["id"]))
        through.objects.bulk_create(shared, batch_size=2000, ignore_conflicts=True)
        rows_s = time.perf_counter() - t
        t = time.perf_counter()
        name_index.index_many(kind="organisation", entities=[(o["id"], o["name_values"]) for o in self.orgs])
        return {"organisation rows": rows_s, "organisation name keys": time.perf_counter() - t}

    # --- people -------------------------------------------------------------------------------

    def vietnamese_name(self) -> tuple[str, str, str, str]:
        rng = self.rng
        female = rng.random() < 0.45
        family = rng.choices(self.family, self.family_w)[0]
        middles = FEMALE_MIDDLE if female else MALE_MIDDLE
        middle = rng.choices([m for m, _ in middles], [w for _, w in middles])[0]
        given_pool = FEMALE_GIVEN if female else MALE_GIVEN
        given = rng.choice(given_pool)
        if rng.random() < 0.25:  # a second middle name: Nguyễn Thị Kim Ngân
            given = f"{rng.choice([m for m, _ in middles if m not in ('Văn', 'Thị')])} {given}"
        if rng.random() < 0.08:  # some have no middle name: Tô Lâm, Lương Cường
            return family, given, f"{family} {given}", "f" if female else "m"
        return family, f"{middle} {given}", f"{family} {middle} {given}", "f" if female else "m"

    def write_people(self) -> dict[str, float]:
        from liaison.core import name_index
        from liaison.core.models import Classification
        from liaison.core.names import detect_script
        from liaison.core.names.tests.variants import transliterate_arabic
        from liaison.directory.models import NameKind, Person, PersonName, Position, display_name

        rng = self.rng
        domestic = [o for o in self.orgs if o["pillar"] != "foreign"]
        foreign_orgs = [o for o in self.orgs if o["pillar"] == "foreign" or o["kind"] == "mission"]
        people, names, entities, self.person_orgs = [], [], [], []
        for pid in range(1, self.n_people + 1):
            if rng.random() < 0.03:  # a few foreign counterparts
                g, g_ar = rng.choice(FOREIGN_GIVEN)
                f, f_ar = rng.choice(FOREIGN_FAMILY)
                latin, arabic = f"{g} {f}", f"{g_ar} {f_ar}"
                nationality = rng.choice(self.foreign)
                values = [
                    ("vi", latin, NameKind.OFFICIAL, f, g),
                    ("en", ascii_name(latin), NameKind.OFFICIAL, f, g),
                    (
                        "ar",
                        arabic,
                        NameKind.OFFICIAL if arabic[0] in "أمخعيفلحن" else NameKind.TRANSLITERATION,
                        "",
                        "",
                    ),
                ]
                owner = rng.choice(foreign_orgs)
                gender = rng.choice("mf")
            else:
                family, given, full, gender = self.vietnamese_name()
                nationality = self.vn
                values = [
                    ("vi", full, NameKind.OFFICIAL, family, given),
                    ("en", ascii_name(full), NameKind.OFFICIAL, ascii_name(family), ascii_name(given)),
                    ("ar", transliterate_arabic(full), NameKind.TRANSLITERATION, "", ""),
                ]
                owner = rng.choice(domestic)
            recs = [
                PersonName(
                    person_id=pid,
                    value=v,
                    language=lang,
                    script=detect_script(v),
                    kind=kind,
                    family=fam,
                    given=giv,
                )
                for lang, v, kind, fam, giv in values
            ]
            names.extend(recs)
            entities.append((pid, [r.value for r in recs]))
            r = rng.random()
            classification = (
                Classification.PUBLIC
                if r < 0.80
                else Classification.INTERNAL
                if r < 0.95
                else Classification.RESTRICTED
            )
            people.append(
                Person(
                    id=pid,
                    owner_id=owner["id"],
                    nationality=nationality,
                    gender=gender,
                    birth_date=dt.date(
                        1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)
                    ),
                    languages=rng.choice(
                        ["vi", "vi, en", "vi, en, fr", "vi, ru", "vi, zh", "vi, ar", "en, ar"]
                    ),
                    classification=classification,
                    sort_name=(display_name(recs, "vi")[:300] or display_name(recs, "en")[:300]),
                    external_key=f"bench:person:{pid}",
                )
            )
            self.person_orgs.append(owner)
        t = time.perf_counter()
        Person._base_manager.bulk_create(people, batch_size=2000)
        PersonName._base_manager.bulk_create(names, batch_size=2000)
        through = Person.shared_with.through
        tops = [o for o in self.orgs if o["depth"] <= 1]
        shared = [
            through(person_id=p.id, organisation_id=rng.choice(tops)["id"])
            for p in people
            if p.classification == Classification.RESTRICTED
        ]
        through.objects.bulk_create(shared, batch_size=2000, ignore_conflicts=True)
        timings = {"people rows": time.perf_counter() - t}

        # Positions: about three per person, most people with one current position.
        t = time.perf_counter()
        positions = []
        per_person = [1] * self.n_people
        for _ in range(self.n_positions - self.n_people):
            per_person[rng.randrange(self.n_people)] += 1
        for pid, count in enumerate(per_person, start=1):
            home = self.person_orgs[pid - 1]
            start = dt.date(1985 + rng.randrange(25), 1 + rng.randrange(12), 1)
            for i in range(count):
                org = home if rng.random() < 0.5 else rng.choice(domestic)
                title = rng.choice(TITLES)
                end = start + dt.timedelta(days=365 * rng.randint(1, 6))
                current = i == count - 1 and rng.random() < 0.85
                positions.append(
                    Position(
                        person_id=pid,
                        organisation_id=org["id"],
                        title_en=title[0],
                        title_vi=title[1],
                        title_ar=title[2],
                        start=start,
                        end=None if current else end,
                    )
                )
                start = end
        Position._base_manager.bulk_create(positions, batch_size=2000)
        timings["position rows"] = time.perf_counter() - t
        t = time.perf_counter()
        name_index.index_many(kind="person", entities=entities)
        timings["person name keys"] = time.perf_counter() - t
        return timings


def reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from liaison.directory.models import Organisation, Person

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Organisation, Person]):
            cursor.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10k organisations, 100k people")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    opts = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL (see bench/README.md).")
    started = time.perf_counter()
    ensure_database(url, reset=opts.reset)
    common.setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from liaison.directory import reference
    from liaison.directory.models import Organisation

    timings: dict[str, float] = {}
    t = time.perf_counter()
    call_command("migrate", "--no-input", verbosity=0)
    reference.load_countries()
    reference.load_vietnam_provinces()
    timings["schema and reference data"] = time.perf_counter() - t
    if Organisation.objects.exists():
        raise SystemExit("The database already holds a directory; pass --reset to regenerate it.")
    gen = Generator(scale=opts.scale, seed=opts.seed)
    t = time.perf_counter()
    gen.build_organisations()
    timings["organisation trees (in memory)"] = time.perf_counter() - t
    with transaction.atomic():
        timings |= gen.write_organisations()
        timings |= gen.write_people()
        reset_sequences()
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum would have done by the time anyone reads a directory this size.
            cursor.execute("VACUUM ANALYZE")
        else:
            # The planner's statistics (the tables were empty when migrations analysed them).
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["vacuum/analyze (PG) or analyze and WAL checkpoint (SQLite)"] = time.perf_counter() - t
    total = time.perf_counter() - started
    from liaison.core.models import NameKey
    from liaison.directory.models import Person, Position

    counts = {
        "organisations": Organisation.objects.count(),
        "people": Person.objects.count(),
        "positions": Position.objects.count(),
        "name keys": NameKey.objects.count(),
        "max depth": max(o["depth"] for o in gen.orgs),
    }
    print(
        f"Generated on {connection.vendor} in {total:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    for k, v in timings.items():
        print(f"  {k}: {v:.1f} s")
    import json

    stamp = common.BENCH_VAR / f"generated-{connection.vendor}-{opts.scale:g}.json"
    stamp.write_text(
        json.dumps({"seconds": total, "counts": counts, "timings": timings, "scale": opts.scale})
    )


if __name__ == "__main__":
    main()
