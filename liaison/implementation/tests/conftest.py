import datetime as dt

import pytest

from liaison.core.access import Role
from liaison.core.testing import make_org, make_superuser, make_user
from liaison.implementation.testing import make_document, make_plan


@pytest.fixture
def world(db):
    root = make_superuser("root")
    cerc = make_org("Commission for External Relations", pillar="party", kind="commission")
    secretariat = make_org("Secretariat", pillar="party", kind="central_committee")
    hanoi = make_org("Hà Nội Party Committee", pillar="party", kind="provincial_committee")
    hue = make_org("Huế Party Committee", pillar="party", kind="provincial_committee")
    directive = make_document(issuer=secretariat, owner=cerc, code="12-CT/TW", title_en="Directive 12")
    plan = make_plan(directive, owner=cerc, starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2024, 12, 31))
    return {
        "root": root,
        "cerc": cerc,
        "secretariat": secretariat,
        "hanoi": hanoi,
        "hue": hue,
        "directive": directive,
        "plan": plan,
        "coordinator": make_user("coord", org=cerc, role=Role.COORDINATOR),
        "cerc_editor": make_user("ceditor", org=cerc, role=Role.EDITOR),
        "hanoi_editor": make_user("hnedit", org=hanoi, role=Role.EDITOR),
        "hue_editor": make_user("hueedit", org=hue, role=Role.EDITOR),
        "hanoi_viewer": make_user("hnview", org=hanoi, role=Role.VIEWER),
    }


@pytest.fixture
def report_for(world):
    """Write (and optionally submit) a report as the assigned organisation's editor."""
    from liaison.core.audit import acting_as
    from liaison.core.testing import make_user
    from liaison.implementation import reporting

    def write(assignment, period, *, submit=False, today=dt.date(2026, 1, 1), by=None, **values):
        by = by or make_user(org=assignment.organisation, role=Role.EDITOR)
        with acting_as(by, via="test"):
            report = reporting.save_report(
                by=by, assignment=assignment, period=period, data=reporting.ReportInput(**values), today=today
            )
            if submit:
                report = reporting.submit_report(by=by, report=report)
        return report

    return write
