"""Sends secretariat users of covenants that require it to set up two-factor authentication."""

from django.shortcuts import redirect

from covenant.accounts.models import Role

# Paths a user without two-factor authentication may still reach: logging in and out,
# setting up the authenticator, switching the language, static files.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/")


def mfa_required(user) -> bool:
    """Return whether the user must have TOTP and has none yet: a secretariat role in a
    covenant that requires it, and no TOTP authenticator.

    This runs on every logged-in request, so it is one plain SQL statement: the ORM's
    compiling of the same query (a join and an excluded subquery) cost more than running it.
    """
    from allauth.mfa.models import Authenticator
    from django.db import connection

    from covenant.covenants.models import Covenant

    role, covenant, authenticator = (
        connection.ops.quote_name(model._meta.db_table) for model in (Role, Covenant, Authenticator)
    )
    # only table names from the models are formatted in; the values are parameters
    sql = (
        f"SELECT 1 FROM {role} r JOIN {covenant} c ON c.id = r.covenant_id"  # noqa: S608
        " WHERE r.user_id = %s AND r.kind = %s AND c.secretariat_mfa_required"
        f" AND NOT EXISTS (SELECT 1 FROM {authenticator} a"
        " WHERE a.user_id = r.user_id AND a.type = %s) LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, Role.Kind.SECRETARIAT.value, Authenticator.Type.TOTP.value])
        return cursor.fetchone() is not None


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
