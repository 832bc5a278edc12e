from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "liaison.activities"
    label = "activities"
    verbose_name = "Activities"
