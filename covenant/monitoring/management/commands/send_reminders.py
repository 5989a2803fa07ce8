from django.core.management.base import BaseCommand

from covenant.monitoring.tasks import send_deadline_reminders


class Command(BaseCommand):
    help = (
        "Queue the deadline reminders of the yearly monitoring as a background task (run daily "
        "from cron; `manage.py db_worker` sends them)."
    )

    def handle(self, *args, **options):
        result = send_deadline_reminders.enqueue()
        self.stdout.write(f"Queued the reminders (task {result.id}).")
