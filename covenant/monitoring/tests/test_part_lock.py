"""When a company may change a part: one rule (services.part_check_editable) behind the part
pages, the API, the Excel import and the adoption of a screening finding.

A part can be changed while it is missing, a draft or needs improvement; a submitted or
accepted part is locked, and in a closed year only a part the secretariat reopened can be
changed (and improved again after the review).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from covenant.accounts.services import api_token_create
from covenant.conftest import user_for
from covenant.monitoring import services
from covenant.monitoring.models import Part, RiskItem
from covenant.monitoring.tests.test_views import (
    RISK,
    history,
    part_of,
    policy_data,
    post,
    shown_messages,
    text,
    url,
)
from covenant.screening.models import Finding

K, S = Part.Kind, Part.Status
ACCEPTED = "This part is accepted; it can no longer be changed."
SUBMITTED = (
    "This part is submitted; it can be changed again only if the secretariat asks for improvement."
)
API_RISK = {
    "theme": "child_labour",
    "commodity": "mica",
    "country": "IN",
    "chain_stage": "mining",
    "scale": 4,
    "scope": 3,
    "irremediable": 4,
    "likelihood": 2,
}


@pytest.fixture
def api(demo):
    """Return a test client sending the demo company member's API token."""
    _token, plain = api_token_create(user=user_for("company"), name="ERP")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def accepted(kind: str) -> Part:
    """Submit the demo company's year-5 part and have the secretariat accept it."""
    part = part_of(5, kind)
    services.part_submit(part=part, user=user_for("company"))
    services.part_review(part=part, user=user_for("secretariat"), accepted=True, notify=False)
    return part


def open_finding() -> Finding:
    """A finding of the demo company's screening run that is not in its register yet."""
    return Finding.objects.filter(
        run__organisation__name="Staalbouw Noord B.V.", register_items=None
    ).order_by("rank")[0]


def test_the_api_cannot_change_an_accepted_risk_analysis(api):
    risks = accepted(K.RISK_ANALYSIS)
    before = list(risks.risks.values_list("code", "likelihood"))
    version = Part.objects.get(pk=risks.pk).version

    response = api.post(f"/api/parts/{risks.code}/risks", API_RISK, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == ACCEPTED

    code = before[0][0]
    response = api.put(
        f"/api/parts/{risks.code}/risks/{code}",
        {**API_RISK, "likelihood": 1},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["message"]) == (400, ACCEPTED)
    response = api.delete(f"/api/parts/{risks.code}/risks/{code}")
    assert (response.status_code, response.json()["message"]) == (400, ACCEPTED)

    assert list(risks.risks.values_list("code", "likelihood")) == before
    assert Part.objects.get(pk=risks.pk).version == version
    # The page agrees: no form, and a POST is refused.
    client = Client()
    client.force_login(user_for("company"))
    page = text(client.get(url(risks)))
    assert "Add to the register" not in page and 'href="?edit=' not in page
    assert client.post(url(risks), RISK).status_code == 403


def test_the_api_cannot_add_a_measure_to_a_submitted_action_plan(api):
    plan = part_of(5, K.ACTION_PLAN)
    services.part_submit(part=plan, user=user_for("company"))
    count = plan.actions.count()
    response = api.post(
        f"/api/parts/{plan.code}/actions",
        {"measure": "Audit of the mica supplier"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["message"]) == (400, SUBMITTED)
    assert plan.actions.count() == count


def test_adopting_a_finding_into_an_accepted_risk_analysis_is_refused(client_for):
    risks = accepted(K.RISK_ANALYSIS)
    finding = open_finding()
    count = risks.risks.count()
    response = client_for("company").post(
        reverse("screening-adopt", args=[finding.code]), follow=True
    )
    assert shown_messages(response) == [ACCEPTED]
    assert response.redirect_chain[-1][0] == reverse("screening-finding", args=[finding.code])
    assert not RiskItem.objects.filter(finding=finding).exists()
    assert risks.risks.count() == count


def test_a_draft_still_takes_risks_from_the_api_and_from_screening(api, client_for):
    risks = part_of(5, K.RISK_ANALYSIS)
    assert risks.status == S.DRAFT
    count = risks.risks.count()
    response = api.post(f"/api/parts/{risks.code}/risks", API_RISK, content_type="application/json")
    assert response.status_code == 201
    finding = open_finding()
    response = client_for("company").post(
        reverse("screening-adopt", args=[finding.code]), follow=True
    )
    assert shown_messages(response) == ["The finding was added to your risk register."]
    assert RiskItem.objects.get(finding=finding).part == risks
    assert risks.risks.count() == count + 2


def test_an_import_into_a_submitted_risk_analysis_is_refused(client_for):
    from covenant.monitoring.tests.test_register_and_tasks import COLUMNS, xlsx

    risks = part_of(5, K.RISK_ANALYSIS)
    services.part_submit(part=risks, user=user_for("company"))
    count = risks.risks.count()
    upload = xlsx([COLUMNS, ["child_labour", "mica", "IN", "mining", 4, 3, 4, 2, "yes", "Mica"]])
    response = client_for("company").post(f"/parts/{risks.code}/register.xlsx", {"file": upload})
    assert response.status_code == 403  # the page offers no import either
    with pytest.raises(ValidationError, match="This part is submitted"):
        upload.seek(0)
        services.risk_register_import(part=risks, user=user_for("company"), upload=upload)
    assert risks.risks.count() == count


def test_a_part_reopened_after_closing_can_be_improved_and_resubmitted(client_for):
    company, secretariat = client_for("company"), client_for("secretariat")
    policy = part_of(4, K.POLICY)
    assert policy.cycle.is_closed and policy.status == S.ACCEPTED
    reason = "The policy link in the year report did not work."
    secretariat.post(f"{url(policy)}reopen/", {"reason": reason})
    response = post(company, policy, policy_data(policy, url="https://example.org/v2", submit=True))
    assert "Your IMVO policy was submitted." in shown_messages(response)

    feedback = "Name the themes of your chain in the policy."
    secretariat.post(f"{url(policy)}review/", {"decision": "improve", "feedback": feedback})
    policy.refresh_from_db()
    assert policy.status == S.NEEDS_IMPROVEMENT

    # The company can work on it again, in the closed year, and resubmit.
    page = text(company.get(url(policy)))
    assert feedback in page and "Save draft" in page and 'name="submit"' in page
    response = post(
        company,
        policy,
        policy_data(
            policy,
            url="https://example.org/v3",
            elements=["commitment", "human_rights", "environment"],
            submit=True,
        ),
    )
    assert "Your IMVO policy was submitted." in shown_messages(response)
    policy.refresh_from_db()
    assert policy.status == S.SUBMITTED and policy.data["url"] == "https://example.org/v3"
    assert f"reopened (Sanne Secretariaat): {reason}" in history(text(response))

    # Submitted again, it is locked again.
    assert "Save draft" not in text(company.get(url(policy)))
    assert company.post(url(policy), policy_data(policy)).status_code == 403


def test_a_reopened_risk_analysis_that_needs_improvement_takes_risks_again(client_for, api):
    risks = part_of(4, K.RISK_ANALYSIS)
    client_for("secretariat").post(f"{url(risks)}reopen/", {"reason": "Mica is missing."})
    services.part_submit(part=risks, user=user_for("company"))
    services.part_review(
        part=risks, user=user_for("secretariat"), accepted=False, feedback="Add mica."
    )
    response = api.post(f"/api/parts/{risks.code}/risks", API_RISK, content_type="application/json")
    assert response.status_code == 201
    assert risks.risks.filter(commodity="mica", country="IN").exists()
    response = post(client_for("company"), risks, {"submit": ""})
    assert "Your risk analysis was submitted." in shown_messages(response)


def test_submitting_an_older_copy_keeps_what_was_saved_meanwhile(api):
    part = part_of(5, K.RISK_ANALYSIS)  # the copy a page loaded
    services.risk_save(part=part_of(5, K.RISK_ANALYSIS), user=user_for("company"), **API_RISK)
    saved_version = Part.objects.get(pk=part.pk).version
    assert saved_version > part.version  # the page's copy is behind
    services.part_submit(part=part, user=user_for("company"))
    fresh = Part.objects.get(pk=part.pk)
    assert fresh.status == S.SUBMITTED
    assert fresh.version == saved_version  # not written back to the older copy's
    assert fresh.risks.filter(commodity="mica", country="IN").exists()


def test_reopening_is_refused_while_the_year_is_open(demo):
    part = part_of(5, K.POLICY)
    with pytest.raises(ValidationError, match="Reopening is for a part of a closed year"):
        services.part_reopen(part=part, user=user_for("secretariat"), reason="Typo")
    assert not part.events.filter(action="reopened").exists()
