"""The API's optimistic version check on a risk register and an action plan: a client sends the
part's `version` it last saw; when someone changed the part since, nothing is saved and the
answer is 409 with the current version. Without `version`, a change is saved as before.
"""

from __future__ import annotations

import pytest
from django.test import Client

from covenant.accounts.services import api_token_create
from covenant.conftest import user_for
from covenant.monitoring import services
from covenant.monitoring.models import Part
from covenant.monitoring.tests.test_part_lock import API_RISK
from covenant.monitoring.tests.test_views import part_of

K = Part.Kind
STALE = (
    "The part was changed by someone else: it is at version {current}, not {sent}. Nothing "
    "was saved. Read the part again and send your change with its current version."
)


@pytest.fixture
def api(demo) -> Client:
    """Return a test client sending the demo company member's API token."""
    _token, plain = api_token_create(user=user_for("company"), name="ERP")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def version_of(part: Part) -> int:
    return Part.objects.values_list("version", flat=True).get(pk=part.pk)


def someone_else_changes(part: Part) -> None:
    """Another member of the company saves the part meanwhile (through the page)."""
    if part.kind == K.RISK_ANALYSIS:
        services.risk_save(part=part, user=None, risk=part.risks.first(), likelihood=4)
    else:
        services.action_save(part=part, user=None, action=part.actions.first(), owner="Someone")


def test_reads_give_the_parts_version(api):
    risks, plan = part_of(5, K.RISK_ANALYSIS), part_of(5, K.ACTION_PLAN)
    listed = api.get(f"/api/parts/{risks.code}/risks").json()
    assert listed and {r["version"] for r in listed} == {version_of(risks)}
    listed = api.get(f"/api/parts/{plan.code}/actions").json()
    assert listed and {a["version"] for a in listed} == {version_of(plan)}


def test_a_change_with_the_current_version_is_saved_and_raises_it(api):
    risks = part_of(5, K.RISK_ANALYSIS)
    version = version_of(risks)
    code = risks.risks.first().code
    response = api.put(
        f"/api/parts/{risks.code}/risks/{code}",
        {**API_RISK, "likelihood": 1, "version": version},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == version + 1 == version_of(risks)
    assert risks.risks.get(code=code).likelihood == 1

    # The version of the answer is the one to send next.
    response = api.post(
        f"/api/parts/{risks.code}/risks",
        {**API_RISK, "version": response.json()["version"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["version"] == version + 2 == version_of(risks)


def test_a_change_with_a_stale_version_is_refused_and_nothing_saved(api):
    risks = part_of(5, K.RISK_ANALYSIS)
    seen = version_of(risks)
    someone_else_changes(risks)
    risk = risks.risks.first()
    before = (list(risks.risks.values_list("code", "likelihood")), risks.events.count())

    response = api.put(
        f"/api/parts/{risks.code}/risks/{risk.code}",
        {**API_RISK, "likelihood": 1, "version": seen},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "message": STALE.format(current=seen + 1, sent=seen),
        "extra": {"version": seen + 1},
    }
    response = api.post(
        f"/api/parts/{risks.code}/risks",
        {**API_RISK, "version": seen},
        content_type="application/json",
    )
    assert response.status_code == 409
    response = api.delete(f"/api/parts/{risks.code}/risks/{risk.code}?version={seen}")
    assert response.status_code == 409

    after = (list(risks.risks.values_list("code", "likelihood")), risks.events.count())
    assert after == before
    assert version_of(risks) == seen + 1


def test_a_measure_with_a_stale_version_is_refused_and_nothing_saved(api):
    plan = part_of(5, K.ACTION_PLAN)
    seen = version_of(plan)
    someone_else_changes(plan)
    action = plan.actions.first()
    before = list(plan.actions.values_list("code", "measure", "owner"))
    for response in (
        api.post(
            f"/api/parts/{plan.code}/actions",
            {"measure": "Audit of the mica supplier", "version": seen},
            content_type="application/json",
        ),
        api.put(
            f"/api/parts/{plan.code}/actions/{action.code}",
            {"measure": "Changed meanwhile", "version": seen},
            content_type="application/json",
        ),
        api.delete(f"/api/parts/{plan.code}/actions/{action.code}?version={seen}"),
    ):
        assert response.status_code == 409
        assert response.json()["extra"] == {"version": seen + 1}
    assert list(plan.actions.values_list("code", "measure", "owner")) == before

    response = api.put(
        f"/api/parts/{plan.code}/actions/{action.code}",
        {"measure": "Changed with the current version", "version": seen + 1},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["version"]) == (200, seen + 2)
    response = api.delete(f"/api/parts/{plan.code}/actions/{action.code}?version={seen + 2}")
    assert response.status_code == 204
    assert version_of(plan) == seen + 3


@pytest.mark.parametrize("kind", [K.RISK_ANALYSIS, K.ACTION_PLAN])
def test_without_a_version_a_change_is_saved_as_before(api, kind):
    part = part_of(5, kind)
    someone_else_changes(part)
    path = "risks" if kind == K.RISK_ANALYSIS else "actions"
    body = API_RISK if kind == K.RISK_ANALYSIS else {"measure": "Audit of the mica supplier"}
    response = api.post(f"/api/parts/{part.code}/{path}", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["version"] == version_of(part)


def test_the_schema_documents_the_version(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/parts/{code}/risks/{risk_code}"]["put"]
    assert "409" in operation["responses"]
    assert "send the `version` the last response gave" in operation["description"]
