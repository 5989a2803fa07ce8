import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from covenant.accounts.models import Invitation, Role, User
from covenant.covenants.models import Organisation

PEOPLE = "/covenants/metaalsector/manage/people/"


def invite(client, **data):
    return client.post(PEOPLE, data, follow=True)


def link_in_last_mail() -> str:
    match = re.search(r"http://[^\s]+/invitations/([^\s/]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return f"/invitations/{match.group(1)}/"


@pytest.fixture
def secretariat_client(client_for):
    return client_for("secretariat")


def test_an_invited_person_sets_a_password_and_lands_on_their_home_page(
    secretariat_client, demo, client, django_capture_on_commit_callbacks
):
    krommenhoek = Organisation.objects.get(name="Krommenhoek Metals")
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            secretariat_client, email="Kim@Example.org", kind="company", organisation=krommenhoek.pk
        )
    assert "An invitation was sent to kim@example.org." in response.content.decode()
    assert mail.outbox[-1].to == ["kim@example.org"]
    link = link_in_last_mail()

    page = client.get(link)
    assert "Create your account" in page.content.decode()
    response = client.post(
        link,
        {"name": "Kim", "password1": "a-long-secret-9", "password2": "a-long-secret-9"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/home/"
    html = response.content.decode()
    assert "IMVO-convenant Metaalsector" in html
    assert "company member (Krommenhoek Metals)" in html
    user = User.objects.get(email="kim@example.org")
    assert user.check_password("a-long-secret-9")
    assert Role.objects.filter(user=user, kind="company", organisation=krommenhoek).exists()


def test_a_used_invitation_link_is_refused_clearly(
    secretariat_client, demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(secretariat_client, email="sg@example.org", kind="steering")
    link = link_in_last_mail()
    client.post(link, {"name": "S", "password1": "a-long-secret-9", "password2": "a-long-secret-9"})
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    response = client.post(
        link, {"name": "X", "password1": "other-secret-99", "password2": "other-secret-99"}
    )
    assert response.status_code == 410
    assert User.objects.get(email="sg@example.org").check_password("a-long-secret-9")


def test_an_expired_invitation_link_is_refused_clearly(
    secretariat_client, demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(secretariat_client, email="late@example.org", kind="steering")
    Invitation.objects.filter(email="late@example.org").update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(link_in_last_mail())
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_an_unknown_invitation_link_is_refused_clearly(client, demo):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_an_invitation_to_someone_who_already_has_the_role_is_refused(secretariat_client, demo):
    staalbouw = Organisation.objects.get(name="Staalbouw Noord B.V.")
    response = invite(
        secretariat_client, email="bedrijf@example.org", kind="company", organisation=staalbouw.pk
    )
    assert "bedrijf@example.org already has this role in this covenant." in (
        response.content.decode()
    )
    assert not Invitation.objects.filter(email="bedrijf@example.org").exists()


def test_a_second_open_invitation_for_the_same_role_is_refused(secretariat_client, demo):
    invite(secretariat_client, email="twice@example.org", kind="steering")
    response = invite(secretariat_client, email="twice@example.org", kind="steering")
    assert "already has an open invitation" in response.content.decode()
    assert Invitation.objects.filter(email="twice@example.org").count() == 1


@pytest.mark.parametrize(
    "kind,org_name,message",
    [
        ("company", None, "Choose the organisation this person acts for."),
        ("company", "CNV Internationaal", "A company member acts for a company."),
        ("stakeholder", "Tata Steel", "acts for an organisation that is not a company"),
    ],
)
def test_an_invitation_needs_a_fitting_organisation(
    secretariat_client, demo, kind, org_name, message
):
    org = Organisation.objects.get(name=org_name) if org_name else None
    response = invite(
        secretariat_client, email="x@example.org", kind=kind, organisation=org.pk if org else ""
    )
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_existing_user_logs_in_and_accepts(
    secretariat_client, demo, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(secretariat_client, email="stakeholder@example.org", kind="steering")
    link = link_in_last_mail()
    anonymous = client_for("anonymous")
    assert "Log in to accept the invitation." in anonymous.get(link).content.decode()
    stakeholder = client_for("stakeholder")
    stakeholder.post(link)
    assert Role.objects.filter(user__email="stakeholder@example.org", kind="steering").exists()


def test_an_invitation_cannot_be_accepted_by_someone_else(
    secretariat_client, demo, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(secretariat_client, email="someone@example.org", kind="steering")
    link = link_in_last_mail()
    response = client_for("company").post(link, follow=True)
    assert "This invitation is for someone@example.org" in response.content.decode()
    assert not Role.objects.filter(kind="steering", user__email="bedrijf@example.org").exists()


def test_a_withdrawn_invitation_cannot_be_used(
    secretariat_client, demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(secretariat_client, email="w@example.org", kind="steering")
    invitation = Invitation.objects.get(email="w@example.org")
    secretariat_client.post(f"{PEOPLE}invitations/{invitation.code}/cancel/")
    response = client.get(link_in_last_mail())
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_the_secretariat_removes_a_role_but_not_its_own(secretariat_client, demo, secretariat):
    company_role = Role.objects.get(user__email="bedrijf@example.org")
    secretariat_client.post(f"{PEOPLE}roles/{company_role.pk}/revoke/")
    assert not Role.objects.filter(pk=company_role.pk).exists()
    own = Role.objects.get(user=secretariat, kind="secretariat")
    response = secretariat_client.post(f"{PEOPLE}roles/{own.pk}/revoke/", follow=True)
    assert "You cannot take away your own secretariat role." in response.content.decode()
    assert Role.objects.filter(pk=own.pk).exists()
