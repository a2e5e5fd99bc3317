import uuid

from django.db import migrations, models


def first_revision(apps, schema_editor):
    apps.get_model("orgs", "OrgRevision").objects.create(key=1, token=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_enterprise_managing_member")]

    operations = [
        migrations.CreateModel(
            name="OrgRevision",
            fields=[
                ("key", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("token", models.UUIDField(default=uuid.uuid4)),
            ],
            options={"verbose_name": "organisation revision", "verbose_name_plural": "organisation revisions"},
        ),
        migrations.RunPython(first_revision, migrations.RunPython.noop),
    ]
