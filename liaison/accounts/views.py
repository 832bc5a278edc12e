"""Sign-in (with rate limiting and two-factor codes), sign-out and preferences."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from liaison.accounts.forms import CodeForm, LanguageForm, SignInForm
from liaison.accounts.models import User
from liaison.accounts.signin import (
    check_second_factor,
    confirm_two_factor,
    new_totp_secret,
    provisioning_uri,
    sign_in_blocked,
)
from liaison.core.models import SecurityEventKind
from liaison.core.security_log import client_address, log_security_event

_PENDING = "pending_two_factor_user"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


def _finish_sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and chosen != user.language:
        # A language picked on the sign-in page is the user's choice from now on.
        user.language = chosen
        user.save(update_fields=["language"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(_PENDING, None)
    log_security_event(kind=SecurityEventKind.SIGN_IN, request=request, user=user)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
    return response


def _blocked_response(
    request: HttpRequest, template: str, context: dict[str, Any], username: str
) -> HttpResponse:
    log_security_event(kind=SecurityEventKind.SIGN_IN_BLOCKED, request=request, username=username)
    minutes = max(1, settings.LIAISON_SIGNIN_LOCKOUT_SECONDS // 60)
    context["error"] = ngettext(
        "Too many failed attempts. Sign-in is paused for this account or address; "
        "try again in %(minutes)s minute.",
        "Too many failed attempts. Sign-in is paused for this account or address; "
        "try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    return render(request, template, context, status=429)


def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = SignInForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    template = "accounts/sign_in.html"
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if sign_in_blocked(username=username, address=client_address(request)):
            return _blocked_response(request, template, context, username)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            log_security_event(kind=SecurityEventKind.SIGN_IN_FAILED, request=request, username=username)
            context["error"] = _("The user name or password is not correct.")
            return render(request, template, context, status=200)
        assert isinstance(user, User)
        if user.has_two_factor:
            request.session[_PENDING] = user.pk
            request.session["pending_next"] = next_url
            return redirect("accounts:two-factor")
        return _finish_sign_in(request, user, next_url)
    return render(request, template, context)


def two_factor(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(_PENDING)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return redirect("accounts:sign-in")
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    template = "accounts/two_factor.html"
    if request.method == "POST" and form.is_valid():
        if sign_in_blocked(username=user.username, address=client_address(request)):
            return _blocked_response(request, template, context, user.username)
        if check_second_factor(user=user, code=form.cleaned_data["code"]):
            return _finish_sign_in(request, user, request.session.get("pending_next") or "/")
        log_security_event(kind=SecurityEventKind.TWO_FACTOR_FAILED, request=request, user=user)
        form.add_error("code", _("That code is not valid. Codes change every 30 seconds."))
    return render(request, template, context)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    secret = request.session.get("totp_setup_secret") or new_totp_secret()
    request.session["totp_setup_secret"] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if confirm_two_factor(user=user, secret=secret, code=form.cleaned_data["code"]):
            request.session.pop("totp_setup_secret", None)
            log_security_event(kind=SecurityEventKind.TWO_FACTOR_ENABLED, request=request)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("home")
        form.add_error("code", _("That code is not valid. Check the time on your device."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "secret": secret, "uri": provisioning_uri(user, secret)},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        log_security_event(kind=SecurityEventKind.SIGN_OUT, request=request)
    logout(request)
    return redirect("accounts:sign-in")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    if not form.is_valid():
        return redirect(next_url)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=language)
    response = redirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
