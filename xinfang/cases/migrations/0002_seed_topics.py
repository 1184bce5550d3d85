"""The fire-service topic taxonomy of REQUIREMENTS R2.2 (admins may add more)."""

from django.db import migrations

TOPICS = [
    ("supervision", "消防监督检查", 10),
    ("penalty", "行政处罚", 20),
    ("fire_investigation", "火灾事故调查/认定", 30),
    ("products", "消防产品", 40),
    ("conduct", "队伍作风与违纪", 50),
    ("benefits", "人员待遇与退役安置", 60),
    ("professional_firefighters", "政府专职消防员", 70),
    ("other", "其他", 999),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("cases", "Topic")
    for code, name, order in TOPICS:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order, "active": True})


def unseed(apps, schema_editor):
    Topic = apps.get_model("cases", "Topic")
    Topic.objects.filter(code__in=[c for c, _, _ in TOPICS], cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
