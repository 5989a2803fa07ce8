"""URLs of Covenant. Every view declares its access policy (see accounts/decorators.py)."""

from django.urls import include, path
from django.views.generic import RedirectView

from covenant.accounts.decorators import Policy, public
from covenant.api import api

# Views of other packages keep their own rules; the access test checks them against these.
THIRD_PARTY_POLICIES = {
    "allauth": Policy("third-party"),  # login, logout, password reset, two-factor set-up
    "django.views.i18n": Policy("public"),  # the language switch
    "ninja": Policy("public"),  # the API's OpenAPI schema and docs page
}

urlpatterns = [
    path("", include("covenant.covenants.urls")),
    path("", include("covenant.accounts.urls")),
    path("", include("covenant.activities.urls")),
    path("", include("covenant.monitoring.urls")),
    path("", include("covenant.reports.urls")),
    path("", include("covenant.knowledge.urls")),
    path("", include("covenant.screening.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", public(RedirectView.as_view(url="/api/docs")), name="api-home"),
    path("api/", api.urls),
]
