"""Which language a document is written in: Arabic, English or Vietnamese, else a clear refusal."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.errors import EmptyDocument, UnsupportedLanguage

_WORD: Final = re.compile(r"[^\W\d_]+")
_LETTER: Final = re.compile(r"[^\W\d_]")
_ARABIC: Final = re.compile("[\u0620-\u064a\u0671-\u06d3\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
# Enough text to tell the language; long documents are judged on their beginning.
SAMPLE: Final = 20000


def _script(char: str) -> str:
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "Arabic"
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0].title() if name else "Unknown"


def detect_language(text: str) -> str:
    """ "ar", "en" or "vi"; raises UnsupportedLanguage (or EmptyDocument when there are no letters)."""
    rules = load("languages")
    text = text[:SAMPLE]
    letter_count = len(_LETTER.findall(text))
    if not letter_count:
        raise EmptyDocument()
    if len(_ARABIC.findall(text)) / letter_count >= rules["arabic_share"]:
        return "ar"
    letters = _LETTER.findall(text)
    scripts = Counter(_script(c) for c in letters)
    script, _ = scripts.most_common(1)[0]
    if script != "Latin":
        raise UnsupportedLanguage(f"most of its letters are {script}")
    vietnamese_letters = set(rules["vietnamese_letters"])
    latin = [c for c in letters if _script(c) == "Latin"]
    words = [w.lower() for w in _WORD.findall(text)]
    shares = {
        language: sum(1 for w in words if w in set(function_words)) / max(1, len(words))
        for language, function_words in rules["function_words"].items()
    }
    viet_share = sum(1 for c in latin if c in vietnamese_letters) / max(1, len(latin))
    if viet_share >= rules["vietnamese_letter_share"] or shares["vi"] > shares["en"]:
        return "vi"
    if shares["en"] >= rules["min_function_word_share"] or len(letters) < rules["min_letters"]:
        return "en"
    raise UnsupportedLanguage("Latin-script text that is neither English nor Vietnamese")
