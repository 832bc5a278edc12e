"""Dates: Arabic month names of both families, inferred years, ranges, English and Vietnamese."""

import datetime as dt

import pytest

from liaison.intake.tests.helpers import extract, of


def _dates(text, **kw):
    return [(p.surface, p.value["value"], p.value["inferred_year"]) for p in of(extract(text, **kw), "date")]


def test_a_day_and_month_takes_the_documents_year_and_says_it_was_inferred():
    found = _dates("في 24 نوفمبر، في هانوي، عقد المؤتمر.", date=dt.date(2023, 11, 25))
    assert found == [("24 نوفمبر", "2023-11-24", True)]


def test_a_month_long_after_the_documents_date_belongs_to_the_year_before():
    found = _dates("في 28 ديسمبر عقد الاجتماع الأخير.", date=dt.date(2024, 1, 5))
    assert found == [("28 ديسمبر", "2023-12-28", True)]


def test_without_a_document_date_the_year_comes_from_a_full_date_in_the_text():
    found = _dates("افتتح المؤتمر في 19 ديسمبر ويستمر حتى 23 ديسمبر 2023.")
    assert found == [("19 ديسمبر", "2023-12-19", True), ("23 ديسمبر 2023", "2023-12-23", False)]


def test_until_is_kept_as_the_dates_relation():
    (proposal,) = of(extract("سيُعقد المؤتمر حتى 23 ديسمبر 2023."), "date")
    assert proposal.value["relation"] == "until"


def test_levantine_and_egyptian_month_names_written_together_are_one_date():
    found = _dates("في صباح يوم 22 ديسمبر/كانون الأول، عقدت الوزارة جلسة.", date=dt.date(2023, 12, 22))
    assert found == [("22 ديسمبر/كانون الأول", "2023-12-22", True)]


@pytest.mark.parametrize(
    ("text", "value"),
    [("في 3 تشرين الثاني 2022 وصل الوفد.", "2022-11-03"), ("في 5 آذار 2021 وقع الطرفان.", "2021-03-05")],
)
def test_levantine_month_names_alone(text, value):
    assert _dates(text)[0][1] == value


def test_arabic_indic_digits_and_year_phrases():
    found = _dates("في عام ٢٠٢٤ وحتى عام 2030، مقارنة بعام 2022.")
    assert [(v, i) for _, v, i in found] == [("2024", False), ("2030", False), ("2022", False)]
    assert found[2][0] == "عام 2022"  # the span leaves the preposition out


def test_a_range_of_days_is_one_period():
    (proposal,) = of(extract("عقد المؤتمر من 19 إلى 23 ديسمبر 2023 في هانوي."), "date")
    assert proposal.value["start"] == "2023-12-19"
    assert proposal.value["end"] == "2023-12-23"
    assert proposal.value["granularity"] == "period"


def test_a_misprinted_year_is_not_guessed():
    assert _dates("المؤتمر الوطني في ديسمبر 20221 أكد بالإجماع.") == []


def test_an_impossible_day_is_not_a_date():
    assert _dates("في 31 فبراير 2023 لا شيء.") == []


def test_english_and_vietnamese_dates():
    assert _dates("The conference opened on 19 December 2023 and on November 24, 2023 it ended.") == [
        ("19 December 2023", "2023-12-19", False),
        ("November 24, 2023", "2023-11-24", False),
    ]
    found = _dates("Ngày 24/11/2023, tại Hà Nội, hội nghị diễn ra; ngày 5 tháng 12 năm 2023 tiếp tục.")
    assert [v for _, v, _ in found] == ["2023-11-24", "2023-12-05"]


def test_spans_index_the_original_text():
    text = "في 24 نوفمبرَ، في هانوي"
    (proposal,) = of(extract(text, date=dt.date(2023, 11, 24)), "date")
    assert text[proposal.start : proposal.end] == proposal.surface == "24 نوفمبرَ"
