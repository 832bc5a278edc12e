from django.urls import include, path

from liaison.activities import views, views_manage

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("new/", views_manage.activity_create, name="activity-create"),
    path("<int:activity_id>/", views.activity_detail, name="activity-detail"),
    path("<int:activity_id>/edit/", views_manage.activity_edit, name="activity-edit"),
    path("<int:activity_id>/delete/", views_manage.activity_delete, name="activity-delete"),
    path("<int:activity_id>/status/", views_manage.activity_transition, name="activity-transition"),
    # Parts of an activity (delegations, programme, outcomes, files, sources).
    path("", include("liaison.activities.urls_parts")),
    # Calendar, counts and warnings.
    path("", include("liaison.activities.urls_reports")),
    # Exports and calendar feeds.
    path("", include("liaison.activities.urls_feeds")),
]
