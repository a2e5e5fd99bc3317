"""A fourth grain of the aggregate tables, region × category, for the unfiltered dashboard; the rows of
the days and months already counted are summed from the full grain here."""

from django.db import migrations, models
from django.db.models import Sum

COLUMNS = [
    "received",
    "resolved",
    "dispatch_due",
    "dispatched_on_time",
    "dispatched_late",
    "answer_due",
    "answered_on_time",
    "answered_late",
    "evaluated",
    "reopened",
    "yellow_cards",
    "red_cards",
    "not_evaluated",
    "satisfied",
    "answered",
    "reopens",
    "withdrawn",
    "dispatch_timed",
    "answer_timed",
    "score_sum",
    "dispatch_hours_sum",
    "answer_hours_sum",
]
FULL, SUMMARY = 1, 4


def add_summary(apps, schema_editor):
    for name, period in (("DailyStat", "day"), ("MonthlyStat", "month")):
        model = apps.get_model("supervision", name)
        rows = (
            model.objects.filter(grain=FULL)
            .order_by()
            .values(period, "region_id", "category_id")
            .annotate(**{f"sum_{c}": Sum(c) for c in COLUMNS})
        )
        model.objects.bulk_create(
            [
                model(
                    grain=SUMMARY,
                    region_id=row["region_id"],
                    category_id=row["category_id"],
                    **{period: row[period]},
                    **{c: row[f"sum_{c}"] for c in COLUMNS},
                )
                for row in rows
            ],
            batch_size=2000,
        )


def remove_summary(apps, schema_editor):
    for name in ("DailyStat", "MonthlyStat"):
        apps.get_model("supervision", name).objects.filter(grain=SUMMARY).delete()


GRAINS = [(1, "every filter"), (2, "all but the department"), (3, "region and department"), (4, "region and category")]


class Migration(migrations.Migration):
    dependencies = [("supervision", "0006_standard_answers_to_knowledge")]

    operations = [
        migrations.AlterField(
            model_name="dailystat",
            name="grain",
            field=models.PositiveSmallIntegerField(choices=GRAINS, verbose_name="grain"),
        ),
        migrations.AlterField(
            model_name="monthlystat",
            name="grain",
            field=models.PositiveSmallIntegerField(choices=GRAINS, verbose_name="grain"),
        ),
        migrations.RunPython(add_summary, remove_summary),
    ]
