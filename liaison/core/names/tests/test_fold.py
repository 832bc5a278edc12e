"""fold() and detect_script(): the one search normalisation."""

from __future__ import annotations

import unicodedata

import pytest

from liaison.core.names import detect_script, fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bùi Thanh Sơn", "bui thanh son"),
        ("BUI THANH SON", "bui thanh son"),
        ("Đặng Hoàng Giang", "dang hoang giang"),
        ("Nguyễn  Phú\tTrọng", "nguyen phu trong"),
        ("Đình Hoà", "dinh hoa"),  # old-style tone placement
        ("Đình Hòa", "dinh hoa"),
    ],
)
def test_latin_names_lose_case_and_vietnamese_diacritics(text: str, expected: str) -> None:
    # Given a Vietnamese name with tone marks, đ and arbitrary case
    # When it is folded
    # Then only plain lower-case ASCII letters remain
    assert fold(text) == expected


def test_decomposed_and_composed_input_fold_alike() -> None:
    # Given the same name typed in NFC and in NFD
    name = "Trần Lưu Quang"
    # When both are folded
    # Then the results are equal
    assert fold(unicodedata.normalize("NFD", name)) == fold(name) == "tran luu quang"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("لِي هَوَاي تْرُونْغ", "لي هواي ترونغ"),  # harakat, sukun
        ("الخارجيّة", "الخارجيه"),  # shadda, ta marbuta
        ("تـرونـغ", "ترونغ"),  # tatweel
        ("أنه إنه آنه ٱنه انه", "انه انه انه انه انه"),  # alef forms
        ("لى", "لي"),  # alef maqsura
        ("مؤتمر رئيس", "موتمر رييس"),  # hamza on waw and ya
        ("عاماً", "عاما"),  # tanwin
        ("بوی کوانغ", "بوي كوانغ"),  # Persian yeh and keheh
        ("ﻻ", "لا"),  # presentation form
    ],
)
def test_arabic_spelling_variants_fold_to_one_form(text: str, expected: str) -> None:
    # Given Arabic text with diacritics, tatweel or letter-form variants
    # When it is folded
    # Then the variants collapse to one form
    assert fold(text) == expected


def test_arabic_indic_and_persian_digits_become_ascii() -> None:
    # Given digits in Arabic-Indic and Persian forms
    # When folded
    # Then they are ASCII digits
    assert fold("عام ٢٠٢٤ و ۱۲") == "عام 2024 و 12"


def test_punctuation_and_whitespace_collapse_to_single_spaces() -> None:
    # Given names with commas, hyphens, slashes, Arabic comma and zero-width characters
    # When folded
    # Then words are separated by exactly one space, with none at the ends
    assert fold("  Trung, Lê Hoài — (VNA)/VGP ") == "trung le hoai vna vgp"
    assert fold("لي هواي ترونغ، سكرتير") == "لي هواي ترونغ سكرتير"
    assert fold("Bùi\u200bThanh") == "buithanh"


def test_fold_is_idempotent_and_leaves_its_input_alone() -> None:
    # Given a stored name
    stored = "Phan Anh Sơn / فان آنه سون"
    # When it is folded twice
    once = fold(stored)
    # Then folding again changes nothing and the stored text is untouched
    assert fold(once) == once
    assert stored == "Phan Anh Sơn / فان آنه سون"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Bùi Thanh Sơn", "Latn"),
        ("bui thanh son", "Latn"),
        ("بوي ثانه سون", "Arab"),
        ("مجموعة VSIP", "Arab"),
        ("2024 - 12", "Zyyy"),
        ("", "Zyyy"),
        ("胡志明", "Hani"),
        ("ແຂວງສະຫວັນນະເຂດ", "Laoo"),
    ],
)
def test_script_is_detected_from_letters_only(text: str, script: str) -> None:
    # Given a text
    # When its script is detected
    # Then the ISO 15924 code of its letters is returned
    assert detect_script(text) == script
