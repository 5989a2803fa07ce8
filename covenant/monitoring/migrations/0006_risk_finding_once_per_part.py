"""A screening finding is in a risk register once (a double click adopted it twice). Where it
was, the later items keep their content and lose the link to the finding."""

from django.db import migrations, models


def unlink_repeated_adoptions(apps, schema_editor):
    RiskItem = apps.get_model("monitoring", "RiskItem")
    seen = set()
    for item in RiskItem.objects.filter(finding__isnull=False).order_by("pk"):
        key = (item.part_id, item.finding_id)
        if key in seen:
            RiskItem.objects.filter(pk=item.pk).update(finding=None)
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_cycle_settings_carry_over_event"),
        ("screening", "0009_run_one_unfinished_per_upload"),
    ]

    operations = [
        migrations.RunPython(unlink_repeated_adoptions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="riskitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("finding__isnull", False)),
                fields=("part", "finding"),
                name="risk_finding_once_per_part",
                violation_error_message="This finding is in the risk register already.",
            ),
        ),
    ]
