"""Indexes of the work lists at a province's scale: the tab counts over the live requests only (open or
answered) read from the index alone, and the department queue's newest / oldest order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0015_request_open_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(fields=["department", "dispatched_at"], name="dispatch_department_time"),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed", "answered"])),
                fields=["current_due_at", "region", "status", "assigned_at", "assign_due_at", "answer_due_at"],
                name="req_live_due",
            ),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed", "answered"])),
                fields=["id", "status"],
                name="req_live_id",
            ),
        ),
    ]
