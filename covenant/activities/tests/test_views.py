import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from covenant.activities import services
from covenant.activities.models import Activity, Registration
from covenant.covenants.models import Organisation

OVERVIEW = "/covenants/metaalsector/activities/"


def test_the_overview_lists_the_year_and_filters_with_htmx(client_for, demo):
    client = client_for("secretariat")
    html = client.get(OVERVIEW + "?year=4").content.decode()
    assert "12 activities" in html
    assert "Werkbezoek CNV Internationaal aan Tata Steel" in html
    partial = client.get(OVERVIEW + "?year=4&kind=session", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "4 activities" in body
    assert "<html" not in body


def test_the_overview_shows_a_company_only_what_it_may_see(client_for, demo):
    html = client_for("company").get(OVERVIEW + "?year=4").content.decode()
    assert "Werkbezoek CNV Internationaal aan Staalbouw Noord" in html  # it was visited
    assert "Werkbezoek CNV Internationaal aan Tata Steel" not in html
    assert "Year 4 (2022-2023): 3" in html  # only the count of all visits


def test_the_overview_uses_a_constant_number_of_queries(client_for, demo):
    client = client_for("secretariat")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(OVERVIEW + "?year=4").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    tata = Organisation.objects.get(name="Tata Steel")
    for i in range(10):
        services.activity_create(
            covenant=demo,
            kind="project",
            title=f"Extra {i}",
            start_date=dt.date(2023, 1, 2),
            themes=["water"],
            countries=["PE"],
            participants=[tata],
            organiser=tata,
        )
    assert count() == before


def test_the_calendar_shows_the_activities_of_the_month(client_for, demo):
    html = client_for("steering").get(OVERVIEW + "calendar/?month=2023-02").content.decode()
    assert "Rondetafel circulaire economie" in html
    assert "Werkbezoek" not in html  # steering group members do not see visits


def test_the_ics_feed_holds_upcoming_public_sessions_and_trainings(client, demo):
    services.activity_create(
        covenant=demo,
        kind="training",
        title="Toekomstige training",
        start_date=dt.date(2030, 1, 8),
        is_public=True,
    )
    services.activity_create(
        covenant=demo,
        kind="session",
        title="Besloten toekomst",
        start_date=dt.date(2030, 2, 8),
    )
    response = client.get("/covenants/metaalsector/activities.ics")
    assert response["Content-Type"] == "text/calendar"
    body = response.content.decode()
    assert "SUMMARY:Toekomstige training" in body
    assert "Besloten toekomst" not in body
    assert "LME" not in body  # past


def test_the_public_covenant_page_lists_public_activities_and_counts_visits(client, demo):
    html = client.get("/covenants/metaalsector/?year=4").content.decode()
    assert "Gezondheid en veiligheid in mijnen in Bolivia en Peru" in html
    assert "Werkbezoek" not in html
    assert "made 3 work visits to companies in this year" in html


def test_a_stakeholder_records_an_activity_for_its_own_organisation_only(client_for, demo):
    client = client_for("stakeholder")
    gm = Organisation.objects.get(name="Global March Against Child Labour")
    response = client.post(
        OVERVIEW + "new/?kind=session",
        {"title": "Sessie", "start_date": "2024-01-10", "organiser": gm.pk},
    )
    assert "Select a valid choice" in response.content.decode()
    cnv = Organisation.objects.get(name="CNV Internationaal")
    response = client.post(
        OVERVIEW + "new/?kind=session",
        {"title": "Sessie", "start_date": "2024-01-10", "organiser": cnv.pk},
        follow=True,
    )
    assert "“Sessie” was recorded." in response.content.decode()
    assert Activity.objects.get(title="Sessie").organiser == cnv


def test_an_end_before_the_start_gets_a_message_on_the_form(client_for, demo):
    response = client_for("secretariat").post(
        OVERVIEW + "new/?kind=session",
        {"title": "Fout", "start_date": "2024-01-10", "end_date": "2024-01-09"},
    )
    assert "The end cannot be before the start." in response.content.decode()
    assert not Activity.objects.filter(title="Fout").exists()


def test_a_stale_edit_is_refused_with_a_clear_message(client_for, demo):
    project = Activity.objects.get(kind="project", organiser__name="CNV Internationaal")
    client = client_for("stakeholder")
    data = {
        "title": project.title,
        "start_date": "2022-09-01",
        "organiser": project.organiser_id,
        "status": "running",
        "version": project.version,
    }
    assert client.post(f"/activities/{project.code}/edit/", data).status_code == 302
    response = client.post(f"/activities/{project.code}/edit/", data)
    assert "Someone else saved this activity" in response.content.decode()


def test_a_company_expresses_interest_in_a_project_that_seeks_participants(client_for, demo):
    project = Activity.objects.get(kind="project", seeks_participants=True)
    client = client_for("company")
    detail = client.get(f"/activities/{project.code}/").content.decode()
    assert "Express interest" in detail
    response = client.post(
        f"/activities/{project.code}/interest/", {"message": "Wij recyclen ook."}, follow=True
    )
    assert "is interested" in response.content.decode()
    assert project.interests.get().organisation.name == "Staalbouw Noord B.V."


def test_a_member_of_two_companies_says_which_is_interested(client_for, demo, company):
    """The interest went to the first company, whatever the member meant."""
    from covenant.accounts import services as account_services
    from covenant.accounts.models import Role
    from covenant.covenants.models import Organisation

    second = Organisation.objects.get(name="Aluminium Twente B.V.")
    account_services.role_grant(
        user=company, covenant=demo, kind=Role.Kind.COMPANY_MEMBER, organisation=second
    )
    project = Activity.objects.get(kind="project", seeks_participants=True)
    client = client_for("company")
    assert "Aluminium Twente B.V." in client.get(f"/activities/{project.code}/").content.decode()
    message = {"message": "Wij recyclen ook."}
    unsaid = client.post(f"/activities/{project.code}/interest/", message)
    assert unsaid.status_code == 400 and not project.interests.exists()
    assert "Say which of your companies is interested." in unsaid.content.decode()
    assert "Wij recyclen ook." in unsaid.content.decode()  # what they wrote is kept
    client.post(f"/activities/{project.code}/interest/", {"organisation": str(second.code)})
    assert project.interests.get().organisation == second


def test_attachments_are_served_only_to_those_who_see_the_activity(client_for, demo, client):
    visit = Activity.objects.get(kind="work_visit", visited__name="Krommenhoek Metals")
    secretariat = client_for("secretariat")
    upload = SimpleUploadedFile("verslag.pdf", b"%PDF-1.4 verslag")
    secretariat.post(f"/activities/{visit.code}/attachments/", {"file": upload})
    attachment = visit.attachments.get()
    assert secretariat.get(f"/attachments/{attachment.code}/").status_code == 200
    assert client_for("company").get(f"/attachments/{attachment.code}/").status_code == 404
    assert client.get(f"/attachments/{attachment.code}/").status_code == 404


def test_a_forbidden_attachment_type_gets_a_message_and_saves_nothing(client_for, demo):
    project = Activity.objects.get(kind="project", organiser__name="CNV Internationaal")
    upload = SimpleUploadedFile("virus.exe", b"MZ")
    response = client_for("stakeholder").post(
        f"/activities/{project.code}/attachments/", {"file": upload}, follow=True
    )
    assert "Only PDF, Word, Excel, PowerPoint, PNG and JPEG files" in response.content.decode()
    assert not project.attachments.exists()


@pytest.fixture
def open_training(demo):
    return services.activity_create(
        covenant=demo,
        kind="training",
        title="Open training",
        start_date=dt.date(2030, 3, 1),
        capacity=1,
        registration_open=True,
        is_public=True,
    )


def post_registration(client, training, email, **extra):
    data = {"name": "Iemand", "organisation_name": "Buiten B.V.", "email": email, "consent": "on"}
    data.update(extra)
    return client.post(f"/trainings/{training.code}/register/", data)


def test_an_outside_person_registers_then_the_waiting_list_is_said(client, open_training):
    assert (
        "You are registered" in post_registration(client, open_training, "a@x.org").content.decode()
    )
    html = post_registration(client, open_training, "b@x.org").content.decode()
    assert "You are on the waiting list" in html
    html = post_registration(client, open_training, "A@x.org").content.decode()
    assert "already registered for this training" in html
    assert Registration.objects.filter(activity=open_training).count() == 2


def test_a_bot_filling_the_honeypot_is_refused_and_nothing_is_saved(client, open_training):
    response = post_registration(client, open_training, "bot@x.org", website="http://spam")
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not Registration.objects.filter(activity=open_training).exists()


def test_too_many_registrations_from_one_connection_are_refused(client, open_training):
    for i in range(5):
        post_registration(client, open_training, f"p{i}@x.org")
    response = post_registration(client, open_training, "p6@x.org")
    assert response.status_code == 429
    assert "Too many registrations" in response.content.decode()
    assert not Registration.objects.filter(email="p6@x.org").exists()


def test_the_secretariat_records_attendance(client_for, open_training, client):
    post_registration(client, open_training, "a@x.org")
    registration = Registration.objects.get(activity=open_training)
    client_for("secretariat").post(
        f"/activities/{open_training.code}/registrations/",
        {"registration": registration.code, "attended": "yes"},
    )
    registration.refresh_from_db()
    assert registration.attended is True


def test_the_api_lists_what_the_caller_may_see(client, client_for, demo):
    public = client.get("/api/covenants/metaalsector/activities?year=4").json()
    assert len(public) == 9  # everything but the three work visits
    assert all(a["is_public"] for a in public)
    from covenant.accounts.services import api_token_create
    from covenant.conftest import user_for

    _t, plain = api_token_create(user=user_for("secretariat"), name="t")
    full = client.get(
        "/api/covenants/metaalsector/activities?year=4", HTTP_AUTHORIZATION=f"Bearer {plain}"
    ).json()
    assert len(full) == 12
