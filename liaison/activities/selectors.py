"""Reads of activities for pages, the API, exports, counts, calendars and feeds.

Every read starts from `visible_activities` (the access policy, embargo included), and every
filtered list, count and export goes through `filtered`, so a number on the counts page is
always the length of the list behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liaison.activities import participation
from liaison.activities.models import (
    INCOMING_KINDS,
    Activity,
    ActivityKind,
    ConferenceSession,
    ConnectedSite,
    Delegation,
    DelegationMember,
    Outcome,
    Participation,
    SessionParticipant,
    pillar_q,
)
from liaison.activities.permissions import approved_or_sending_side_q
from liaison.core import name_index, search
from liaison.core.access import Action, visible, visible_q
from liaison.core.audit import history_for
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


def visible_activities(user: Any) -> QuerySet[Activity]:
    return visible(user, Activity.objects.all())


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


def filtered(user: Any, filters: ActivityFilters) -> QuerySet[Activity]:
    """The activities the user may read that pass the filters (no ordering, no loading)."""
    qs = visible_activities(user)
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
        qs = qs.filter(
            Q(lead_organisation__path__startswith=org)
            | Q(
                pk__in=Activity.co_organisers.through.objects.filter(
                    organisation__path__startswith=org
                ).values("activity_id")
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
        # Groups that look through a many-to-many must not repeat an activity.
        qs = qs.filter(pk__in=Activity.objects.filter(group_q).values("pk"))
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


def activity_detail(user: Any, activity: Activity) -> ActivityDetail:
    """Everything the detail page shows, each part filtered for the user (constant queries)."""
    org_visible = visible_q(user, Organisation)
    person_visible = visible_q(user, Person)
    person_seen = visible_q(user, Person, prefix="person__")  # for the rows that name a person
    orgs = Organisation.objects.filter(org_visible).prefetch_related(
        Prefetch("names", queryset=_organisation_names())
    )
    people = Person.objects.filter(person_visible).prefetch_related(
        Prefetch("names", queryset=_person_names())
    )
    delegations = list(
        activity.delegations.select_related("organisation", "submitted_by", "decided_by")
        .annotate(
            organisation_visible=_visible_org(user, "organisation_id"),
            members_visible=Exists(
                Delegation.objects.filter(pk=OuterRef("pk")).filter(approved_or_sending_side_q(user))
            ),
        )
        .prefetch_related(
            Prefetch("organisation__names", queryset=_organisation_names()),
            Prefetch(
                "members",
                queryset=DelegationMember.objects.filter(person_seen)
                .select_related("person")
                .prefetch_related(Prefetch("person__names", queryset=_person_names()))
                .order_by("protocol_order", "id"),
            ),
            Prefetch("stops", queryset=activity_stops()),
        )
    )
    sessions = list(
        activity.sessions.prefetch_related(
            Prefetch(
                "participants",
                queryset=SessionParticipant.objects.filter(person_seen)
                .select_related("person")
                .prefetch_related(Prefetch("person__names", queryset=_person_names()))
                .order_by("role", "order", "id"),
            )
        ).order_by("starts_at", "id")
    )
    sites = list(
        activity.sites.select_related("locality", "host_organisation", "chair")
        .annotate(
            host_visible=_visible_org(user, "host_organisation_id"),
            chair_visible=_visible_person(user, "chair_id"),
        )
        .prefetch_related(
            Prefetch("host_organisation__names", queryset=_organisation_names()),
            Prefetch("chair__names", queryset=_person_names()),
        )
        .order_by("locality__name_en", "room", "id")
    )
    outcomes = list(
        activity.outcomes.select_related("responsible")
        .annotate(responsible_visible=_visible_org(user, "responsible_id"))
        .prefetch_related(
            Prefetch("parties", queryset=orgs), Prefetch("responsible__names", queryset=_organisation_names())
        )
    )
    lead_visible = orgs.filter(pk=activity.lead_organisation_id).exists()
    leader_visible = activity.leader_id is not None and people.filter(pk=activity.leader_id).exists()
    return ActivityDetail(
        activity=activity,
        co_organisers=list(orgs.filter(co_organised_activities=activity)),
        counterparts=list(orgs.filter(counterpart_activities=activity)),
        delegations=delegations,
        sessions=sessions,
        sites=sites,
        outcomes=outcomes,
        lead_visible=lead_visible,
        leader_visible=leader_visible,
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
