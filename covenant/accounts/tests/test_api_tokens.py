import re

from covenant.accounts.models import ApiToken


def create_token(client, name="ERP") -> str:
    html = client.post("/me/tokens/", {"name": name}).content.decode()
    match = re.search(r'<code class="token" id="new-token">([^<]+)</code>', html)
    assert match, "the new token is shown once"
    return match.group(1)


def test_a_user_creates_a_token_that_acts_with_their_roles(client_for, demo):
    client = client_for("stakeholder")
    token = create_token(client)
    assert token.startswith("cov_")
    response = client_for("anonymous").get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "stakeholder@example.org"
    assert body["roles"] == [
        {"covenant": "metaalsector", "role": "stakeholder", "organisation": "CNV Internationaal"}
    ]


def test_the_token_is_shown_once_and_stored_only_hashed(client_for, demo):
    client = client_for("company")
    token = create_token(client)
    assert token not in client.get("/me/tokens/").content.decode()
    stored = ApiToken.objects.get()
    assert token not in (stored.token_hash, stored.prefix)


def test_a_revoked_token_stops_working(client_for, demo):
    client = client_for("company")
    token = create_token(client)
    stored = ApiToken.objects.get()
    client.post(f"/me/tokens/{stored.code}/revoke/")
    response = client_for("anonymous").get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client_for, demo):
    create_token(client_for("company"))
    stored = ApiToken.objects.get()
    response = client_for("stakeholder").post(f"/me/tokens/{stored.code}/revoke/")
    assert response.status_code == 404
    stored.refresh_from_db()
    assert stored.revoked_at is None


def test_a_token_without_a_name_is_refused(client_for, demo):
    response = client_for("company").post("/me/tokens/", {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_anonymous_callers_get_401_from_me(client, demo):
    assert client.get("/api/me").status_code == 401
