"""The work lists' tab counts read the live requests of the scope's regions only: the covering index of the
live requests leads with the region instead of the deadline."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0019_open_index_covers_live_counts"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="request",
            name="req_live_due",
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed", "answered"])),
                fields=["region", "status", "current_due_at", "assigned_at", "assign_due_at", "answer_due_at"],
                name="req_live_region",
            ),
        ),
    ]
