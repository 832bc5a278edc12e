"""Who is who: organisations, people, their names, positions and mandates; countries and localities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.core.models import AuditedModel, AuditedQuerySet, OwnedRecord, Pillar


def valid_on_q(day: dt.date, prefix: str = "") -> Q:
    """Records whose validity (`valid_from` … `valid_to`, either open) includes `day`."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


class Country(models.Model):
    """An ISO 3166-1 country (reference data, readable by everyone)."""

    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    alpha3 = models.CharField(max_length=3, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", "") or self.name_en


class LocalityKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    MUNICIPALITY = "municipality", _("Centrally-run city")
    CITY = "city", _("City")
    FOREIGN_REGION = "foreign_region", _("Foreign province or region")
    FOREIGN_CITY = "foreign_city", _("Foreign city")


class LocalityQuerySet(models.QuerySet["Locality"]):
    def valid_on(self, day: dt.date) -> LocalityQuerySet:
        return self.filter(valid_on_q(day))


class Locality(models.Model):
    """An administrative unit as it was during its validity (reference data)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=LocalityKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="localities")
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="LocalitySuccession",
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    objects = LocalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["country__code", "name_en"]

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", "") or self.name_en


class LocalitySuccession(models.Model):
    predecessor = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(Locality, on_delete=models.CASCADE, related_name="+")
    effective = models.DateField(_("effective"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("succession")
        verbose_name_plural = _("successions")
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective})"


class OrganisationKind(models.TextChoices):
    CENTRAL_COMMITTEE = "central_committee", _("Central committee")
    COMMISSION = "commission", _("Commission")
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department or unit")
    PARTY_COMMITTEE = "party_committee", _("Party committee")
    PARTY_BRANCH = "party_branch", _("Party branch or cell")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("Provincial party committee")
    PEOPLE_COMMITTEE = "people_committee", _("People's committee")
    PROVINCE_DEPARTMENT = "province_department", _("Provincial department")
    MISSION = "mission", _("Representative mission abroad")
    FRIENDSHIP_ASSOCIATION = "friendship_association", _("Friendship association")
    MASS_ORGANISATION = "mass_organisation", _("Mass organisation")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    FOREIGN_STATE_BODY = "foreign_state_body", _("Foreign state body")
    FOREIGN_LOCALITY = "foreign_locality", _("Foreign locality")
    NGO = "ngo", _("Non-governmental organisation")
    OTHER = "other", pgettext_lazy("organisation kind", "Other")


class NameKind(models.TextChoices):
    OFFICIAL = "official", _("Official")
    TRANSLITERATION = "transliteration", _("Transliteration")
    ALIAS = "alias", _("Alias")
    ABBREVIATION = "abbreviation", _("Abbreviation")
    FORMER = "former", _("Former")


class OrganisationQuerySet(AuditedQuerySet):
    def subtree_of(self, org: Organisation) -> OrganisationQuerySet:
        return self.filter(path__startswith=org.path)

    def valid_on(self, day: dt.date) -> OrganisationQuerySet:
        return self.filter(valid_on_q(day))


class Organisation(OwnedRecord):
    """A party, state, people's or foreign organisation; organisations form trees."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    # Materialised path of primary keys ("/1/5/12/"): subtree queries are one prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    pillar = models.CharField(_("pillar"), max_length=16, choices=Pillar.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    locality = models.ForeignKey(
        Locality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("locality"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Denormalised for sorting and display without joins; maintained by services.
    sort_name = models.CharField(max_length=300, editable=False, default="")
    # Stable key used by imports and the demo data to recognise the same organisation again.
    external_key = models.CharField(_("external key"), max_length=100, blank=True, db_index=True)

    objects = OrganisationQuerySet.as_manager()  # type: ignore[misc]
    audit_exclude = AuditedModel.audit_exclude | {"path", "depth", "sort_name"}

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["sort_name", "id"]
        # Lists walk this index in order and stop after one page.
        indexes = [
            models.Index(fields=["sort_name", "id"], name="organisation_sort"),
            models.Index(fields=["pillar", "sort_name", "id"], name="organisation_pillar_sort"),
            # A subtree's ids from the index alone (the access policy's owner test in counts,
            # core.access): on PostgreSQL, with the operator class that serves `path LIKE 'p%'`.
            models.Index(
                fields=["path", "id"],
                opclasses=["varchar_pattern_ops", "int8_ops"],
                name="organisation_subtree",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_key"],
                condition=~Q(external_key=""),
                name="organisation_external_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.sort_name or f"Organisation {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("directory:organisation-detail", args=[self.pk])


class NameRecord(AuditedModel):
    """One spelling of a name: value, language, script, kind, validity and source."""

    value = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=8, help_text=_("ISO 639-1 code, e.g. vi, en, ar."))
    script = models.CharField(
        _("script"), max_length=4, blank=True, help_text=_("ISO 15924 code, e.g. Latn, Arab.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NameKind.choices, default=NameKind.OFFICIAL)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.value


class OrganisationName(NameRecord):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="names")

    class Meta:
        verbose_name = _("organisation name")
        verbose_name_plural = _("organisation names")
        ordering = ["organisation_id", "id"]

    def audit_subject(self) -> AuditedModel:
        return self.organisation


class Gender(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    OTHER = "x", _("Other or not stated")


class Person(OwnedRecord):
    nationality = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nationality"),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    sort_name = models.CharField(max_length=300, editable=False, default="")
    external_key = models.CharField(_("external key"), max_length=100, blank=True, db_index=True)

    audit_exclude = AuditedModel.audit_exclude | {"sort_name"}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_name", "id"]
        indexes = [
            models.Index(fields=["sort_name", "id"], name="person_sort"),
            models.Index(fields=["nationality", "sort_name", "id"], name="person_nationality_sort"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_key"],
                condition=~Q(external_key=""),
                name="person_external_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.sort_name or f"Person {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("directory:person-detail", args=[self.pk])


class PersonName(NameRecord):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    family = models.CharField(_("family name"), max_length=150, blank=True)
    given = models.CharField(_("given name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("person name")
        verbose_name_plural = _("person names")
        ordering = ["person_id", "id"]

    def audit_subject(self) -> AuditedModel:
        return self.person


class PositionQuerySet(AuditedQuerySet):
    def held_on(self, day: dt.date) -> PositionQuerySet:
        return self.filter(Q(start__isnull=True) | Q(start__lte=day)).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )


class Position(AuditedModel):
    """A person held a title in an organisation from one date to another."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="positions", verbose_name=_("organisation")
    )
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=200, blank=True)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = PositionQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-start", "id"]
        indexes = [models.Index(fields=["organisation", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                name="position_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title_en

    def audit_subject(self) -> AuditedModel:
        return self.person

    def title_in(self, language: str) -> str:
        value: str = getattr(self, f"title_{language}", "") or self.title_en
        return value


class MandateField(models.TextChoices):
    EXTERNAL_AFFAIRS = "external_affairs", _("External affairs (overall)")
    DOCUMENTS = "documents", _("Drafting external-affairs documents")
    PEOPLE_TO_PEOPLE = "people_to_people", _("People-to-people activities")
    FOREIGN_NGO = "foreign_ngo", _("Foreign NGO affairs")
    EXTERNAL_INFORMATION = "external_information", _("External information")
    HONOURS = "honours", _("Honours and awards")
    PERSONNEL = "personnel", _("Personnel")
    ECONOMIC_DIPLOMACY = "economic_diplomacy", _("Economic diplomacy")
    OVERSEAS_COMPATRIOTS = "overseas_compatriots", _("Overseas compatriots")
    OTHER = "other", pgettext_lazy("field of external affairs", "Other")


class MandateRole(models.TextChoices):
    LEAD = "lead", _("Leads")
    COORDINATE = "coordinate", _("Coordinates")
    PARTICIPATE = "participate", _("Takes part")


class Mandate(AuditedModel):
    """Which organisation leads (or coordinates) which field of external affairs, and when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mandates")
    field = models.CharField(_("field"), max_length=32, choices=MandateField.choices)
    role = models.CharField(_("role"), max_length=16, choices=MandateRole.choices, default=MandateRole.LEAD)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["field", "-start"]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.get_role_display()}"

    def audit_subject(self) -> AuditedModel:
        return self.organisation


_OFFICIAL = str(NameKind.OFFICIAL.value)
_FORMER = str(NameKind.FORMER.value)


def display_name(names: Any, language: str) -> str:
    """The name to show a reader of `language`: official in that language, else any official
    (current before former, English before other languages, then the oldest)."""
    best: tuple[bool, bool, bool, bool, int] | None = None
    value = ""
    for n in names:
        kind = n.kind
        rank = getattr(n, "id", None) or 0
        key = (n.language != language, kind != _OFFICIAL, kind == _FORMER, n.language != "en", rank)
        if best is None or key < best:
            best, value = key, n.value
    return value
