"""Normalisation and phonetic rules, kept as data.

The phonetic alphabet is small and ASCII so keys can live in any database column:

- vowel classes: ``a`` (a ă â, Arabic ا), ``i`` (e ê i y, Arabic ي), ``u`` (o ô ơ u ư, Arabic و);
- consonant classes: ``b`` (b p), ``d`` (d đ z), ``f`` (ph v f), ``g`` (g gh j), ``h``,
  ``k`` (c k q), ``l``, ``m``, ``n`` (n nh), ``q`` (ng ngh), ``r``, ``s`` (s x ch sh),
  ``t`` (t th), ``x`` (kh).

A word's *fine key* keeps the vowel classes; its *coarse key* drops them. Arabic
transliterations of Vietnamese often drop or change vowels (منه for Minh) but keep the
consonants, so the coarse key is the one used for retrieval.
"""

from __future__ import annotations

from typing import Final

VOWEL_CLASSES: Final = frozenset("aiu")

# --- fold --------------------------------------------------------------------------------------

# Characters that survive NFD + mark stripping but should still fold (after casefold).
LATIN_FOLD: Final[dict[str, str]] = {
    "đ": "d",
    "ð": "d",
    "ø": "o",
    "ł": "l",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ı": "i",
    "ƒ": "f",
}

ARABIC_FOLD: Final[dict[str, str]] = {
    # alef forms (أ إ آ already lose their hamza/madda as combining marks after NFD)
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",  # alef maqsura
    "ة": "ه",  # ta marbuta
    "ؤ": "و",
    "ئ": "ي",
    "ی": "ي",  # Persian yeh
    "ې": "ي",
    "ک": "ك",  # Persian keheh
    "ھ": "ه",  # heh doachashmee
    "ە": "ه",
    "ـ": "",  # tatweel
    "ء": "",  # lone hamza carries no letter of a transliterated name
}

ARABIC_INDIC_DIGITS: Final = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS: Final = "۰۱۲۳۴۵۶۷۸۹"

# --- phonetic: Latin (applied to folded words) --------------------------------------------------

# Whole-word rewrites applied first: (suffix, replacement). Vietnamese final -ch sounds /k/;
# a final h after a vowel is silent in transliterations (Sarah, ساره).
LATIN_SUFFIX_REWRITES: Final[tuple[tuple[str, str], ...]] = (("ch", "k"),)

# Graphemes, longest first per starting position.
LATIN_GRAPHEMES: Final[dict[str, str]] = {
    "ngh": "q",
    "tch": "s",
    "ng": "q",
    "nh": "n",
    "ch": "s",
    "sh": "s",
    "kh": "x",
    "ph": "f",
    "th": "t",
    "gh": "g",
    "zh": "d",
    "ck": "k",
    "a": "a",
    "e": "i",
    "i": "i",
    "y": "i",
    "o": "u",
    "u": "u",
    "w": "u",
    "b": "b",
    "p": "b",
    "c": "k",
    "k": "k",
    "q": "k",
    "d": "d",
    "z": "d",
    "f": "f",
    "v": "f",
    "g": "g",
    "j": "g",
    "h": "h",
    "l": "l",
    "m": "m",
    "n": "n",
    "r": "r",
    "s": "s",
    "x": "s",
    "t": "t",
}

# --- phonetic: Arabic (applied to folded words) -------------------------------------------------

# Definite article and article-bearing prefixes, stripped when enough of the word is left.
ARABIC_ARTICLE_PREFIXES: Final[tuple[str, ...]] = (
    "وال",
    "بال",
    "فال",
    "كال",
    "ال",
    "لل",
)
ARABIC_ARTICLE_MIN_REST: Final = 3

ARABIC_GRAPHEMES: Final[dict[str, str]] = {
    "تش": "s",  # ch (تشي = Chí)
    "نغ": "q",  # ng (كوانغ)
    "نج": "q",  # ng (كوانج, نجوين)
    "نگ": "q",
    "كه": "x",  # kh written with heh
    "ا": "a",
    "و": "u",
    "ي": "i",
    "ب": "b",
    "پ": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "g",
    "غ": "g",
    "گ": "g",
    "چ": "s",
    "ح": "h",
    "ه": "h",  # see ARABIC_SILENT_HEH: dropped word-finally and after a consonant
    "خ": "x",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ظ": "d",
    "ز": "d",
    "ر": "r",
    "س": "s",
    "ص": "s",
    "ش": "s",
    "ع": "",
    "ف": "f",
    "ڤ": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
}

# Heh written after a consonant (ثانه, آنه, منه) only marks a Vietnamese -nh/-h spelling.
ARABIC_SILENT_HEH: Final = "ه"

# --- word-level noise ---------------------------------------------------------------------------

# Folded tokens ignored by the phonetic keys (never by fold): function words and honorifics.
# Vietnamese surnames such as Lê (le), Lã (la), Tô (to), Ôn (on) must never appear here.
NOISE_TOKENS: Final = frozenset(
    {
        "of",
        "the",
        "and",
        "for",
        "mr",
        "mrs",
        "ms",
        "dr",
        "في",
        "و",
        "على",
        "عن",
        "السيد",
        "السيده",
        "سيد",
        "سيده",
    }
)

# Retrieval keys shorter than this are too coarse (they would retrieve half the directory).
MIN_RETRIEVAL_KEY_LENGTH: Final = 2
