from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "liaison.coordination"
    label = "coordination"
    verbose_name = "Coordination"

    def ready(self) -> None:
        # The engine hears of every activity change through the activities' signal.
        from liaison.coordination import outbox  # noqa: F401
