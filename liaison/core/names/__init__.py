"""Cross-script name matching: one normalisation and one matcher for the whole project.

Pure Python, no Django. ``fold`` is the full-text search normalisation; ``name_keys``,
``retrieval_keys`` and ``rank`` find people, organisations and places from any spelling,
in Latin (with or without Vietnamese diacritics) or Arabic transliteration.

The DB layer indexes each stored name under ``retrieval_keys(name_keys(name))``, retrieves
the names sharing at least one key with ``token_keys_for_query(query)`` (preferably ordered
by how many keys they share, rarest first, and capped), then calls ``rank``.
"""

from liaison.core.names.matching import (
    DEFAULT_THRESHOLD,
    Match,
    NameKeys,
    name_keys,
    rank,
    retrieval_keys,
    similarity,
    token_keys_for_query,
)
from liaison.core.names.normalise import Script, detect_script, fold

__all__ = [
    "DEFAULT_THRESHOLD",
    "Match",
    "NameKeys",
    "Script",
    "detect_script",
    "fold",
    "name_keys",
    "rank",
    "retrieval_keys",
    "similarity",
    "token_keys_for_query",
]
