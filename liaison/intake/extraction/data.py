"""The rules and gazetteers of extraction, read once from the JSON files in ``data/``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


@cache
def load(name: str) -> Any:
    """The parsed content of ``data/<name>.json`` (cached: the files do not change at run time)."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def per_language(name: str, key: str, language: str) -> Any:
    """``data/<name>.json``'s ``key`` entry for ``language`` (an empty dict or list when absent)."""
    value = load(name)[key]
    return value.get(language, type(next(iter(value.values()), {}))())
