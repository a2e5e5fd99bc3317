"""The live index led by the region carries the request's id: a large scope's overdue page (the overdue
rows of a city, most urgent first) is picked from the index alone instead of reading every overdue
request's row from the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0022_state_tabs_in_filing_order"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="request",
            name="req_live_region",
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed", "answered"])),
                fields=["region", "status", "current_due_at", "assigned_at", "assign_due_at", "answer_due_at"],
                include=("id",),
                name="req_live_region",
            ),
        ),
    ]
