from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand
from django.utils import timezone

from covenant.covenants import demo


def current_totp_code() -> str:
    """Return the demo secretariat's current six-digit TOTP code."""
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(demo.DEMO_TOTP_SECRET, counter))


class Command(BaseCommand):
    help = "Print the demo logins, one per role, and the demo secretariat's current TOTP code."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for spec in demo.DEMO_USERS:
            org = f" of {spec.organisation}" if spec.organisation else ""
            self.stdout.write(f"  {spec.kind:<12} {spec.email:<28} ({spec.covenant}{org})")
        self.stdout.write(
            "The secretariat logs in with two-factor authentication. Its TOTP secret is "
            f"{demo.DEMO_TOTP_SECRET} (add it to an authenticator app), or run "
            "`make totp` for the current code. Current code: " + current_totp_code()
        )
