"""The open requests linked to a key project, for the key-project dashboard's "with open requests"
figure and its table: a few hundred rows in a province instead of every project's requests."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("issues", "0016_list_counts_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(
                    ("project__isnull", False), ("status__in", ["submitted", "in_progress", "info_needed"])
                ),
                fields=["project"],
                name="req_open_project",
            ),
        ),
    ]
