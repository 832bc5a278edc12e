"""Append to the security log: sign-ins, failures, denied access, exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from liaison.core.models import SecurityEvent, SecurityEventKind


def client_address(request: HttpRequest) -> str | None:
    """The caller's address (REMOTE_ADDR; a proxy in front must set it, not a header we trust)."""
    return request.META.get("REMOTE_ADDR") or None


def log_security_event(
    *,
    kind: SecurityEventKind,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=username or (getattr(user, "username", "") or ""),
        address=client_address(request) if request is not None else None,
        path=request.get_full_path()[:500] if request is not None else "",
        detail=detail or {},
    )
