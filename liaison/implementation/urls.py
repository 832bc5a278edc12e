from django.urls import path

from liaison.implementation import views, views_progress, views_reports, views_tree, views_visits

app_name = "implementation"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan-list"),
    path("worklist/", views_reports.worklist, name="worklist"),
    # Guiding documents
    path("documents/new/", views.document_create, name="document-create"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document-edit"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("documents/<int:pk>/relations/", views.relation_add, name="relation-add"),
    path(
        "documents/<int:pk>/relations/<int:relation_id>/delete/",
        views.relation_delete,
        name="relation-delete",
    ),
    # Plans
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/delete/", views.plan_delete, name="plan-delete"),
    path("plans/<int:pk>/levels/", views.plan_levels, name="plan-levels"),
    path("plans/<int:pk>/objectives/", views.objective_add, name="objective-add"),
    path("plans/<int:pk>/heatmap/", views_progress.plan_heatmap, name="plan-heatmap"),
    path("plans/<int:pk>/completeness/", views_progress.plan_completeness, name="plan-completeness"),
    path("plans/<int:pk>/timeline/", views_progress.plan_timeline, name="plan-timeline"),
    path("plans/<int:pk>/report.pdf", views_progress.plan_report_pdf, name="plan-report-pdf"),
    path("plans/<int:pk>/report.xlsx", views_progress.plan_report_xlsx, name="plan-report-xlsx"),
    path("plans/<int:plan_id>/tasks/new/", views_tree.task_create, name="task-create"),
    path("plans/<int:plan_id>/visits/new/", views_visits.inspection_create, name="inspection-create"),
    # Tasks and assignments
    path("tasks/<int:pk>/", views_tree.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views_tree.task_edit, name="task-edit"),
    path("tasks/<int:pk>/delete/", views_tree.task_delete, name="task-delete"),
    path("tasks/<int:pk>/assign/", views_tree.task_assign, name="task-assign"),
    path("assignments/<int:pk>/", views_tree.assignment_detail, name="assignment-detail"),
    path("assignments/<int:pk>/delete/", views_tree.assignment_delete, name="assignment-delete"),
    path("assignments/<int:assignment_id>/report/", views_reports.report_write, name="report-write"),
    # Reports
    path("reports/<int:pk>/", views_reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/submit/", views_reports.report_submit, name="report-submit"),
    path("reports/<int:pk>/review/", views_reports.report_review, name="report-review"),
    # Supervision visits
    path("visits/<int:pk>/", views_visits.inspection_detail, name="inspection-detail"),
    path("visits/<int:pk>/edit/", views_visits.inspection_edit, name="inspection-edit"),
    path("visits/<int:pk>/findings/", views_visits.finding_add, name="finding-add"),
    path("recommendations/<int:pk>/follow-up/", views_visits.follow_up, name="follow-up"),
]
