from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from covenant import demo


class Command(BaseCommand):
    help = (
        "Load the demo covenants (IMVO-convenant Metaalsector and Demo-convenant Natuursteen), "
        "their parties and one demo user per role. Idempotent: a second run adds nothing. "
        "Refuses to run with DEBUG off unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. The demo data has known passwords; "
                "use --force if you really want it here."
            )
        with transaction.atomic():
            summary = demo.load_all(log=self.stdout.write)
        self.stdout.write(
            "Created {covenants} covenants, {memberships} memberships, {users} users, "
            "{activities} activities, {cycles} cycles, {reports} reports.".format(**summary)
        )
        return None
