"""Agreements with their contact points and sharing rules, and the working calendars (included
under /coordination/ in the "coordination" namespace)."""

from django.urls import path

from liaison.coordination import views_agreements as agreements
from liaison.coordination import views_calendars as calendars

A = "agreements/<int:agreement_id>"
R = f"{A}/rules/<int:rule_id>"

urlpatterns = [
    path("agreements/", agreements.agreement_list, name="agreement-list"),
    path("agreements/new/", agreements.agreement_create, name="agreement-create"),
    path(f"{A}/", agreements.agreement_detail, name="agreement-detail"),
    path(f"{A}/edit/", agreements.agreement_edit, name="agreement-edit"),
    path(f"{A}/delete/", agreements.agreement_delete, name="agreement-delete"),
    path(f"{A}/signed-text/", agreements.agreement_signed_text, name="agreement-signed-text"),
    path(f"{A}/contacts/add/", agreements.contact_add, name="contact-add"),
    path(f"{A}/contacts/<int:contact_id>/delete/", agreements.contact_delete, name="contact-delete"),
    path(f"{A}/rules/add/", agreements.rule_create, name="rule-create"),
    path(f"{R}/edit/", agreements.rule_edit, name="rule-edit"),
    path(f"{R}/active/", agreements.rule_toggle, name="rule-toggle"),
    path(f"{R}/delete/", agreements.rule_delete, name="rule-delete"),
    path(f"{R}/apply/", agreements.rule_apply, name="rule-apply"),
    path("calendars/", calendars.calendar_list, name="calendar-list"),
    path("calendars/weekend/", calendars.calendar_weekend, name="calendar-weekend"),
    path("calendars/holidays/add/", calendars.holiday_add, name="holiday-add"),
    path("calendars/holidays/<int:holiday_id>/delete/", calendars.holiday_delete, name="holiday-delete"),
]
