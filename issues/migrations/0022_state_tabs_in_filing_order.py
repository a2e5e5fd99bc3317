"""A large scope's state tab sorted newest or oldest first walks that state's requests in filing order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0021_dispatch_request_status"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(fields=["status", "submitted_at"], name="req_status_submitted"),
        ),
    ]
