"""Reads of activities for pages, the API, exports, counts, calendars and feeds.

Every read starts from `visible_activities` (the access policy, embargo included), and every
filtered list, count and export goes through `filtered`, so a number on the counts page is
always the length of the list behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from liaison.activities import participation
from liaison.activities.models import (
    INCOMING_KINDS,
    Activity,
    ActivityKind,
    ConferenceSession,
    ConnectedSite,
    ConnectionStatus,
    Delegation,
    DelegationMember,
    Outcome,
    Participation,
    SessionParticipant,
    pillar_q,
)
from liaison.activities.permissions import approved_or_sending_side_q, sees_composition
from liaison.core import name_index, search
from liaison.core.access import Action, readable_ids, sharing_widens, visible, visible_q
from liaison.core.audit import history_for
from liaison.core.listed_names import attach_names
from liaison.core.models import AuditEvent
from liaison.directory.models import Organisation, OrganisationKind, OrganisationName, Person, PersonName
from liaison.directory.selectors import LIST_NAME_FIELDS, country_id

# The matcher ranks at most this many people and organisations for a search box.
SEARCH_LIMIT = 200

SORTS = {
    "start": ("starts_at", "id"),
    "-start": ("-starts_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}

# Named groups the articles count, usable as a list filter (`?group=`).
GROUPS: dict[str, tuple[Any, Q]] = {
    "leader_visits_abroad": (
        _("Visits abroad by key leaders"),
        Q(kind=ActivityKind.OUTGOING_VISIT, high_level=True),
    ),
    "incoming_leaders": (
        _("Incoming delegations of leaders and international organisations"),
        Q(kind__in=INCOMING_KINDS)
        & (
            Q(high_level=True)
            | Q(counterpart_organisations__kind=OrganisationKind.INTERNATIONAL_ORGANISATION)
        ),
    ),
    "high_level": (_("High-level activities"), Q(high_level=True)),
    "conferences": (_("Conferences"), Q(kind=ActivityKind.CONFERENCE)),
}


# The groups whose condition joins a many-to-many relation (an activity could come twice).
GROUPS_THROUGH_MANY = frozenset({"incoming_leaders"})


@dataclass(frozen=True)
class ActivityFilters:
    q: str = ""
    pillar: str = ""
    kinds: tuple[str, ...] = ()
    organisation: int | None = None
    country: str = ""
    level: str = ""  # "high" for high-level only
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    group: str = ""
    person: int | None = None
    sort: str = "-start"
    statuses: tuple[str, ...] = field(default_factory=tuple)


def site_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the site's time zone (dates in filters are the site's days)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=site_zone())


def db_moment(value: Any) -> dt.datetime:
    """A datetime column as the database driver returns it, read as Django's converter would:
    an aware datetime (PostgreSQL), or SQLite's text of a UTC time ("YYYY-MM-DD HH:MM:SS[.ffffff]").
    For rows read through a cursor: Django's converters cost a settings lookup and a parse per value."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value  # type: ignore[no-any-return]


def visible_activities(user: Any, *, sharing: bool = True) -> QuerySet[Activity]:
    return visible(user, Activity.objects.all(), sharing=sharing)


def to_count_first(user: Any, filters: ActivityFilters) -> QuerySet[Activity] | None:
    """The part of `filtered(user, filters)` a capped count reads first (`htmx.capped_count`), when
    cheaper: the activities the user reads through their roles or clearance, not through shares.
    Only for the whole register (no filter): a filtered list is mostly under the cap, and the
    first count would come short and the whole be counted as well."""
    if replace(filters, sort=ActivityFilters.sort) != ActivityFilters():
        return None
    return filtered(user, filters, sharing=False) if sharing_widens(user, Activity) else None


def _taking_part_q(user: Any, people: Any) -> Q:
    """Activities in which the user may see that one of `people` (ids the user may read) takes
    part: as leader, chair or speaker, or as a delegation member where the user may see the
    delegation's composition (approved, the sending side, or those who may change the activity)."""
    others = Participation.objects.filter(person_id__in=people).exclude(capacity=participation.MEMBER)
    members = DelegationMember.objects.filter(person_id__in=people).filter(
        approved_or_sending_side_q(user, prefix="delegation__")
        | visible_q(user, Activity, action=Action.CHANGE, prefix="activity__")
    )
    return Q(pk__in=others.values("activity_id")) | Q(pk__in=members.values("activity_id"))


def _names_q(user: Any, q: str) -> Q:
    """Activities whose people or organisations match `q` in the shared matcher, or whose text does.
    Only people and organisations the user may read are looked for (a search must not reveal
    where a hidden person or organisation appears)."""
    matched_people = [m.key for m in name_index.lookup(kind="person", query=q, limit=SEARCH_LIMIT)]
    matched_orgs = [m.key for m in name_index.lookup(kind="organisation", query=q, limit=SEARCH_LIMIT)]
    people = list(visible(user, Person.objects.filter(pk__in=matched_people)).values_list("pk", flat=True))
    orgs = list(visible(user, Organisation.objects.filter(pk__in=matched_orgs)).values_list("pk", flat=True))
    texts = search.matching_ids(kind="activity", query=q)
    found = Q(pk__in=texts)
    if people:
        found |= _taking_part_q(user, people)
    if orgs:
        found |= (
            Q(lead_organisation_id__in=orgs)
            | Q(
                pk__in=Activity.co_organisers.through.objects.filter(organisation_id__in=orgs).values(
                    "activity_id"
                )
            )
            | Q(
                pk__in=Activity.counterpart_organisations.through.objects.filter(
                    organisation_id__in=orgs
                ).values("activity_id")
            )
        )
    return found


def filtered(user: Any, filters: ActivityFilters, *, sharing: bool = True) -> QuerySet[Activity]:
    """The activities the user may read that pass the filters (no ordering, no loading);
    `sharing`: see `access.visible_q`."""
    qs = visible_activities(user, sharing=sharing)
    if filters.q.strip():
        qs = qs.filter(_names_q(user, filters.q.strip()))
    if filters.pillar:
        qs = qs.filter(pillar_q(filters.pillar))
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.level == "high":
        qs = qs.filter(high_level=True)
    if filters.organisation is not None:
        # An organisation the user may not read filters like a missing one: nothing.
        org = (
            visible(user, Organisation.objects.filter(pk=filters.organisation))
            .values_list("path", flat=True)
            .first()
        )
        if org is None:
            return qs.none()
        # The organisation and the units below it, by id: the activities are then found through
        # the indexes on their lead organisation and co-organisers, not by reading every
        # activity's lead organisation's path (nor every co-organiser's).
        unit_ids = Organisation._base_manager.filter(path__startswith=org).order_by().values("pk")
        qs = qs.filter(
            Q(lead_organisation_id__in=unit_ids)
            | Q(
                pk__in=Activity.co_organisers.through.objects.filter(organisation_id__in=unit_ids).values(
                    "activity_id"
                )
            )
        )
    if filters.country:
        country = country_id(filters.country)
        qs = qs.filter(
            Q(country_id=country)
            | Q(
                pk__in=Activity.counterpart_countries.through.objects.filter(country_id=country).values(
                    "activity_id"
                )
            )
        )
    if filters.date_from is not None:
        qs = qs.filter(starts_at__gte=day_start(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(starts_at__lt=day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.person is not None:
        person = visible(user, Person.objects.filter(pk=filters.person)).values_list("pk", flat=True)
        qs = qs.filter(_taking_part_q(user, list(person)))
    if filters.group in GROUPS:
        group_q = GROUPS[filters.group][1]
        if filters.group in GROUPS_THROUGH_MANY:
            # Groups that look through a many-to-many must not repeat an activity.
            qs = qs.filter(pk__in=Activity.objects.filter(group_q).values("pk"))
        else:
            # The others are conditions on the activity's own columns (and their indexes).
            qs = qs.filter(group_q)
    return qs


def _visible_org(user: Any, field: str) -> Exists:
    return Exists(visible(user, Organisation.objects.filter(pk=OuterRef(field))))


def _visible_person(user: Any, field: str) -> Exists:
    return Exists(visible(user, Person.objects.filter(pk=OuterRef(field))))


def _organisation_names() -> QuerySet[OrganisationName]:
    return OrganisationName.objects.only(*LIST_NAME_FIELDS, "organisation_id").order_by("id")


def _person_names() -> QuerySet[PersonName]:
    return PersonName.objects.only(*LIST_NAME_FIELDS, "person_id").order_by("id")


def with_list_data(user: Any, qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """What a list row shows: names of the lead organisation and leader (when the user may see
    them), place and country. A fixed number of queries whatever the page size."""
    return (
        qs.annotate(
            lead_visible=_visible_org(user, "lead_organisation_id"),
            leader_visible=_visible_person(user, "leader_id"),
        )
        .select_related("lead_organisation", "leader", "city", "country")
        .prefetch_related(
            Prefetch("lead_organisation__names", queryset=_organisation_names()),
            Prefetch("leader__names", queryset=_person_names()),
        )
    )


def activity_list_for_user(user: Any, filters: ActivityFilters) -> QuerySet[Activity]:
    qs = filtered(user, filters)
    return with_list_data(user, qs).order_by(*SORTS.get(filters.sort, SORTS["-start"]))


# --- Detail ------------------------------------------------------------------------------------


# The detail page lists at most this many members per delegation and this many connected sites
# (a head of government's delegation has hundreds, a national conference 63 sites); "More…"
# brings the section back whole (`views_parts.section`). The API lists everything.
MEMBERS_SHOWN = 20
SITES_SHOWN = 20


@dataclass
class ActivityDetail:
    activity: Activity
    co_organisers: list[Organisation]
    counterparts: list[Organisation]
    delegations: list[Delegation]
    sessions: list[ConferenceSession]
    sites: list[ConnectedSite]
    outcomes: list[Outcome]
    lead_visible: bool
    leader_visible: bool
    # Every connected site, shown or not, and how many there are of each connection status
    # (label, number), in the order of the statuses' values.
    sites_total: int = 0
    site_statuses: list[tuple[str, int]] = field(default_factory=list)

    @property
    def sites_capped(self) -> bool:
        return self.sites_total > len(self.sites)


def page_detail(user: Any, activity: Activity, *, whole: bool = False) -> ActivityDetail:
    """`activity_detail` as the detail page and its sections show it: the first MEMBERS_SHOWN
    members of each delegation and SITES_SHOWN sites, or every one (`whole`)."""
    if whole:
        return activity_detail(user, activity)
    return activity_detail(user, activity, members_shown=MEMBERS_SHOWN, sites_shown=SITES_SHOWN)


def activity_detail(
    user: Any, activity: Activity, *, members_shown: int | None = None, sites_shown: int | None = None
) -> ActivityDetail:
    """Everything the detail page shows, each part filtered for the user (constant queries).

    Each delegation's `shown_members` are the members the user may see, in protocol order; with
    `members_shown`, only the first ones (`members_count` says how many there are). With
    `sites_shown`, `sites` holds the first sites only (`sites_total` counts them all). Which of the
    people and organisations named the user may read is asked once per kind (`readable_ids`), the
    members being read as (id, delegation, person) rows first, so that only those shown become
    model instances; the names of every person and organisation shown are read at the end, one
    query per kind (`listed_names`)."""
    delegations = list(
        activity.delegations.select_related("organisation", "submitted_by", "decided_by").prefetch_related(
            Prefetch("stops", queryset=activity_stops())
        )
    )
    member_rows: list[tuple[int, int, int]] = []
    if delegations:
        member_rows = list(
            DelegationMember.objects.filter(delegation_id__in=[d.pk for d in delegations])
            .order_by("protocol_order", "id")
            .values_list("pk", "delegation_id", "person_id")
        )
    sessions = list(activity.sessions.order_by("starts_at", "id"))
    speakers: list[int] = []
    if sessions:
        speakers = list(
            SessionParticipant.objects.filter(session_id__in=[s.pk for s in sessions])
            .order_by()
            .values_list("person_id", flat=True)
        )
    site_rows = activity.sites.select_related("locality", "host_organisation", "chair").order_by(
        "locality__name_en", "room", "id"
    )
    statuses = dict(ConnectionStatus.choices)
    by_status = dict(
        ConnectedSite.objects.filter(activity_id=activity.pk)
        .order_by()
        .values_list("connection_status")
        .annotate(n=Count("pk"))
        .values_list("connection_status", "n")
    )
    sites_total = sum(by_status.values())
    capped = sites_shown is not None and sites_total > sites_shown
    sites = list(site_rows[:sites_shown] if capped else site_rows)
    outcomes = list(activity.outcomes.select_related("responsible"))
    if outcomes:
        orgs = visible(user, Organisation.objects.all())
        prefetch_related_objects(outcomes, Prefetch("parties", queryset=orgs))
    # The co-organisers and the foreign counterparts, in one query (each in the organisations' order).
    both = list(
        Organisation.objects.filter(co_organised_activities=activity)
        .annotate(counterpart=Value(False))
        .order_by()
        .union(
            Organisation.objects.filter(counterpart_activities=activity)
            .annotate(counterpart=Value(True))
            .order_by(),
            all=True,
        )
        .order_by("sort_name", "id")
    )
    co_organisers = [o for o in both if not o.counterpart]  # type: ignore[attr-defined]
    counterparts = [o for o in both if o.counterpart]  # type: ignore[attr-defined]
    # Which of the organisations and people named one to one may the user read: one query each.
    readable_orgs = readable_ids(
        user,
        Organisation,
        [
            activity.lead_organisation_id,
            *(o.pk for o in co_organisers),
            *(o.pk for o in counterparts),
            *(d.organisation_id for d in delegations),
            *(site.host_organisation_id for site in sites),
            *(o.responsible_id for o in outcomes),
        ],
    )
    readable_people = readable_ids(
        user,
        Person,
        [activity.leader_id, *(m[2] for m in member_rows), *speakers, *(site.chair_id for site in sites)],
    )
    # Each delegation's members the user may see, in protocol order; the first ones as instances.
    seen: dict[int, list[int]] = {d.pk: [] for d in delegations}
    for pk, delegation_id, person_id in member_rows:
        if person_id in readable_people:
            seen[delegation_id].append(pk)
    shown = {d: pks if members_shown is None else pks[:members_shown] for d, pks in seen.items()}
    wanted = [pk for pks in shown.values() for pk in pks]
    loaded: dict[int, DelegationMember] = {}
    if wanted:
        loaded = {m.pk: m for m in DelegationMember.objects.filter(pk__in=wanted).select_related("person")}
    if sessions:
        prefetch_related_objects(
            sessions,
            Prefetch(
                "participants",
                queryset=SessionParticipant.objects.filter(
                    person_id__in=sorted({p for p in speakers if p in readable_people})
                )
                .select_related("person")
                .order_by("role", "order", "id"),
            ),
        )
    co_organisers = [o for o in co_organisers if o.pk in readable_orgs]
    counterparts = [o for o in counterparts if o.pk in readable_orgs]
    lead_visible = activity.lead_organisation_id in readable_orgs
    leader_visible = activity.leader_id in readable_people
    for d in delegations:
        d.organisation_visible = d.organisation_id in readable_orgs  # type: ignore[attr-defined]
        d.members_visible = sees_composition(  # type: ignore[attr-defined]
            user, d.composition_status, d.organisation.path
        )
        d.members_count = len(seen[d.pk])  # type: ignore[attr-defined]
        d.shown_members = [loaded[pk] for pk in shown[d.pk]]  # type: ignore[attr-defined]
    for site in sites:
        site.host_visible = site.host_organisation_id in readable_orgs  # type: ignore[attr-defined]
        site.chair_visible = site.chair_id in readable_people  # type: ignore[attr-defined]
    for o in outcomes:
        o.responsible_visible = o.responsible_id in readable_orgs  # type: ignore[attr-defined]
    named: list[Any] = [*co_organisers, *counterparts]
    named += [activity.lead_organisation] if lead_visible else []
    named += [activity.leader] if leader_visible else []
    for d in delegations:
        named += [d.organisation] if d.organisation_visible else []  # type: ignore[attr-defined]
        named += [m.person for m in d.shown_members]  # type: ignore[attr-defined]
    for s in sessions:
        named += [p.person for p in s.participants.all()]
    for site in sites:
        named += [site.host_organisation] if site.host_visible else []  # type: ignore[attr-defined]
        named += [site.chair] if site.chair_visible else []  # type: ignore[attr-defined]
    for o in outcomes:
        named += list(o.parties.all())
        named += [o.responsible] if o.responsible_visible else []  # type: ignore[attr-defined]
    attach_names(named)
    return ActivityDetail(
        activity=activity,
        co_organisers=co_organisers,
        counterparts=counterparts,
        delegations=delegations,
        sessions=sessions,
        sites=sites,
        outcomes=outcomes,
        lead_visible=lead_visible,
        leader_visible=leader_visible,
        sites_total=sites_total,
        site_statuses=[(str(statuses.get(k, k)), n) for k, n in sorted(by_status.items())],
    )


def activity_stops() -> QuerySet[Any]:
    from liaison.activities.models import ItineraryStop

    return ItineraryStop.objects.select_related("city", "country").order_by("order", "arrives_on", "id")


def history(activity: Activity) -> QuerySet[AuditEvent]:
    return history_for(activity)[:200]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> dt.date | None:
    from django.utils.dateparse import parse_date

    try:
        day = parse_date(value) if value else None
    except ValueError:
        return None
    # Far-off years are no one's activities and overflow time-zone arithmetic: ignore them.
    return day if day is not None and 1900 <= day.year <= 2200 else None


def filters_from(params: Any) -> ActivityFilters:
    """Filters from query parameters (pages, API, exports, counts, feeds share these names):
    q, pillar, kind (repeatable or comma-separated), organisation, country, level, status,
    from, to (YYYY-MM-DD, days of the site's zone), group, person, sort. Unknown values are
    ignored rather than refused, so a hand-edited address still shows a list."""
    get = params.get
    kinds: list[str] = []
    raw_kinds = params.getlist("kind") if hasattr(params, "getlist") else [get("kind") or ""]
    for raw in raw_kinds:
        kinds.extend(k for k in str(raw).split(",") if k in ActivityKind.values)
    from liaison.activities.models import ActivityStatus
    from liaison.core.models import Pillar

    pillar = get("pillar") or ""
    status = get("status") or ""
    group = get("group") or ""
    sort = get("sort") or "-start"
    return ActivityFilters(
        q=(get("q") or "")[:200],
        pillar=pillar if pillar in Pillar.values else "",
        kinds=tuple(dict.fromkeys(kinds)),
        organisation=_int(get("organisation")),
        country=(get("country") or "")[:2],
        level="high" if get("level") == "high" else "",
        status=status if status in ActivityStatus.values else "",
        date_from=_date(get("from")),
        date_to=_date(get("to")),
        group=group if group in GROUPS else "",
        person=_int(get("person")),
        sort=sort if sort in SORTS else "-start",
    )
