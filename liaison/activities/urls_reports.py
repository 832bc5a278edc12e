from django.urls import path

from liaison.activities import views_reports

urlpatterns = [
    path("calendar/", views_reports.calendar_view, name="calendar"),
    path("counts/", views_reports.counts_view, name="counts"),
    path("warnings/", views_reports.warnings_view, name="warnings"),
]
