"""Finding known phrases (names, titles, trigger words) in a document, token by token.

Phrases are stored in a trie of normalised tokens. The first token of a match may carry Arabic
proclitics (و ف ب ل ك, and ل before the article: للجنة = ل + اللجنة); the span then starts
after them. At each position the longest phrase wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from liaison.intake.extraction.document import Document
from liaison.intake.extraction.normalise import normalise

_TOKEN: Final = re.compile(r"[^\W_]+")
_END: Final = "\x00"
# Between two tokens of one phrase only spaces (and joiners such as "-" or "/") may stand.
_JOIN: Final = re.compile(r"^[ \t\-/'’]*$")


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(normalise(phrase)))


@lru_cache(maxsize=65536)
def proclitic_variants(token: str) -> tuple[tuple[str, int], ...]:
    """The token without Arabic proclitics: (stem, characters stripped), the token itself first."""
    out = [(token, 0)]
    if not token or not ("\u0600" <= token[0] <= "\u06ff"):
        return tuple(out)
    rest, stripped = token, 0
    if rest[0] in "وف" and len(rest) > 3:
        rest, stripped = rest[1:], 1
        out.append((rest, stripped))
    if rest.startswith("لل") and len(rest) > 3:
        # ل + الأمانة is written للأمانة; ل + اللجنة is written للجنة (one lam fewer).
        out.append(("ال" + rest[2:], stripped + 1))
        out.append(("ال" + rest[1:], stripped + 1))
        out.append((rest[1:], stripped + 1))
    elif rest[0] in "بلك" and len(rest) > 3:
        out.append((rest[1:], stripped + 1))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PhraseMatch[T]:
    start: int  # matching-text offsets
    end: int
    first: int  # token indexes, end exclusive
    last: int
    payloads: tuple[T, ...]
    stripped: int


class PhraseIndex[T]:
    """A trie of phrases, each with one or more payloads."""

    def __init__(self, phrases: Iterable[tuple[str, T]] = ()) -> None:
        self._root: dict[str, Any] = {}
        self.size = 0
        for phrase, payload in phrases:
            self.add(phrase, payload)

    def add(self, phrase: str, payload: T) -> None:
        tokens = phrase_tokens(phrase)
        if not tokens:
            return
        node = self._root
        for token in tokens:
            node = node.setdefault(token, {})
        bucket: list[T] = node.setdefault(_END, [])
        if payload not in bucket:
            bucket.append(payload)
            self.size += 1

    def match_at(self, doc: Document, index: int, *, clitics: bool = True) -> PhraseMatch[T] | None:
        """The longest phrase starting at token ``index`` (fewest clitics stripped on ties)."""
        tokens = doc.tokens
        best: PhraseMatch[T] | None = None
        variants = proclitic_variants(tokens[index].text) if clitics else ((tokens[index].text, 0),)
        for stem, stripped in variants:
            node = self._root.get(stem)
            i = index
            while node is not None:
                payloads = node.get(_END)
                if payloads and (best is None or i + 1 > best.last):
                    best = PhraseMatch(
                        start=tokens[index].start + stripped,
                        end=tokens[i].end,
                        first=index,
                        last=i + 1,
                        payloads=tuple(payloads),
                        stripped=stripped,
                    )
                i += 1
                if i >= len(tokens) or not _JOIN.match(doc.gap(tokens[i - 1], tokens[i])):
                    break
                node = node.get(tokens[i].text)
        return best

    def find_all(self, doc: Document, *, clitics: bool = True) -> Iterator[PhraseMatch[T]]:
        """Non-overlapping longest matches, left to right."""
        index = 0
        while index < len(doc.tokens):
            found = self.match_at(doc, index, clitics=clitics)
            if found is None:
                index += 1
                continue
            yield found
            index = found.last
