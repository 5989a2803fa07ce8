"""URLs of Covenant. Every view declares its access policy (see accounts/decorators.py)."""

from django.urls import include, path

from covenant.api import api

urlpatterns = [
    path("", include("covenant.covenants.urls")),
    path("", include("covenant.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
]
