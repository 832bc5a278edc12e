"""Derived rows of who takes part in an activity and when, for the double-booking warning.

Every service that changes an activity's people, times or status calls `refresh`; the rows are
never edited otherwise. A leader, a delegation member (either side) and a site's chair take the
activity's whole time; a session's chair or speaker takes the session's time.
"""

from __future__ import annotations

import datetime as dt

from liaison.activities.models import (
    INACTIVE_STATUSES,
    Activity,
    ConnectedSite,
    DelegationMember,
    Participation,
    SessionParticipant,
    is_long_running,
)

LEADER, MEMBER, SESSION, SITE = "leader", "member", "session", "site"


def rows_for(activity: Activity) -> list[Participation]:
    active = activity.status not in INACTIVE_STATUSES
    whole = (activity.starts_at, activity.ends_at)
    rows: dict[tuple[int, str, tuple[dt.datetime, dt.datetime]], Participation] = {}

    def add(person_id: int | None, capacity: str, span: tuple[dt.datetime, dt.datetime]) -> None:
        if person_id is None:
            return
        rows.setdefault(
            (person_id, capacity, span),
            Participation(
                activity_id=activity.pk,
                person_id=person_id,
                starts_at=span[0],
                ends_at=span[1],
                long_running=is_long_running(*span),
                capacity=capacity,
                active=active,
            ),
        )

    add(activity.leader_id, LEADER, whole)
    for person_id in DelegationMember.objects.filter(activity_id=activity.pk).values_list(
        "person_id", flat=True
    ):
        add(person_id, MEMBER, whole)
    for person_id in (
        ConnectedSite.objects.filter(activity_id=activity.pk)
        .exclude(chair=None)
        .values_list("chair_id", flat=True)
    ):
        add(person_id, SITE, whole)
    for person_id, start, end in SessionParticipant.objects.filter(activity_id=activity.pk).values_list(
        "person_id", "session__starts_at", "session__ends_at"
    ):
        add(person_id, SESSION, (start, end))
    # A person's session inside the activity's time adds nothing to their whole-time rows.
    whole_people = {pid for (pid, cap, _span) in rows if cap != SESSION}
    return [row for (pid, cap, _span), row in rows.items() if cap != SESSION or pid not in whole_people]


def refresh(activity: Activity) -> None:
    Participation.objects.filter(activity_id=activity.pk).delete()
    Participation.objects.bulk_create(rows_for(activity))
