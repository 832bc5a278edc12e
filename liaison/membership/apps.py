from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "liaison.membership"
    label = "membership"
    verbose_name = "Membership records"

    def ready(self) -> None:
        from liaison.membership import signals  # noqa: F401 - connects the receivers
