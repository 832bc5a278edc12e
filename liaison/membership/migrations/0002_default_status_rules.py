"""The status rules a new installation starts with (administrators change them afterwards)."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from liaison.membership.statuses import DEFAULT_RULES

    StatusRule = apps.get_model("membership", "StatusRule")
    for kind, after, status, description in DEFAULT_RULES:
        StatusRule.objects.get_or_create(
            event_kind=kind, after_days=after, defaults={"status": status, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
