"""End-to-end tests of the activities in a real browser (see conftest.py for the fixtures).

- an outside person registers for a public training, is refused a second time and lands on
  the waiting list once the training is full; the confirmations carry a calendar file;
- a trade union records a work visit that only the two parties and the secretariat see;
- the form refuses an activity that ends before it starts;
- axe-core finds no serious or critical violation on the activity pages, and each page is
  saved as a screenshot in test-artifacts/screens/activities-*.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from covenant.activities import services
from covenant.activities.models import Activity, Registration
from covenant.covenants import demo as demo_data
from covenant.covenants.models import Covenant
from covenant.tests.e2e.conftest import METALS, audit, heading, login, messages, submit

pytestmark = pytest.mark.e2e

ACTIVITIES = f"{METALS}/activities"
KINDS = ["project", "session", "round_table", "training", "work_visit"]
PROJECT_TITLE = "Gezondheid en veiligheid in mijnen in Bolivia en Peru"
TRAINING_TITLE = "Tweedaagse due diligence training (voorjaar 2023)"
VISIT_NOTE = (
    "Only the visiting organisation, the visited company and the secretariat see this visit."
)
CODE = re.compile(r"/activities/([0-9a-f-]{36})/$")


def metals() -> Covenant:
    return Covenant.objects.get(slug=demo_data.METALS_SLUG)


def open_training(title: str, capacity: int = 2) -> Activity:
    """A public training in two months' time with open registration."""
    start = timezone.localdate() + dt.timedelta(days=60)
    return services.activity_create(
        covenant=metals(),
        kind="training",
        title=title,
        start_date=start,
        end_date=start + dt.timedelta(days=1),
        location="Utrecht",
        capacity=capacity,
        registration_open=True,
        is_public=True,
    )


def fill_registration(page: Page, name: str, organisation: str, email: str) -> None:
    form = page.locator("main form.registration-form")
    form.get_by_label("Your name:", exact=True).fill(name)
    form.get_by_label("Organisation:", exact=True).fill(organisation)
    form.get_by_label("E-mail address:", exact=True).fill(email)
    form.get_by_label(re.compile("I agree that my details are kept")).check()
    submit(form.get_by_role("button", name="Register"))


# --- scenarios ------------------------------------------------------------------------------


def test_outside_person_registers_for_training(new_page, site):
    """Anonymous registration for a public training: thanks, a kind refusal of a second
    registration, the waiting list once the training is full, and e-mails with an .ics file."""
    cache.clear()  # the registration rate limit counts per address in the cache
    training = open_training("Due diligence voor beginners", capacity=2)
    sent_before = len(mail.outbox)  # loading the demo may send e-mail of its own
    register = f"/trainings/{training.code}/register/"
    page = new_page()

    response = page.goto(register)
    assert response is not None and response.status == 200
    expect(heading(page)).to_have_text("Register for “Due diligence voor beginners”")
    expect(page.locator("main")).to_contain_text("2 places left.")
    # The honeypot is out of sight, out of the accessibility tree and out of the tab order:
    # Tab from the consent box goes straight to the button.
    honeypot = page.locator("main form [name=website]")
    expect(honeypot).not_to_be_in_viewport()
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(page.get_by_role("textbox", name="Leave this field empty")).to_have_count(0)
    page.get_by_label(re.compile("I agree that my details are kept")).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Register")).to_be_focused()
    audit(page, "activities-register")

    fill_registration(page, "Els Extern", "Gieterij Buiten B.V.", "els@gieterij-buiten.example")
    expect(heading(page)).to_have_text("Thank you")
    expect(page.locator("main [role=status]")).to_have_text(
        "You are registered for “Due diligence voor beginners”."
    )
    expect(page.locator("main")).to_contain_text(
        "A confirmation with a calendar entry was sent to els@gieterij-buiten.example."
    )
    audit(page, "activities-registered")

    # The same person once more (other case): a kind refusal on the e-mail field.
    page.goto(register)
    expect(page.locator("main")).to_contain_text("1 place left.")
    fill_registration(page, "Els Extern", "Gieterij Buiten B.V.", "ELS@gieterij-buiten.example")
    expect(heading(page)).to_contain_text("Register for")
    email = page.locator("main form [name=email]")
    expect(page.locator("main form .errorlist")).to_have_text(
        "ELS@gieterij-buiten.example is already registered for this training. "
        "You do not need to register again."
    )
    expect(email).to_have_attribute("aria-invalid", "true")
    audit(page, "activities-register-already-registered")

    # A second person takes the last place; the third one goes on the waiting list.
    page.goto(register)
    fill_registration(page, "Piet Plaats", "Draaierij Verweg", "piet@draaierij.example")
    expect(page.locator("main [role=status]")).to_contain_text("You are registered for")
    page.goto(register)
    expect(page.locator("main [role=status]")).to_contain_text("The training is full")
    audit(page, "activities-register-full")
    fill_registration(page, "Wim Wacht", "Lasbedrijf Elders", "wim@lasbedrijf.example")
    expect(heading(page)).to_have_text("Thank you")
    expect(page.locator("main [role=status]")).to_have_text(
        "The training “Due diligence voor beginners” is full. You are on the waiting list; "
        "we let you know when a place becomes free."
    )
    audit(page, "activities-registered-waiting-list")

    statuses = dict(training.registrations.values_list("email", "status"))
    assert statuses == {
        "els@gieterij-buiten.example": Registration.Status.CONFIRMED,
        "piet@draaierij.example": Registration.Status.CONFIRMED,
        "wim@lasbedrijf.example": Registration.Status.WAITLISTED,
    }

    # The live server runs in this process with the locmem e-mail backend: one confirmation
    # per registration, none for the refused one, each with the training as a calendar file.
    sent = mail.outbox[sent_before:]
    assert [m.to for m in sent] == [
        ["els@gieterij-buiten.example"],
        ["piet@draaierij.example"],
        ["wim@lasbedrijf.example"],
    ]
    for message in sent:
        assert message.subject == "Your registration: Due diligence voor beginners"
        (filename, content, mimetype), *rest = message.attachments
        assert not rest
        assert (filename, mimetype) == ("training.ics", "text/calendar")
        ics = content.decode() if isinstance(content, bytes) else content
        assert "BEGIN:VEVENT" in ics and "SUMMARY:Due diligence voor beginners" in ics
        assert f"DTSTART;VALUE=DATE:{training.start_date:%Y%m%d}" in ics
    assert "You are registered for" in sent[0].body
    assert "You are on the waiting list" in sent[2].body


def test_stakeholder_records_work_visit_seen_only_by_the_parties(new_page, site):
    """CNV Internationaal records a visit to Tata Steel. Another company's member and an
    anonymous visitor get 404 for it, and the company's overview does not list it."""
    title = "Werkbezoek CNV aan Tata Steel over klachtenmechanismen"
    page = new_page()
    login(page, "stakeholder")
    page.goto(f"{ACTIVITIES}/new/?kind=work_visit")
    expect(heading(page)).to_have_text("Record a work visit")
    form = page.locator("main form.stacked")
    organiser = form.locator("[name=organiser]")
    expect(organiser.locator("option")).to_have_text(["CNV Internationaal"])
    visited = form.locator("[name=visited]")
    expect(visited.locator("option", has_text="Tata Steel")).to_have_count(1)
    expect(visited.locator("option", has_text="CNV Internationaal")).to_have_count(0)
    expect(form.locator("[name=is_public]")).to_have_count(0)

    form.locator("[name=title]").fill(title)
    visited.select_option(label="Tata Steel")
    form.locator("[name=start_date]").fill("2023-03-08")
    form.locator("[name=purpose]").fill("Samen kijken hoe het klachtenmechanisme werkt.")
    form.locator("[name=findings]").fill("Werknemers kennen het meldpunt nauwelijks.")
    submit(form.get_by_role("button", name="Save"))

    expect(page).to_have_url(CODE)
    visit_path = CODE.search(page.url).group(0)
    expect(messages(page)).to_contain_text(f"“{title}” was recorded.")
    expect(heading(page)).to_have_text(title)
    facts = page.locator("main dl.facts")
    expect(facts).to_contain_text("Visiting organisationCNV Internationaal")
    expect(facts).to_contain_text("Visited companyTata Steel")
    expect(facts).to_contain_text("8 March 2023")
    expect(page.locator("main")).to_contain_text("Werknemers kennen het meldpunt nauwelijks.")
    expect(page.locator("main").get_by_text(VISIT_NOTE)).to_be_visible()
    audit(page, "activities-work-visit-detail")

    visit = Activity.objects.get(title=title)
    assert (visit.kind, visit.is_public, visit.organiser.name, visit.visited.name) == (
        "work_visit",
        False,
        "CNV Internationaal",
        "Tata Steel",
    )

    # The organiser's own overview lists it.
    page.goto(f"{ACTIVITIES}/?year=4")
    expect(page.locator("#results").get_by_role("link", name=title)).to_have_count(1)

    # A member of Staalbouw Noord (not visited) does not learn of it.
    company = new_page()
    login(company, "company")
    response = company.goto(visit_path)
    assert response is not None and response.status == 404
    expect(company.locator("main")).not_to_contain_text(title)
    company.goto(f"{ACTIVITIES}/?year=all")
    results = company.locator("#results")
    # (its own visit is listed: the list is the right one)
    own_visit = results.get_by_role(
        "link", name="Werkbezoek CNV Internationaal aan Staalbouw Noord"
    )
    expect(own_visit).to_have_count(1)
    expect(results.get_by_role("link", name=title)).to_have_count(0)
    expect(results).not_to_contain_text("klachtenmechanismen")

    # Nor does an anonymous visitor.
    anonymous = new_page()
    response = anonymous.goto(visit_path)
    assert response is not None and response.status == 404
    expect(anonymous.locator("main")).not_to_contain_text(title)


def test_activity_that_ends_before_it_starts_is_refused(page: Page, site):
    """The bad-input path: the form keeps the input and explains the end-date error."""
    title = "Kennissessie met een verkeerde einddatum"
    login(page, "stakeholder")
    page.goto(f"{ACTIVITIES}/new/?kind=session")
    form = page.locator("main form.stacked")
    form.locator("[name=title]").fill(title)
    form.locator("[name=start_date]").fill("2023-03-10")
    form.locator("[name=end_date]").fill("2023-03-09")
    submit(form.get_by_role("button", name="Save"))

    expect(page).to_have_url(re.compile(r"/activities/new/\?kind=session$"))
    expect(messages(page)).to_have_count(0)
    end = form.locator("[name=end_date]")
    end_field = form.locator("div").filter(has=page.locator("[name=end_date]"))
    expect(end_field.locator(".errorlist")).to_have_text("The end cannot be before the start.")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_have_value("2023-03-09")
    expect(form.locator("[name=title]")).to_have_value(title)
    assert not Activity.objects.filter(title=title).exists()
    audit(page, "activities-form-end-before-start")


def test_accessibility_of_activity_pages(new_page, site):
    """axe-core finds no serious or critical violation on the activity pages."""
    project = Activity.objects.get(title=PROJECT_TITLE)
    training = Activity.objects.get(title=TRAINING_TITLE)
    page = new_page()
    login(page, "secretariat")

    def visit(name: str, path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response.status}"
        audit(page, name)

    # The overview of year 4, then a filter that swaps the results in place (htmx).
    visit("activities-overview-year-4", f"{ACTIVITIES}/?year=4")
    results = page.locator("#results")
    expect(results).to_contain_text("12 activities")
    expect(results.get_by_role("link", name=PROJECT_TITLE)).to_be_visible()
    page.locator("#f-kind").select_option("session")
    expect(page).to_have_url(re.compile(r"[?&]kind=session(&|$)"))
    expect(results).to_contain_text("4 activities")
    expect(results.get_by_role("link", name=PROJECT_TITLE)).to_have_count(0)
    expect(page.locator("#results")).to_have_count(1)
    expect(heading(page)).to_have_count(1)
    audit(page, "activities-overview-filtered")

    visit("activities-calendar-2023-02", f"{ACTIVITIES}/calendar/?month=2023-02")
    expect(heading(page)).to_have_text("Calendar: February 2023")
    expect(page.locator("table.calendar a.cal-item")).to_have_text(
        ["Rondetafel circulaire economie en verantwoorde metaalrecycling"]
    )

    visit("activities-choose-kind", f"{ACTIVITIES}/new/")
    choices = page.locator("main ul:not(.subnav) a")
    expect(choices).to_have_text(
        ["Collective project", "Knowledge session", "Round table", "Training", "Work visit"]
    )
    for choice, kind in zip(choices.all(), KINDS, strict=True):
        expect(choice).to_have_attribute("href", f"?kind={kind}")
    for kind in KINDS:
        visit(f"activities-form-{kind}", f"{ACTIVITIES}/new/?kind={kind}")
        expect(heading(page)).to_contain_text("Record a")

    visit("activities-project-detail", f"/activities/{project.code}/")
    expect(heading(page)).to_have_text(PROJECT_TITLE)
    expect(page.locator("main dl.facts")).to_contain_text("CNV Internationaal")

    visit("activities-participants", f"/activities/{project.code}/participants/")
    expect(page.locator("main table tbody tr")).to_have_count(7)

    visit("activities-registrations", f"/activities/{training.code}/registrations/")
    expect(page.locator("main table tbody tr")).to_have_count(3)

    # The public page of year 4 lists the public activities, never a work visit.
    anonymous = new_page()
    anonymous.goto(f"{METALS}/?year=4")
    public = anonymous.locator("ul.public-activities")
    expect(public.get_by_role("link", name=PROJECT_TITLE)).to_be_visible()
    expect(public.locator("li")).to_have_count(9)
    expect(public).not_to_contain_text("Werkbezoek")
    expect(anonymous.locator("main")).to_contain_text(
        "NGOs and trade unions made 3 work visits to companies in this year."
    )
    audit(anonymous, "activities-public-covenant-year-4")
