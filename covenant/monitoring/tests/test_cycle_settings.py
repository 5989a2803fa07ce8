"""The settings of a cycle (deadline, target score, reminder days): set when it is opened and
changed by the secretariat while it is open, on the settings page linked from the dashboard.

The demo's year 5 (2023-2024, starting 1 July 2023) is open with a deadline that has passed;
year 4 is closed.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from covenant.conftest import user_for
from covenant.covenants import services as covenant_services
from covenant.monitoring import services
from covenant.monitoring.models import Cycle, Part
from covenant.monitoring.tests.test_dashboard_cache import LOCMEM, _queries
from covenant.monitoring.tests.test_views import (
    MONITORING,
    STAAL,
    TATA,
    _clear_caches,
    figure_row,
    history,
    part_of,
    text,
    url,
)

SETTINGS = f"{MONITORING}/5/settings/"
DASHBOARD = f"{MONITORING}/5/"


@pytest.fixture(autouse=True)
def _no_cached_pages():
    _clear_caches()


def year_five() -> Cycle:
    return Cycle.objects.select_related("year").get(covenant__slug="metaalsector", year__number=5)


def settings_data(**changes) -> dict:
    cycle = year_five()
    data = {
        "deadline": cycle.deadline.isoformat(),
        "target_score": cycle.target_score,
        "reminder_days": cycle.reminder_days,
    }
    return {**data, **changes}


def test_the_dashboard_links_the_settings_for_the_secretariat_only(client_for):
    page = text(client_for("secretariat").get(DASHBOARD))
    assert f'href="{SETTINGS}"' in page
    assert "Target score: 80% · reminder 14 days before the deadline" in page
    for role in ("company", "stakeholder", "steering"):
        assert SETTINGS not in text(client_for(role).get(DASHBOARD))
        assert client_for(role).get(SETTINGS).status_code == 403
    assert client_for("outsider").get(SETTINGS).status_code == 404


def test_the_secretariat_changes_the_settings_of_an_open_cycle(client_for):
    client = client_for("secretariat")
    page = text(client.get(SETTINGS))
    assert "Moving the deadline does not change which parts are late" in page
    assert 'name="reminder_days" value="14"' in page

    deadline = timezone.localdate() + dt.timedelta(days=40)
    response = client.post(
        SETTINGS,
        settings_data(deadline=deadline.isoformat(), target_score=70, reminder_days=21),
        follow=True,
    )
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The settings of the cycle were saved."
    ]
    cycle = year_five()
    assert (cycle.deadline, cycle.target_score, cycle.reminder_days) == (deadline, 70, 21)
    assert "Target score: 70% · reminder 21 days before the deadline" in text(response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"deadline": "2023-06-30"},
            "deadline",
            "The deadline cannot be before the year starts (1 July 2023).",
        ),
        ({"target_score": 101}, "target_score", "The target score is a percentage from 0 to 100."),
        (
            {"reminder_days": 61},
            "reminder_days",
            "Send the reminder from 0 to 60 days before the deadline.",
        ),
        ({"reminder_days": -1}, "reminder_days", "from 0 to 60 days"),
    ],
)
def test_settings_out_of_range_are_refused_with_the_input_kept(client_for, changes, field, message):
    before = year_five()
    response = client_for("secretariat").post(SETTINGS, settings_data(**changes))
    page = text(response, 400)
    assert message in page
    value = str(next(iter(changes.values())))
    assert re.search(rf'name="{field}" value="{value}"', page)
    after = year_five()
    assert (after.deadline, after.target_score, after.reminder_days) == (
        before.deadline,
        before.target_score,
        before.reminder_days,
    )


def test_a_closed_cycle_shows_its_settings_and_refuses_changes(client_for):
    client = client_for("secretariat")
    url4 = f"{MONITORING}/4/settings/"
    page = text(client.get(url4))
    assert "its settings can no longer change" in page
    assert 'name="deadline"' not in page
    assert f'href="{url4}"' not in text(client.get(f"{MONITORING}/4/"))
    cycle = Cycle.objects.get(covenant__slug="metaalsector", year__number=4)
    response = client.post(url4, {"deadline": "2024-12-31", "target_score": 50, "reminder_days": 3})
    assert response.status_code == 400
    assert Cycle.objects.get(pk=cycle.pk).deadline == cycle.deadline


def test_a_new_deadline_clears_the_reminder_and_keeps_lateness(demo):
    cycle = year_five()
    late = Part.objects.filter(cycle=cycle, is_late=True).count()
    on_time = Part.objects.filter(cycle=cycle, status="submitted", is_late=False).count()
    assert on_time == 3  # the three policies the demo confirmed before the deadline
    Cycle.objects.filter(pk=cycle.pk).update(reminded_at=timezone.now())
    cycle.refresh_from_db()

    # Only the reminder days: the reminder that went out stays sent.
    services.cycle_update(cycle=cycle, deadline=cycle.deadline, target_score=80, reminder_days=7)
    assert Cycle.objects.get(pk=cycle.pk).reminded_at is not None

    # A deadline before those submissions: they stay on time, as recorded.
    services.cycle_update(cycle=cycle, deadline=cycle.year.start, target_score=80, reminder_days=7)
    assert Cycle.objects.get(pk=cycle.pk).reminded_at is None
    assert Part.objects.filter(cycle=cycle, is_late=True).count() == late
    assert Part.objects.filter(cycle=cycle, status="submitted", is_late=False).count() == 3


def test_the_service_refuses_a_closed_cycle(demo):
    cycle = Cycle.objects.select_related("year").get(covenant=demo, year__number=4)
    with pytest.raises(ValidationError) as info:
        services.cycle_update(
            cycle=cycle, deadline=cycle.deadline, target_score=50, reminder_days=7
        )
    assert info.value.messages == [
        "The monitoring of this year is closed; its settings can no longer change."
    ]


@override_settings(CACHES=LOCMEM)
def test_a_change_shows_at_once_on_the_cached_dashboard(client_for):
    client = client_for("secretariat")
    # Staalbouw Noord's carried-over self-assessment (about 62%) is submitted.
    services.part_submit(part=part_of(5, Part.Kind.SELF_ASSESSMENT), user=user_for("company"))
    cold, page = _queries(client, DASHBOARD)
    warm, page = _queries(client, DASHBOARD)
    assert warm < cold  # served from the cache
    assert "0 of 1" in figure_row(page, "score_at_target")
    assert "Nothing is overdue." not in page

    deadline = timezone.localdate() + dt.timedelta(days=30)
    client.post(SETTINGS, settings_data(deadline=deadline.isoformat(), target_score=60))
    page = text(client.get(DASHBOARD))
    assert "1 of 1" in figure_row(page, "score_at_target")
    assert STAAL in figure_row(page, "score_at_target")
    assert "Nothing is overdue." in page  # the deadline is ahead again
    assert f"Deadline: {deadline:%-d %B %Y}" in page


# --- opening a cycle ------------------------------------------------------------------------


def open_year_six(client, demo, **changes):
    year6 = covenant_services.covenant_year_add(covenant=demo)
    data = {
        "year": year6.number,
        "deadline": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "target_score": 75,
        "reminder_days": 10,
        "questionnaire": year_five().questionnaire_id,
        **changes,
    }
    return year6, client.post(f"{MONITORING}/", data, follow=True)


def test_opening_a_cycle_sets_its_reminder_days(client_for, demo):
    year6, response = open_year_six(client_for("secretariat"), demo)
    assert response.redirect_chain == [(f"{MONITORING}/6/", 302)]
    cycle = Cycle.objects.get(year=year6)
    assert (cycle.target_score, cycle.reminder_days) == (75, 10)


def test_opening_with_a_reminder_out_of_range_is_refused_with_the_input_kept(client_for, demo):
    year6 = covenant_services.covenant_year_add(covenant=demo)
    data = {
        "year": year6.number,
        "deadline": "2024-06-30",  # before year 6 starts
        "target_score": 75,
        "reminder_days": 90,
        "questionnaire": year_five().questionnaire_id,
    }
    page = text(client_for("secretariat").post(f"{MONITORING}/", data), 400)
    assert "Send the reminder from 0 to 60 days before the deadline." in page
    assert "The deadline cannot be before the year starts" in page
    assert 'name="reminder_days" value="90"' in page
    assert not Cycle.objects.filter(year=year6).exists()


# --- carrying parts over --------------------------------------------------------------------


def test_a_carried_over_part_says_so_in_its_history(client_for, demo):
    """The history of a part copied from last year names the year it came from and who
    opened the cycle."""
    _year6, _response = open_year_six(client_for("secretariat"), demo)
    # Tata Steel confirmed its year-5 policy: it comes back in year 6 as a draft.
    carried = part_of(6, Part.Kind.POLICY, org=TATA)
    assert carried.carried_over
    log = history(text(client_for("secretariat").get(url(carried))))
    entries = re.findall(r"<li>[^<]*? – (.*?)</li>", log)
    assert entries == ["carried over from last year (Sanne Secretariaat): 2023-2024"]
    # Staalbouw Noord's year-5 policy was never delivered: nothing to carry over.
    fresh = part_of(6, Part.Kind.POLICY)
    assert not fresh.carried_over and not fresh.events.exists()
    assert "Nothing yet." in history(text(client_for("company").get(url(fresh))))
