"""The import pages' routes, included by `urls.py` (kept apart: the import is its own concern)."""

from django.urls import URLPattern, path

from liaison.membership import views_import

urlpatterns: list[URLPattern] = [
    path("import/", views_import.import_page, name="import"),
    path("import/template/", views_import.import_template, name="import-template"),
]
