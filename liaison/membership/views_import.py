"""The import page: upload a branch or member file, preview what it would do, confirm to write it;
and a blank template of each file with the help of every column.

The previewed file is kept on the server under a random token known only to the session (as the
Directory's import keeps it), so the confirmation imports exactly the file that was previewed,
checked once more. Only users who may create members somewhere may open the page (others: 403);
each row is then checked against its own branch.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from liaison.directory import tabular
from liaison.membership import import_columns, importing
from liaison.membership.import_columns import BRANCH, KINDS, MEMBER

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 1000
ERRORS_SHOWN = 1000
_SESSION_KEY = "liaison_membership_imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[(MEMBER, pgettext_lazy("membership", "Members")), (BRANCH, gettext_lazy("Branches"))],
        initial=MEMBER,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or XLSX, with the columns of the template."),
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if f.size > settings.LIAISON_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than the import limit."))
        return f


def _require_importer(request: HttpRequest) -> None:
    if not importing.may_import(request.user):
        raise PermissionDenied(_("You may not import members."))


def _kind(value: str | None) -> str:
    return value if value in KINDS else MEMBER


# --- The kept upload --------------------------------------------------------------------------


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _upload_path(user: Any, token: str, suffix: str) -> Path:
    return _upload_dir() / f"membership-{user.pk}-{token}{suffix}"


def _keep_upload(request: HttpRequest, kind: str, filename: str, content: bytes) -> str:
    """Keep the previewed file on the server under a random token known only to this session."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - settings.SESSION_COOKIE_AGE
    for old in directory.glob("membership-*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    uploads = request.session.get(_SESSION_KEY, {})
    for token in list(uploads):
        _discard_upload(request, token, uploads)
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    fd = os.open(_upload_path(request.user, token, suffix), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    uploads[token] = {"kind": kind, "suffix": suffix}
    request.session[_SESSION_KEY] = uploads
    return token


def _load_upload(request: HttpRequest, token: str) -> tuple[str, str, bytes] | None:
    entry = request.session.get(_SESSION_KEY, {}).get(token) if _TOKEN.fullmatch(token) else None
    if entry is None or entry["kind"] not in KINDS:
        return None
    try:
        content = _upload_path(request.user, token, entry["suffix"]).read_bytes()
    except FileNotFoundError:
        return None
    return entry["kind"], f"upload{entry['suffix']}", content


def _discard_upload(request: HttpRequest, token: str, uploads: dict[str, Any] | None = None) -> None:
    uploads = uploads if uploads is not None else request.session.get(_SESSION_KEY, {})
    entry = uploads.pop(token, None)
    if entry is not None:
        _upload_path(request.user, token, entry["suffix"]).unlink(missing_ok=True)
    request.session[_SESSION_KEY] = uploads


# --- The pages --------------------------------------------------------------------------------


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a file, preview what it would do, and confirm to write it (all rows or none)."""
    _require_importer(request)
    kind = _kind(request.POST.get("kind") or request.GET.get("kind"))
    context: dict[str, Any] = {
        "kind": kind,
        "form": ImportForm(initial={"kind": kind}),
        "report": None,
        "token": "",
        "preview_rows": PREVIEW_ROWS,
        "errors_shown": ERRORS_SHOWN,
    }
    status = 200
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        upload = _load_upload(request, token)
        if upload is None:
            context["expired"] = True
            return _render(request, context, status=400)
        kind, name, content = upload
        context["kind"] = kind
        _discard_upload(request, token)
        try:
            table = import_columns.read_table(content, filename=name, kind=kind)
        except tabular.TableError:  # the kept file was read once already; only tampering gets here
            context["expired"] = True
            return _render(request, context, status=400)
        report = importing.run_import(user=request.user, kind=kind, table=table, commit=True)
        if report.committed:
            messages.success(
                request,
                _("Import finished: %(create)s created, %(update)s updated, %(unchanged)s unchanged.")
                % report.counts,
            )
            return redirect("membership:members" if kind == MEMBER else "membership:branches")
        context["report"] = report
    elif request.method == "POST":
        form = context["form"] = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind = context["kind"] = form.cleaned_data["kind"]
            upload_file = form.cleaned_data["file"]
            content = upload_file.read()
            try:
                table = import_columns.read_table(content, filename=upload_file.name, kind=kind)
            except tabular.TableError as error:
                form.add_error("file", str(error))
            else:
                report = context["report"] = importing.plan_import(user=request.user, kind=kind, table=table)
                if report.ok:
                    context["token"] = _keep_upload(request, kind, upload_file.name, content)
        if form.errors:
            status = 400
    return _render(request, context, status=status)


def _render(request: HttpRequest, context: dict[str, Any], *, status: int) -> HttpResponse:
    context["columns"] = import_columns.COLUMNS[context["kind"]]
    context["kinds"] = [(k, import_columns.COLUMNS[k]) for k in KINDS]
    return render(request, "membership/import.html", context, status=status)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """A blank file to fill in: the header row (CSV), or the header and a sheet of help (XLSX)."""
    _require_importer(request)
    kind = _kind(request.GET.get("kind"))
    fmt = request.GET.get("format", "csv")
    columns = import_columns.header(kind)
    filename = f"liaison-{kind}s-template.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt != "xlsx":
        content = b"".join(tabular.csv_chunks(columns, []))
        return HttpResponse(content, content_type="text/csv; charset=utf-8", headers=disposition)
    return HttpResponse(_template_workbook(kind, columns), content_type=XLSX_TYPE, headers=disposition)


def _template_workbook(kind: str, columns: list[str]) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = (pgettext("membership", "Members") if kind == MEMBER else _("Branches"))[:31]
    sheet.append(columns)
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.number_format = "@"
    help_sheet = workbook.create_sheet(_("Help")[:31])
    help_sheet.append([_("Column"), _("Required"), _("What it holds")])
    for row in import_columns.template_rows(kind):
        help_sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
