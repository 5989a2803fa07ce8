from allauth.mfa.models import Authenticator

from covenant.accounts.management.commands.demo_logins import current_totp_code
from covenant.covenants.models import Covenant


def test_a_company_member_logs_in_with_email_and_password(client, demo):
    response = client.post(
        "/accounts/login/",
        {"login": "bedrijf@example.org", "password": "covenant-demo"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/home/"
    assert "Staalbouw Noord B.V." in response.content.decode()


def test_the_secretariat_must_give_its_totp_code_after_the_password(client, demo):
    response = client.post(
        "/accounts/login/",
        {"login": "secretariaat@example.org", "password": "covenant-demo"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"
    assert client.get("/home/").status_code == 302  # not logged in yet
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": current_totp_code()}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/home/"


def test_a_wrong_totp_code_keeps_the_secretariat_out(client, demo):
    client.post(
        "/accounts/login/", {"login": "secretariaat@example.org", "password": "covenant-demo"}
    )
    wrong = "000000" if current_totp_code() != "000000" else "111111"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert client.get("/home/").status_code == 302


def test_a_secretariat_member_without_totp_is_sent_to_set_it_up(client_for, secretariat):
    Authenticator.objects.filter(user=secretariat).delete()
    client = client_for("secretariat")
    response = client.get("/covenants/metaalsector/manage/organisations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Setting up an authenticator asks for the password again first (allauth's reauthentication).
    step = client.get("/accounts/2fa/totp/activate/")
    assert step["Location"].startswith("/accounts/reauthenticate/")


def test_without_the_covenant_setting_totp_is_not_required(client_for, secretariat):
    Authenticator.objects.filter(user=secretariat).delete()
    Covenant.objects.filter(slug="metaalsector").update(secretariat_mfa_required=False)
    client = client_for("secretariat")
    assert client.get("/covenants/metaalsector/manage/organisations/").status_code == 200


def test_other_roles_need_no_totp(client_for, demo):
    assert client_for("company").get("/home/").status_code == 200


def test_password_reset_sends_an_email(client, demo, mailoutbox):
    client.post("/accounts/password/reset/", {"email": "bedrijf@example.org"})
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_there_is_no_open_sign_up(client, db):
    response = client.get("/accounts/signup/")
    assert "closed" in response.content.decode().lower()


def test_home_lists_the_covenants_and_roles_and_what_the_user_can_do(client_for, demo):
    html = client_for("secretariat").get("/home/").content.decode()
    assert "IMVO-convenant Metaalsector" in html
    assert "Manage organisations" in html
    html = client_for("stakeholder").get("/home/").content.decode()
    assert "stakeholder member (CNV Internationaal)" in html
    assert "Manage organisations" not in html
    html = client_for("outsider").get("/home/").content.decode()
    assert "Demo-convenant Natuursteen" in html
    assert "Metaalsector" not in html


def test_a_secretariat_member_without_totp_reads_nothing_confidential_through_the_api(
    client_for, secretariat, demo
):
    from covenant.accounts.services import api_token_create
    from covenant.screening.models import Run

    run = Run.objects.filter(covenant=demo, status=Run.Status.DONE).first()
    findings = f"/api/screening/runs/{run.code}/findings"
    parts = f"/api/covenants/{demo.slug}/monitoring/1/parts"
    _token, plain = api_token_create(user=secretariat, name="before TOTP was removed")
    Authenticator.objects.filter(user=secretariat).delete()
    client = client_for("secretariat")  # logged in with the password only
    assert client.get(findings).status_code == 401  # as anonymous
    assert client.get(parts).status_code in (401, 403, 404)
    by_token = client_for("anonymous")
    assert by_token.get(findings, HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401
    # public data stays readable, as for anyone
    assert client.get(f"/api/covenants/{demo.slug}").status_code == 200
