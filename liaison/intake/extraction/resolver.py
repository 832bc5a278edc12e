"""The Directory as extraction sees it: a ``Resolver`` finds people, organisations and places.

Two implementations: ``resolve_memory.MemoryResolver`` (the seed data, offline, for evaluation
and tests) and ``resolve_db.DirectoryResolver`` (the database, through the shared name index).
Keys are stable across both: a person's or organisation's external key without its "seed:"
prefix (or "person:<id>"), "country:<ISO code>" and "locality:<code>" for places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

PERSON = "person"
ORGANISATION = "organisation"
PLACE = "place"


@dataclass(frozen=True, slots=True)
class Position:
    """A title a person holds: its English wording (and Arabic, when known) and organisation key."""

    title_en: str
    title_ar: str = ""
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A Directory entry: what a proposal resolves to."""

    kind: str
    key: str
    id: int | str
    name: str
    gender: str = ""
    positions: tuple[Position, ...] = ()
    place_kind: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    score: float
    matched: str


class Resolver(Protocol):
    def names(self, kind: str) -> Iterable[tuple[str, Entry]]:
        """Every (name, entry) of ``kind`` to look for verbatim in documents (organisations and
        places; people too when the Directory is small enough to scan)."""
        ...

    def lookup(self, kind: str, query: str, *, limit: int = 5) -> list[Candidate]:
        """Entries of ``kind`` whose names match ``query`` through the shared name matcher."""
        ...
