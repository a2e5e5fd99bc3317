"""Covering indexes of the monthly figures for the unfiltered dashboard (region × category grain) and its
department chart (region × department grain): a year of a province reads them by index-only scans."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("supervision", "0007_stat_summary_grain")]

    operations = [
        migrations.AddIndex(
            model_name="monthlystat",
            index=models.Index(
                condition=models.Q(("grain", 4)),
                fields=["month", "region"],
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
                fields=["month", "region"],
                include=("lead_department", "received", "resolved"),
                name="monthly_stat_departments",
            ),
        ),
    ]
