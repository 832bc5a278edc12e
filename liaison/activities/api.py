"""The activities' REST endpoints: the same selectors, services and policy as the pages."""

from __future__ import annotations

from ninja import Router

from liaison.core.api_support import AUTH

router = Router(auth=AUTH, tags=["activities"])
