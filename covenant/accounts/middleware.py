"""Sends secretariat users of covenants that require it to set up two-factor authentication."""

from django.shortcuts import redirect

from covenant.accounts.models import Role

# Paths a user without two-factor authentication may still reach: logging in and out,
# setting up the authenticator, switching the language, static files.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/")


def mfa_required(user) -> bool:
    """Return whether the user must have TOTP and has none yet."""
    # One query on every logged-in request: a secretariat role that requires TOTP, held by a
    # user without a TOTP authenticator.
    return (
        Role.objects.filter(
            user=user, kind=Role.Kind.SECRETARIAT, covenant__secretariat_mfa_required=True
        )
        .exclude(user__authenticator__type="totp")
        .exists()
    )


class RequireMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_required(request.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
