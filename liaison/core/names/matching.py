"""Name keys, pairwise similarity and ranking across scripts and spellings."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, NamedTuple

from rapidfuzz.distance import Indel

from liaison.core.names import rules
from liaison.core.names.normalise import Script, char_script, fold
from liaison.core.names.phonetic import coarse_key, fine_key

DEFAULT_THRESHOLD: Final = 0.72
# Phonetic equality is strong evidence but below an exact folded match, so that in one script
# "Trung" still ranks the spelling "Trung" above "Trọng" (both are returned).
PHONETIC_WEIGHT: Final = 0.97
FINE_WEIGHT: Final = 0.75
# One name's tokens all found in the other's ("Sơn" in "Bùi Thanh Sơn"): a partial match,
# scored between PARTIAL_BASE and PARTIAL_BASE + PARTIAL_SPAN by the share of tokens covered.
PARTIAL_BASE: Final = 0.72
PARTIAL_SPAN: Final = 0.16
# In one script, the closer spelling breaks ties between phonetically equal names.
SAME_SCRIPT_BONUS: Final = 0.02
MAX_INEXACT: Final = 0.99


@dataclass(frozen=True, slots=True)
class NameKeys:
    """Precomputed keys of one name string.

    ``tokens`` holds one coarse phonetic key (consonant classes) per word, ``fine`` the same
    words with vowel classes kept, ``skeleton`` the coarse keys joined without spaces. The other
    fields are precomputed forms used by :func:`similarity`.
    """

    folded: str
    tokens: tuple[str, ...]
    skeleton: str
    fine: tuple[str, ...]
    script: Script
    folded_sorted: str
    fine_joined: str
    fine_sorted: str
    coarse_sorted: str
    fine_set: frozenset[str]


@dataclass(frozen=True, slots=True)
class Match[K: Hashable]:
    key: K
    value: str
    score: float


class _Word(NamedTuple):
    """One folded word and what `name_keys` needs of it (cached per word)."""

    folded: str
    noise: bool
    fine: str
    token: str  # the coarse key, or the fine key when the coarse one is empty
    scripts: tuple[tuple[Script, int], ...]  # letters per script, in order of first appearance


@lru_cache(maxsize=65536)
def _folded_word(word: str) -> _Word:
    fine = fine_key(word)
    if word.isascii():
        letters = sum(1 for c in word if c.isalpha())
        scripts: tuple[tuple[Script, int], ...] = (("Latn", letters),) if letters else ()
    else:
        counts: dict[Script, int] = {}
        for char in word:
            if char.isalpha():
                script = char_script(char)
                counts[script] = counts.get(script, 0) + 1
        scripts = tuple(counts.items())
    return _Word(word, word in rules.NOISE_TOKENS, fine, coarse_key(word) or fine, scripts)


@lru_cache(maxsize=65536)
def _raw_word(word: str) -> tuple[_Word, ...]:
    """The folded words of one whitespace-free piece of a name.

    Folding works word by word: ``fold(a + " " + b)`` is ``fold(a)`` and ``fold(b)`` joined by a
    space (whitespace is a separator, and no normalisation step joins or reorders characters
    across it), so a name's keys are assembled from cached words instead of folding it whole.
    """
    return tuple(_folded_word(w) for w in fold(word).split())


def _script_of(words: list[_Word]) -> Script:
    """`detect_script` of the words joined, from their cached letter counts."""
    found: Script | None = None
    for word in words:
        scripts = word.scripts
        if not scripts:
            continue
        if len(scripts) == 1 and (found is None or scripts[0][0] == found):
            found = scripts[0][0]  # most names: every word in one script
            continue
        counts: dict[Script, int] = {}
        for each in words:
            for script, n in each.scripts:
                counts[script] = counts.get(script, 0) + n
        return max(counts, key=counts.__getitem__)
    return found or "Zyyy"


@lru_cache(maxsize=16384)
def name_keys(value: str) -> NameKeys:
    """Compute the keys of ``value`` (pure; cached because names recur across searches)."""
    words: list[_Word] = []
    for raw in value.split():
        words += _raw_word(raw)
    kept = [w for w in words if not w.noise] or words
    fine = tuple([w.fine for w in kept if w.fine])
    tokens = tuple([w.token for w in kept if w.fine])
    folded_words = [w.folded for w in words]
    return NameKeys(
        folded=" ".join(folded_words),
        tokens=tokens,
        skeleton="".join(tokens),
        fine=fine,
        script=_script_of(words),
        folded_sorted=" ".join(sorted(folded_words)),
        fine_joined="".join(fine),
        fine_sorted=" ".join(sorted(fine)),
        coarse_sorted="".join(sorted(tokens)),
        fine_set=frozenset(fine),
    )


def _token_retrieval_key(token: str, fine: str) -> str | None:
    if len(token) >= rules.MIN_RETRIEVAL_KEY_LENGTH:
        return token
    if len(fine) >= rules.MIN_RETRIEVAL_KEY_LENGTH:
        return fine
    return None


def retrieval_keys(keys: NameKeys) -> tuple[str, ...]:
    """Keys to index a stored name under, and to look a query up with.

    Each word's coarse key (or its fine key when the coarse one is shorter than
    ``MIN_RETRIEVAL_KEY_LENGTH``), each pair of adjacent words joined (so "هوشي" meets
    "Hồ Chí"), the whole skeleton, and the skeleton of the words in sorted order (so a
    reordered name still shares a selective key). Keys shorter than the minimum are left out.
    """
    found: dict[str, None] = {}
    for token, fine in zip(keys.tokens, keys.fine, strict=True):
        key = _token_retrieval_key(token, fine)
        if key is not None:
            found[key] = None
    for left, right in zip(keys.tokens, keys.tokens[1:], strict=False):
        pair = left + right
        if len(pair) >= rules.MIN_RETRIEVAL_KEY_LENGTH:
            found[pair] = None
    for whole in (keys.skeleton, keys.coarse_sorted):
        if len(whole) >= rules.MIN_RETRIEVAL_KEY_LENGTH:
            found[whole] = None
    return tuple(found)


def token_keys_for_query(query: str) -> tuple[str, ...]:
    """Retrieval keys of a query string; the same construction as for stored names."""
    return retrieval_keys(name_keys(query))


_ratio: Final = Indel.normalized_similarity


def _partial(query: NameKeys, candidate: NameKeys) -> float:
    small, large = query.fine_set, candidate.fine_set
    if len(small) > len(large):
        small, large = large, small
    if not small or len(small) == len(large) or not small <= large:
        return 0.0
    return PARTIAL_BASE + PARTIAL_SPAN * len(small) / len(large)


def _best_ratio(a: str, b: str, a_other: str, b_other: str) -> float:
    """The better similarity of (a, b) and (a_other, b_other); the second pair is compared only
    when it differs from the first (single-word names have equal sorted and unsorted forms)."""
    found = _ratio(a, b)
    if a_other != a or b_other != b:
        other = _ratio(a_other, b_other)
        if other > found:
            return other
    return found


def similarity(query: NameKeys, candidate: NameKeys) -> float:
    """Score in [0, 1]: 1.0 for equal folded strings, high for phonetic equality across scripts.

    Order-insensitive on tokens (sorted forms), tolerant of joined/split tokens (forms without
    spaces) and of vowels dropped by Arabic spellings (coarse skeletons).
    """
    if query.folded == candidate.folded:
        return 1.0 if query.folded else 0.0
    if not query.fine or not candidate.fine:
        return 0.0
    text = 0.0
    if query.script == candidate.script:
        text = _best_ratio(query.folded, candidate.folded, query.folded_sorted, candidate.folded_sorted)
    fine = _best_ratio(query.fine_joined, candidate.fine_joined, query.fine_sorted, candidate.fine_sorted)
    if query.skeleton == candidate.skeleton or query.coarse_sorted == candidate.coarse_sorted:
        coarse = 1.0
    else:
        coarse = _best_ratio(query.skeleton, candidate.skeleton, query.coarse_sorted, candidate.coarse_sorted)
    phonetic = PHONETIC_WEIGHT * (FINE_WEIGHT * fine + (1.0 - FINE_WEIGHT) * coarse)
    phonetic += SAME_SCRIPT_BONUS * text
    return round(min(MAX_INEXACT, max(text, phonetic, _partial(query, candidate))), 6)


def rank[K: Hashable](
    query: str,
    candidates: Iterable[tuple[K, str]],
    *,
    limit: int = 20,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match[K]]:
    """Rank ``(key, name)`` candidates against ``query``, best name per key.

    Sorted by score descending, then by name. Candidates scoring below ``threshold`` are
    dropped. The list is cut after ``limit`` entries, except that every candidate tied with
    the last kept score is kept too: equally likely people are never silently dropped.
    """
    query_keys = name_keys(query)
    best: dict[K, tuple[float, str]] = {}
    scores: dict[str, float] = {}  # a name shared by several keys is scored once
    for key, value in candidates:
        score = scores.get(value)
        if score is None:
            score = scores[value] = similarity(query_keys, name_keys(value))
        if score < threshold:
            continue
        current = best.get(key)
        if current is None or score > current[0] or (score == current[0] and value < current[1]):
            best[key] = (score, value)
    ordered = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1]))
    if len(ordered) > limit > 0:
        last_score = ordered[limit - 1][1][0]
        cut = limit
        while cut < len(ordered) and ordered[cut][1][0] == last_score:
            cut += 1
        ordered = ordered[:cut]
    elif limit <= 0:
        ordered = []
    return [Match(key=key, value=value, score=score) for key, (score, value) in ordered]
