"""Events: kind, format, dates, place, connected sites, participants; coreference of mentions."""

import datetime as dt

from liaison.intake.tests.helpers import extract, of

CONFERENCE = (
    "في 24 نوفمبر، في هانوي، نظمت إدارة العلاقات الخارجية التابعة للجنة المركزية مؤتمراً لنشر التوجيه.\n"
    "ترأس المؤتمر لي هواي ترونغ، سكرتير اللجنة المركزية للحزب.\n"
    "عُقد المؤتمر بنظام هجين، يجمع بين الحضور الشخصي والمشاركة عبر الإنترنت، في 63 موقعاً في جميع أنحاء البلاد."
)


def test_a_hybrid_conference_with_its_date_place_sites_and_chair():
    (event,) = of(extract(CONFERENCE, date=dt.date(2023, 11, 24)), "event")
    value = event.value
    assert (value["kind"], value["format"], value["start"], value["place"], value["sites"]) == (
        "conference",
        "hybrid",
        "2023-11-24",
        "locality:01",
        63,
    )
    assert value["participants"] == ["le-hoai-trung"]
    assert len(value["mentions"]) == 3  # مؤتمراً, then المؤتمر twice: one event


def test_a_named_conference_and_its_end_date():
    text = (
        "عقدت وزارة الخارجية حفل افتتاح المؤتمر الدبلوماسي الثاني والثلاثين. "
        "سيُعقد المؤتمر بنظام الحضور الشخصي والمؤتمر عبر الإنترنت حتى 23 ديسمبر 2023."
    )
    (event,) = of(extract(text, date=dt.date(2023, 12, 19)), "event")
    assert event.surface == "المؤتمر الدبلوماسي الثاني والثلاثين"
    assert (event.value["format"], event.value["end"]) == ("hybrid", "2023-12-23")


def test_a_party_congress_and_counted_visits_are_not_activities():
    text = "تنفيذ قرار المؤتمر الوطني الثالث عشر للحزب. وقام القادة بـ 45 زيارة إلى الدول المجاورة."
    assert of(extract(text), "event") == []


def test_a_plenary_session_and_a_ceremony_are_separate_events():
    text = (
        "استمرت أعمال المؤتمر الدبلوماسي الثاني والثلاثين بالجلسة العامة حول بناء الحزب. "
        "وفي هذه المناسبة نظمت وزارة الخارجية حفل تكريم للمجموعات."
    )
    kinds = [(p.value["kind"], p.value["session"]) for p in of(extract(text), "event")]
    assert kinds == [("conference", None), ("conference", "plenary"), ("ceremony", None)]


def test_delegations_abroad_are_outgoing_visits():
    (event,) = of(extract("تنظيم وفود ترويجية للاستثمار في الخارج في أوروبا واليابان."), "event")
    assert event.value["kind"] == "outgoing_visit"
