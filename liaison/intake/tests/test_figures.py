"""Figures: counts, approximations, money, percentages, number words and the Arabic dual."""

from liaison.intake.tests.helpers import extract, of


def _figures(text, language=None):
    return [
        (p.value["number"], p.value["unit"], p.value["approximate"])
        for p in of(extract(text, language=language), "figure")
    ]


def test_a_count_with_its_counted_noun():
    assert _figures("قام القادة بـ 45 زيارة إلى الدول المجاورة.") == [(45, "visit", False)]


def test_an_approximation_and_its_qualifier():
    (proposal,) = of(extract("واستقبلوا ما يقرب من 50 وفداً من قادة الدول."), "figure")
    assert proposal.value == {
        "number": 50,
        "unit": "delegation",
        "kind": "count",
        "approximate": True,
        "qualifier": "about",
    }
    assert proposal.surface == "ما يقرب من 50 وفداً"


def test_money_with_scale_words_and_what_it_measures():
    text = "برأس مال استثماري إجمالي قدره 69.7 مليون دولار أمريكي، والصادرات 2.4 مليار دولار."
    proposals = of(extract(text), "figure")
    assert [(p.value["number"], p.value["unit"], p.value["measure"]) for p in proposals] == [
        (69700000, "USD", "capital"),
        (2400000000, "USD", "exports"),
    ]


def test_percentages_and_more_than():
    assert _figures("متجاوزًا الخطة بنسبة 20%، وأكثر من 11000 عضو في الحزب.") == [
        (20, "%", False),
        (11000, "member", True),
    ]


def test_number_words_and_the_indefinite_dual_count_but_the_definite_dual_does_not():
    text = "أشارت إلى خمس نتائج بارزة، وتمت الموافقة على مشروعين جديدين، وناقش الجانبين مستقبل التعاون."
    assert _figures(text) == [(5, "result", False), (2, "project", False)]


def test_years_dates_and_document_numbers_are_not_figures():
    text = "في عام 2023 صدر القرار رقم 209 بتاريخ 26 نوفمبر 2019 والتوجيه 12-CT/TW."
    assert _figures(text) == []


def test_a_number_without_a_known_unit_is_not_proposed():
    assert _figures("حصل على المركز 7 بين المتسابقين.") == []


def test_english_and_vietnamese_figures():
    assert _figures("Exports reached USD 2.4 billion, up 33%, with nearly 50 delegations.", "en") == [
        (2400000000, "USD", False),
        (33, "%", False),
        (50, "delegation", True),
    ]
    assert _figures("Xuất khẩu đạt 69,7 triệu USD; hơn 11.000 đảng viên.", "vi") == [
        (69700000, "USD", False),
        (11000, "member", True),
    ]
