"""Personal API tokens: `lsn_<prefix>_<secret>`, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db.models import CharField
from django.utils import timezone

from liaison.accounts.models import ApiToken, User
from liaison.core.prepared import Prepared, Slot

# Every API request looks its token up: the token's hash and expiry, and its user, in one read.
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
_TOKEN = Prepared(
    lambda: (
        ApiToken.objects.filter(prefix=Slot("prefix", CharField()))
        .order_by()
        .values_list("key_hash", "expires_at", *(f"user__{name}" for name in _USER_FIELDS))
    )
)


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
    found = _TOKEN.rows(prefix=parts[1])  # the prefix is unique: one row at most
    if not found:
        return None
    key_hash, expires_at, *user_values = found[0]
    if not hmac.compare_digest(key_hash, _hash(parts[2])):
        return None
    if expires_at is not None and expires_at < timezone.now():
        return None
    user = User.from_db("default", _USER_FIELDS, user_values)
    if not user.is_active:
        return None
    return user
