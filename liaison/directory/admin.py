from django.contrib import admin

from liaison.core.admin import PolicyReadOnlyAdmin
from liaison.directory.models import Country, Locality, LocalitySuccession, Organisation, Person


@admin.register(Organisation)
class OrganisationAdmin(PolicyReadOnlyAdmin):
    list_display = ["sort_name", "pillar", "kind", "country", "classification", "valid_from", "valid_to"]
    list_filter = ["pillar", "kind", "classification"]
    search_fields = ["sort_name", "external_key"]
    list_select_related = ["country"]


@admin.register(Person)
class PersonAdmin(PolicyReadOnlyAdmin):
    list_display = ["sort_name", "nationality", "classification"]
    list_filter = ["classification"]
    search_fields = ["sort_name", "external_key"]
    list_select_related = ["nationality"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "alpha3", "name_en", "name_vi", "name_ar"]
    search_fields = ["code", "name_en", "name_vi", "name_ar"]


class SuccessionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LocalitySuccession
    fk_name = "predecessor"
    extra = 0


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name_en", "name_vi", "kind", "country", "valid_from", "valid_to"]
    list_filter = ["kind", "country"]
    search_fields = ["code", "name_en", "name_vi", "name_ar"]
    inlines = [SuccessionInline]
