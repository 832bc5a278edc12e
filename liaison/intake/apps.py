from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "liaison.intake"
    label = "intake"
    verbose_name = "Document intake"
