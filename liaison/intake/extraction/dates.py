"""Dates and periods: day and month names in Arabic (both month-name families), English and
Vietnamese, numeric dates, ranges, years; a missing year is inferred from the document's date
(or from a full date elsewhere in it) and flagged ``inferred_year``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType

# A date this far after the document's date without a year most likely belongs to the year before.
FUTURE_TOLERANCE: Final = dt.timedelta(days=92)


@dataclass
class _Found:
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    end_day: int | None = None
    relation: str | None = None


@cache
def _months(language: str) -> dict[str, int]:
    months: dict[str, int] = {}
    for number, forms in load("months")[language].items():
        for form in forms:
            months[normalise(form)] = int(number)
    return months


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def _patterns(language: str) -> list[tuple[str, re.Pattern[str]]]:
    rules = load("months")
    months = _alternation(list(_months(language)))
    m = rf"(?P<m>{months})(?:\s*/\s*(?:{months}))?"
    year_words = _alternation([normalise(w) for w in rules["year_words"][language]])
    y = rf"(?:\s*,?\s*(?:(?:{year_words})\s+)?(?P<y>\d{{4,5}}))"
    day = r"(?<![\d.,/])(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    joiners = ["-", "–", "و", "and", *rules["until_words"][language]]
    joiner = r"\s*(?:" + _alternation([normalise(w) for w in joiners]) + r")\s*"
    found = [
        ("iso", re.compile(r"(?<![\d/])(?P<y>\d{4})-(?P<mn>\d{2})-(?P<d>\d{2})(?![\d/])")),
        ("numeric", re.compile(r"(?<![\d/.])(?P<d>\d{1,2})[/.](?P<mn>\d{1,2})[/.](?P<y>\d{4})(?![\d/])")),
    ]
    if language == "vi":
        found += [
            (
                "vi_range",
                re.compile(
                    r"(?<![\d/])(?P<d1>\d{1,2})\s*[-–]\s*(?P<d>\d{1,2})/(?P<mn>\d{1,2})(?:/(?P<y>\d{4}))?(?![\d/])"
                ),
            ),
            (
                "vi_full",
                re.compile(
                    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<mn>\d{1,2})(?:\s*(?:năm|,)\s*(?P<y>\d{4}))?"
                ),
            ),
            ("vi_short", re.compile(r"(?<![\d/])(?P<d>\d{1,2})/(?P<mn>\d{1,2})(?![\d/])")),
            ("vi_month", re.compile(r"tháng\s+(?P<mn>\d{1,2})\s*(?:/|năm)\s*(?P<y>\d{4})")),
        ]
    found += [
        ("range", re.compile(rf"(?<![\d.,/])(?P<d1>\d{{1,2}}){joiner}(?P<d>\d{{1,2}})\s+{m}{y}?")),
        ("day_month", re.compile(rf"{day}\s+(?:of\s+)?{m}{y}?")),
        ("month_day", re.compile(rf"{m}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,\s*(?P<y>\d{{4}}))?(?!\d)")),
        ("month_year", re.compile(rf"{m}{y}")),
        (
            "year",
            re.compile(rf"(?<![\w])(?:[وفبل]{{0,2}})(?P<w>{year_words})\s+(?P<y>\d{{4}})(?!\d|[.,]\d|%)"),
        ),
    ]
    if language == "en":
        found.append(
            (
                "year",
                re.compile(
                    r"(?<![\w])(?P<w>in|since|by|until|from|of|during)\s+(?P<y>(?:19|20)\d{2})(?!\d|[.,]\d|%)"
                ),
            )
        )
    return found


def _relation(ctx: Context, start: int) -> str | None:
    before = ctx.doc.norm[max(0, start - 20) : start].split()
    if not before:
        return None
    rules = load("months")
    word = before[-1]
    if word in {normalise(w) for w in rules["until_words"][ctx.doc.language]}:
        return "until"
    if word in {normalise(w) for w in rules["from_words"][ctx.doc.language]}:
        return "from"
    return None


def _scan(ctx: Context) -> list[_Found]:
    norm = ctx.doc.norm
    months = _months(ctx.doc.language)
    taken: list[tuple[int, int]] = []
    found: list[_Found] = []
    for name, pattern in _patterns(ctx.doc.language):
        for match in pattern.finditer(norm):
            start, end = match.span()
            if name == "year":
                start = match.start("w") if ctx.doc.language != "en" else match.start("y")
            if any(s < end and start < e for s, e in taken):
                continue
            groups = match.groupdict()
            rules = load("months")
            month = int(groups["mn"]) if groups.get("mn") else months.get(groups.get("m") or "")
            year = int(groups["y"]) if groups.get("y") else None
            day = int(groups["d"]) if groups.get("d") else None
            first_day = int(groups["d1"]) if groups.get("d1") else None
            item = _Found(start, end, year, month, first_day or day, end_day=day if first_day else None)
            # A year such as "20221" is a typo, 31 February impossible: not guessed at, and no
            # shorter reading (the month and year alone) is made of them either.
            if (year is not None and not rules["year_min"] <= year <= rules["year_max"]) or not _valid(item):
                taken.append((start, end))
                continue
            item.relation = _relation(ctx, start)
            taken.append((start, end))
            found.append(item)
    return sorted(found, key=lambda f: f.start)


def _valid(item: _Found) -> bool:
    if item.month is not None and not 1 <= item.month <= 12:
        return False
    try:
        if item.month and item.day:
            dt.date(item.year or 2000, item.month, item.day)
        if item.month and item.end_day:
            dt.date(item.year or 2000, item.month, item.end_day)
    except ValueError:
        return False
    return item.year is not None or item.month is not None


def _infer_year(item: _Found, ctx: Context, context_year: int | None) -> int | None:
    day = ctx.doc.date
    if day is not None and item.month is not None:
        year = day.year
        candidate = dt.date(year, item.month, item.day or 1)
        return year - 1 if candidate > day + FUTURE_TOLERANCE else year
    return context_year


def _iso(year: int | None, month: int | None, day: int | None) -> str:
    y = f"{year:04d}" if year is not None else "-"
    if month is None:
        return y
    if day is None:
        return f"{y}-{month:02d}"
    return f"{y}-{month:02d}-{day:02d}"


class DateExtractor:
    name = "dates"

    def extract(self, ctx: Context) -> list[Proposal]:
        found = _scan(ctx)
        full_years = [f.year for f in found if f.year is not None and f.month is not None]
        context_year = full_years[0] if full_years else None
        proposals = []
        for item in found:
            inferred = False
            year = item.year
            if year is None:
                year = _infer_year(item, ctx, context_year)
                inferred = True
            granularity = "day" if item.day else "month" if item.month else "year"
            value: dict[str, Any] = {
                "value": _iso(year, item.month, item.day),
                "granularity": granularity,
                "inferred_year": inferred,
                "relation": item.relation,
            }
            if item.end_day:
                value["start"] = value["value"]
                value["end"] = _iso(year, item.month, item.end_day)
                value["value"] = f"{value['start']}/{value['end']}"
                value["granularity"] = "period"
            confidence = 0.9 if not inferred else 0.8 if year is not None else 0.5
            proposals.append(ctx.make(ProposalType.DATE, item.start, item.end, value, confidence))
        return proposals
