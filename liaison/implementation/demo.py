"""The demo's implementation tracking, around the two documents article 000 disseminates.

- Project 01-ĐA/TW (party external relations to 2025) and Directive 12-CT/TW (people's diplomacy
  in the new situation), issued by the Secretariat; the articles name them but not their dates,
  which are illustrative here.
- A CERC plan implementing each for 2023–2024, with objectives and tasks assigned to every
  provincial party committee that existed on 1 January 2023 (63), and a plan for 2026–2027 under
  Directive 12 assigned to the provincial units of the reorganised map, whose current period is
  open, so the worklist and reminders show something today.
- Demo progress (marked as demo) for 2023–2024: most reports accepted, some submitted late, some
  returned with comments, some still waiting for review, and some never sent.

Plans, objectives and tasks go through the services; the thousands of demo reports are written in
bulk (with their versions and reviews) and each assignment's figures refreshed once at the end.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory.models import Organisation
from liaison.implementation import services, tree
from liaison.implementation.models import (
    Assignment,
    GuidingDocument,
    Plan,
    ProgressReport,
    ProgressStatus,
    ReportReview,
    ReportStatus,
    ReportVersion,
    ReviewAction,
)
from liaison.implementation.progress import figures_from

RANDOM_SEED = 12

# (code, kind, title en, vi, ar, issued on (illustrative))
DOCUMENTS = [
    (
        "01-ĐA/TW",
        "project",
        "Project on strengthening and improving the effectiveness of the Party's external relations to 2025",
        "Đề án tăng cường và nâng cao hiệu quả công tác đối ngoại Đảng đến năm 2025",
        "الخطة الشاملة لتعزيز وتحسين فعالية العلاقات الخارجية للحزب حتى عام 2025",
        dt.date(2022, 6, 1),
    ),
    (
        "12-CT/TW",
        "directive",
        "Directive on strengthening the Party's leadership and improving the effectiveness of people's "
        "diplomacy in the new situation",
        "Chỉ thị về tăng cường sự lãnh đạo của Đảng, nâng cao hiệu quả công tác đối ngoại nhân dân "
        "trong tình hình mới",
        "توجيه بشأن تعزيز قيادة الحزب وتحسين فعالية الدبلوماسية الشعبية في الوضع الجديد",
        dt.date(2022, 1, 5),
    ),
]

# Per plan: objectives with their tasks (title en, vi, ar, weight, indicator (unit, baseline, target)).
OBJECTIVES: dict[
    str, list[tuple[str, str, str, list[tuple[str, str, str, int, tuple[str, int, int] | None]]]]
] = {
    "12-CT/TW": [
        (
            "Disseminate the directive",
            "Quán triệt Chỉ thị",
            "نشر التوجيه",
            [
                (
                    "Hold a conference disseminating Directive 12",
                    "Tổ chức hội nghị quán triệt Chỉ thị 12",
                    "عقد مؤتمر لنشر التوجيه 12",
                    1,
                    None,
                ),
                (
                    "Issue the province's action programme",
                    "Ban hành chương trình hành động của tỉnh",
                    "إصدار برنامج عمل المقاطعة",
                    2,
                    None,
                ),
            ],
        ),
        (
            "Broaden people-to-people exchanges",
            "Mở rộng giao lưu nhân dân",
            "توسيع التبادلات بين الشعوب",
            [
                (
                    "People's diplomacy activities with foreign partners",
                    "Hoạt động đối ngoại nhân dân với đối tác nước ngoài",
                    "أنشطة الدبلوماسية الشعبية مع الشركاء الأجانب",
                    3,
                    ("activities", 0, 8),
                ),
                (
                    "Support friendship associations and overseas Vietnamese",
                    "Hỗ trợ các hội hữu nghị và người Việt Nam ở nước ngoài",
                    "دعم جمعيات الصداقة والفيتناميين في الخارج",
                    1,
                    None,
                ),
            ],
        ),
    ],
    "01-ĐA/TW": [
        (
            "Deepen relations with parties abroad",
            "Làm sâu sắc quan hệ với các đảng nước ngoài",
            "تعميق العلاقات مع الأحزاب في الخارج",
            [
                (
                    "Delegation exchanges with partner parties' local committees",
                    "Trao đổi đoàn với cấp ủy địa phương của các đảng bạn",
                    "تبادل الوفود مع اللجان المحلية للأحزاب الشريكة",
                    2,
                    ("delegations", 0, 4),
                ),
                (
                    "Cooperation with twinned foreign localities",
                    "Hợp tác với các địa phương nước ngoài kết nghĩa",
                    "التعاون مع المحليات الأجنبية المتوأمة",
                    1,
                    None,
                ),
            ],
        ),
        (
            "Train the external relations staff",
            "Đào tạo cán bộ làm công tác đối ngoại",
            "تدريب كوادر العلاقات الخارجية",
            [
                (
                    "Train provincial external relations officers",
                    "Bồi dưỡng cán bộ đối ngoại cấp tỉnh",
                    "تدريب موظفي العلاقات الخارجية في المقاطعات",
                    1,
                    ("officers", 0, 20),
                ),
            ],
        ),
    ],
}


def _org(key: str) -> Organisation:
    return Organisation.objects.get(external_key=f"seed:{key}")


def _document(
    by: Any, secretariat: Organisation, cerc: Organisation, row: tuple[Any, ...]
) -> GuidingDocument:
    code, kind, en, vi, ar, issued = row
    found: GuidingDocument | None = GuidingDocument.objects.filter(code=code).first()
    if found is not None:
        return found
    created: GuidingDocument = services.create_document(
        by=by,
        data=services.DocumentInput(
            code=code,
            kind=kind,
            issuer=secretariat,
            issued_on=issued,
            owner=cerc,
            title_en=en,
            title_vi=vi,
            title_ar=ar,
            text="Demo record: the seed articles name this document; its date here is illustrative.",
            classification=Classification.PUBLIC,
            is_demo=True,
        ),
    )
    return created


def _plan(
    by: Any,
    document: GuidingDocument,
    owner: Organisation,
    start: dt.date,
    end: dt.date,
    frequency: str,
    code: str,
    coordinators: list[Any],
) -> tuple[Plan, bool]:
    found = Plan.objects.filter(code=code).first()
    if found is not None:
        return found, False
    plan = services.create_plan(
        by=by,
        data=services.PlanInput(
            document=document,
            owner=owner,
            starts_on=start,
            ends_on=end,
            code=code,
            title_en=f"CERC plan implementing {document.code}, {start.year}–{end.year}",
            title_vi=(
                f"Kế hoạch của Ban Đối ngoại Trung ương thực hiện {document.code}, {start.year}–{end.year}"
            ),
            title_ar=f"خطة لجنة العلاقات الخارجية لتنفيذ {document.code}، {start.year}–{end.year}",
            frequency=frequency,
            coordinators=coordinators,
            classification=Classification.INTERNAL,
            notes="Demo plan: objectives, tasks and progress are illustrative.",
            is_demo=True,
        ),
    )
    return plan, True


def _tree(
    by: Any, plan: Plan, document: GuidingDocument, cerc: Organisation, units: list[Organisation]
) -> None:
    on = plan.starts_on
    for number, (en, vi, ar, tasks) in enumerate(OBJECTIVES[document.code], start=1):
        objective = tree.add_objective(
            by=by,
            plan=plan,
            data=tree.ObjectiveInput(title_en=en, title_vi=vi, title_ar=ar, code=str(number)),
        )
        for sub, (t_en, t_vi, t_ar, weight, indicator) in enumerate(tasks, start=1):
            unit, baseline, target = indicator or ("", None, None)
            task = tree.add_task(
                by=by,
                plan=plan,
                data=tree.TaskInput(
                    responsible=cerc,
                    title_en=t_en,
                    title_vi=t_vi,
                    title_ar=t_ar,
                    code=f"{number}.{sub}",
                    objective=objective,
                    weight=Decimal(weight),
                    indicator=t_en if indicator else "",
                    unit=unit,
                    baseline=Decimal(baseline) if baseline is not None else None,
                    target=Decimal(target) if target is not None else None,
                ),
            )
            tree.assign(by=by, task=task, organisations=units, on=on)


def _units(on: dt.date) -> list[Organisation]:
    return list(
        Organisation.objects.filter(kind="provincial_committee").valid_on(on).order_by("sort_name", "id")
    )


def _progress(plan: Plan, reviewer: Any, reporter: Any, today: dt.date, rng: random.Random) -> int:
    """Demo reports for every period whose deadline has passed (and the current one in part)."""
    periods = [p for p in plan.periods.all() if p.starts_on <= today]
    assignments = list(Assignment.objects.filter(task__plan=plan).select_related("task").order_by("pk"))
    # Some provinces report badly: the same ones miss or are late period after period.
    weak = {a.organisation_id for a in assignments if rng.random() < 0.12}
    reports: list[ProgressReport] = []
    for assignment in assignments:
        percent = 0
        for index, period in enumerate(periods):
            is_current = period.due_on >= today
            roll = rng.random()
            if (
                (assignment.organisation_id in weak and roll < 0.45)
                or roll < 0.05
                or (is_current and roll < 0.6)
            ):
                continue
            percent = min(100, percent + rng.choice([5, 10, 10, 15, 20]))
            late = roll > (0.7 if assignment.organisation_id in weak else 0.9)
            submitted_on = period.due_on + dt.timedelta(
                days=rng.randint(3, 40) if late else -rng.randint(0, 12)
            )
            submitted_on = min(submitted_on, today)
            status = ReportStatus.ACCEPTED
            if is_current or (index == len(periods) - 1 and rng.random() < 0.3):
                status = ReportStatus.SUBMITTED
            elif rng.random() < 0.04:
                status = ReportStatus.RETURNED
            task = assignment.task
            value = None
            if task.target is not None:
                value = (task.target * Decimal(percent) / 100).quantize(Decimal(1))
            progress = (
                ProgressStatus.DONE
                if percent >= 100
                else ProgressStatus.DELAYED
                if late and roll > 0.97
                else ProgressStatus.AT_RISK
                if roll > 0.93
                else ProgressStatus.ON_TRACK
            )
            at = timezone.make_aware(dt.datetime.combine(submitted_on, dt.time(10, 0)))
            reports.append(
                ProgressReport(
                    assignment=assignment,
                    period=period,
                    status=status,
                    stage=1 if status == ReportStatus.SUBMITTED else 0,
                    progress=progress,
                    percent=Decimal(percent),
                    value=value,
                    narrative="Demo report.",
                    submitted_at=at,
                    accepted_at=at + dt.timedelta(days=5) if status == ReportStatus.ACCEPTED else None,
                    late=submitted_on > period.due_on,
                    is_demo=True,
                )
            )
    ProgressReport.objects.bulk_create(reports, batch_size=2000)
    saved = ProgressReport.objects.filter(assignment__task__plan=plan, is_demo=True)
    versions, reviews = [], []
    for report in saved:
        versions.append(
            ReportVersion(
                report=report,
                number=1,
                progress=report.progress,
                percent=report.percent,
                value=report.value,
                narrative=report.narrative,
                evidence={},
                submitted_at=report.submitted_at,
                submitted_by=reporter,
            )
        )
        reviews.append(
            ReportReview(
                report=report,
                version=1,
                action=ReviewAction.SUBMIT,
                level=0,
                by=reporter,
                organisation_id=report.assignment.organisation_id,
                at=report.submitted_at,
            )
        )
        if report.status == ReportStatus.ACCEPTED:
            reviews.append(
                ReportReview(
                    report=report,
                    version=1,
                    action=ReviewAction.ACCEPT,
                    level=1,
                    by=reviewer,
                    organisation_id=plan.owner_id,
                    at=report.accepted_at,
                )
            )
        elif report.status == ReportStatus.RETURNED:
            reviews.append(
                ReportReview(
                    report=report,
                    version=1,
                    action=ReviewAction.RETURN,
                    level=1,
                    by=reviewer,
                    organisation_id=plan.owner_id,
                    comment="Name the activities behind these figures.",
                    at=report.submitted_at + dt.timedelta(days=4),
                )
            )
    ReportVersion.objects.bulk_create(versions, batch_size=2000)
    ReportReview.objects.bulk_create(reviews, batch_size=2000)
    _refresh_all(plan)
    return len(reports)


def _refresh_all(plan: Plan) -> None:
    """Each assignment's figures from its latest accepted report, in bulk."""
    latest: dict[int, ProgressReport] = {}
    for report in (
        ProgressReport.objects.filter(assignment__task__plan=plan, status=ReportStatus.ACCEPTED)
        .select_related("period")
        .order_by("assignment_id", "period__starts_on")
    ):
        latest[report.assignment_id] = report
    changed = []
    for assignment in Assignment.objects.filter(task__plan=plan).select_related("task__plan"):
        report = latest.get(assignment.pk)
        if report is None:
            continue
        for name, value in figures_from(report, assignment.task).items():
            setattr(assignment, name, value)
        changed.append(assignment)
    Assignment._base_manager.bulk_update(
        changed, ["status", "reported_percent", "computed_percent", "value", "last_period"], batch_size=2000
    )


@transaction.atomic
def load_demo_implementation(*, by: Any, today: dt.date | None = None) -> dict[str, int]:
    from liaison.accounts.models import User

    today = today or timezone.localdate()
    secretariat, cerc = _org("cpv-secretariat"), _org("cerc")
    rng = random.Random(RANDOM_SEED)
    coordinators = list(User.objects.filter(username="cerc.coordinator"))
    reporter = User.objects.filter(username="hatinh.editor").first() or by
    reviewer = coordinators[0] if coordinators else by
    reports = 0
    with acting_as(by, via="demo"):
        documents = {row[0]: _document(by, secretariat, cerc, row) for row in DOCUMENTS}
        for code, start, end, frequency, plan_code in (
            ("12-CT/TW", dt.date(2023, 1, 1), dt.date(2024, 12, 31), "quarterly", "DEMO/KH-12-2023"),
            ("01-ĐA/TW", dt.date(2023, 1, 1), dt.date(2024, 12, 31), "half_yearly", "DEMO/KH-01-2023"),
            ("12-CT/TW", dt.date(2026, 1, 1), dt.date(2027, 12, 31), "quarterly", "DEMO/KH-12-2026"),
        ):
            plan, created = _plan(by, documents[code], cerc, start, end, frequency, plan_code, coordinators)
            if not created:
                continue
            _tree(by, plan, documents[code], cerc, _units(start))
            reports += _progress(plan, reviewer, reporter, today, rng)
    return {
        "documents": GuidingDocument.objects.filter(is_demo=True).count(),
        "plans": Plan.objects.filter(is_demo=True).count(),
        "reports": ProgressReport.objects.filter(is_demo=True).count(),
    }
