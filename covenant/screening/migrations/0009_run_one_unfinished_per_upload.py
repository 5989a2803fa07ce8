"""One queued or running run per upload (a double click started two). Runs of an upload that
were left unfinished beside a later one are marked failed first."""

from django.db import migrations, models
from django.utils import timezone

LEFT = "The run stopped before it finished (the platform may have restarted). Start it again."


def fail_all_but_the_latest_unfinished(apps, schema_editor):
    Run = apps.get_model("screening", "Run")
    seen = set()
    unfinished = Run.objects.filter(status__in=["queued", "running"])
    for run in unfinished.order_by("upload_id", "-created_at", "-pk"):
        if run.upload_id in seen:
            Run.objects.filter(pk=run.pk).update(
                status="failed", progress=100, finished_at=timezone.now(), error=LEFT,
                error_message={"message": LEFT, "params": {}},
            )  # fmt: skip
        seen.add(run.upload_id)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0008_upload_header_row"),
    ]

    operations = [
        migrations.RunPython(fail_all_but_the_latest_unfinished, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="run",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("upload",),
                name="run_one_unfinished_per_upload",
            ),
        ),
    ]
