"""Standard answers move to the knowledge base: each policy issue (a group of common requests with its
standard answer) becomes a published knowledge entry of that category, industry and district, and the
old table goes."""

from django.db import migrations


def forwards(apps, schema_editor):
    CommonIssue = apps.get_model("supervision", "CommonIssue")
    Entry = apps.get_model("knowledge", "Entry")
    for issue in CommonIssue.objects.all():
        Entry.objects.update_or_create(
            common_group=True,
            category_id=issue.category_id,
            industry=issue.industry,
            region_id=issue.region_id,
            defaults={
                "kind": "answer",
                "status": "published",
                "title": issue.title,
                "body": issue.standard_answer,
                "created_by_id": issue.marked_by_id,
                "created_at": issue.created_at,
                "published_at": issue.updated_at,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0005_ranking_project_service"), ("knowledge", "0001_knowledge_base")]
    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(name="CommonIssue"),
    ]
