"""People: titles before and after names, spelling variants, same spelling told apart, new people."""

import datetime as dt

from liaison.intake.extraction import default_pipeline
from liaison.intake.extraction.resolve_memory import MemoryResolver
from liaison.intake.extraction.resolver import PERSON, Entry, Position
from liaison.intake.tests.helpers import extract, of


def _people(text, **kw):
    return [
        (p.surface, p.value["entry"], sorted((t["role"], t["organisation"]) for t in p.value["titles"]))
        for p in of(extract(text, **kw), "person")
    ]


def test_a_title_before_the_name_gives_the_person_and_the_titles_organisation():
    assert _people("وزير الخارجية بوي ثانه سون يتحدث في المؤتمر.") == [
        ("بوي ثانه سون", "bui-thanh-son", [("minister", "mofa")])
    ]


def test_titles_after_the_name_joined_by_and_are_all_attached():
    text = (
        "ترأس المؤتمر لي هواي ترونغ، سكرتير اللجنة المركزية للحزب ورئيس قسم الشؤون الخارجية باللجنة المركزية."
    )
    assert _people(text) == [("لي هواي ترونغ", "le-hoai-trung", [("head", "cerc"), ("secretary", "cpv-cc")])]


def test_a_chain_of_titles_separated_by_commas_before_the_name():
    text = (
        "عضو المكتب السياسي، العضو الدائم في الأمانة العامة، رئيسة لجنة التنظيم المركزية، "
        "ترونغ ثي ماي، تلقي كلمة."
    )
    ((_, entry, titles),) = _people(text)
    assert entry == "truong-thi-mai"
    assert titles == [("head", "coc"), ("member", "cpv-politburo"), ("standing_member", "cpv-secretariat")]


def test_the_same_person_spelled_two_ways_in_one_article_is_one_entry():
    text = "وحضر نائب رئيس الوزراء تران لوو كوانج الجلسة. وقال نائب رئيس الوزراء تران لوو كوانغ إن العمل مهم."
    assert {entry for _, entry, _ in _people(text)} == {"tran-luu-quang"}


def test_a_spelling_the_directory_has_not_seen_is_resolved_by_the_matcher():
    # "فان انه سون" (no madda, as many sites write it) is in no seed name.
    assert _people("واتفق رئيس اتحاد منظمات الصداقة الفيتنامية فان انه سون مع الاقتراح.") == [
        ("فان انه سون", "phan-anh-son", [("head", "vufo")])
    ]


def test_the_same_spelling_for_two_people_is_told_apart_by_title_and_gender():
    # Two Directory people written "ترونغ ماي" in Arabic: a man who heads VUFO, a woman in the Politburo.
    man = Entry(
        PERSON,
        "trung-mai",
        1,
        "Trung Mai",
        gender="m",
        positions=(Position("President of VUFO", "", "vufo"),),
    )
    woman = Entry(
        PERSON,
        "truong-mai",
        2,
        "Truong Mai",
        gender="f",
        positions=(Position("Member of the Politburo", "", "cpv-politburo"),),
    )
    seed = MemoryResolver.from_seed_data()
    entries = [(man, ["ترونغ ماي", "Trung Mai"]), (woman, ["ترونغ ماي", "Truong Mai"])]
    orgs = [(entry, [name]) for name, entry in seed.names("organisation")]
    resolver = MemoryResolver([*entries, *orgs])
    pipeline = default_pipeline(resolver)

    def who(text):
        return [p.value["entry"] for p in pipeline.run(text).proposals if p.type == "person"]

    assert who("قال رئيس اتحاد منظمات الصداقة الفيتنامية ترونغ ماي إن التعاون مستمر.") == ["trung-mai"]
    assert who("قالت عضوة المكتب السياسي ترونغ ماي إن التعاون مستمر.") == ["truong-mai"]


def test_an_unknown_vietnamese_name_after_a_title_is_proposed_as_new():
    ((surface, entry, titles),) = _people("وقال نائب وزير الخارجية نجوين فان هونغ إن الوفد وصل.")
    assert (surface, entry, titles) == ("نجوين فان هونغ", None, [("deputy_minister", "mofa")])


def test_a_title_followed_by_a_common_word_is_not_a_person():
    assert _people("واقترح الأمين العام أيضًا تلخيص الدروس المستفادة.") == []


def test_photo_credits_are_not_people():
    assert (
        _people("وزير الخارجية بوي ثانه سون يتحدث في المؤتمر. (الصورة: نجوين هونغ).")[0][1] == "bui-thanh-son"
    )
    assert len(_people("وزير الخارجية بوي ثانه سون يتحدث. (الصورة: نجوين هونغ).")) == 1


def test_an_epithet_and_a_joined_spelling_are_the_same_person():
    text = "وفكر هوشي منه كما نصح العم هو والرئيس هو تشي مينه."
    assert [e for _, e, _ in _people(text)] == ["ho-chi-minh"] * 3


def test_english_titles_and_names():
    people = _people(
        "Deputy Prime Minister Tran Luu Quang met Foreign Minister Bui Thanh Son in Hanoi.",
        date=dt.date(2023, 12, 22),
    )
    assert people == [
        ("Tran Luu Quang", "tran-luu-quang", [("deputy_prime_minister", None)]),
        ("Bui Thanh Son", "bui-thanh-son", [("minister", "mofa")]),
    ]


def test_vietnamese_titles_and_names():
    people = _people("Phó Thủ tướng Trần Lưu Quang dự phiên họp; Thứ trưởng Ngô Lê Văn phát biểu.")
    assert [(s, e) for s, e, _ in people] == [
        ("Trần Lưu Quang", "tran-luu-quang"),
        ("Ngô Lê Văn", "ngo-le-van"),
    ]
