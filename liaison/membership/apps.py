from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "liaison.membership"
    label = "membership"
    verbose_name = "Membership records"
