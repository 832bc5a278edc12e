"""Shared kernel models: classification, pillars, audited and owned records, audit and security logs."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.core.listed_names import WithNamesQuerySet


class Classification(models.IntegerChoices):
    PUBLIC = 0, _("Public")
    INTERNAL = 1, _("Internal")
    RESTRICTED = 2, _("Restricted")


def classification_name(value: int) -> str:
    """ "public", "internal" or "restricted": how the API names a classification."""
    return Classification(value).name.lower()


class Pillar(models.TextChoices):
    PARTY = "party", _("Party external relations")
    STATE = "state", _("State diplomacy")
    PEOPLE = "people", _("People's diplomacy")
    FOREIGN = "foreign", _("Foreign counterpart")


class StaleRecordError(Exception):
    """Raised when a record changed since the version the writer started from."""

    def __init__(self, instance: models.Model, expected: int, current: int | None) -> None:
        super().__init__(f"{instance._meta.label} {instance.pk} is at version {current}, not {expected}")
        self.instance = instance
        self.expected = expected
        self.current = current


class AuditedQuerySet(WithNamesQuerySet):
    """Bulk writes on audited models leave history too; nothing changes a row silently.
    Lists read their records' names as rows with `.with_names()` (see `liaison.core.listed_names`)."""

    def update(self, **kwargs: Any) -> int:
        from liaison.core import audit

        return audit.audited_bulk_update(self, kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        from liaison.core import audit

        return audit.audited_bulk_delete(self)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        from liaison.core import audit

        created = super().bulk_create(objs, *args, **kwargs)
        audit.record_bulk_create(created)
        return created

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        from liaison.core import audit

        return audit.audited_bulk_update_objects(self, list(objs), list(fields), *args, **kwargs)


class AuditedModel(models.Model):
    """A record whose every change is versioned and audited.

    `version` is the optimistic-lock counter: an update only succeeds when the row is still at
    the version that was loaded, so concurrent edits cannot overwrite each other (see
    docs/decisions/0003-audit-and-versioning.md for why this lives at the model level).
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = AuditedQuerySet.as_manager()

    # Fields never shown in history.
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"version", "created_at", "updated_at"})

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance

    def audit_subject(self) -> AuditedModel:
        """The record whose history shows this one's changes (itself, or its parent record)."""
        return self

    def save(self, *args: Any, **kwargs: Any) -> None:
        from liaison.core import audit

        adding = self._state.adding
        before = None if adding else audit.loaded_snapshot(self)
        if not adding:
            self._expected_version = self.version
            self.version = self.version + 1
        try:
            super().save(*args, **kwargs)
        except Exception:
            if not adding:
                self.version = self._expected_version
            raise
        audit.record_save(self, before=before)
        self._loaded_values = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def _do_update(
        self,
        base_qs: Any,
        using: Any,
        pk_val: Any,
        values: Any,
        update_fields: Any,
        forced_update: Any,
        returning_fields: Any,
    ) -> Any:
        expected = getattr(self, "_expected_version", None)
        if expected is not None:
            base_qs = base_qs.filter(version=expected)
        results = super()._do_update(  # type: ignore[misc]
            base_qs, using, pk_val, values, update_fields, forced_update, returning_fields
        )
        if not results and expected is not None:
            current = (
                type(self)
                ._base_manager.using(using)
                .filter(pk=pk_val)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None:
                raise StaleRecordError(self, expected, current)
        return results

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from liaison.core import audit

        audit.record_delete(self)
        return super().delete(*args, **kwargs)


class OwnedRecord(AuditedModel):
    """A record owned by an organisation and carrying a classification.

    The access policy (liaison.core.access) decides who may read, change or delete it.
    """

    owner = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning organisation"),
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.INTERNAL
    )
    shared_with = models.ManyToManyField(
        "directory.Organisation",
        blank=True,
        symmetrical=False,
        related_name="%(app_label)s_%(class)s_shared",
        verbose_name=_("also visible to"),
        help_text=_("Restricted records: further organisations allowed to see this record."),
    )

    # A record type with an embargo names its (nullable, datetime) field here; see core.access.
    embargo_field: ClassVar[str | None] = None

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed")


class AuditEvent(models.Model):
    """One change to one record, with the values before and after."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    # The record whose history page shows this event (the object itself or its parent).
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} at {self.at:%Y-%m-%d %H:%M}"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The security log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The security log is append-only.")


class SecurityEventKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_IN_BLOCKED = "sign_in_blocked", _("Sign-in blocked by rate limit")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Failed two-factor code")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor sign-in enabled")
    SIGN_OUT = "sign_out", _("Signed out")
    ACCESS_DENIED = "access_denied", _("Access denied")
    EXPORT = "export", _("Export")


class SecurityEvent(models.Model):
    """Append-only log of sign-ins, failures, denied access and exports."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=24, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["kind", "username", "at"]),
            models.Index(fields=["kind", "address", "at"]),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.username} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The security log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The security log is append-only.")


class NameKey(models.Model):
    """Retrieval keys of every stored name, for the shared name matcher.

    One row per (name, phonetic key); a lookup fetches the names sharing a key with the query
    and ranks them with `liaison.core.names.rank`. Derived data: rebuilt by `reindex_names`.
    """

    kind = models.CharField(max_length=16)
    entity_id = models.BigIntegerField()
    value = models.CharField(max_length=300)
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [
            # Covering: a lookup reads (entity, value) for a key from the index alone.
            models.Index(fields=["kind", "key", "entity_id", "value"], name="namekey_lookup"),
            # Counting a key's names (name_index.key_frequencies, up to 2,001 each) walks this
            # narrow index: on PostgreSQL a key's entries fit in a few deduplicated pages, where
            # the covering index above spreads them over dozens (7.5 M keys: 54 MB against 837 MB).
            models.Index(fields=["kind", "key"], name="namekey_count"),
            models.Index(fields=["kind", "entity_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.entity_id} {self.key}"


class SearchEntry(models.Model):
    """The folded text of one record, for full-text search (FTS5 on SQLite, tsvector on PostgreSQL).

    `text` is `liaison.core.names.fold()` of everything searchable about the record, so index
    and query share one normalisation (FTS5's tokenizer folds no Arabic letter forms and no
    Vietnamese "đ"). Derived data: rebuilt by `liaison.core.search.index_record`.
    """

    kind = models.CharField(max_length=16)
    entity_id = models.BigIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "entity_id"], name="search_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.entity_id}"
