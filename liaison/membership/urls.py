from django.urls import path

from liaison.membership import views, views_checks, views_dossier, views_manage, views_rules
from liaison.membership.urls_import import urlpatterns as import_urlpatterns

app_name = "membership"

urlpatterns = [
    # The checks
    path("", views_checks.home, name="home"),
    path("checks/<slug:slug>/", views_checks.check_list, name="check"),
    path("checks/<slug:slug>/export/", views_checks.check_export, name="check-export"),
    # Members
    path("members/", views.member_list, name="members"),
    path("members/export/", views_checks.member_export, name="member-export"),
    path("members/new/", views_manage.member_create, name="member-create"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", views_manage.member_edit, name="member-edit"),
    path("members/<int:pk>/postings/new/", views_manage.posting_add, name="posting-add"),
    path("members/<int:pk>/events/new/", views_manage.event_add, name="event-add"),
    path("members/<int:pk>/transfer/", views_manage.transfer_release, name="transfer-release"),
    path("members/<int:pk>/end-attachment/", views_manage.attachment_end, name="attachment-end"),
    path("postings/<int:pk>/edit/", views_manage.posting_edit, name="posting-edit"),
    path("postings/<int:pk>/delete/", views_manage.posting_delete, name="posting-delete"),
    # Transfers
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:pk>/receive/", views_manage.transfer_receive, name="transfer-receive"),
    path("transfers/<int:pk>/cancel/", views_manage.transfer_cancel, name="transfer-cancel"),
    path("transfers/<int:pk>/documents/", views_manage.transfer_document_add, name="transfer-document-add"),
    path("transfer-documents/<int:pk>/", views_dossier.transfer_document, name="transfer-document"),
    # Dossiers
    path("members/<int:pk>/dossier/", views_dossier.dossier, name="dossier"),
    path("members/<int:pk>/dossier/digitised/", views_dossier.dossier_digitised, name="dossier-digitised"),
    path("members/<int:pk>/dossier/reopen/", views_dossier.dossier_reopen, name="dossier-reopen"),
    path("dossier-files/<int:pk>/", views_dossier.dossier_file, name="dossier-file"),
    path("dossier-files/<int:pk>/delete/", views_dossier.dossier_file_delete, name="dossier-file-delete"),
    # Branches
    path("branches/", views.branch_list, name="branches"),
    path("branches/new/", views_manage.branch_create, name="branch-create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch-detail"),
    path("branches/<int:pk>/edit/", views_manage.branch_edit, name="branch-edit"),
    # Status rules
    path("rules/", views_rules.rules, name="rules"),
    path("rules/<int:pk>/edit/", views_rules.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views_rules.rule_delete, name="rule-delete"),
]
urlpatterns += import_urlpatterns
