"""The JSON API root (django-ninja): /api/, its OpenAPI schema and its docs page."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer

from covenant.accounts.middleware import mfa_required
from covenant.accounts.services import api_token_user
from covenant.monitoring.api import stale_version_answer
from covenant.monitoring.services import StaleVersion

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """A personal API token as `Authorization: Bearer cov_…`; without one, the session user on
    reads, else anonymous. A token acts with its user's roles, never more.

    A secretariat member whom the covenant requires to set up two-factor authentication, and
    who has not, is anonymous here as the pages send them to set it up (decision 0002)."""

    def __call__(self, request):
        if not request.headers.get("Authorization"):
            user = getattr(request, "user", None)
            if (
                user is not None
                and user.is_authenticated
                and request.method in SAFE_METHODS
                and not mfa_required(user)
            ):
                return user
            return AnonymousUser()
        return super().__call__(request)

    def authenticate(self, request, token: str):
        user = api_token_user(plain=token)
        return None if user is None or mfa_required(user) else user


class CovenantAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """Ninja's errors, with a body error's `loc` as the client sent the body: ["body",
        "lines", 1, "spend"], not ["body", "payload", "lines", …] (the view's parameter name
        for the whole body, which the client never sees)."""
        error = super().validation_error_from_error_contexts(error_contexts)
        whole = {
            name
            for context in error_contexts
            if context.model.__ninja_param_source__ == "body"
            and len(context.model.model_fields) == 1
            for name in context.model.model_fields
        }
        for item in error.errors:
            loc = tuple(item["loc"])
            if len(loc) > 1 and loc[0] == "body" and loc[1] in whole:
                item["loc"] = (loc[0], *loc[2:])
        return error


api = CovenantAPI(
    title="Covenant API",
    version="1",
    description=(
        "Open data of the covenants on this instance, and what the caller's roles allow. "
        "Authenticate with a personal API token (`Authorization: Bearer cov_…`), created on "
        "your own page under “API tokens”."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"message": "Not allowed for your roles."}, status=403)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    extra = exc.message_dict if hasattr(exc, "error_dict") else {}
    return api.create_response(
        request, {"message": " ".join(exc.messages), "extra": extra}, status=400
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    """Unknown, or not the caller's to see: the same answer (no "Not Found: " fragment)."""
    return api.create_response(request, {"message": _("Not found.")}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc: RequestDataTooBig):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (the JSON purchase lines of a large list)."""
    message = _(
        "The request is larger than %(mb)s MB. Send a large purchase list as a file to "
        "/api/covenants/<slug>/screening/uploads (up to %(max)s MB), or in parts."
    ) % {
        "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
        "max": settings.SCREENING_MAX_MB,
    }
    return api.create_response(request, {"message": message}, status=413)


@api.exception_handler(StaleVersion)
def stale_version(request, exc: StaleVersion):
    """A change based on an older version of a part: 409, nothing saved."""
    return api.create_response(request, stale_version_answer(exc), status=409)


api.add_router("/", "covenant.covenants.api.router")
api.add_router("/", "covenant.accounts.api.router")
api.add_router("/", "covenant.activities.api.router")
api.add_router("/", "covenant.monitoring.api.router")
api.add_router("/", "covenant.reports.api.router")
api.add_router("/", "covenant.knowledge.api.router")
api.add_router("/", "covenant.screening.api.router")
