"""Pages that change the parts of an activity (included by `urls.py` in the `activities` namespace)."""

from django.urls import URLPattern, path

from liaison.activities import views_parts as v

A = "<int:activity_id>"

urlpatterns: list[URLPattern] = [
    # A section of the detail page with its long lists whole (delegations, programme, outcomes).
    path(f"{A}/sections/<slug:section>/", v.section, name="section"),
    # Delegations, their members, itinerary and the composition's approval.
    path(f"{A}/delegations/new/", v.delegation_add, name="delegation-add"),
    path(f"{A}/delegations/<int:delegation_id>/edit/", v.delegation_edit, name="delegation-edit"),
    path(f"{A}/delegations/<int:delegation_id>/delete/", v.delegation_delete, name="delegation-delete"),
    path(f"{A}/delegations/<int:delegation_id>/members/new/", v.member_add, name="member-add"),
    path(f"{A}/members/<int:member_id>/edit/", v.member_edit, name="member-edit"),
    path(f"{A}/members/<int:member_id>/remove/", v.member_remove, name="member-remove"),
    path(f"{A}/delegations/<int:delegation_id>/submit/", v.composition_submit, name="composition-submit"),
    path(f"{A}/delegations/<int:delegation_id>/decide/", v.composition_decide, name="composition-decide"),
    path(f"{A}/delegations/<int:delegation_id>/stops/new/", v.stop_add, name="stop-add"),
    path(f"{A}/stops/<int:stop_id>/remove/", v.stop_remove, name="stop-remove"),
    # The programme: sessions with their chairs and speakers, connected sites.
    path(f"{A}/sessions/new/", v.session_add, name="session-add"),
    path(f"{A}/sessions/<int:session_id>/edit/", v.session_edit, name="session-edit"),
    path(f"{A}/sessions/<int:session_id>/delete/", v.session_delete, name="session-delete"),
    path(f"{A}/sessions/<int:session_id>/people/new/", v.session_person_add, name="session-person-add"),
    path(
        f"{A}/session-people/<int:participant_id>/remove/",
        v.session_person_remove,
        name="session-person-remove",
    ),
    path(f"{A}/sites/new/", v.site_add, name="site-add"),
    path(f"{A}/sites/<int:site_id>/edit/", v.site_edit, name="site-edit"),
    path(f"{A}/sites/<int:site_id>/delete/", v.site_delete, name="site-delete"),
    # Outcomes, attachments, sources.
    path(f"{A}/outcomes/new/", v.outcome_add, name="outcome-add"),
    path(f"{A}/outcomes/<int:outcome_id>/edit/", v.outcome_edit, name="outcome-edit"),
    path(f"{A}/outcomes/<int:outcome_id>/delete/", v.outcome_delete, name="outcome-delete"),
    path(f"{A}/attachments/new/", v.attachment_add, name="attachment-add"),
    path(f"{A}/attachments/<int:attachment_id>/", v.attachment_download, name="attachment-download"),
    path(f"{A}/attachments/<int:attachment_id>/delete/", v.attachment_delete, name="attachment-delete"),
    path(f"{A}/sources/new/", v.source_add, name="source-add"),
    path(f"{A}/sources/<int:source_id>/delete/", v.source_delete, name="source-delete"),
    # Suggestions for the person fields of these forms.
    path("people/autocomplete/", v.person_autocomplete, name="person-autocomplete"),
]
