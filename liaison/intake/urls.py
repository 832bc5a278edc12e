"""Intake pages, mounted at /intake/."""

from django.urls import path

from liaison.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.document_list, name="document-list"),
    path("new/", views.document_create, name="document-create"),
    path("<int:pk>/", views.document_review, name="document-review"),
    path("<int:pk>/accept-all/", views.document_accept_all, name="document-accept-all"),
    path("proposals/<int:pk>/accept/", views.proposal_accept, name="proposal-accept"),
    path("proposals/<int:pk>/correct/", views.proposal_correct, name="proposal-correct"),
    path("proposals/<int:pk>/reject/", views.proposal_reject, name="proposal-reject"),
]
