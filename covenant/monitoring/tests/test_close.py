"""Closing a cycle takes two steps: the dashboard leads to a page saying what closing does and
what is still open, which asks for the closing date; only its POST closes.

In the demo's open year 5, 40 parts were opened; the three policies confirmed before the
deadline await review and the other 37 parts are not delivered.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from covenant.monitoring.models import Cycle, Part
from covenant.monitoring.tests.test_views import MONITORING, text

CLOSE = f"{MONITORING}/5/close/"
DASHBOARD = f"{MONITORING}/5/"


def year_five() -> Cycle:
    return Cycle.objects.get(covenant__slug="metaalsector", year__number=5)


def test_the_dashboard_button_leads_to_the_confirmation(client_for):
    page = text(client_for("secretariat").get(DASHBOARD))
    assert f'<a class="button secondary" href="{CLOSE}">Close the cycle…</a>' in page
    assert f'action="{CLOSE}"' not in page  # no form on the dashboard closes at once


def test_the_confirmation_says_what_closing_does_and_what_is_still_open(client_for):
    parts = Part.objects.filter(cycle=year_five())
    not_delivered = parts.exclude(status__in=Part.DELIVERED).count()
    to_review = parts.filter(status=Part.Status.SUBMITTED).count()
    assert (parts.count(), not_delivered, to_review) == (40, 37, 3)

    page = text(client_for("secretariat").get(CLOSE))
    assert "Close the monitoring of year 5 (2023-2024)?" in page
    assert "companies can no longer save or submit any part of this year" in page
    assert "the figures of the year are frozen" in page
    assert "you reopen that part and give the reason" in page
    assert "37 parts not delivered" in page
    assert "3 parts awaiting review" in page
    assert f'href="{DASHBOARD}?show=to_review#matrix-heading"' in page
    today = timezone.localdate().isoformat()
    assert f'name="closed_on" value="{today}"' in page
    assert '<button type="submit" class="danger">Close the cycle and freeze the figures' in page
    assert year_five().closed_at is None  # looking closes nothing


def test_a_closing_date_in_the_future_is_refused_and_nothing_closed(client_for):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for("secretariat").post(CLOSE, {"closed_on": tomorrow.isoformat()})
    page = text(response, 400)
    assert "The closing date cannot be in the future." in page
    assert f'name="closed_on" value="{tomorrow.isoformat()}"' in page
    cycle = year_five()
    assert cycle.closed_at is None and cycle.frozen_figures == {}


def test_posting_the_confirmation_closes_the_cycle(client_for):
    client = client_for("secretariat")
    response = client.post(CLOSE, {"closed_on": timezone.localdate().isoformat()}, follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The monitoring of year 5 is closed and its figures are frozen."
    ]
    cycle = year_five()
    assert cycle.is_closed and timezone.localdate(cycle.closed_at) == timezone.localdate()
    assert cycle.frozen_figures["policy_published"]["numerator"] == 3
    page = text(response)
    assert f"closed on {timezone.localdate():%-d %B %Y}" in page
    assert CLOSE not in page

    # The confirmation of a closed cycle sends back to the dashboard; a second POST changes
    # nothing.
    closed_at = cycle.closed_at
    response = client.post(CLOSE, {"closed_on": "2024-10-01"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The monitoring of this year is closed already."
    ]
    assert year_five().closed_at == closed_at


def test_an_earlier_closing_date_is_recorded(client_for):
    day = timezone.localdate() - dt.timedelta(days=3)
    client_for("secretariat").post(CLOSE, {"closed_on": day.isoformat()})
    assert timezone.localdate(year_five().closed_at) == day


@pytest.mark.parametrize("role", ["company", "stakeholder", "steering"])
def test_only_the_secretariat_closes(client_for, role):
    client = client_for(role)
    assert client.get(CLOSE).status_code == 403
    assert client.post(CLOSE, {"closed_on": timezone.localdate().isoformat()}).status_code == 403
    assert year_five().closed_at is None
