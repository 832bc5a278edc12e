"""Running the default pipeline on a snippet, and picking proposals of one type."""

from __future__ import annotations

import datetime as dt
from typing import Any

from liaison.intake.extraction import Proposal, default_pipeline
from liaison.intake.extraction.resolve_memory import MemoryResolver


def extract(text: str, *, date: dt.date | None = None, language: str | None = None) -> list[Proposal]:
    return default_pipeline(MemoryResolver.from_seed_data()).run(text, date=date, language=language).proposals


def of(proposals: list[Proposal], kind: str) -> list[Proposal]:
    return [p for p in proposals if p.type == kind]


def values(proposals: list[Proposal], kind: str, key: str) -> list[Any]:
    return [p.value[key] for p in of(proposals, kind)]
