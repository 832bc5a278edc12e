from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from liaison.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ["username", "email", "clearance", "language", "is_staff", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Liaison", {"fields": ("clearance", "language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
