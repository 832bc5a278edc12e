from django.urls import include, path

from liaison.coordination import views, views_health, views_plan

app_name = "coordination"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.unread_badge, name="unread-badge"),
    path("notices/<uuid:uid>/", views.notice_detail, name="notice-detail"),
    path("notices/<uuid:uid>/answer/", views.notice_answer, name="notice-answer"),
    path("health/", views_health.health_page, name="health"),
    path("health/export.xlsx", views_health.health_export, name="health-export"),
    path("agreements/<int:agreement_id>/plan/add/", views_plan.plan_item_create, name="plan-item-create"),
    path(
        "agreements/<int:agreement_id>/plan/<int:item_id>/edit/",
        views_plan.plan_item_edit,
        name="plan-item-edit",
    ),
    path(
        "agreements/<int:agreement_id>/plan/<int:item_id>/delete/",
        views_plan.plan_item_delete,
        name="plan-item-delete",
    ),
    # Agreements, their rules and contact points; working calendars.
    path("", include("liaison.coordination.urls_agreements")),
]
