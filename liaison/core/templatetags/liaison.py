"""Template helpers shared by every module: names in the reader's language, dates, badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.cache import cache
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from liaison.core.listed_names import ATTRIBUTE, names_of
from liaison.core.models import Classification, Pillar

register = template.Library()


@register.filter
def name_in(record: Any, language: str | None = None) -> str:
    """A record's name for a reader of `language` (uses prefetched names)."""
    from liaison.directory.models import display_name

    if record is None:
        return ""
    if ATTRIBUTE not in record.__dict__ and getattr(record, "names", None) is None:
        return str(record)
    return display_name(names_of(record), language or get_language() or "en") or str(record)


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
def timedelta_label(value: Any) -> str:
    """A duration as days and hours ("3 days, 4 hours"); negative durations read as "−"."""
    from django.utils.translation import ngettext

    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign = "−" if seconds < 0 else ""
    seconds = abs(seconds)
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours or not days:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return sign + ", ".join(parts)


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
    Rendered once per language and cached with the countries' list: a list page would otherwise
    escape some 250 names on every request."""
    from liaison.directory.selectors import COUNTRY_CHOICES_SECONDS, country_choices

    language = language or get_language() or "en"
    key = f"country-options:{language}"
    options: str | None = cache.get(key)
    if options is None:
        options = format_html_join("", '<option value="{}">{}</option>', country_choices(language))
        cache.set(key, options, COUNTRY_CHOICES_SECONDS)
    chosen = (selected or "").upper()
    if len(chosen) == 2 and chosen.isalpha():
        options = options.replace(f'value="{chosen}">', f'value="{chosen}" selected>', 1)
    return mark_safe(options)  # noqa: S308 - built by format_html_join, codes are two letters
