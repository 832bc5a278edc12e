"""The status rules: everyone signed in reads them and the recent changes of status of the members
they may read; administrators (superusers) add, change and delete rules. Anyone else who posts is
refused with a 403 (the rules are not a record of theirs; there is nothing to hide)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core.models import StaleRecordError
from liaison.membership import checks, services
from liaison.membership.forms import RuleForm, rule_initial
from liaison.membership.models import StatusChange, StatusRule
from liaison.membership.views_manage import form_page, show_conflict, show_errors

RECENT_CHANGES = 50


def _is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _require_admin(request: HttpRequest) -> None:
    if not _is_admin(request.user):
        raise PermissionDenied


def _rule(pk: int) -> StatusRule:
    rule: StatusRule | None = StatusRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def _save(request: HttpRequest, form: RuleForm, rule: StatusRule | None) -> bool:
    """Hand the rule to the service; False (errors on the form) when refused."""
    data = form.cleaned_data
    if rule is not None and data.get("version") is not None:
        # The rule as the editor saw it: saving refuses it if it moved on since (StaleRecordError).
        rule.version = data["version"]
    try:
        services.save_rule(
            by=request.user,
            rule=rule,
            event_kind=data["event_kind"],
            after_days=data["after_days"],
            status=data["status"],
            is_active=data["is_active"],
            description=data.get("description") or "",
        )
    except ValidationError as error:
        show_errors(form, error)
        return False
    return True


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """GET: the rules and the recent changes of status. POST (administrators): add a rule."""
    form = None
    if request.method == "POST":
        _require_admin(request)
        form = RuleForm(request.POST)
        if form.is_valid() and _save(request, form, None):
            messages.success(request, _("Rule saved; every member's status is re-applied in the background."))
            return redirect("membership:rules")
    elif _is_admin(request.user):
        form = RuleForm()
    changes = (
        StatusChange.objects.filter(member__in=checks.visible_members(request.user))
        .select_related("member", "actor")
        .order_by("-at", "-id")[:RECENT_CHANGES]
    )
    context = {
        "rules": list(StatusRule.objects.order_by("event_kind", "after_days", "id")),
        "changes": list(changes),
        "form": form,
        "is_admin": _is_admin(request.user),
        "language": get_language(),
    }
    return render(
        request, "membership/rules.html", context, status=400 if form is not None and form.errors else 200
    )


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    rule = _rule(pk)
    form = RuleForm(request.POST or None, initial=rule_initial(rule))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, rule)
        except StaleRecordError:
            conflict, saved = True, False
            show_conflict(request, form, StatusRule.objects.values_list("version", flat=True).get(pk=rule.pk))
        if saved:
            messages.success(request, _("Rule saved; every member's status is re-applied in the background."))
            return redirect("membership:rules")
    return form_page(
        request,
        form,
        status=409 if conflict else None,
        title=_("Edit status rule"),
        intro=_("An event of this kind sets this status, so many days after the event."),
        cancel=reverse("membership:rules"),
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    services.delete_rule(by=request.user, rule=_rule(pk))
    messages.success(request, _("Rule deleted; every member's status is re-applied in the background."))
    return redirect("membership:rules")
