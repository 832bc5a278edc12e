"""Reading numbers: digits in either separator convention, number words and scale words."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.normalise import normalise

# Digits with thousands groups or a decimal part; the language decides which separator is which.
NUMBER: Final = re.compile(r"(?<![\w.,/\-])\d+(?:[.,]\d+)*(?![\w/]|[.,]\d)")


def parse_digits(text: str, language: str) -> Decimal | None:
    """ "11,000" -> 11000, "69.7" -> 69.7 (Vietnamese: "69,7" -> 69.7, "11.000" -> 11000)."""
    decimal = load("numbers")["decimal_separator"].get(language, ".")
    thousands = "," if decimal == "." else "."
    parts = text.split(thousands)
    if (
        len(parts) > 1
        and all(len(p) == 3 for p in parts[1:])
        and not (decimal in parts[-1] and len(parts) == 1)
    ):
        text = "".join(parts)
    elif len(parts) > 1:
        text = text.replace(thousands, decimal) if len(parts) == 2 else "".join(parts)
    try:
        return Decimal(text.replace(decimal, "."))
    except InvalidOperation:
        return None


@cache
def number_words(language: str) -> dict[str, int]:
    return {normalise(k): v for k, v in load("numbers")["words"].get(language, {}).items()}


@cache
def scale_words(language: str) -> dict[str, int]:
    return {normalise(k): v for k, v in load("numbers")["scales"].get(language, {}).items()}


def as_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
