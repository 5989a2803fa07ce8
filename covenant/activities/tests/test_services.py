import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from covenant.activities import services
from covenant.activities.models import Activity, Attachment, Registration
from covenant.covenants.models import Organisation


@pytest.fixture
def training(demo):
    return services.activity_create(
        covenant=demo,
        kind="training",
        title="DD training",
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 3, 2),
        capacity=2,
        registration_open=True,
        is_public=True,
    )


def register(training, email, **extra):
    return services.training_register(
        activity=training,
        name="N",
        organisation_name="Buiten B.V.",
        email=email,
        consent=True,
        **extra,
    )


def test_an_end_before_the_start_is_refused_and_nothing_is_saved(demo):
    count = Activity.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            covenant=demo,
            kind="session",
            title="X",
            start_date=dt.date(2023, 5, 2),
            end_date=dt.date(2023, 5, 1),
        )
    assert exc.value.message_dict["end_date"] == ["The end cannot be before the start."]
    assert Activity.objects.count() == count


def test_a_work_visit_is_by_a_stakeholder_to_a_company_and_never_public(demo):
    cnv = Organisation.objects.get(name="CNV Internationaal")
    tata = Organisation.objects.get(name="Tata Steel")
    with pytest.raises(ValidationError, match="visit to a company"):
        services.activity_create(
            covenant=demo,
            kind="work_visit",
            title="V",
            start_date=dt.date(2023, 1, 1),
            organiser=cnv,
            visited=cnv,
        )
    with pytest.raises(ValidationError, match="NGO or trade union"):
        services.activity_create(
            covenant=demo,
            kind="work_visit",
            title="V",
            start_date=dt.date(2023, 1, 1),
            organiser=tata,
            visited=tata,
        )
    with pytest.raises(ValidationError, match="never public"):
        services.activity_create(
            covenant=demo,
            kind="work_visit",
            title="V",
            start_date=dt.date(2023, 1, 1),
            organiser=cnv,
            visited=tata,
            is_public=True,
        )


def test_an_organisation_outside_the_covenant_cannot_take_part(demo, stone):
    outsider = Organisation.objects.get(name="Steenhouwerij Voorbeeld B.V.")
    with pytest.raises(ValidationError, match="not an organisation of this covenant"):
        services.activity_create(
            covenant=demo,
            kind="session",
            title="S",
            start_date=dt.date(2023, 1, 1),
            participants=[outsider],
        )


def test_a_second_save_of_a_stale_activity_is_refused_and_the_first_kept(demo):
    activity = Activity.objects.get(kind="round_table")
    first = Activity.objects.get(pk=activity.pk)
    second = Activity.objects.get(pk=activity.pk)
    services.activity_update(activity=first, expected_version=first.version, summary="Eerste")
    with pytest.raises(ValidationError, match="Someone else saved this activity"):
        services.activity_update(activity=second, expected_version=second.version, summary="Tweede")
    assert Activity.objects.get(pk=activity.pk).summary == "Eerste"


def test_registrations_fill_the_places_then_the_waiting_list(
    training, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = register(training, "a@example.org")
        b = register(training, "b@example.org")
        c = register(training, "c@example.org")
    assert [a.status, b.status, c.status] == ["confirmed", "confirmed", "waitlisted"]
    assert len(mailoutbox) == 3
    attachment = mailoutbox[0].attachments[0]
    assert attachment[0] == "training.ics"
    assert (
        "BEGIN:VEVENT" in attachment[1].decode()
        if isinstance(attachment[1], bytes)
        else ("BEGIN:VEVENT" in attachment[1])
    )
    assert "waiting list" in mailoutbox[2].body


def test_a_second_registration_with_the_same_email_is_refused_kindly(training):
    register(training, "same@example.org")
    with pytest.raises(ValidationError) as exc:
        register(training, "SAME@example.org")
    assert "already registered for this training" in exc.value.message_dict["email"][0]
    assert Registration.objects.filter(activity=training).count() == 1


def test_registration_needs_consent_and_an_open_training(training):
    with pytest.raises(ValidationError, match="agree"):
        services.training_register(
            activity=training,
            name="N",
            organisation_name="O",
            email="x@example.org",
            consent=False,
        )
    Activity.objects.filter(pk=training.pk).update(registration_open=False)
    training.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        register(training, "y@example.org")


def test_the_rate_limit_counts_per_client(db):
    for _ in range(5):
        assert not services.registration_rate_limited(client_key="10.0.0.1")
    assert services.registration_rate_limited(client_key="10.0.0.1")
    assert not services.registration_rate_limited(client_key="10.0.0.2")


def test_attachments_of_a_forbidden_type_or_size_are_refused(demo, settings):
    activity = Activity.objects.get(kind="round_table")
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="Only PDF"):
        services.attachment_add(activity=activity, upload=exe, uploaded_by=None)
    fake_pdf = SimpleUploadedFile("slides.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="Only PDF"):
        services.attachment_add(activity=activity, upload=fake_pdf, uploaded_by=None)
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.attachment_add(activity=activity, upload=big, uploaded_by=None)
    assert not Attachment.objects.exists()
    ok = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides", content_type="application/pdf")
    attachment = services.attachment_add(activity=activity, upload=ok, uploaded_by=None)
    assert attachment.size == 15


def test_interest_is_expressed_once_and_only_where_participants_are_sought(demo):
    seeking = Activity.objects.get(kind="project", seeks_participants=True)
    other = Activity.objects.get(kind="project", seeks_participants=False)
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    services.project_interest_express(activity=seeking, organisation=company, user=None)
    with pytest.raises(ValidationError, match="already expressed interest"):
        services.project_interest_express(activity=seeking, organisation=company, user=None)
    with pytest.raises(ValidationError, match="does not seek"):
        services.project_interest_express(activity=other, organisation=company, user=None)


def test_a_registration_from_a_party_of_the_covenant_counts_as_from_inside(training):
    inside = services.training_register(
        activity=training,
        name="N",
        organisation_name="tata steel",
        email="t@example.org",
        consent=True,
    )
    outside = register(training, "o@example.org")
    assert inside.from_inside
    assert not outside.from_inside
