"""Admin pages ask the same access policy as every other door.

Owned records are shown read-only in the admin: their writes go through services (which keep
paths, name indexes and audit consistent), reached from the product's own pages and API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from liaison.core.access import can_read, visible
from liaison.core.models import AuditEvent, SecurityEvent


class PolicyReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """List and view owned records the user may read; change nothing here."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(request.user.is_active and request.user.is_staff)
        return can_read(request.user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppendOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Logs are for superusers to read; nobody edits them."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdmin):
    list_display = ["at", "action", "content_type", "object_repr", "actor", "via"]
    list_filter = ["action", "via", "content_type"]
    search_fields = ["object_repr", "object_id"]
    list_select_related = ["actor", "content_type"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(AppendOnlyAdmin):
    list_display = ["at", "kind", "username", "address", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "address", "path"]
