from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liaison.activities.models import Activity, FocalPoint
from liaison.core.admin import PolicyReadOnlyAdmin


@admin.register(Activity)
class ActivityAdmin(PolicyReadOnlyAdmin):
    list_display = [
        "title_en",
        "kind",
        "starts_at",
        "status",
        "high_level",
        "classification",
        "embargo_until",
    ]
    list_filter = ["kind", "status", "high_level", "classification", "is_demo"]
    search_fields = ["title_en", "title_vi", "title_ar", "external_key"]
    date_hierarchy = "starts_at"


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Superusers designate who approves an organisation's delegations (saves are audited)."""

    list_display = ["organisation", "user", "created_at"]
    search_fields = ["organisation__sort_name", "user__username"]
    raw_id_fields = ["organisation", "user"]
    list_select_related = ["organisation", "user"]

    def _superuser(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request)
