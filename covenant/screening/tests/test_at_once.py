"""Two requests at once, each on its own connection (a thread), on SQLite and PostgreSQL: the
database keeps one finding from being adopted twice and one upload from being run twice, and
the second request gets an answer, not a server error ("database is locked" on SQLite).

These tests commit (`transaction=True`): the database is emptied after each, so they run
last, with the browser tests (see `pytest_collection_modifyitems`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from covenant.accounts.models import User
from covenant.demo import load_all
from covenant.monitoring.models import RiskItem
from covenant.screening import services
from covenant.screening.models import Finding, Run

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.5  # seconds the first request keeps its transaction open after its work


@pytest.fixture
def company_user(transactional_db) -> User:
    load_all()
    return User.objects.get(email="bedrijf@example.org")


def at_once(first: Callable, second: Callable) -> tuple:
    """Run `first` in another thread, in a transaction it keeps open for HOLD seconds after
    its work, and `second` here as soon as the work is done. Return both outcomes: a result
    or the exception raised."""
    done, outcome = threading.Event(), {}

    def other() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = first()
                done.set()
                time.sleep(HOLD)
        except Exception as exc:  # noqa: BLE001 - the outcome to compare
            outcome["first"] = exc
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    done.wait(timeout=30)
    try:
        outcome["second"] = second()
    except Exception as exc:  # noqa: BLE001 - the outcome to compare
        outcome["second"] = exc
    thread.join(timeout=30)
    return outcome["first"], outcome["second"]


def test_a_finding_adopted_twice_at_once_is_added_once(company_user):
    finding = Finding.objects.filter(run__organisation__name="Staalbouw Noord B.V.").first()

    def adopt():
        return services.finding_adopt(finding=Finding.objects.get(pk=finding.pk), user=company_user)

    first, second = at_once(adopt, adopt)
    assert isinstance(first, RiskItem), first
    # SQLite said "database is locked" (a server error) to the second
    assert isinstance(second, ValidationError), second
    assert "in the risk register already" in " ".join(second.messages)
    assert RiskItem.objects.filter(finding=finding).count() == 1


def test_an_upload_started_twice_at_once_runs_once(company_user):
    upload = Run.objects.filter(organisation__name="Staalbouw Noord B.V.").first().upload
    before = upload.runs.count()

    def start():
        return services.run_start(upload=upload, user=company_user)

    first, second = at_once(start, start)
    assert isinstance(first, Run), first
    assert isinstance(second, Run), second
    assert second.pk == first.pk
    assert upload.runs.count() == before + 1
