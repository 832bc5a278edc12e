"""Placeholder replaced by the import/export module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def export_response(request: HttpRequest, *, kind: str) -> HttpResponse:
    raise NotImplementedError


def import_page(request: HttpRequest, *, kind: str) -> HttpResponse:
    raise NotImplementedError
