"""Progress: an assignment's from its latest accepted report, and the roll-up from assignments to
tasks, objectives, plans and guiding documents.

Two figures travel up the tree and never overwrite each other:
- *reported*: what the organisations said (the per cent done in their accepted reports), averaged
  over those that reported;
- *computed*: what the plan's rule makes of the reports, counting an organisation that has not
  reported as 0:
  - `weighted`: the reported per cent at the leaves, weighted averages above;
  - `status`: 100 for an assignment reported done, 0 otherwise; weighted averages above;
  - `indicator`: how far the indicator value moved from its baseline to its target (tasks
    without an indicator fall back to the reported per cent); weighted averages above.
A roll-up reads one aggregate row per (task, status) — never the reports themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from liaison.implementation.models import (
    Assignment,
    DocumentRelation,
    GuidingDocument,
    Plan,
    ProgressReport,
    ProgressStatus,
    RelationKind,
    ReportStatus,
    RollupRule,
    Task,
    as_percent,
    tree_order,
)

HUNDRED = Decimal(100)


def leaf_computed(
    rule: str, task: Task, progress: str, percent: Decimal | None, value: Decimal | None
) -> Decimal:
    if rule == RollupRule.STATUS:
        return HUNDRED if progress == ProgressStatus.DONE else Decimal(0)
    if rule == RollupRule.INDICATOR and task.target is not None and value is not None:
        baseline = task.baseline or Decimal(0)
        share = (value - baseline) / (task.target - baseline) * HUNDRED
        return max(Decimal(0), min(HUNDRED, share))
    if percent is not None:
        return percent
    return HUNDRED if progress == ProgressStatus.DONE else Decimal(0)


def refresh_assignment(assignment: Assignment) -> None:
    """Copy the latest accepted report's figures onto the assignment (what lists and roll-ups read)."""
    latest = (
        ProgressReport.objects.filter(assignment=assignment, status=ReportStatus.ACCEPTED)
        .select_related("period")
        .order_by("-period__starts_on")
        .first()
    )
    values = figures_from(latest, assignment.task)
    Assignment._base_manager.filter(pk=assignment.pk).update(**values)  # derived, not audited
    for name, value in values.items():
        setattr(assignment, name, value)


def figures_from(report: ProgressReport | None, task: Task) -> dict[str, Any]:
    """An assignment's figures from its latest accepted report (none: not started)."""
    if report is None:
        return {
            "status": ProgressStatus.NOT_STARTED,
            "reported_percent": None,
            "computed_percent": None,
            "value": None,
            "last_period": None,
        }
    computed = leaf_computed(task.plan.rollup_rule, task, report.progress, report.percent, report.value)
    return {
        "status": report.progress,
        "reported_percent": report.percent,
        "computed_percent": as_percent(computed),
        "value": report.value,
        "last_period": report.period,
    }


@dataclass
class Node:
    kind: str
    pk: int
    label: str
    weight: Decimal = Decimal(1)
    reported: Decimal | None = None
    computed: Decimal | None = None
    assignments: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    record: Any = None

    @property
    def done(self) -> int:
        return self.by_status.get(ProgressStatus.DONE, 0)

    def walk(self, depth: int = 0) -> Iterable[tuple[int, Node]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


def _weighted(children: list[Node], attr: str) -> Decimal | None:
    pairs = [(c.weight, getattr(c, attr)) for c in children if getattr(c, attr) is not None]
    total = sum((w for w, _ in pairs), Decimal(0))
    if not pairs or not total:
        return None
    return as_percent(sum((w * v for w, v in pairs), Decimal(0)) / total)


def _combine(node: Node) -> None:
    node.reported = _weighted(node.children, "reported")
    node.computed = _weighted(node.children, "computed")
    node.assignments = sum(c.assignments for c in node.children)
    counts: dict[str, int] = defaultdict(int)
    for child in node.children:
        for status, n in child.by_status.items():
            counts[status] += n
    node.by_status = dict(counts)


def _task_figures(plan_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per task: assignments by status, sum and count of reported per cent, sum of computed."""
    rows = (
        Assignment.objects.filter(task__plan_id__in=plan_ids)
        .values("task_id", "status")
        .annotate(
            n=Count("id"),
            reported_sum=Sum("reported_percent"),
            reported_n=Count("reported_percent"),
            computed_sum=Sum("computed_percent"),
        )
        .order_by()
    )
    figures: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "n": 0,
            "by_status": {},
            "reported_sum": Decimal(0),
            "reported_n": 0,
            "computed_sum": Decimal(0),
        }
    )
    for row in rows:
        f = figures[row["task_id"]]
        f["n"] += row["n"]
        f["by_status"][row["status"]] = row["n"]
        f["reported_sum"] += Decimal(row["reported_sum"] or 0)
        f["reported_n"] += row["reported_n"]
        f["computed_sum"] += Decimal(row["computed_sum"] or 0)
    return figures


def _leaf(node: Node, f: dict[str, Any] | None) -> None:
    if not f or not f["n"]:
        return
    node.assignments = f["n"]
    node.by_status = dict(f["by_status"])
    if f["reported_n"]:
        node.reported = as_percent(f["reported_sum"] / f["reported_n"])
    # Organisations that have not reported count as 0.
    node.computed = as_percent(f["computed_sum"] / f["n"])


def plan_trees(plans: list[Plan], language: str = "en") -> list[Node]:
    """The roll-up of each plan: plan → objectives → tasks (nested) → figures of assignments."""
    if not plans:
        return []
    ids = [p.pk for p in plans]
    figures = _task_figures(ids)
    tasks = sorted(
        Task.objects.filter(plan_id__in=ids).select_related("objective"),
        key=lambda task: (task.plan_id, tree_order(task.path)),
    )
    by_pk: dict[int, Node] = {}
    roots: dict[int, list[Node]] = defaultdict(list)
    for task in tasks:
        node = Node("task", task.pk, task.title_in(language), weight=task.weight, record=task)
        by_pk[task.pk] = node
        if task.parent_id and task.parent_id in by_pk:
            by_pk[task.parent_id].children.append(node)
        else:
            roots[task.plan_id].append(node)
    for task in reversed(tasks):
        node = by_pk[task.pk]
        if node.children:
            _combine(node)
        else:
            _leaf(node, figures.get(task.pk))
    trees = []
    for plan in plans:
        plan_node = Node("plan", plan.pk, plan.title_in(language), record=plan)
        objectives: dict[int | None, Node] = {}
        for objective in plan.objectives.all():
            objectives[objective.pk] = Node(
                "objective",
                objective.pk,
                objective.title_in(language),
                weight=objective.weight,
                record=objective,
            )
        loose = []
        for node in roots[plan.pk]:
            objective_id = node.record.objective_id
            if objective_id in objectives:
                objectives[objective_id].children.append(node)
            else:
                loose.append(node)
        for objective_node in objectives.values():
            _combine(objective_node)
        plan_node.children = [*objectives.values(), *loose]
        _combine(plan_node)
        trees.append(plan_node)
    return trees


def implementing_documents(document: GuidingDocument) -> list[int]:
    """The document and every document implementing it, directly or through others."""
    found = {document.pk}
    frontier = {document.pk}
    while frontier:
        frontier = (
            set(
                DocumentRelation.objects.filter(
                    target_id__in=frontier, kind=RelationKind.IMPLEMENTS
                ).values_list("source_id", flat=True)
            )
            - found
        )
        found |= frontier
    return sorted(found)


def document_rollup(document: GuidingDocument, plans: list[Plan], language: str = "en") -> Node:
    """A guiding document's progress: the plain average of the plans implementing it (the plans
    passed in, already filtered by what the reader may see)."""
    node = Node("document", document.pk, document.title_in(language), record=document)
    node.children = plan_trees(plans, language)
    _combine(node)
    return node
