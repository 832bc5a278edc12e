"""References to documents: codes, numbered mentions, short mentions linked to their code."""

from liaison.intake.tests.helpers import extract, of


def _refs(text, language=None):
    return [
        (p.surface, p.value["code"], p.value["kind"], p.value["number"])
        for p in of(extract(text, language=language), "document_ref")
    ]


def test_codes_give_their_kind_and_short_mentions_get_the_code():
    text = (
        "تنفيذ الخطة الشاملة للأمانة رقم 01-DA/TW (الخطة 01) "
        "وتوجيه الأمانة رقم 12-CT/TW (التوجيه 12)، والمشروع رقم 1."
    )
    assert _refs(text) == [
        ("01-DA/TW", "01-DA/TW", "project", "01"),
        ("الخطة 01", "01-DA/TW", "project", "01"),
        ("12-CT/TW", "12-CT/TW", "directive", "12"),
        ("التوجيه 12", "12-CT/TW", "directive", "12"),
        ("المشروع رقم 1", "01-DA/TW", "project", "01"),
    ]


def test_a_numbered_mention_without_a_code_keeps_its_kind_and_number():
    assert _refs("بعد تنفيذ القرار رقم 209 الصادر عن المكتب السياسي.") == [
        ("القرار رقم 209", None, "resolution", "209")
    ]


def test_a_short_mention_of_another_kind_is_not_linked():
    assert _refs("وفق التوجيه 12-CT/TW والقرار 12.")[1] == ("القرار 12", None, "resolution", "12")


def test_a_decimal_after_a_document_word_is_not_a_reference():
    assert _refs("وبلغ المشروع 2.5 مليون دولار.") == []


def test_vietnamese_law_codes_and_english_mentions():
    assert _refs("Resolution 15/2008/QH12 and Directive No. 12-CT/TW; Directive 12 again.", "en") == [
        ("15/2008/QH12", "15/2008/QH12", "law", "15"),
        ("12-CT/TW", "12-CT/TW", "directive", "12"),
        ("Directive 12", "12-CT/TW", "directive", "12"),
    ]
