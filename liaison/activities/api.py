"""The activities' REST endpoints: the same selectors, services and policy as the pages."""

from __future__ import annotations

from ninja import Router

from liaison.core.api_support import AUTH

router = Router(auth=AUTH, tags=["activities"])

# Counts, warnings and calendar (api_reports); exports (api_feeds). Mounted last so their fixed
# paths ("/counts", "/export") are not taken for an activity id.
from liaison.activities.api_feeds import router as feeds_router  # noqa: E402
from liaison.activities.api_reports import router as reports_router  # noqa: E402

router.add_router("", reports_router)
router.add_router("", feeds_router)
