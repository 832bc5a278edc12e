"""The demo's implementation tracking: Project 01 and Directive 12, plans assigned to every
provincial party committee, demo progress with missing, late, returned and waiting reports."""

from __future__ import annotations

import datetime as dt

from django.test import TestCase

from liaison.accounts.demo import ensure_demo_users
from liaison.directory.demo import load_demo_directory
from liaison.implementation.completeness import completeness, not_reported
from liaison.implementation.demo import load_demo_implementation
from liaison.implementation.models import Assignment, GuidingDocument, Plan, ProgressReport, ReportStatus
from liaison.implementation.progress import document_rollup, plan_trees

TODAY = dt.date(2026, 11, 24)


class ImplementationDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = ensure_demo_users(password="demo-password")
        load_demo_directory(by=cls.users["admin"])
        cls.users = ensure_demo_users(password="demo-password")
        cls.counts = load_demo_implementation(by=cls.users["admin"], today=TODAY)

    def test_both_documents_and_three_plans_exist(self):
        assert set(GuidingDocument.objects.values_list("code", flat=True)) == {"01-ĐA/TW", "12-CT/TW"}
        assert self.counts["plans"] == 3
        plan = Plan.objects.get(code="DEMO/KH-12-2023")
        units = Assignment.objects.filter(task__plan=plan).values("organisation").distinct().count()
        assert units == 63  # every provincial party committee of 1 January 2023

    def test_progress_has_missing_late_returned_and_waiting_reports(self):
        plan = Plan.objects.get(code="DEMO/KH-12-2023")
        reports = ProgressReport.objects.filter(assignment__task__plan=plan)
        assert reports.filter(late=True).exists()
        assert reports.filter(status=ReportStatus.RETURNED).exists()
        assert reports.filter(status=ReportStatus.SUBMITTED).exists()
        assert not reports.filter(is_demo=False).exists()
        rates = completeness(plan, until=TODAY)
        assert 0 < rates.total.actual < rates.total.expected
        assert rates.total.on_time < rates.total.actual
        assert not_reported(plan, plan.periods.last())

    def test_rollups_have_figures_and_the_current_plan_has_an_open_period(self):
        plan = Plan.objects.get(code="DEMO/KH-12-2023")
        (tree,) = plan_trees([plan])
        assert tree.computed is not None and 0 < tree.computed < 100
        directive = GuidingDocument.objects.get(code="12-CT/TW")
        node = document_rollup(directive, list(Plan.objects.filter(document=directive)))
        assert len(node.children) == 2
        current = Plan.objects.get(code="DEMO/KH-12-2026")
        assert current.periods.filter(starts_on__lte=TODAY, due_on__gte=TODAY).exists()

    def test_loading_again_changes_nothing(self):
        before = ProgressReport.objects.count()
        load_demo_implementation(by=self.users["admin"], today=TODAY)
        assert ProgressReport.objects.count() == before
