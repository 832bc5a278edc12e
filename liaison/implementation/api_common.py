"""What the implementation API's modules share: the router they are built on, the error
responses, and the helpers that shape output (organisations named only for readers who may see
them) and resolve input (every field's errors reported together).

The helpers keep their leading underscore: they belong to the `api*.py` modules of this package,
not to the rest of Liaison.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Router

from liaison.core.access import Action
from liaison.core.api_support import ErrorOut, etag
from liaison.core.models import AuditedModel
from liaison.core.names.normalise import fold
from liaison.directory.api_refs import organisations
from liaison.directory.models import Organisation
from liaison.implementation.models import Plan, ReportingPeriod, Task
from liaison.implementation.permissions import get_plan_for_user
from liaison.implementation.selectors import organisation_names

ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 412: ErrorOut}
READ_ERRORS: dict[int, Any] = {404: ErrorOut}
Names = dict[int, str]


class ImplementationRouter(Router):
    """A router whose operation ids are `liaison_implementation_api_<function>` whichever `api*.py`
    module holds the function (django-ninja would put the module's name in them): the ids the
    OpenAPI schema gave when the API was one module, which clients generated from it use."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **options: Any
    ) -> None:
        options["operation_id"] = (
            options.get("operation_id") or f"liaison_implementation_api_{view_func.__name__}"
        )
        super().add_api_operation(path, methods, view_func, **options)


# --- output helpers ---------------------------------------------------------------------------


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _names(user: Any, ids: Iterable[int | None]) -> Names:
    """Names of the organisations the reader may see, in the reader's language (two queries)."""
    return organisation_names(user, {pk for pk in ids if pk is not None}, get_language())


def _org(names: Names, pk: int | None) -> dict[str, Any] | None:
    """A named reference, or None when there is none or the reader may not see it."""
    if pk is None or pk not in names:
        return None
    return {"id": pk, "name": names[pk]}


def _by_name(names: Names, pk: int) -> tuple[bool, str, int]:
    """Sort key: visible organisations by name (accents folded), hidden ones last."""
    return (pk not in names, fold(names.get(pk, "")), pk)


def _with_etag(response: HttpResponse, record: AuditedModel) -> None:
    response["ETag"] = etag(record)


def _titles(record: Any) -> dict[str, Any]:
    return {
        "title": record.title_in(get_language()),
        "title_en": record.title_en,
        "title_vi": record.title_vi,
        "title_ar": record.title_ar,
    }


def _task_ref(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "code": task.code,
        "title": task.title_in(get_language()),
        "due_on": task.due_on,
        "unit": task.unit,
    }


def _period(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "label": period.label,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "due_on": period.due_on,
    }


# --- input helpers ----------------------------------------------------------------------------


def _resolved(values: dict[str, Any], resolve: Callable[[str, Any], Any]) -> dict[str, Any]:
    """Each value through `resolve`, every field's errors reported together."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        try:
            out[key] = resolve(key, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return out


def _ordered_organisations(user: Any, ids: list[int], field: str) -> list[Organisation]:
    """The organisations in the order given (repeats kept, for the services to refuse)."""
    found = {org.pk: org for org in organisations(user, ids, field)}
    return [found[pk] for pk in ids]


# --- lookups ----------------------------------------------------------------------------------


def _plan(request: HttpRequest, plan_id: int, action: Action = Action.READ) -> Plan:
    return get_plan_for_user(request.user, plan_id, action=action, request=request)


def _labels(plan: Plan) -> dict[int, str]:
    return dict(ReportingPeriod.objects.filter(plan=plan).values_list("pk", "label"))
