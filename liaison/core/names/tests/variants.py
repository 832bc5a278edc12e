"""Labelled name variants for quality tests and the benchmark.

Real spellings come from the seed articles (/work/shared/corpus/seeds) and DOMAIN.md; the
other variants are realistic ones (no diacritics, upper case, reordered tokens, ج/غ, آنه/آن,
joined/split words, alef/hamza forms, harakat, tatweel, ى/ة, English aliases).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from liaison.core.names import fold, name_keys


@dataclass(frozen=True)
class Entity:
    key: str
    names: tuple[str, ...]  # stored spellings
    queries: tuple[str, ...]  # searched spellings, each with this entity as the unique answer


@dataclass(frozen=True)
class AmbiguousQuery:
    query: str
    expected: frozenset[str]  # every one of these must be returned near the top


def _e(key: str, names: list[str], queries: list[str]) -> Entity:
    return Entity(key=key, names=tuple(names), queries=tuple(queries))


PEOPLE: tuple[Entity, ...] = (
    # --- from the seed articles -----------------------------------------------------------------
    _e(
        "le-hoai-trung",
        ["Lê Hoài Trung", "لي هواي ترونغ"],
        [
            "le hoai trung",
            "LÊ HOÀI TRUNG",
            "لي هواي ترونج",
            "Trung Le Hoai",
            "Trung, Le Hoai",
            "Le Hoai Truong",
            "لِي هَوَاي تْرُونْغ",
            "السيد لي هواي ترونغ",
            "لي هواي تـرونـغ",
        ],
    ),
    _e(
        "nguyen-phu-trong",
        ["Nguyễn Phú Trọng", "نجوين فو ترونج"],
        [
            "nguyen phu trong",
            "نغوين فو ترونغ",
            "Trong Nguyen Phu",
            "NGUYEN PHU TRONG",
            "Nguyen Phu Trongg",
            "Trong, Nguyen Phu",
            "نويين فو ترونغ",
        ],
    ),
    _e(
        "hoang-trung-dung",
        ["Hoàng Trung Dũng", "هوانغ ترونج دونج"],
        ["hoang trung dung", "هوانج ترونغ دونغ", "Dung Hoang Trung"],
    ),
    _e(
        "bui-thanh-son",
        ["Bùi Thanh Sơn", "بوي ثانه سون"],
        [
            "bui thanh son",
            "BUI THANH SON",
            "Son Bui Thanh",
            "بوي ثان سون",
            "بوى ثانة سون",
            "بويثانه سون",
            "Bùi-Thanh-Sơn",
            "Bui Tanh Son",
            "بوی ثانه سون",
            "تانه بوي سون",
        ],
    ),
    _e("nguyen-hong", ["Nguyễn Hồng", "نجوين هونغ"], ["nguyen hong", "نغوين هونج"]),
    _e(
        "ho-chi-minh",
        ["Hồ Chí Minh", "هو تشي مينه"],
        [
            "هوشي منه",
            "ho chi minh",
            "Ho Chi Minh",
            "هو شي منه",
            "هوشي مينه",
            "Hochiminh",
            "Ho Chi-Minh",
            "هو تشي مِنه",
        ],
    ),
    _e("tuan-anh", ["Tuấn Anh", "توان آنه"], ["tuan anh", "توان آن", "توان انه"]),
    _e(
        "truong-thi-mai",
        ["Trương Thị Mai", "ترونغ ثي ماي"],
        ["truong thi mai", "ترونج ثي ماي", "Mai Truong Thi", "ترونغ ثى ماى"],
    ),
    _e("lam-khanh", ["Lâm Khánh", "لام خان"], ["lam khanh", "لام خانه"]),
    _e(
        "tran-luu-quang",
        ["Trần Lưu Quang", "تران لوو كوانغ"],
        [
            "تران لوو كوانج",
            "تران لو كوانج",
            "tran luu quang",
            "Quang Tran Luu",
            "تران لو كوانغ",
            "تران لو کوانغ",
            "Tran Luu-Quang",
        ],
    ),
    _e(
        "nguyen-minh-vu",
        ["Nguyễn Minh Vũ", "نجوين مينه فو"],
        ["nguyen minh vu", "نغوين منه فو", "نجوين مين فو"],
    ),
    _e(
        "phan-anh-son",
        ["Phan Anh Sơn", "فان آنه سون"],
        [
            "فان آن سون",
            "phan anh son",
            "فان انه سون",
            "فان أنه سون",
            "Son Phan Anh",
            "فان إنه سون",
        ],
    ),
    _e(
        "ngo-le-van",
        ["Ngô Lê Văn", "نغو لي فان"],
        ["نجو لي فان", "ngo le van", "NGO LE VAN", "نغو لى فان", "Van Ngo Le"],
    ),
    _e(
        "dinh-hoa",
        ["Đình Hòa", "دينه هوا"],
        ["dinh hoa", "Đình Hoà", "دين هوا", "DINH HOA"],
    ),
    # --- public figures, realistic variants ----------------------------------------------------
    _e("to-lam", ["Tô Lâm", "تو لام"], ["to lam", "TÔ LÂM", "تُو لَام"]),
    _e(
        "pham-minh-chinh",
        ["Phạm Minh Chính", "فام مينه تشينه"],
        ["pham minh chinh", "فام منه شينه", "فام مينه شين", "Chinh Pham Minh"],
    ),
    _e(
        "vo-van-thuong",
        ["Võ Văn Thưởng", "فو فان ثونغ"],
        ["vo van thuong", "فو فان ثونج"],
    ),
    _e(
        "vuong-dinh-hue",
        ["Vương Đình Huệ", "فونغ دينه هوي"],
        ["vuong dinh hue", "فوونغ دينه هوى"],
    ),
    _e(
        "luong-cuong",
        ["Lương Cường", "لونغ كوونغ"],
        ["luong cuong", "لونج كونج", "LUONG CUONG"],
    ),
    _e(
        "nguyen-xuan-phuc",
        ["Nguyễn Xuân Phúc", "نجوين شوان فوك"],
        ["nguyen xuan phuc", "نغوين سوان فوك", "Phuc Nguyen Xuan"],
    ),
    _e(
        "nguyen-thi-kim-ngan",
        ["Nguyễn Thị Kim Ngân", "نجوين ثي كيم نغان"],
        ["nguyen thi kim ngan", "نغوين ثي كيم نجان"],
    ),
    _e(
        "tran-thanh-man",
        ["Trần Thanh Mẫn", "تران ثانه مان"],
        ["tran thanh man", "تران ثان مان"],
    ),
    _e(
        "do-hung-viet",
        ["Đỗ Hùng Việt", "دو هونغ فيت"],
        ["do hung viet", "دو هونج فييت"],
    ),
    _e(
        "le-thi-thu-hang",
        ["Lê Thị Thu Hằng", "لي ثي ثو هانغ"],
        ["le thi thu hang", "لي ثي ثو هانج"],
    ),
    _e(
        "pham-thu-hang",
        ["Phạm Thu Hằng", "فام ثو هانغ"],
        ["pham thu hang", "فام ثو هانج"],
    ),
    _e(
        "dang-hoang-giang",
        ["Đặng Hoàng Giang", "دانغ هوانغ جيانغ"],
        ["dang hoang giang", "دانج هوانج جيانج"],
    ),
    _e(
        "nguyen-phuong-nga",
        ["Nguyễn Phương Nga", "نجوين فونغ نغا"],
        ["nguyen phuong nga", "نغوين فونج نجا"],
    ),
    _e("ha-kim-ngoc", ["Hà Kim Ngọc", "ها كيم نغوك"], ["ha kim ngoc", "ها كيم نجوك"]),
    _e(
        "pham-quang-hieu",
        ["Phạm Quang Hiệu", "فام كوانغ هيو"],
        ["pham quang hieu", "فام كوانج هيو"],
    ),
    _e(
        "le-minh-hung",
        ["Lê Minh Hưng", "لي مينه هونغ"],
        ["le minh hung", "لي منه هونج"],
    ),
    _e(
        "nguyen-hoa-binh",
        ["Nguyễn Hòa Bình", "نجوين هوا بينه"],
        ["nguyen hoa binh", "نغوين هوا بين"],
    ),
    _e(
        "phan-van-giang",
        ["Phan Văn Giang", "فان فان جيانغ"],
        ["phan van giang", "فان فان جيانج"],
    ),
    _e(
        "luong-tam-quang",
        ["Lương Tam Quang", "لونغ تام كوانغ"],
        ["luong tam quang", "لونج تام كوانج"],
    ),
    _e(
        "nguyen-trong-nghia",
        ["Nguyễn Trọng Nghĩa", "نجوين ترونغ نغيا"],
        ["nguyen trong nghia", "نغوين ترونج نجيا"],
    ),
    _e(
        "bui-thi-minh-hoai",
        ["Bùi Thị Minh Hoài", "بوي ثي مينه هواي"],
        ["bui thi minh hoai", "بوي ثي منه هواي"],
    ),
    _e("do-van-chien", ["Đỗ Văn Chiến", "دو فان تشين"], ["do van chien", "دو فان شين"]),
    _e(
        "dinh-tien-dung",
        ["Đinh Tiến Dũng", "دينه تيان دونغ"],
        ["dinh tien dung", "دينه تين دونج"],
    ),
    _e("tran-cam-tu", ["Trần Cẩm Tú", "تران كام تو"], ["tran cam tu", "Tu Tran Cam"]),
    _e(
        "nguyen-thanh-nghi",
        ["Nguyễn Thanh Nghị", "نجوين ثانه نغي"],
        ["nguyen thanh nghi", "نغوين ثان نجي"],
    ),
    _e(
        "nguyen-manh-hung",
        ["Nguyễn Mạnh Hùng", "نجوين مانه هونغ"],
        ["nguyen manh hung", "نغوين مان هونج"],
    ),
    _e("ho-duc-phoc", ["Hồ Đức Phớc", "هو دوك فوك"], ["ho duc phoc", "هو دُوك فُوك"]),
    _e(
        "pham-binh-minh",
        ["Phạm Bình Minh", "فام بينه مينه"],
        ["pham binh minh", "فام بين منه"],
    ),
    _e(
        "nguyen-van-trung",
        ["Nguyễn Văn Trung", "نجوين فان ترونغ"],
        ["nguyen van trung"],
    ),
    _e("nguyen-van-trong", ["Nguyễn Văn Trọng"], ["nguyen van trong"]),
    _e("nguyen-van-truong", ["Nguyễn Văn Trương"], ["nguyen van truong"]),
)

PLACES: tuple[Entity, ...] = (
    _e("ha-noi", ["Hà Nội", "هانوي", "Hanoi"], ["ha noi", "HANOI", "هانوى", "ها نوي"]),
    _e("ha-tinh", ["Hà Tĩnh", "ها تينه"], ["ha tinh", "هاتينه", "Hatinh"]),
    _e(
        "hcm-city",
        ["Thành phố Hồ Chí Minh", "مدينة هو تشي منه", "Ho Chi Minh City"],
        ["thanh pho ho chi minh", "مدينة هوشي منه", "HO CHI MINH CITY"],
    ),
    _e("da-nang", ["Đà Nẵng", "دا نانغ", "Da Nang"], ["danang", "دانانج", "Đà Nẳng"]),
    _e("vientiane", ["Viêng Chăn", "Vientiane", "فيينتيان"], ["vientiane", "فينتيان"]),
    _e(
        "bolikhamxay",
        ["Bolikhamxay", "بوليخامكساي", "Bolikhamsai"],
        ["bolikhamxai", "بوليخامساي"],
    ),
    _e("khammouane", ["Khammouane", "خاموان", "Khăm Muộn"], ["khammuan", "خام موان"]),
    _e("savannakhet", ["Savannakhet", "سافاناكيت"], ["savanakhet", "سافاناخيت"]),
    _e("singapore", ["Singapore", "سنغافورة", "Xin-ga-po"], ["singapour", "سنغافوره"]),
    _e("laos", ["Laos", "Lào", "لاوس"], ["lao", "LAOS"]),
    _e(
        "viet-nam",
        ["Việt Nam", "Vietnam", "فيتنام"],
        ["viet nam", "VIETNAM", "فييتنام", "فيت نام"],
    ),
    _e("bac-thach-ha", ["Bắc Thạch Hà", "باك ثاتش ها"], ["bac thach ha", "باك ثاك ها"]),
)

ORGANISATIONS: tuple[Entity, ...] = (
    _e(
        "mofa",
        ["Bộ Ngoại giao", "Ministry of Foreign Affairs", "وزارة الخارجية", "MOFA"],
        [
            "bo ngoai giao",
            "BỘ NGOẠI GIAO",
            "وزارة خارجية",
            "وزاره الخارجيه",
            "mofa",
            "the Ministry of Foreign Affairs",
            "وزارة الخارجيّة",
        ],
    ),
    _e(
        "cfac",
        [
            "Ban Đối ngoại Trung ương",
            "Central Foreign Affairs Commission",
            "لجنة العلاقات الخارجية المركزية",
            "CFAC",
        ],
        [
            "ban doi ngoai trung uong",
            "لجنة العلاقات الخارجيه المركزيه",
            "central foreign affairs commission",
            "cfac",
        ],
    ),
    _e(
        "coc",
        [
            "Ban Tổ chức Trung ương",
            "Central Organisation Commission",
            "لجنة التنظيم المركزية",
        ],
        [
            "ban to chuc trung uong",
            "Central Organization Commission",
            "لجنه التنظيم المركزيه",
        ],
    ),
    _e(
        "vufo",
        [
            "Liên hiệp các tổ chức hữu nghị Việt Nam",
            "Vietnam Union of Friendship Organizations",
            "اتحاد منظمات الصداقة الفيتنامية",
            "VUFO",
        ],
        [
            "lien hiep cac to chuc huu nghi viet nam",
            "Viet Nam Union of Friendship Organisations",
            "اتحاد منظمات الصداقة الفيتنامي",
            "vufo",
            "إتحاد منظمات الصداقة الفيتنامية",
        ],
    ),
    _e(
        "vna",
        [
            "Thông tấn xã Việt Nam",
            "Vietnam News Agency",
            "وكالة الأنباء الفيتنامية",
            "VNA",
            "TTXVN",
        ],
        [
            "thong tan xa viet nam",
            "Viet Nam News Agency",
            "وكالة الانباء الفيتنامية",
            "vna",
            "ttxvn",
        ],
    ),
    _e(
        "fatherland-front",
        [
            "Mặt trận Tổ quốc Việt Nam",
            "Vietnam Fatherland Front",
            "جبهة الوطن الفيتنامية",
        ],
        [
            "mat tran to quoc viet nam",
            "Viet Nam Fatherland Front",
            "جبهة الوطن الأم الفيتنامية",
        ],
    ),
    _e(
        "politburo",
        ["Bộ Chính trị", "Politburo", "المكتب السياسي"],
        ["bo chinh tri", "POLITBURO", "مكتب سياسي"],
    ),
    _e(
        "secretariat",
        ["Ban Bí thư", "Secretariat", "الأمانة العامة"],
        ["ban bi thu", "الامانه العامه", "SECRETARIAT"],
    ),
    _e(
        "government",
        ["Chính phủ", "Government of Viet Nam", "الحكومة"],
        ["chinh phu", "حكومة", "Viet Nam Government"],
    ),
    _e(
        "national-assembly",
        ["Quốc hội", "National Assembly", "الجمعية الوطنية"],
        ["quoc hoi", "national assembly", "الجمعيه الوطنيه"],
    ),
    _e(
        "vsip",
        ["VSIP", "Vietnam Singapore Industrial Park", "مجموعة VSIP"],
        ["vsip", "Viet Nam - Singapore Industrial Park"],
    ),
    _e(
        "vgp",
        ["VGP", "Vietnam Government Portal", "بوابة الحكومة الفيتنامية"],
        ["vgp", "Viet Nam Government Portal", "بوابة الحكومه الفيتناميه"],
    ),
    _e(
        "central-committee",
        [
            "Ban Chấp hành Trung ương Đảng",
            "Party Central Committee",
            "اللجنة المركزية للحزب",
        ],
        [
            "ban chap hanh trung uong dang",
            "لجنة مركزية للحزب",
            "Central Committee of the Party",
        ],
    ),
    _e(
        "red-cross",
        [
            "Hội Chữ thập đỏ Việt Nam",
            "Vietnam Red Cross Society",
            "جمعية الصليب الأحمر الفيتنامية",
        ],
        [
            "hoi chu thap do viet nam",
            "Viet Nam Red Cross Society",
            "جمعية الصليب الاحمر الفيتنامية",
        ],
    ),
    _e(
        "diplomatic-academy",
        [
            "Học viện Ngoại giao",
            "Diplomatic Academy of Vietnam",
            "الأكاديمية الدبلوماسية الفيتنامية",
        ],
        [
            "hoc vien ngoai giao",
            "Diplomatic Academy of Viet Nam",
            "الاكاديمية الدبلوماسية",
        ],
    ),
    _e(
        "overseas-committee",
        [
            "Ủy ban Nhà nước về người Việt Nam ở nước ngoài",
            "State Committee for Overseas Vietnamese",
            "لجنة الدولة للفيتناميين في الخارج",
        ],
        [
            "uy ban nha nuoc ve nguoi viet nam o nuoc ngoai",
            "State Committee for Overseas Vietnamese Affairs",
            "لجنة الدولة للفيتناميين بالخارج",
        ],
    ),
)

ENTITIES: tuple[Entity, ...] = PEOPLE + PLACES + ORGANISATIONS

# Arabic collapses Trung, Trọng and Trương: all three must come back, never one silently.
AMBIGUOUS: tuple[AmbiguousQuery, ...] = tuple(
    AmbiguousQuery(
        query=q,
        expected=frozenset({"nguyen-van-trung", "nguyen-van-trong", "nguyen-van-truong"}),
    )
    for q in ("نجوين فان ترونغ", "نجوين فان ترونج", "نغوين فان ترونغ")
)

# --- distractor population ----------------------------------------------------------------------

FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lương",
    "Mai",
)
MIDDLE = (
    "Văn",
    "Thị",
    "Đức",
    "Minh",
    "Thanh",
    "Hữu",
    "Quang",
    "Ngọc",
    "Xuân",
    "Hoàng",
    "Anh",
    "Thu",
    "Kim",
    "Công",
    "Bảo",
)
GIVEN = (
    "An",
    "Anh",
    "Bình",
    "Chi",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Ngọc",
    "Phong",
    "Phúc",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Thảo",
    "Thủy",
    "Trang",
    "Tú",
    "Tùng",
    "Tuấn",
    "Việt",
    "Vinh",
    "Yến",
    "Hiền",
    "Đông",
    "Lợi",
    "Nhung",
    "Thành",
    "Hoa",
    "Cường",
    "Giang",
    "Thịnh",
)

_ONSETS = (
    ("ngh", "نغ"),
    ("ng", "نغ"),
    ("nh", "نه"),
    ("ch", "تش"),
    ("tr", "تر"),
    ("th", "ث"),
    ("ph", "ف"),
    ("kh", "خ"),
    ("gi", "ج"),
    ("gh", "غ"),
    ("qu", "كو"),
    ("b", "ب"),
    ("c", "ك"),
    ("k", "ك"),
    ("d", "د"),
    ("g", "غ"),
    ("h", "ه"),
    ("l", "ل"),
    ("m", "م"),
    ("n", "ن"),
    ("r", "ر"),
    ("s", "س"),
    ("t", "ت"),
    ("v", "ف"),
    ("x", "س"),
)
_CODAS = (
    ("ng", "نغ"),
    ("nh", "نه"),
    ("ch", "ك"),
    ("c", "ك"),
    ("n", "ن"),
    ("m", "م"),
    ("p", "ب"),
    ("t", "ت"),
)
_VOWELS = {"a": "ا", "e": "ي", "i": "ي", "y": "ي", "o": "و", "u": "و"}


def transliterate_arabic(name: str) -> str:
    """Naive Vietnamese → Arabic transliteration, as Arabic news sites write names."""
    words = []
    for syllable in fold(name).split():
        out, rest = "", syllable
        for onset, arabic in _ONSETS:
            if rest.startswith(onset):
                out, rest = arabic, rest[len(onset) :]
                break
        coda = ""
        for ending, arabic in _CODAS:
            if rest.endswith(ending):
                coda, rest = arabic, rest[: -len(ending)]
                break
        vowels = "".join(_VOWELS.get(char, "") for char in rest)
        vowels = "".join(c for i, c in enumerate(vowels) if i == 0 or vowels[i - 1] != c)
        if not out and vowels.startswith("ا"):
            vowels = "آ" + vowels[1:]
        words.append(out + vowels + coda)
    return " ".join(words)


def _protected() -> set[str]:
    return {name_keys(n).fine_sorted for e in ENTITIES for n in e.names + e.queries}


def distractor_names(count: int, *, seed: int = 15924) -> Iterator[str]:
    """Vietnamese names sharing family and middle names, none sounding like a labelled one."""
    rng = random.Random(seed)
    protected = _protected()
    seen: set[str] = set()
    produced = 0
    while produced < count:
        parts = [rng.choice(FAMILY), rng.choice(MIDDLE)]
        if rng.random() < 0.3:
            parts.append(rng.choice(MIDDLE))
        parts.append(rng.choice(GIVEN))
        name = " ".join(parts)
        if name in seen or name_keys(name).fine_sorted in protected:
            continue
        if name_keys(transliterate_arabic(name)).fine_sorted in protected:
            continue
        seen.add(name)
        produced += 1
        yield name


def candidate_population(distractors: int = 400) -> list[tuple[str, str]]:
    """(key, stored name) pairs: labelled entities plus distractors in Latin and Arabic."""
    pairs = [(entity.key, name) for entity in ENTITIES for name in entity.names]
    for i, name in enumerate(distractor_names(distractors)):
        pairs.append((f"distractor-{i}", name))
        if i % 2 == 0:
            pairs.append((f"distractor-{i}", transliterate_arabic(name)))
    return pairs
