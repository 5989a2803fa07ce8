import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from covenant.accounts.models import Role, User
from covenant.activities.models import Activity
from covenant.covenants.models import Covenant, Membership, Organisation
from covenant.monitoring.models import Cycle, Part

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    own = ("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "ALLOWED_HOSTS")
    full_env = {k: v for k, v in os.environ.items() if k not in own}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "covenant.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="covenant.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_in_the_environment_is_a_clear_error():
    result = run_manage("check", DEBUG="maybe")
    assert "DEBUG must be one of" in result.stderr


MODELS = (Covenant, Organisation, Membership, User, Role, Activity, Cycle, Part)


def test_the_demo_command_refuses_to_run_with_debug_off(db, settings):
    counts = [m.objects.count() for m in MODELS]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert [m.objects.count() for m in MODELS] == counts


def test_the_demo_command_is_idempotent(demo, settings):
    # The test database holds the demo already (conftest.django_db_setup).
    settings.DEBUG = True
    counts = [m.objects.count() for m in MODELS]
    assert counts[0] == 2
    out = StringIO()
    call_command("load_demo", stdout=out)
    expected = "Created 0 covenants, 0 memberships, 0 users, 0 activities, 0 cycles, 0 reports."
    assert expected in out.getvalue()
    assert [m.objects.count() for m in MODELS] == counts


def test_the_demo_logins_name_one_user_per_role(demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for email in ("secretariaat@", "bedrijf@", "stakeholder@", "stuurgroep@", "natuursteen@"):
        assert email in text
    assert "Current code:" in text


def test_the_site_style_sheet_and_htmx_are_found_by_the_static_finders():
    from django.contrib.staticfiles import finders

    assert finders.find("covenant/covenant.css")
    assert finders.find("vendor/htmx-2.0.10/htmx.min.js")
