from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("issues", "0014_co_handling_opinions")]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "in_progress", "info_needed"])),
                fields=["region", "submitted_at"],
                name="req_open_region_submitted",
            ),
        ),
    ]
