"""Fill Request.current_due_at for the requests filed before it existed."""

from django.db import migrations, models
from django.db.models import F

OPEN = ("submitted", "in_progress", "info_needed")


def fill(apps, schema_editor):
    Request = apps.get_model("issues", "Request")
    Request.objects.update(current_due_at=models.Case(
        models.When(status="submitted", then=F("assign_due_at")),
        models.When(status__in=OPEN, then=F("answer_due_at")),
        default=None, output_field=models.DateTimeField()))


class Migration(migrations.Migration):
    dependencies = [("issues", "0004_request_current_due_at")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
