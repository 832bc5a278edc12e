from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from liaison.accounts.signin import two_factor_required

_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class UserLanguageMiddleware:
    """Speak the signed-in user's chosen language (after LocaleMiddleware has guessed one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            request.LANGUAGE_CODE = user.language
            # override() restores the previous language afterwards, so nothing leaks to the thread.
            with translation.override(user.language):
                return self.get_response(request)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Send users whose role requires two-factor sign-in to set it up before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.has_two_factor
            and not request.path.startswith(_OPEN_PREFIXES)
            and request.session.get("two_factor_checked") is not True
        ):
            if two_factor_required(user):
                return redirect("accounts:two-factor-setup")
            request.session["two_factor_checked"] = True
        return self.get_response(request)
