"""The import pages' routes, included by `urls.py` (kept apart: the import is its own concern)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
