"""Opinion.disposition: how a 复查/复核 opinion treats the opinion under review (维持 / 变更 / 撤销).

Existing review opinions are given the disposition the assessment used to infer: a result different from the
reviewed (parent) case's opinion → 变更, the same result (or no parent opinion to compare) → 维持. First-instance
opinions stay blank.
"""

from django.db import migrations, models

REVIEW_KINDS = ("review", "rereview")


def derive_dispositions(apps, schema_editor):
    Opinion = apps.get_model("cases", "Opinion")
    rows = Opinion.objects.filter(case__kind__in=REVIEW_KINDS, disposition="").values_list(
        "pk", "result", "case__parent_case__opinion__result"
    )
    changed: list[int] = []
    upheld: list[int] = []
    for pk, result, parent_result in rows.iterator():
        (changed if parent_result is not None and result != parent_result else upheld).append(pk)
    Opinion.objects.filter(pk__in=changed).update(disposition="change")
    Opinion.objects.filter(pk__in=upheld).update(disposition="uphold")


def clear_dispositions(apps, schema_editor):
    apps.get_model("cases", "Opinion").objects.update(disposition="")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_art31_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="opinion",
            name="disposition",
            field=models.CharField(
                blank=True,
                choices=[("uphold", "维持"), ("change", "变更"), ("revoke", "撤销")],
                default="",
                max_length=8,
                verbose_name="对原处理意见",
            ),
        ),
        migrations.RunPython(derive_dispositions, clear_dispositions),
    ]
