from django.urls import path

from liaison.directory import views, views_io, views_manage

app_name = "directory"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views_manage.organisation_create, name="organisation-create"),
    path("organisations/tree/", views.organisation_tree, name="organisation-tree"),
    path("organisations/autocomplete/", views.organisation_autocomplete, name="organisation-autocomplete"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation-detail"),
    path(
        "organisations/<int:organisation_id>/edit/", views_manage.organisation_edit, name="organisation-edit"
    ),
    path(
        "organisations/<int:organisation_id>/delete/",
        views_manage.organisation_delete,
        name="organisation-delete",
    ),
    path(
        "organisations/<int:organisation_id>/names/new/",
        views_manage.organisation_name_add,
        name="organisation-name-add",
    ),
    path(
        "organisations/<int:organisation_id>/names/<int:name_id>/remove/",
        views_manage.organisation_name_remove,
        name="organisation-name-remove",
    ),
    path("organisations/export/", views_io.organisation_export, name="organisation-export"),
    path("organisations/import/", views_io.organisation_import, name="organisation-import"),
    path("organisations/<int:organisation_id>/mandates/new/", views_manage.mandate_add, name="mandate-add"),
    path(
        "organisations/<int:organisation_id>/mandates/<int:mandate_id>/remove/",
        views_manage.mandate_remove,
        name="mandate-remove",
    ),
    path("people/", views.person_list, name="person-list"),
    path("people/export/", views_io.person_export, name="person-export"),
    path("people/import/", views_io.person_import, name="person-import"),
    path("people/new/", views_manage.person_create, name="person-create"),
    path("people/holders/", views.holders, name="holders"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
    path("people/<int:person_id>/edit/", views_manage.person_edit, name="person-edit"),
    path("people/<int:person_id>/delete/", views_manage.person_delete, name="person-delete"),
    path("people/<int:person_id>/names/new/", views_manage.person_name_add, name="person-name-add"),
    path(
        "people/<int:person_id>/names/<int:name_id>/remove/",
        views_manage.person_name_remove,
        name="person-name-remove",
    ),
    path("people/<int:person_id>/positions/new/", views_manage.position_add, name="position-add"),
    path(
        "people/<int:person_id>/positions/<int:position_id>/end/",
        views_manage.position_end,
        name="position-end",
    ),
    path(
        "people/<int:person_id>/positions/<int:position_id>/remove/",
        views_manage.position_remove,
        name="position-remove",
    ),
]
