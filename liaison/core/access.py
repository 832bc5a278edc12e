"""The one access policy: who may read, change and delete which record.

Facts it decides from: the record's owning organisation (and that organisation's place in the
tree), the organisations it is explicitly shared with, its classification; the user's
memberships (organisation and role) and clearance.

- PUBLIC records: every signed-in user may read.
- INTERNAL records: every signed-in user cleared for INTERNAL may read.
- RESTRICTED records: users cleared for RESTRICTED who are members of the owning organisation
  or an organisation above it, or of a shared organisation or one above it.
- Change: readers holding the EDITOR role (or higher) in the owning organisation or above it.
- EMBARGO: a record type may name an embargo field (`embargo_field`); until that moment passes,
  only members of the owning organisation (or one above it) or of a shared organisation may read
  the record, whatever their clearance allows otherwise.
- Change: readers holding the EDITOR role (or higher) in the owning organisation or above it.
- Approve (decisions such as approving or cancelling an activity) and delete: the same with the
  COORDINATOR role (or higher).
- Superusers may do everything.

A record the user may not read answers exactly like one that does not exist (`Http404`).
Views, API, search, exports and the admin all ask this module; nothing decides on its own.
See docs/access.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.expressions import in_ids
from liaison.core.models import Classification, OwnedRecord
from liaison.core.prepared import IdsIn, Prepared, Shapes, Slot


class Role(models.IntegerChoices):
    VIEWER = 10, _("Viewer")
    EDITOR = 20, _("Editor")
    COORDINATOR = 30, _("Coordinator")
    ADMINISTRATOR = 40, _("Administrator")


class Action(StrEnum):
    READ = "read"
    CHANGE = "change"
    APPROVE = "approve"
    DELETE = "delete"


_NEEDED_ROLE = {Action.CHANGE: Role.EDITOR, Action.APPROVE: Role.COORDINATOR, Action.DELETE: Role.COORDINATOR}


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    path: str
    role: int


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    is_superuser: bool
    clearance: int
    scopes: tuple[Scope, ...]
    # What the policy learnt about the principal's scope (see `_narrow_scope`).
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def covers(self, path: str, *, role: int = Role.VIEWER) -> bool:
        return any(path.startswith(s.path) and s.role >= role for s in self.scopes)


ANONYMOUS = Principal(user_id=None, is_superuser=False, clearance=-1, scopes=())


def _memberships() -> models.QuerySet[Any]:
    from liaison.accounts.models import Membership

    return Membership.objects.filter(user_id=Slot("user", models.IntegerField())).values_list(
        "organisation_id", "organisation__path", "role"
    )


# Read on every request: compiled once (`core.prepared`).
_MEMBERSHIPS = Prepared(_memberships)


def principal_for(user: Any) -> Principal:
    """The user's access facts, read once per user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached: Principal | None = getattr(user, "_liaison_principal", None)
    if cached is not None:
        return cached
    scopes = tuple(
        Scope(organisation_id=org_id, path=path, role=role)
        for org_id, path, role in _MEMBERSHIPS.rows(user=user.pk)
    )
    principal = Principal(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        clearance=user.clearance,
        scopes=scopes,
    )
    user._liaison_principal = principal
    return principal


def forget_principal(user: Any) -> None:
    """Drop the cached facts after memberships or clearance change."""
    if hasattr(user, "_liaison_principal"):
        del user._liaison_principal


def _shared_paths(record: OwnedRecord) -> list[str]:
    return [org.path for org in record.shared_with.all()]


def _owner_path(record: OwnedRecord) -> str:
    path: str = record.owner.path
    return path


def can(user: Any, action: Action, record: OwnedRecord) -> bool:
    p = principal_for(user)
    if p.user_id is None:
        return False
    if p.is_superuser:
        return True
    if not _can_read(p, record):
        return False
    if action is Action.READ:
        return True
    return p.covers(_owner_path(record), role=_NEEDED_ROLE[action])


def policy_fields(model: type[Any]) -> tuple[str, ...]:
    """The fields `can` reads of a record of `model` (besides its shares): for `.only(...)` when
    records are loaded just to be asked of the policy."""
    embargo_field = getattr(model, "embargo_field", None)
    return ("classification", "owner__path", *([embargo_field] if embargo_field else []))


def _is_insider(p: Principal, record: OwnedRecord) -> bool:
    """Is the user a member of the owning organisation, or of one it is shared with (or above)?"""
    if p.covers(_owner_path(record)):
        return True
    return any(p.covers(path) for path in _shared_paths(record))


def under_embargo(record: OwnedRecord) -> bool:
    field = getattr(record, "embargo_field", None)
    until = getattr(record, field) if field else None
    return until is not None and until > timezone.now()


def _can_read(p: Principal, record: OwnedRecord) -> bool:
    level = record.classification
    if level > p.clearance:
        return False
    if level >= Classification.RESTRICTED or under_embargo(record):
        return _is_insider(p, record)
    return True


def can_read(user: Any, record: OwnedRecord) -> bool:
    return can(user, Action.READ, record)


def can_change(user: Any, record: OwnedRecord) -> bool:
    return can(user, Action.CHANGE, record)


def can_delete(user: Any, record: OwnedRecord) -> bool:
    return can(user, Action.DELETE, record)


def can_create(user: Any, *, owner: Any, classification: int) -> bool:
    """May the user create a record owned by `owner` at `classification`?"""
    p = principal_for(user)
    if p.user_id is None:
        return False
    if p.is_superuser:
        return True
    return classification <= p.clearance and p.covers(owner.path, role=Role.EDITOR)


def organisations_user_can_write(user: Any) -> Q:
    """A filter on Organisation: those the user may own new records as."""
    p = principal_for(user)
    if p.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for s in p.scopes:
        if s.role >= Role.EDITOR:
            q |= Q(path__startswith=s.path)
    return q


def paths_q(field: str, paths: list[str]) -> Q:
    """Records whose `field` (an organisation's path) starts with one of these paths.

    On SQLite as a range (`path <= field < the path's successor`): its LIKE is case-insensitive
    and reads no index, so a subtree's organisations were found by scanning every one (10,000:
    1 ms per policy test); a range reads the subtree's entries of the path index alone."""
    q = Q(pk__in=[])
    for path in paths:
        if connection.vendor == "sqlite" and path:
            after = path[:-1] + chr(ord(path[-1]) + 1)
            q |= Q(**{f"{field}__gte": path, f"{field}__lt": after})
        else:
            q |= Q(**{f"{field}__startswith": path})
    return q


def visible_q(
    user: Any,
    model: type[Any],
    *,
    action: Action = Action.READ,
    prefix: str = "",
    sharing: bool = True,
    counting: bool = False,
) -> Q:
    """The same policy as `can`, as a filter for querysets of `model`.

    With `prefix` (e.g. "organisation__"), the filter applies to a related record of `model`
    through a join, e.g. positions whose organisation the user may read. With `sharing=False`, the
    records readable only because they are shared with the user's organisations are left out: a
    subset of the readable records, cheaper to test (see `sharing_widens`). With `counting`, the
    same rules in the form that suits counting many rows (see `_owned_below_q`).
    """
    p = principal_for(user)
    if p.user_id is None:
        return Q(pk__in=[])
    if p.is_superuser:
        return Q()
    readable = _open_level_q(p, prefix)
    restricted_read = p.clearance >= Classification.RESTRICTED and bool(p.scopes)
    embargoed = bool(getattr(model, "embargo_field", None))
    if restricted_read or embargoed:  # else the insider test is not part of the filter: not built
        insider = (
            _insider_q(p, model, prefix, sharing=sharing, counting=counting) if p.scopes else Q(pk__in=[])
        )
        if restricted_read:
            readable |= Q(**{f"{prefix}classification": Classification.RESTRICTED}) & insider
        if embargoed:
            readable &= _lifted_q(model, prefix) | insider
    if not embargoed and getattr(model, "read_by_ids", False):
        ids = _narrow_readable_ids(p, model)
        if ids is not None:
            readable = Q(**{f"{prefix}pk__in": ids})
    if action is Action.READ:
        return readable
    role = _NEEDED_ROLE[action]
    return readable & paths_q(f"{prefix}owner__path", [s.path for s in p.scopes if s.role >= role])


def _open_level_q(p: Principal, prefix: str = "") -> Q:
    """Records whose classification is open to the user's clearance (public, internal)."""
    return Q(**{f"{prefix}classification__lte": min(p.clearance, Classification.INTERNAL)})


def _lifted_q(model: type[Any], prefix: str = "") -> Q:
    """Records under no embargo, or whose embargo has lifted (every record of a model without one)."""
    embargo_field = getattr(model, "embargo_field", None)
    if not embargo_field:
        return Q()
    return Q(**{f"{prefix}{embargo_field}__isnull": True}) | Q(
        **{f"{prefix}{embargo_field}__lte": timezone.now()}
    )


# Records of a `read_by_ids` model (mostly restricted, e.g. members) are read by a user whose roles
# cover at most NARROW_SCOPE organisations through the list of the ids they may read, when at most
# READABLE_IDS: the database then fetches those rows by primary key, instead of walking the whole
# table in list order until a page of rows passes the owner-path test (which a join or an OR with
# the records shared with them leaves it to do). Wider scopes keep the path test: most rows pass.
NARROW_SCOPE = 500
READABLE_IDS = 5000


def _narrow_scope(p: Principal) -> list[int] | None:
    """The organisations under the user's roles, when they are few; None when many (remembered for
    the principal: a wide scope stays wide)."""
    if p.cache.get("wide"):
        return None
    if "scope" in p.cache:
        cached: list[int] = p.cache["scope"]
        return cached
    ids = list(
        _organisations_below([s.path for s in p.scopes]).values_list("pk", flat=True)[: NARROW_SCOPE + 1]
    )
    if len(ids) > NARROW_SCOPE:
        p.cache["wide"] = True
        return None
    p.cache["scope"] = ids  # the organisations below one's roles change rarely; not within a request
    return ids


def _narrow_readable_ids(p: Principal, model: type[Any]) -> list[int] | None:
    """For a `read_by_ids` model, the ids of the records a user with a narrow scope may read (open
    to their clearance, owned by their organisations, shared with them), read now in one query;
    None when the scope is wide or the records are too many."""
    if p.clearance < Classification.RESTRICTED or not p.scopes:
        return None
    scope = _narrow_scope(p)
    if scope is None:
        return None
    m2m = model._meta.get_field("shared_with")
    through = m2m.remote_field.through  # type: ignore[union-attr]
    shared = through.objects.filter(
        **{f"{m2m.m2m_reverse_field_name()}_id__in": scope}  # type: ignore[union-attr]
    ).values(f"{m2m.m2m_field_name()}_id")  # type: ignore[union-attr]
    rows = model._base_manager.order_by()
    found = set(
        rows.filter(classification__lte=min(p.clearance, Classification.INTERNAL))
        .values_list("pk", flat=True)
        .union(
            rows.filter(classification=Classification.RESTRICTED, owner_id__in=scope).values_list(
                "pk", flat=True
            ),
            rows.filter(classification=Classification.RESTRICTED, pk__in=shared).values_list("pk", flat=True),
            all=True,
        )
        .order_by()[: READABLE_IDS + 1]
    )
    return sorted(found) if len(found) <= READABLE_IDS else None


def _owned_below_q(prefix: str, paths: list[str], *, counting: bool = False) -> Q:
    """Records whose owner is one of these organisations or below.

    Two forms of the same test. For a page of rows, on PostgreSQL, a join to the owner and a test
    of its path: the planner looks each row's owner up, or hashes the organisations once when it
    reads many rows. As a set of owner ids (`owner_id IN (organisations below the paths)`) for
    counts (`counting`), and always on SQLite:

    - PostgreSQL hashes the subtree's ids, read from the (path, id) index, instead of every
      organisation with its path (1 M members, a committee officer's 10,000 of a status: the
      count 34 → 20 ms);
    - SQLite, given the join, walks the organisations in path order and every record of each,
      testing the records of organisations outside the paths one by one before it reaches those
      inside; with the set it reads the records in their own order (at 100,000 members, a
      committee officer's capped count: 200 ms → 20 ms)."""
    if connection.vendor != "sqlite" and not counting:
        return paths_q(f"{prefix}owner__path", paths)
    return Q(**{f"{prefix}owner_id__in": _organisations_below(paths)})


def _organisations_below(paths: list[str]) -> models.QuerySet[Any]:
    from liaison.directory.models import Organisation

    return Organisation._base_manager.filter(paths_q("path", paths)).order_by().values("pk")


def _insider_q(
    p: Principal, model: type[Any], prefix: str, *, sharing: bool = True, counting: bool = False
) -> Q:
    """Records owned by, or shared with, an organisation the user belongs to (or one below it).

    The shares are tested per record (`Exists`), or for counts (`counting`) as the set of the
    records shared with the organisations below the user's, made once.

    Built once per set of paths (and model, form, database), then shared: the ORM copies the
    subqueries a filter holds before it changes them, and every request of a list asks for it."""
    paths = tuple(dict.fromkeys(s.path for s in p.scopes))
    return _insider_of(cast(Hashable, model), prefix, paths, sharing, counting, connection.vendor)


@lru_cache(maxsize=1024)
def _insider_of(
    model: Any, prefix: str, paths_held: tuple[str, ...], sharing: bool, counting: bool, vendor: str
) -> Q:
    # `vendor` is part of the key only: the forms differ by database (`paths_q`, `_owned_below_q`).
    paths = list(paths_held)
    owned = _owned_below_q(prefix, paths, counting=counting)
    if not sharing:
        return owned
    field = model._meta.get_field("shared_with")
    through = field.remote_field.through  # type: ignore[union-attr]
    record, organisation = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
    if counting:
        shared_ids = through.objects.filter(**{f"{organisation}_id__in": _organisations_below(paths)}).values(
            f"{record}_id"
        )
        return owned | Q(**{f"{prefix}pk__in": shared_ids})
    shared = Exists(
        through.objects.filter(**{record: OuterRef(f"{prefix}pk")}).filter(
            paths_q(f"{organisation}__path", paths)
        )
    )
    return owned | Q(shared)


def sharing_widens(user: Any, model: type[Any]) -> bool:
    """Whether `visible_q(..., sharing=False)` is a different, cheaper filter than the policy's for
    this user: they read some records of `model` through their organisations' roles (beyond what
    is open to their clearance) by a test of the owner's path, next to which the test for records
    shared with them (an `Exists` over the sharing table, for a user with a wide scope a hash of
    every share below their organisations) is the costly part.

    A capped count can then count that subset first (`core.htmx.capped_count`'s `first`): when it
    alone reaches the cap, so does the whole."""
    p = principal_for(user)
    if p.user_id is None or p.is_superuser or not p.scopes:
        return False
    if p.clearance < Classification.RESTRICTED and not getattr(model, "embargo_field", None):
        return False
    # A read_by_ids model read by a narrow scope: by the list of the ids they may read, shares included.
    return not (getattr(model, "read_by_ids", False) and _narrow_scope(p) is not None)


def readable_ids(user: Any, model: type[models.Model], ids: Iterable[int | None]) -> set[int]:
    """Which of these ids of `model` records the user may read (one query; none for no ids).

    In two parts: those open to anyone of the user's clearance (their classification, no
    embargo), then the others through the policy's whole filter. Compiled over all of them, the
    filter's test of the owner's path made PostgreSQL hash every organisation and share (a
    delegation's 290 people: 4.6 ms); the second part holds the few restricted or embargoed
    records, which it looks up one by one (1 ms).

    Lists ask it on every request, and building and compiling the policy's filter cost more than
    running it: the statement is compiled once per model and principal (`_readable_statement`),
    except for models whose filter holds the time (an embargo) or ids read at build time
    (`read_by_ids`)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return set()
    p = principal_for(user)
    key = policy_key(user, model)
    if key is None:
        return set(_readable_query(user, p, model, in_ids("pk", wanted)))
    statement = _READABLE_STATEMENTS.get(
        (model, key), lambda: Prepared(lambda: _readable_query(user, p, model, Q(IdsIn("pk", "ids"))))
    )
    # Compiled on first use, within the request that made it: `user` is this principal's.
    return {pk for (pk,) in statement.rows(ids=wanted)}


def _readable_query(user: Any, p: Principal, model: type[models.Model], ids: Q) -> models.QuerySet[Any]:
    """`readable_ids`' statement for the records `ids` selects, their primary keys."""
    # Unordered: a set is asked for, and the model's default order would sort the rows for nothing.
    records = model._default_manager.filter(ids).order_by()
    if p.user_id is None or p.is_superuser:
        return visible(user, records).values_list("pk", flat=True)
    open_to_all = _open_level_q(p) & _lifted_q(model)
    rest = visible(user, records.exclude(open_to_all))
    return (
        records.filter(open_to_all)
        .values_list("pk", flat=True)
        .union(rest.values_list("pk", flat=True), all=True)
        .order_by()
    )


# `readable_ids`' compiled statements by model and the facts of the reader (`policy_key`).
_READABLE_STATEMENTS: Shapes[Prepared] = Shapes()


def policy_key(user: Any, *models_read: type[models.Model]) -> Hashable | None:
    """What the policy's filters on these models are made of for this user, as the key of
    statements compiled ahead (`core.prepared.Shapes`): users with the same roles and clearance
    get the same filters, and a change of either gives a new key. None when a filter also holds
    what changes by itself (the time, for a model with an embargo) or ids read as it is built
    (`read_by_ids`): such statements are not to be kept."""
    if any(getattr(m, "embargo_field", None) or getattr(m, "read_by_ids", False) for m in models_read):
        return None
    p = principal_for(user)
    return (p.user_id is None, p.is_superuser, p.clearance, p.scopes)


def visible[M: models.Model](
    user: Any,
    queryset: models.QuerySet[M],
    *,
    action: Action = Action.READ,
    sharing: bool = True,
    counting: bool = False,
) -> models.QuerySet[M]:
    return queryset.filter(visible_q(user, queryset.model, action=action, sharing=sharing, counting=counting))


def get_for_user[M: models.Model](
    user: Any,
    queryset: models.QuerySet[M],
    pk: Any,
    *,
    action: Action = Action.READ,
    request: Any = None,
) -> M:
    """Fetch one record the user may act on, or raise the same 404 as for a missing record.

    The record is read by its key, then the policy is asked of it (`can`, the rules `visible_q`
    compiles into filters): compiled into the statement, the policy made PostgreSQL plan its joins
    and subqueries for one row (an activity with its related records: 1.8 ms of planning for
    0.14 ms of execution)."""
    try:
        obj = queryset.select_related("owner").get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can(user, action, cast(OwnedRecord, obj)):
        _log_denied(user, queryset.model, pk, action=action, request=request)
        raise Http404
    return obj


def _log_denied(user: Any, model: type[models.Model], pk: Any, *, action: Action, request: Any) -> None:
    from liaison.core.models import SecurityEventKind
    from liaison.core.security_log import log_security_event

    log_security_event(
        kind=SecurityEventKind.ACCESS_DENIED,
        request=request,
        user=user if getattr(user, "is_authenticated", False) else None,
        detail={"model": model._meta.label, "pk": str(pk), "action": str(action)},
    )


def owns_records(organisation: Any) -> bool:
    """Does any owned record, of any module, belong to this organisation (besides itself)?"""
    from django.apps import apps

    for model in apps.get_models():
        if not issubclass(model, OwnedRecord):
            continue
        owned = model.objects.filter(owner=organisation)
        if model is type(organisation):
            owned = owned.exclude(pk=organisation.pk)
        if owned.exists():
            return True
    return False
