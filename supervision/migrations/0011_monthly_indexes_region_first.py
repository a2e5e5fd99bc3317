"""The monthly figures' covering indexes lead with the region: a city reads its own rows of the months."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0010_timing_stamp_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="monthlystat",
            name="monthly_stat_summary",
        ),
        migrations.RemoveIndex(
            model_name="monthlystat",
            name="monthly_stat_departments",
        ),
        migrations.AddIndex(
            model_name="monthlystat",
            index=models.Index(
                condition=models.Q(("grain", 4)),
                fields=["region", "month"],
                include=(
                    "category",
                    "received",
                    "resolved",
                    "dispatch_due",
                    "dispatched_on_time",
                    "dispatched_late",
                    "answer_due",
                    "answered_on_time",
                    "answered_late",
                    "evaluated",
                    "satisfied",
                    "answered",
                    "reopened",
                    "reopens",
                    "yellow_cards",
                    "red_cards",
                    "not_evaluated",
                    "withdrawn",
                    "dispatch_timed",
                    "answer_timed",
                    "score_sum",
                    "dispatch_hours_sum",
                    "answer_hours_sum",
                ),
                name="monthly_stat_summary",
            ),
        ),
        migrations.AddIndex(
            model_name="monthlystat",
            index=models.Index(
                condition=models.Q(("grain", 3)),
                fields=["region", "month"],
                include=("lead_department", "received", "resolved"),
                name="monthly_stat_departments",
            ),
        ),
    ]
