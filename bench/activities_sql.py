"""The activities list API's page in hand-written SQL: the other side of the side-by-side comparison.

``GET /api/activities/?…&limit=50`` answered with the same JSON (same fields, same rows, same
order) without the ORM, the serialiser or django-ninja: a bearer-token check and the user's
memberships (two queries), the capped count (``COUNT(*)`` over at most ``COUNT_CAP + 1`` rows),
the page (visibility condition of ``core.access`` for ``Activity`` — classification, RESTRICTED
insiders through the owner's path or ``shared_with``, the embargo — the filters, ordering, limit
and offset, joined to city, country and the lead organisation's and leader's sort names), then
the names shown: the lead organisations and leaders the user may read, with their names, one
query each. ``q`` goes through the same shared matcher (``name_index.lookup``) and full-text
search (``search.matching_ids``) as the product: those are the search, not the list.

Served like the product (waitress, the same settings module and middleware, pinned by the
runner to the same core), with its own URLconf:

    DATABASE_URL=... uv run python bench/activities_sql.py --port 8767 --threads 4

``page_json(...)`` is also called in process by ``activities_run.py`` to count and replay its SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import sys
from typing import Any

import common

COUNT_CAP = 10_000  # liaison.core.htmx.COUNT_CAP
MAX_LIMIT = 200  # liaison.core.api_support.MAX_LIMIT
CLASSIFICATION = {0: "public", 1: "internal", 2: "restricted"}
INTERNAL, RESTRICTED = 1, 2
EDITOR = 20  # liaison.core.access.Role.EDITOR
KINDS = {
    "outgoing_visit",
    "incoming_visit",
    "reception",
    "talks",
    "meeting",
    "conference",
    "signing",
    "ceremony",
    "other",
}
PILLARS = ("party", "state", "people", "foreign")
STATUSES = {"proposed", "approved", "prepared", "under_way", "done", "reported", "cancelled", "postponed"}
GROUP_SQL = {
    "leader_visits_abroad": "a.high_level = TRUE AND a.kind = 'outgoing_visit'",
    "high_level": "a.high_level = TRUE",
    "conferences": "a.kind = 'conference'",
}


class Principal:
    __slots__ = ("clearance", "language", "paths", "scopes", "superuser", "user_id")

    def __init__(
        self, user_id: int, superuser: bool, clearance: int, scopes: list[tuple[str, int]], language: str
    ) -> None:
        self.user_id = user_id
        self.superuser = superuser
        self.clearance = clearance
        self.scopes = scopes  # (path, role) of each membership
        self.paths = [path for path, _ in scopes]
        self.language = language


def authenticate(cursor: Any, header: str) -> Principal | None:
    """Bearer token → user and memberships (what `TokenAuth` and `principal_for` read)."""
    if not header.startswith("Bearer "):
        return None
    parts = header[7:].strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "lsn":
        return None
    cursor.execute(
        "SELECT t.key_hash, t.expires_at, u.id, u.is_active, u.is_superuser, u.clearance, u.language "
        "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.prefix = %s LIMIT 1",
        [parts[1]],
    )
    row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[0], hashlib.sha256(parts[2].encode()).hexdigest()):
        return None
    if row[1] is not None and _aware(row[1]) < dt.datetime.now(dt.UTC):
        return None
    if not row[3]:
        return None
    cursor.execute(
        "SELECT o.path, m.role FROM accounts_membership m "
        "JOIN directory_organisation o ON o.id = m.organisation_id "
        "WHERE m.user_id = %s",
        [row[2]],
    )
    return Principal(row[2], bool(row[4]), row[5], [(r[0], r[1]) for r in cursor.fetchall()], row[6] or "")


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _iso(value: Any) -> str | None:
    """The API's datetime format (ISO 8601, UTC offset) from either database's value."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite without converters: "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC
        return value.replace(" ", "T") + "Z"
    if value.tzinfo is None:  # SQLite: naive, in UTC
        return value.isoformat() + "Z"
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _paths_sql(column: str, paths: list[str], params: list[Any]) -> str:
    params.extend(p + "%" for p in paths)
    return "(" + " OR ".join(f"{column} LIKE %s" for _ in paths) + ")"


def visible_sql(
    p: Principal,
    *,
    alias: str,
    owner: str,
    shared_table: str,
    shared_record: str,
    shared_org: str,
    embargo: str | None,
    now: Any,
    params: list[Any],
) -> str:
    """`core.access.visible_q` for READ, written out: `owner` is the alias of the owning
    organisation (joined by the caller)."""
    if p.superuser:
        return "1 = 1"
    level = min(p.clearance, INTERNAL)
    readable = f"{alias}.classification <= {int(level)}"

    def insider() -> str:
        if not p.paths:
            return "1 = 0"
        own = _paths_sql(f"{owner}.path", p.paths, params)
        shared = _paths_sql("so.path", p.paths, params)
        return (
            f"({own} OR EXISTS (SELECT 1 FROM {shared_table} sw JOIN directory_organisation so "
            f"ON so.id = sw.{shared_org} WHERE sw.{shared_record} = {alias}.id AND {shared}))"
        )

    if p.clearance >= RESTRICTED and p.paths:
        readable = f"({readable} OR ({alias}.classification = {RESTRICTED} AND {insider()}))"
    if embargo:
        params.append(now)
        lifted = f"({alias}.{embargo} IS NULL OR {alias}.{embargo} <= %s OR {insider()})"
        readable = f"({readable} AND {lifted})"
    return readable


def _in(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def page_json(cursor: Any, connection: Any, p: Principal, params: Any, language: str) -> bytes:
    """The list API's response body for these query parameters."""
    from django.utils import timezone

    from liaison.activities.selectors import filters_from

    f = filters_from(params)
    try:
        limit = max(1, min(int(params.get("limit") or 50), MAX_LIMIT))
        offset = max(0, int(params.get("offset") or 0))
    except ValueError:
        limit, offset = 50, 0
    adapt = connection.ops.adapt_datetimefield_value
    where_params: list[Any] = []
    where = [
        visible_sql(
            p,
            alias="a",
            owner="ow",
            shared_table="activities_activity_shared_with",
            shared_record="activity_id",
            shared_org="organisation_id",
            embargo="embargo_until",
            now=adapt(timezone.now()),
            params=where_params,
        )
    ]
    if f.q.strip():
        from liaison.core import name_index, search

        # Only people and organisations the user may read are looked for.
        q = f.q.strip()
        people = _visible_ids(
            cursor, p, "person", [m.key for m in name_index.lookup(kind="person", query=q, limit=200)]
        )
        orgs = _visible_ids(
            cursor,
            p,
            "organisation",
            [m.key for m in name_index.lookup(kind="organisation", query=q, limit=200)],
        )
        texts = search.matching_ids(kind="activity", query=q)
        found = [f"a.id IN ({_in(texts)})"] if texts else []
        if people:
            found.append(_taking_part_sql(cursor, p, people, where_params))
        if orgs:
            found += [
                f"a.lead_organisation_id IN ({_in(orgs)})",
                "a.id IN (SELECT activity_id FROM activities_activity_co_organisers "
                f"WHERE organisation_id IN ({_in(orgs)}))",
                "a.id IN (SELECT activity_id FROM activities_activity_counterpart_organisations "
                f"WHERE organisation_id IN ({_in(orgs)}))",
            ]
        where.append("(" + " OR ".join(found) + ")" if found else "1 = 0")
    if f.pillar in PILLARS:
        where.append("a.pillars LIKE %s")
        where_params.append(f"%,{f.pillar},%")
    kinds = [k for k in f.kinds if k in KINDS]
    if kinds:
        where.append("a.kind IN (" + ", ".join("%s" for _ in kinds) + ")")
        where_params += kinds
    if f.status in STATUSES:
        where.append("a.status = %s")
        where_params.append(f.status)
    if f.level == "high":
        where.append("a.high_level = TRUE")
    if f.organisation is not None:
        # An organisation the user may not read filters like a missing one.
        row = None
        if _visible_ids(cursor, p, "organisation", [f.organisation]):
            cursor.execute("SELECT path FROM directory_organisation WHERE id = %s", [f.organisation])
            row = cursor.fetchone()
        if row is None:
            where.append("1 = 0")
        else:
            where.append(
                "(lo.path LIKE %s OR a.id IN (SELECT c.activity_id FROM activities_activity_co_organisers c "
                "JOIN directory_organisation co_o ON co_o.id = c.organisation_id WHERE co_o.path LIKE %s))"
            )
            where_params += [row[0] + "%", row[0] + "%"]
    if f.country:
        where.append(
            "(a.country_id = (SELECT id FROM directory_country WHERE code = %s) OR a.id IN ("
            "SELECT t.activity_id FROM activities_activity_counterpart_countries t "
            "JOIN directory_country tc ON tc.id = t.country_id WHERE tc.code = %s))"
        )
        where_params += [f.country.upper(), f.country.upper()]
    from liaison.activities.selectors import day_start

    if f.date_from is not None:
        where.append("a.starts_at >= %s")
        where_params.append(adapt(day_start(f.date_from)))
    if f.date_to is not None:
        where.append("a.starts_at < %s")
        where_params.append(adapt(day_start(f.date_to + dt.timedelta(days=1))))
    if f.person is not None:
        person = _visible_ids(cursor, p, "person", [f.person])
        where.append(_taking_part_sql(cursor, p, person, where_params) if person else "1 = 0")
    if f.group in GROUP_SQL:
        where.append(GROUP_SQL[f.group])
    elif f.group == "incoming_leaders":
        where.append(
            "a.kind IN ('incoming_visit', 'reception') AND (a.high_level = TRUE OR a.id IN ("
            "SELECT t.activity_id FROM activities_activity_counterpart_organisations t "
            "JOIN directory_organisation io ON io.id = t.organisation_id "
            "WHERE io.kind = 'international_organisation'))"
        )
    order = {
        "start": "a.starts_at, a.id",
        "-start": "a.starts_at DESC, a.id DESC",
        "updated": "a.updated_at, a.id",
        "-updated": "a.updated_at DESC, a.id DESC",
    }[f.sort]
    # The owner's path is needed by the access condition only; the lead organisation's by the
    # organisation filter and for its sort name on the page.
    owner_join = "" if p.superuser else "JOIN directory_organisation ow ON ow.id = a.owner_id "
    lead_join = "JOIN directory_organisation lo ON lo.id = a.lead_organisation_id "
    count_from = (
        "FROM activities_activity a " + owner_join + (lead_join if f.organisation is not None else "")
    )
    joins = "FROM activities_activity a " + owner_join + lead_join
    condition = " AND ".join(where)

    cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT a.id {count_from}WHERE {condition} LIMIT {COUNT_CAP + 1}) x",
        where_params,
    )
    counted = cursor.fetchone()[0]

    cursor.execute(
        "SELECT a.id, a.kind, a.pillars, a.title_en, a.title_vi, a.title_ar, a.starts_at, a.ends_at, "
        "a.time_zone, a.venue, a.format, a.status, a.high_level, a.leader_rank, a.classification, "
        "a.embargo_until, a.is_demo, a.version, a.lead_organisation_id, a.leader_id, lo.sort_name, "
        "lp.sort_name, ci.id, ci.code, ci.name_en, ci.name_vi, ci.name_ar, co.code "
        f"{joins}LEFT JOIN directory_person lp ON lp.id = a.leader_id "
        "LEFT JOIN directory_locality ci ON ci.id = a.city_id "
        "LEFT JOIN directory_country co ON co.id = a.country_id "
        f"WHERE {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        where_params,
    )
    rows = cursor.fetchall()
    org_names = _names(cursor, p, "organisation", {r[18] for r in rows}, language)
    person_names = _names(cursor, p, "person", {r[19] for r in rows if r[19] is not None}, language)
    items = []
    for r in rows:
        titles = {"en": r[3], "vi": r[4], "ar": r[5]}
        city = None
        if r[22] is not None:
            city_names = {"en": r[24], "vi": r[25], "ar": r[26]}
            city = {"id": r[22], "code": r[23], "name": city_names.get(language) or r[24]}
        lead = None
        if r[18] in org_names:
            lead = {"id": r[18], "name": org_names[r[18]] or r[20]}
        leader = None
        if r[19] is not None and r[19] in person_names:
            leader = {"id": r[19], "name": person_names[r[19]] or r[21]}
        items.append(
            {
                "id": r[0],
                "kind": r[1],
                "pillars": [x for x in r[2].split(",") if x],
                "title": titles.get(language) or r[3] or r[4] or r[5],
                "title_en": r[3],
                "title_vi": r[4],
                "title_ar": r[5],
                "starts_at": _iso(r[6]),
                "ends_at": _iso(r[7]),
                "time_zone": r[8],
                "city": city,
                "country": r[27],
                "venue": r[9],
                "format": r[10],
                "status": r[11],
                "high_level": bool(r[12]),
                "leader_rank": r[13],
                "lead_organisation": lead,
                "leader": leader,
                "classification": CLASSIFICATION[r[14]],
                "embargo_until": _iso(r[15]),
                "is_demo": bool(r[16]),
                "version": r[17],
                "url": f"/activities/{r[0]}/",
            }
        )
    body = {
        "count": min(counted, COUNT_CAP),
        "count_exact": counted <= COUNT_CAP,
        "limit": limit,
        "offset": offset,
        "items": items,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def _readable_sql(p: Principal, what: str, params: list[Any]) -> str:
    """The READ condition on an organisation or a person aliased `r`, its owner joined as `rw`."""
    if what == "organisation":
        table, record, org = (
            "directory_organisation_shared_with",
            "from_organisation_id",
            "to_organisation_id",
        )
    else:
        table, record, org = "directory_person_shared_with", "person_id", "organisation_id"
    return visible_sql(
        p,
        alias="r",
        owner="rw",
        shared_table=table,
        shared_record=record,
        shared_org=org,
        embargo=None,
        now=None,
        params=params,
    )


def _visible_ids(cursor: Any, p: Principal, what: str, ids: list[int]) -> list[int]:
    """Those of `ids` the user may read (one query)."""
    if not ids:
        return []
    if p.superuser:
        return list(ids)
    params: list[Any] = []
    condition = _readable_sql(p, what, params)
    cursor.execute(
        f"SELECT r.id FROM directory_{what} r JOIN directory_organisation rw ON rw.id = r.owner_id "
        f"WHERE r.id IN ({_in(ids)}) AND {condition}",
        params,
    )
    return [row[0] for row in cursor.fetchall()]


def _taking_part_sql(cursor: Any, p: Principal, people: list[int], params: list[Any]) -> str:
    """Activities where the user may see one of `people` take part (`selectors._taking_part_q`):
    leader, chair, speaker, or a member of a delegation whose composition the user may see
    (approved, the sending side or its focal points, or those who may change the activity)."""
    ids = _in(people)
    others = (
        f"a.id IN (SELECT activity_id FROM activities_participation WHERE person_id IN ({ids}) "
        "AND capacity <> 'member')"
    )
    if p.superuser:
        members = f"SELECT activity_id FROM activities_delegationmember WHERE person_id IN ({ids})"
        return f"({others} OR a.id IN ({members}))"
    cursor.execute(
        "SELECT o.path FROM activities_focalpoint f "
        "JOIN directory_organisation o ON o.id = f.organisation_id WHERE f.user_id = %s",
        [p.user_id],
    )
    sending = p.paths + [row[0] for row in cursor.fetchall()]
    member_params: list[Any] = []
    composition = "d.composition_status = 'approved'"
    if sending:
        composition += " OR " + _paths_sql("dorg.path", sending, member_params)
    editors = [path for path, role in p.scopes if role >= EDITOR]
    may_change = "1 = 0"
    if editors:
        readable = visible_sql(
            p,
            alias="ma",
            owner="mow",
            shared_table="activities_activity_shared_with",
            shared_record="activity_id",
            shared_org="organisation_id",
            embargo="embargo_until",
            now=_now(),
            params=member_params,
        )
        may_change = f"({readable} AND {_paths_sql('mow.path', editors, member_params)})"
    params += member_params
    return (
        f"({others} OR a.id IN (SELECT m.activity_id FROM activities_delegationmember m "
        "JOIN activities_delegation d ON d.id = m.delegation_id "
        "JOIN directory_organisation dorg ON dorg.id = d.organisation_id "
        "JOIN activities_activity ma ON ma.id = m.activity_id "
        "JOIN directory_organisation mow ON mow.id = ma.owner_id "
        f"WHERE m.person_id IN ({ids}) AND ({composition} OR {may_change})))"
    )


def _now() -> Any:
    from django.db import connection
    from django.utils import timezone

    return connection.ops.adapt_datetimefield_value(timezone.now())


def _names(cursor: Any, p: Principal, what: str, ids: set[int], language: str) -> dict[int, str]:
    """Ids among `ids` the user may read → the name to show (display_name's order), one query."""
    if not ids:
        return {}
    params: list[Any] = []
    visible = _readable_sql(p, what, params)
    name_table, name_fk = (
        ("directory_organisationname", "organisation_id")
        if what == "organisation"
        else (
            "directory_personname",
            "person_id",
        )
    )
    sql = (
        f"SELECT r.id, n.id, n.value, n.language, n.kind FROM directory_{what} r "
        "JOIN directory_organisation rw ON rw.id = r.owner_id "
        f"LEFT JOIN {name_table} n ON n.{name_fk} = r.id "
        f"WHERE r.id IN ({_in(sorted(ids))}) AND {visible}"
    )
    cursor.execute(sql, params)
    best: dict[int, tuple[tuple, str]] = {}
    for rid, nid, value, lang, kind in cursor.fetchall():
        if nid is None:
            best.setdefault(rid, ((9,), ""))
            continue
        rank = (lang != language, kind != "official", kind == "former", lang != "en", nid)
        if rid not in best or rank < best[rid][0]:
            best[rid] = (rank, value)
    return {rid: value for rid, (_, value) in best.items()}


# --- the server ----------------------------------------------------------------------------------


def list_view(request: Any) -> Any:
    from django.db import connection
    from django.http import HttpResponse, JsonResponse
    from django.utils.translation import get_language

    with connection.cursor() as cursor:
        p = authenticate(cursor, request.headers.get("Authorization", ""))
        if p is None:
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        body = page_json(cursor, connection, p, request.GET, get_language() or "en")
    return HttpResponse(body, content_type="application/json; charset=utf-8")


urlpatterns: list = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--threads", type=int, default=4)
    opts = parser.parse_args()
    common.setup_django()
    from django.conf import settings
    from django.urls import re_path

    # Same settings module and middleware as the product; only the URLconf is this module's.
    global urlpatterns
    urlpatterns = [re_path(r"^api/activities/?$", list_view)]
    sys.modules.setdefault("activities_sql", sys.modules[__name__])
    settings.ROOT_URLCONF = "activities_sql"
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    application = get_wsgi_application()
    print(f"hand-written list API on http://{opts.host}:{opts.port}/ (pid {os.getpid()})", flush=True)
    serve(application, host=opts.host, port=opts.port, threads=opts.threads, ident="sql-floor")


if __name__ == "__main__":
    main()
