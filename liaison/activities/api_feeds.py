"""Placeholder router (filled by its module owner)."""

from ninja import Router

from liaison.core.api_support import AUTH

router = Router(auth=AUTH, tags=["activities"])
