"""The endpoints the directory benchmark measures (shared by run.py and inprocess.py)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

# Search names: the most common kind of Vietnamese name, an Arabic transliteration, plain ASCII.
COMMON_QUERY = "Nguyễn Văn Hùng"
ARABIC_QUERY = "تران ثي لان"  # Trần Thị Lan as Arabic news sites write it
ASCII_QUERY = "pham minh tuan"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    auth: str  # "token" (Authorization: Bearer) or "session" (cookie)
    kind: str  # "list-api", "list-page", "search-page", "search-api"


def _q(value: str) -> str:
    return quote(value, safe="")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "API organisations ?pillar=state",
        "/api/directory/organisations?pillar=state&limit=50",
        "token",
        "list-api",
    ),
    Endpoint(
        "API people ?nationality=VN", "/api/directory/people?nationality=VN&limit=50", "token", "list-api"
    ),
    Endpoint(
        "page organisations ?pillar=state", "/directory/organisations/?pillar=state", "session", "list-page"
    ),
    Endpoint("page people", "/directory/people/", "session", "list-page"),
    Endpoint(
        f"page people ?q={COMMON_QUERY}", f"/directory/people/?q={_q(COMMON_QUERY)}", "session", "search-page"
    ),
    Endpoint(
        f"page people ?q={ARABIC_QUERY}", f"/directory/people/?q={_q(ARABIC_QUERY)}", "session", "search-page"
    ),
    Endpoint(
        f"page people ?q={ASCII_QUERY}", f"/directory/people/?q={_q(ASCII_QUERY)}", "session", "search-page"
    ),
    Endpoint(
        f"API people ?q={COMMON_QUERY}",
        f"/api/directory/people?q={_q(COMMON_QUERY)}&limit=50",
        "token",
        "search-api",
    ),
    Endpoint(
        f"API people ?q={ARABIC_QUERY}",
        f"/api/directory/people?q={_q(ARABIC_QUERY)}&limit=50",
        "token",
        "search-api",
    ),
    Endpoint(
        f"API people ?q={ASCII_QUERY}",
        f"/api/directory/people?q={_q(ASCII_QUERY)}&limit=50",
        "token",
        "search-api",
    ),
)

# For the constant-query check: the same list endpoints with fewer rows.
SMALL_PAGES = {
    "/api/directory/organisations?pillar=state&limit=50": (
        "/api/directory/organisations?pillar=state&limit=10"
    ),
    "/api/directory/people?nationality=VN&limit=50": "/api/directory/people?nationality=VN&limit=10",
}
