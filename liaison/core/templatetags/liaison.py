"""Template helpers shared by every module: names in the reader's language, dates, badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from liaison.core.models import Classification, Pillar

register = template.Library()


@register.filter
def name_in(record: Any, language: str | None = None) -> str:
    """A record's name for a reader of `language` (uses prefetched names)."""
    from liaison.directory.models import display_name

    if record is None:
        return ""
    names = getattr(record, "names", None)
    value = display_name(names.all(), language or get_language() or "en") if names is not None else ""
    return value or str(record)


@register.filter
def local_name(record: Any, language: str | None = None) -> str:
    """Country and locality names in the reader's language."""
    if record is None:
        return ""
    value: str = record.name_in(language or get_language() or "en")
    return value


@register.filter
def title_in(position: Any, language: str | None = None) -> str:
    value: str = position.title_in(language or get_language() or "en")
    return value


@register.filter
def summary_in(record: Any, language: str | None = None) -> str:
    value: str = record.summary_in(language or get_language() or "en")
    return value


@register.filter
def classification_label(value: int) -> str:
    return str(Classification(value).label)


@register.filter
def classification_key(value: int) -> str:
    return Classification(value).name.lower()


@register.filter
def pillar_label(value: str) -> str:
    try:
        return str(Pillar(value).label)
    except ValueError:
        return value


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for sort links)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    params.pop("page", None)
    return str(params.urlencode())


@register.filter
def field_label(name: str, event: Any) -> str:
    """The translated label of a field named in an audit event (the raw name if unknown)."""
    model = event.content_type.model_class() if event is not None else None
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since the event was written
        return name


@register.simple_tag
def country_options(selected: str = "", language: str | None = None) -> SafeString:
    """The `<option>`s of a country filter, names in the reader's language, `selected` marked.
    Written in one go: a list page would otherwise loop over some 250 countries in the template."""
    from liaison.directory.selectors import country_choices

    chosen = (selected or "").upper()
    marked = mark_safe(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (code, marked if code == chosen else "", name)
            for code, name in country_choices(language or get_language() or "en")
        ),
    )
