"""Sign-in protection: rate limits counted from the security log, and TOTP two-factor codes."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liaison.accounts.models import User
from liaison.core.access import Role
from liaison.core.models import SecurityEvent, SecurityEventKind


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LIAISON_SIGNIN_LOCKOUT_SECONDS)


_FAILURES = [SecurityEventKind.SIGN_IN_FAILED, SecurityEventKind.TWO_FACTOR_FAILED]


def sign_in_blocked(*, username: str, address: str | None) -> bool:
    """Too many recent failures for this user name or from this address."""
    since = _window_start()
    recent = SecurityEvent.objects.filter(kind__in=_FAILURES, at__gte=since)
    if recent.filter(username__iexact=username).count() >= settings.LIAISON_SIGNIN_MAX_FAILURES_PER_USER:
        return True
    return bool(
        address and recent.filter(address=address).count() >= settings.LIAISON_SIGNIN_MAX_FAILURES_PER_ADDRESS
    )


def two_factor_required(user: Any) -> bool:
    """Does any of the user's roles require two-factor sign-in?"""
    required = {name.strip().lower() for name in settings.LIAISON_REQUIRE_2FA_ROLES}
    if not required:
        return False
    roles = {Role(r).name.lower() for r in user.memberships.values_list("role", flat=True)}
    if user.is_superuser:
        roles.add("administrator")
    return bool(roles & required)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Liaison")


def verify_totp(*, secret: str, code: str, last_step: int) -> int | None:
    """The time step the code belongs to, or None; codes at or before `last_step` are refused."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6 or not secret:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > last_step and totp.generate_otp(step) == code:
            return step
    return None


@transaction.atomic
def confirm_two_factor(*, user: User, secret: str, code: str) -> bool:
    """Turn on two-factor sign-in once the user proves the authenticator works."""
    step = verify_totp(secret=secret, code=code, last_step=0)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    return True


@transaction.atomic
def check_second_factor(*, user: User, code: str) -> bool:
    locked = User.objects.select_for_update().get(pk=user.pk)
    step = verify_totp(secret=locked.totp_secret, code=code, last_step=locked.totp_last_step)
    if step is None:
        return False
    locked.totp_last_step = step
    locked.save(update_fields=["totp_last_step"])
    return True
