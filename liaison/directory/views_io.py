"""Import and export of organisations and people (CSV and XLSX)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from liaison.directory import transfer


@login_required
def organisation_export(request: HttpRequest) -> HttpResponseBase:
    return transfer.export_response(request, kind="organisation")


@login_required
def person_export(request: HttpRequest) -> HttpResponseBase:
    return transfer.export_response(request, kind="person")


@login_required
def organisation_import(request: HttpRequest) -> HttpResponse:
    return transfer.import_page(request, kind="organisation")


@login_required
def person_import(request: HttpRequest) -> HttpResponse:
    return transfer.import_page(request, kind="person")
