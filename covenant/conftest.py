"""The test cast, built through the demo loader and the services.

- `secretariat`, `company` (Staalbouw Noord B.V.), `stakeholder` (CNV Internationaal) and
  `steering`: the demo users of the metals covenant;
- `outsider`: a company member of the other demo covenant (Natuursteen), who must see
  nothing confidential of the metals covenant;
- anonymous: a plain client.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from covenant.accounts.models import User
from covenant.covenants import demo as demo_data
from covenant.covenants.models import Covenant
from covenant.demo import load_all

ROLE_EMAILS = {
    "secretariat": "secretariaat@example.org",
    "company": "bedrijf@example.org",
    "stakeholder": "stakeholder@example.org",
    "steering": "stuurgroep@example.org",
    "outsider": "natuursteen@example.org",
}
ROLES = ["anonymous", *ROLE_EMAILS]


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages():
    """The Dutch .mo (a build output of `make messages`) as current as its .po, so that tests
    of Dutch pages also pass when pytest runs without make."""
    from covenant.lib import compile_messages

    compile_messages.main()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache (rate limits, used TOTP codes)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _english(settings):
    """Pin the language to English so that tests can assert messages."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo data once into the test database; each test runs in a transaction that
    is rolled back, so every test starts from the same demo covenants."""
    with django_db_blocker.unblock():
        load_all()


def pytest_collection_modifyitems(items):
    # Browser tests and tests of requests at once use transactional_db, which empties the
    # database after each test: run them last, so that every other test still finds the demo
    # data loaded at setup.
    def empties(item) -> bool:
        marker = item.get_closest_marker("django_db")
        return item.get_closest_marker("e2e") is not None or bool(
            marker and marker.kwargs.get("transaction")
        )

    items.sort(key=empties)


@pytest.fixture
def demo(db) -> Covenant:
    """Return the demo metals covenant (loaded once per session, see django_db_setup)."""
    return Covenant.objects.get(slug=demo_data.METALS_SLUG)


@pytest.fixture
def stone(demo) -> Covenant:
    return Covenant.objects.get(slug=demo_data.STONE_SLUG)


def user_for(role: str) -> User | None:
    return None if role == "anonymous" else User.objects.get(email=ROLE_EMAILS[role])


@pytest.fixture
def client_for(demo):
    """Return a function giving a logged-in test client for a role name (or anonymous)."""

    def make(role: str) -> Client:
        client = Client()
        user = user_for(role)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def secretariat(demo) -> User:
    return user_for("secretariat")


@pytest.fixture
def company(demo) -> User:
    return user_for("company")


@pytest.fixture
def stakeholder(demo) -> User:
    return user_for("stakeholder")


@pytest.fixture
def steering(demo) -> User:
    return user_for("steering")


@pytest.fixture
def outsider(demo) -> User:
    return user_for("outsider")


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} ({settings.DATABASES['default']['NAME'] or 'in memory'})"
