from django.apps import AppConfig


class ImplementationConfig(AppConfig):
    name = "liaison.implementation"
    label = "implementation"
    verbose_name = "Implementation tracking"
