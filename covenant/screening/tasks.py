"""Background tasks of the screening (django-tasks; tests run them immediately)."""

from __future__ import annotations

from django_tasks import task

from covenant.screening.models import Run


@task()
def run_screening(run_id: int) -> str:
    """Execute a queued run; return its final status."""
    from covenant.screening.services import run_execute

    run = Run.objects.select_related("upload", "covenant", "organisation").get(pk=run_id)
    if run.status != Run.Status.QUEUED:  # failed as stale before a worker took it
        return run.status
    return run_execute(run).status
