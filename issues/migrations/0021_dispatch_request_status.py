"""Each task carries a copy of its request's state, kept by two triggers (issues/triggers.py), and an index of
the department's tasks by it: the department queue's tab counts and tab rows no longer join the requests.

The copy of the tasks already written is one ``UPDATE … FROM`` joined to the requests (about a minute for
1.3 million tasks); the index is built after it. On PostgreSQL the whole migration is one transaction: the
triggers exist before the copy is taken, and creating them locks out writers until it commits, so no change
of state falls between the two.
"""

from django.db import migrations, models

from issues import triggers


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in triggers.statements(vendor):
        schema_editor.execute(sql)
    schema_editor.execute(triggers.FILL)


def remove(apps, schema_editor):
    for sql in triggers.statements(schema_editor.connection.vendor, drop=True):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0020_live_counts_lead_with_region"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispatch",
            name="request_status",
            field=models.CharField(
                choices=[
                    ("submitted", "Awaiting dispatch"),
                    ("in_progress", "In progress"),
                    ("info_needed", "Information needed"),
                    ("answered", "Answered"),
                    ("closed", "Closed"),
                    ("withdrawn", "Withdrawn"),
                ],
                db_default="",
                default="",
                editable=False,
                max_length=20,
                verbose_name="request status",
            ),
        ),
        migrations.RunPython(install, remove),
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(
                fields=["department", "request_status", "answer_due_at"],
                include=("status",),
                name="dispatch_department_req_status",
            ),
        ),
    ]
