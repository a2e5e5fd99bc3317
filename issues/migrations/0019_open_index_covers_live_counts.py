"""The dashboards' live open/overdue count reads the open requests of a scope and period from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0018_unclosed_text_trigram"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="request",
            name="req_open_region_submitted",
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed"])),
                fields=["region", "submitted_at"],
                include=("id", "status", "assigned_at", "assign_due_at", "answer_due_at"),
                name="req_open_region_submitted",
            ),
        ),
    ]
