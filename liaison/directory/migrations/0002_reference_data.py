"""Countries (ISO 3166-1) and Vietnam's provincial units are reference data every install needs."""

from django.db import migrations


def load(apps, schema_editor):
    from liaison.directory import reference

    Country = apps.get_model("directory", "Country")
    Locality = apps.get_model("directory", "Locality")
    Succession = apps.get_model("directory", "LocalitySuccession")
    reference.load_countries(country_model=Country)
    reference.load_vietnam_provinces(country_model=Country, locality_model=Locality, succession_model=Succession)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
