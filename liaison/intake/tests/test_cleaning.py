"""Cleaning: furniture set apart, captions told from body text, language, bad input."""

import pytest

from liaison.intake.extraction.cleaning import BODY, CAPTION, clean, decode
from liaison.intake.extraction.errors import BinaryDocument, EmptyDocument, UnsupportedLanguage
from liaison.intake.extraction.language import detect_language
from liaison.intake.extraction.normalise import match_text, normalise

ARTICLE = (
    "وزير الخارجية بوي ثانه سون يتحدث في المؤتمر. (الصورة: نجوين هونغ).\n"
    "زالوفيسبوكتويترطباعةنسخ الرابط\n"
    "عقدت وزارة الخارجية المؤتمر الدبلوماسي في هانوي بمشاركة واسعة من المسؤولين والسفراء.\n"
    "[تضمين]https://www.youtube.com/watch?v=abc[/تضمين]\n"
    "دونغ تشين\n"
    "مصدر\n"
    "تعليق (0)"
)


def _kept(text: str) -> str:
    cleaned = clean(text)
    return " ".join(text[s.start : s.end] for s in cleaned.segments)


def test_share_buttons_source_comments_embeds_and_byline_are_furniture():
    cleaned = clean(ARTICLE)
    reasons = {f.reason for f in cleaned.furniture}
    assert {"share buttons", "embedded media or advertisement", "byline", "photo credit"} <= reasons
    kept = _kept(ARTICLE)
    for furniture in ("فيسبوك", "youtube", "دونغ تشين", "تعليق", "نجوين هونغ"):
        assert furniture not in kept
    assert "عقدت وزارة الخارجية" in kept


def test_a_line_with_a_photo_credit_is_a_caption_and_the_rest_is_body():
    cleaned = clean(ARTICLE)
    kinds = {ARTICLE[s.start : s.end].split()[0]: s.kind for s in cleaned.segments}
    assert kinds["وزير"] == CAPTION
    assert kinds["عقدت"] == BODY


def test_a_long_paragraph_ending_in_a_table_pipe_is_body_not_a_caption():
    text = "| " + " ".join(["كلمة"] * 60) + " |\nنص قصير."
    assert clean(text).segments[0].kind == BODY


def test_cleaning_never_changes_the_text():
    assert clean(ARTICLE).text == ARTICLE


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("عقدت وزارة الخارجية مؤتمرا في هانوي حول التعاون الدولي.", "ar"),
        ("The Ministry of Foreign Affairs held a conference in Hanoi on the coordination mechanism.", "en"),
        ("Bộ Ngoại giao tổ chức hội nghị tại Hà Nội về cơ chế phối hợp giữa các cơ quan.", "vi"),
    ],
)
def test_the_three_supported_languages_are_detected(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "Der Außenminister eröffnete gestern die Konferenz der Botschafter mit einer langen Rede.",
        "Министр иностранных дел открыл конференцию послов в Ханое в понедельник.",
        "外交部长在河内主持了大使会议并发表了讲话，会议持续了三天。",
    ],
)
def test_other_languages_are_refused_with_a_clear_message(text):
    with pytest.raises(UnsupportedLanguage, match="not supported"):
        clean(text)


@pytest.mark.parametrize("text", ["", "   \n\t ", "مصدر\nتعليق (0)", "12345 67"])
def test_a_document_without_text_is_empty(text):
    with pytest.raises(EmptyDocument):
        clean(text)


def test_binary_data_is_refused():
    with pytest.raises(BinaryDocument, match="NUL"):
        decode(b"%PDF-1.7\x00\x01\x02\x03binary")
    with pytest.raises(BinaryDocument, match="UTF-8"):
        decode(bytes([0xC3, 0x28, 0xA0, 0xA1]) * 10)
    with pytest.raises(EmptyDocument):
        decode(b"  \n ")


def test_utf8_with_a_bom_and_utf16_are_decoded():
    assert decode("مرحبا".encode("utf-8-sig")) == "مرحبا"
    assert decode("مرحبا".encode("utf-16")) == "مرحبا"


def test_arabic_is_normalised_for_matching_with_a_map_back_to_the_original():
    text = "أَعْلَنَ الرئيسُ إنّ المؤتمرَ الـدولي في مدينةٍ ٢٠٢٤ ى"
    matched = match_text(text)
    assert matched.norm == "اعلن الرييس ان الموتمر الدولي في مدينه 2024 ي"
    start = matched.norm.index("الموتمر")
    s, e = matched.span(start, start + len("الموتمر"))
    assert text[s:e] == "المؤتمرَ"  # the stored spelling, hamza and fatha included
    assert normalise(text[s:e]) == "الموتمر"
    for i, original in enumerate(matched.offsets):
        assert normalise(text[original]) == matched.norm[i]
