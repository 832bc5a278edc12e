"""Importing branches and members from CSV and XLSX: the registers that arrive as spreadsheets.

Every row is checked before anything is written, and the check is the preview: how many records
would be created, updated or left unchanged, and every error by row (as a spreadsheet numbers
it) and column, probable duplicates among them. The import itself checks the file again and
writes all its rows or none, in one transaction, as the importing user (permissions and the
audit trail apply; audit events say `via` "import"). A row equal to what is recorded is
"unchanged" and writes nothing, so importing a file again changes nothing.

Columns: `import_columns`; branches: `import_branches`; members: `import_members`. The import
page (`views_import`) and `liaison import-members` share `plan_import` and `run_import`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.core import access
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory.tabular import Table, TableError
from liaison.membership import import_columns
from liaison.membership.import_branches import BranchPlanner, write_branches
from liaison.membership.import_columns import BRANCH, KINDS, MEMBER, read_table
from liaison.membership.import_common import CREATE, UNCHANGED, UPDATE, ImportReport, Progress, no_progress
from liaison.membership.import_members import MemberPlanner, write_members
from liaison.membership.models import Branch

__all__ = [
    "BRANCH",
    "CREATE",
    "KINDS",
    "MEMBER",
    "UNCHANGED",
    "UPDATE",
    "ImportReport",
    "TableError",
    "import_file",
    "may_import",
    "plan_import",
    "read_table",
    "run_import",
]


def may_import(user: Any) -> bool:
    """Who may use the import at all: those who may create members in some branch (an editor of
    a branch or of an organisation above one, cleared for restricted records), and superusers.
    Each row is then checked against its own branch."""
    p = access.principal_for(user)
    if p.user_id is None:
        return False
    if p.is_superuser:
        return True
    if p.clearance < Classification.RESTRICTED:
        return False
    paths = [s.path for s in p.scopes if s.role >= Role.EDITOR]
    return bool(paths) and Branch.objects.filter(access.paths_q("organisation__path", paths)).exists()


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while a file is checked and written: a file of 100,000 rows
    keeps a million objects alive, each of them scanned again by every full collection (that
    doubled the time of a check); the import's objects are freed when it ends, as ever."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_import(*, user: Any, kind: str, table: Table, progress: Progress = no_progress) -> ImportReport:
    """Check every row and say what it would do; writes nothing."""
    with _no_collection():
        if kind == BRANCH:
            return BranchPlanner(user=user, table=table, progress=progress).plan()
        return MemberPlanner(user=user, table=table, progress=progress).plan()


def run_import(
    *, user: Any, kind: str, table: Table, commit: bool, progress: Progress = no_progress
) -> ImportReport:
    """Plan the import and, when asked and every row is valid, write all of it or nothing."""
    if not commit:
        return plan_import(user=user, kind=kind, table=table, progress=progress)
    with transaction.atomic(), acting_as(user, via="import"), _no_collection():
        report = plan_import(user=user, kind=kind, table=table, progress=progress)
        if report.ok:
            if kind == BRANCH:
                write_branches(user, report, progress)
            else:
                write_members(user, report, progress)
        if report.ok:
            report.committed = True
        else:
            report.sort_errors()
            transaction.set_rollback(True)
    return report


def import_file(
    *,
    user: Any,
    kind: str,
    path: Path,
    commit: bool,
    progress: Progress = no_progress,
    max_bytes: int | None = None,
) -> ImportReport:
    """Import a file from disk (the command line); raises TableError for a file that cannot be
    read. The web's size limit applies unless `max_bytes` says otherwise (0: none)."""
    limit = settings.LIAISON_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if limit and path.stat().st_size > limit:
        raise TableError(_("The file is larger than the import limit."))
    progress("read", 0, 1)
    with _no_collection():
        table = import_columns.read_table(path.read_bytes(), filename=path.name, kind=kind)
    progress("read", 1, 1)
    return run_import(user=user, kind=kind, table=table, commit=commit, progress=progress)
