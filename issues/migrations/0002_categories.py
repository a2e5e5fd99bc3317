from django.db import migrations

CATEGORIES = [
    ("policy", "政策", "Policy"),
    ("finance", "融资", "Financing"),
    ("labour", "用工", "Labour"),
    ("talent", "人才", "Talent"),
    ("land", "土地", "Land"),
    ("approval", "审批手续", "Approvals and permits"),
    ("infrastructure", "基础设施 水电气暖路", "Infrastructure (water, power, gas, heating, roads)"),
    ("environment", "环保", "Environmental protection"),
    ("market", "市场", "Market"),
    ("legal", "法律", "Legal"),
    ("other", "其他", "Other"),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("issues", "Category")
    for order, (code, name, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("issues", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
