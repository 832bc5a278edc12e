"""Sharing rules compiled for matching: the engine holds every active rule in memory, read once
and again only when a rule or an agreement changed, and tests an activity's facts against them
without a query per rule."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from liaison.coordination.models import Agreement, SharingRule, Trigger, split

# The activity fields whose change each trigger listens to.
TRIGGER_FIELDS: dict[str, frozenset[str]] = {
    Trigger.DATES: frozenset({"starts_at", "ends_at", "time_zone"}),
    Trigger.PLACE: frozenset({"city", "country", "venue"}),
    Trigger.STATUS: frozenset({"status"}),
}


@dataclass(frozen=True)
class Facts:
    """What the rules' conditions look at, for one activity."""

    kind: str
    high_level: bool
    leader_rank: str
    pillars: frozenset[str]
    country_ids: frozenset[int]
    classification: int
    lead_path: str
    start_date: dt.date


@dataclass(frozen=True)
class CompiledRule:
    id: int
    agreement_id: int
    recipient_id: int
    recipient_path: str
    recipient_country_id: int | None
    source_path: str
    kinds: frozenset[str]
    high_level_only: bool
    leader_ranks: frozenset[str]
    pillars: frozenset[str]
    country_ids: frozenset[int]
    classifications: frozenset[int]
    triggers: frozenset[str]
    lead_days: int
    day_basis: str
    calendar_country_id: int | None
    change_hours: int
    shared_fields: tuple[str, ...]
    acknowledge_hours: int
    in_force_from: dt.date
    in_force_until: dt.date | None

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.kinds or facts.kind in self.kinds)
            and (not self.high_level_only or facts.high_level)
            and (not self.leader_ranks or facts.leader_rank in self.leader_ranks)
            and (not self.pillars or not self.pillars.isdisjoint(facts.pillars))
            and (not self.country_ids or not self.country_ids.isdisjoint(facts.country_ids))
            and (not self.classifications or facts.classification in self.classifications)
            and (not self.source_path or facts.lead_path.startswith(self.source_path))
            and self.in_force_from <= facts.start_date
            and (self.in_force_until is None or facts.start_date <= self.in_force_until)
        )

    def listens_to(self, fields: set[str]) -> bool:
        """Does a change of these fields concern this rule's update triggers?"""
        return any(
            trigger in self.triggers and fields & watched for trigger, watched in TRIGGER_FIELDS.items()
        )

    @property
    def calendar_country(self) -> int | None:
        return self.calendar_country_id or self.recipient_country_id


@dataclass
class RuleSet:
    """The rules indexed by (activity kind, source organisation's path): an activity meets only
    the rules of its kind whose source is its lead organisation, one above it, or unset."""

    rules: dict[int, CompiledRule]
    by_kind: dict[str, dict[str, list[CompiledRule]]]
    stamp: tuple[object, ...] = ()

    def matching(self, facts: Facts) -> list[CompiledRule]:
        by_source = self.by_kind.get(facts.kind)
        if not by_source:
            return []
        found = [rule for rule in by_source.get("", ()) if rule.matches(facts)]
        path = facts.lead_path
        # "/1/5/12/" is below "/1/", "/1/5/" and itself.
        end = path.find("/", 1)
        while end != -1:
            for rule in by_source.get(path[: end + 1], ()):
                if rule.matches(facts):
                    found.append(rule)
            end = path.find("/", end + 1)
        return found


def compile_rule(rule: SharingRule, agreement: Agreement, country_ids: frozenset[int]) -> CompiledRule:
    return CompiledRule(
        id=rule.pk,
        agreement_id=agreement.pk,
        recipient_id=rule.recipient_id,
        recipient_path=rule.recipient.path,
        recipient_country_id=rule.recipient.country_id,
        source_path=rule.source.path if rule.source is not None else "",
        kinds=frozenset(split(rule.kinds)),
        high_level_only=rule.high_level_only,
        leader_ranks=frozenset(split(rule.leader_ranks)),
        pillars=frozenset(split(rule.pillars)),
        country_ids=country_ids,
        classifications=frozenset(int(c) for c in split(rule.classifications)),
        triggers=frozenset(split(rule.triggers)),
        lead_days=rule.lead_days,
        day_basis=rule.day_basis,
        calendar_country_id=rule.calendar_country_id,
        change_hours=rule.change_hours,
        shared_fields=tuple(split(rule.shared_fields)),
        acknowledge_hours=agreement.acknowledge_within_hours,
        in_force_from=agreement.starts_on,
        in_force_until=agreement.ends_on,
    )


def current_stamp() -> tuple[object, ...]:
    rules = SharingRule.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    agreements = Agreement.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (rules["n"], rules["at"], agreements["n"], agreements["at"])


def load_rules() -> RuleSet:
    """Every active rule, compiled (three queries)."""
    from liaison.activities.models import ActivityKind

    rows = list(SharingRule.objects.filter(active=True).select_related("agreement", "recipient", "source"))
    countries: dict[int, set[int]] = defaultdict(set)
    through = SharingRule.countries.through
    for rule_id, country_id in through.objects.filter(sharingrule__active=True).values_list(
        "sharingrule_id", "country_id"
    ):
        countries[rule_id].add(country_id)
    compiled = {
        rule.pk: compile_rule(rule, rule.agreement, frozenset(countries.get(rule.pk, ()))) for rule in rows
    }
    by_kind: dict[str, dict[str, list[CompiledRule]]] = {kind: {} for kind in ActivityKind.values}
    for rule in sorted(compiled.values(), key=lambda r: r.id):
        for kind in rule.kinds or by_kind.keys():
            by_kind.setdefault(kind, {}).setdefault(rule.source_path, []).append(rule)
    return RuleSet(rules=compiled, by_kind=by_kind)


_loaded: RuleSet | None = None


def rule_set() -> RuleSet:
    """The active rules as they are now (compiled again only when a rule or agreement changed)."""
    global _loaded
    stamp = current_stamp()
    if _loaded is None or _loaded.stamp != stamp:
        _loaded = load_rules()
        _loaded.stamp = stamp
    return _loaded


def facts_of(activity: Any) -> Facts:
    countries = {c.pk for c in activity.counterpart_countries.all()}
    if activity.country_id:
        countries.add(activity.country_id)
    return Facts(
        kind=activity.kind,
        high_level=activity.high_level,
        leader_rank=activity.leader_rank,
        pillars=frozenset(activity.pillar_list),
        country_ids=frozenset(countries),
        classification=activity.classification,
        lead_path=activity.lead_organisation.path,
        start_date=activity.starts_at.date(),
    )
