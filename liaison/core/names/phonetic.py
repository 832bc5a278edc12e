"""Script-independent phonetic keys for folded words (see ``rules`` for the alphabet)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from liaison.core.names import rules

_ARABIC_FIRST: Final = 0x0600
_ARABIC_LAST: Final = 0x08FF
_ARABIC_CONSONANT_SYMBOLS: Final = frozenset(
    v for k, v in rules.ARABIC_GRAPHEMES.items() if v and v not in rules.VOWEL_CLASSES
)


def _is_arabic(word: str) -> bool:
    return any(_ARABIC_FIRST <= ord(char) <= _ARABIC_LAST for char in word)


def _scan(word: str, graphemes: dict[str, str]) -> list[str]:
    """Greedy longest-match transcription; unknown characters (digits, other scripts) pass."""
    out: list[str] = []
    i = 0
    length = len(word)
    while i < length:
        for size in (3, 2, 1):
            piece = word[i : i + size]
            if len(piece) == size and piece in graphemes:
                out.append(graphemes[piece])
                i += size
                break
        else:
            out.append(word[i])
            i += 1
    return out


def _latin(word: str) -> list[str]:
    for suffix, replacement in rules.LATIN_SUFFIX_REWRITES:
        if len(word) > len(suffix) and word.endswith(suffix):
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 2 and word[-1] == "h" and word[-2] in "aeiouy":
        word = word[:-1]
    return _scan(word, rules.LATIN_GRAPHEMES)


def _strip_article(word: str) -> str:
    for prefix in rules.ARABIC_ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= rules.ARABIC_ARTICLE_MIN_REST:
            return word[len(prefix) :]
    return word


def _arabic(word: str) -> list[str]:
    word = _strip_article(word)
    out: list[str] = []
    i = 0
    length = len(word)
    graphemes = rules.ARABIC_GRAPHEMES
    while i < length:
        pair = word[i : i + 2]
        if len(pair) == 2 and pair in graphemes:
            out.append(graphemes[pair])
            i += 2
            continue
        char = word[i]
        i += 1
        if char == rules.ARABIC_SILENT_HEH and out and (i == length or out[-1] in _ARABIC_CONSONANT_SYMBOLS):
            continue
        out.append(graphemes.get(char, char))
    return out


@lru_cache(maxsize=65536)
def fine_key(word: str) -> str:
    """Phonetic key of one folded word, keeping vowel classes; repeats collapsed."""
    symbols = _arabic(word) if _is_arabic(word) else _latin(word)
    out: list[str] = []
    for symbol in symbols:
        if symbol and (not out or out[-1] != symbol):
            out.append(symbol)
    return "".join(out)


@lru_cache(maxsize=65536)
def coarse_key(word: str) -> str:
    """Consonant skeleton of one folded word (vowel classes dropped)."""
    return "".join(c for c in fine_key(word) if c not in rules.VOWEL_CLASSES)
