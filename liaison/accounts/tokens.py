"""Personal API tokens: `lsn_<prefix>_<secret>`, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.utils import timezone

from liaison.accounts.models import ApiToken, User


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(*, user: User, name: str) -> str:
    """Create a token and return it in full; it cannot be shown again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash(secret))
    return f"lsn_{prefix}_{secret}"


def user_for_token(raw: str) -> Any:
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "lsn":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(parts[2])):
        return None
    if token.expires_at is not None and token.expires_at < timezone.now():
        return None
    if not token.user.is_active:
        return None
    return token.user
