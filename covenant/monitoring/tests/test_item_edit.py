"""Changing a risk of the register or a measure of the action plan on the part page: "Edit"
on a row opens it in the form, filled in, and saving changes that item (no JavaScript
needed), with the part's version check against someone else's save in between."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from covenant.monitoring.models import Action, Part, PartEvent, RiskItem
from covenant.monitoring.tests.test_views import (
    RISK,
    action_data,
    history,
    part_of,
    post,
    shown_messages,
    text,
    url,
)
from covenant.screening.models import Finding

K = Part.Kind


def edit_url(part: Part, item) -> str:
    return f"{url(part)}?edit={item.code}"


def risk_fields(risk: RiskItem, **changes) -> dict:
    """The risk form as the edit page fills it in, with `changes`."""
    data = {
        "theme": risk.theme,
        "commodity": risk.commodity,
        "country": risk.country,
        "chain_stage": risk.chain_stage,
        "scale": risk.scale,
        "scope": risk.scope,
        "irremediable": risk.irremediable,
        "likelihood": risk.likelihood,
        "reason": risk.reason,
        "version": risk.part.version,
        "item": risk.code,
        "save": "",
    }
    if risk.prioritised:
        data["prioritised"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(page: str, heading_id: str) -> str:
    """The edit form on the page (the one labelled by `heading_id`)."""
    match = re.search(rf'<form [^>]*aria-labelledby="{heading_id}".*?</form>', page, re.S)
    assert match, f"no form labelled {heading_id}"
    return match.group(0)


def selected(form: str, name: str) -> str:
    """The value of the selected option of a select field in the form."""
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_a_risk_opens_filled_in_and_is_changed(client_for):
    client = client_for("company")
    risks = part_of(5, K.RISK_ANALYSIS)
    risk = risks.risks.filter(prioritised=True).first()
    count = risks.risks.count()

    page = text(client.get(url(risks)))
    assert f'href="?edit={risk.code}#edit-risk"' in page
    page = text(client.get(edit_url(risks, risk)))
    assert "Add a risk" not in page
    form = edit_form(page, "edit-risk")
    assert f'name="item" value="{risk.code}"' in form
    assert f'name="version" value="{risks.version}"' in form
    assert f'value="{risk.commodity}"' in form
    assert selected(form, "theme") == risk.theme
    assert selected(form, "likelihood") == str(risk.likelihood)
    assert html.unescape(risk.reason) in html.unescape(form)

    response = post(client, risks, risk_fields(risk, likelihood=1, country="PE"))
    assert shown_messages(response) == ["Saved as a draft."]
    risk.refresh_from_db()
    assert (risk.likelihood, risk.country) == (1, "PE")
    assert risks.risks.count() == count
    [entry] = re.findall(r"<li>[^<]*? – (.*?)</li>", history(text(response)))[:1]
    assert entry == f"saved as draft (Bram Bedrijf): Changed: {risk}"


def test_an_adopted_finding_is_prioritised_with_a_reason_and_gets_a_measure(client_for):
    client = client_for("company")
    finding = Finding.objects.filter(
        run__organisation__name="Staalbouw Noord B.V.", register_items=None
    ).order_by("rank")[0]
    client.post(reverse("screening-adopt", args=[finding.code]))
    risk = RiskItem.objects.get(finding=finding)
    risks, plan = risk.part, part_of(5, K.ACTION_PLAN)
    assert not risk.prioritised
    assert f'<option value="{risk.pk}"' not in text(client.get(url(plan)))

    page = text(client.get(edit_url(risks, risk)))
    assert "This risk comes from a screening finding and stays linked to it." in page
    # Prioritised without a reason: refused on the field, the form keeps what was typed.
    response = client.post(url(risks), risk_fields(risk, prioritised="on", likelihood=4))
    page = text(response, 400)
    assert "Say why this risk is prioritised." in page
    form = edit_form(page, "edit-risk")
    assert selected(form, "likelihood") == "4" and f'value="{risk.code}"' in form
    risk.refresh_from_db()
    assert not risk.prioritised and risk.likelihood != 4

    reason = "Screening shows child labour in this chain; we buy through one trader."
    response = post(client, risks, risk_fields(risk, prioritised="on", reason=reason))
    assert shown_messages(response) == ["Saved as a draft."]
    risk.refresh_from_db()
    assert risk.prioritised and risk.reason == reason
    assert risk.finding == finding  # still linked to its finding
    assert f'href="/screening/findings/{finding.code}/"' in text(client.get(url(risks)))

    # Now the measure can address it.
    assert f'<option value="{risk.pk}"' in text(client.get(url(plan)))
    response = post(client, plan, action_data(risk))
    assert shown_messages(response) == ["Saved as a draft."]
    assert plan.actions.filter(risk=risk).exists()


def test_a_carried_over_measure_gets_its_status_and_progress(client_for):
    client = client_for("company")
    plan = part_of(5, K.ACTION_PLAN)
    assert plan.carried_over
    measure = plan.actions.select_related("risk").first()
    risk = measure.risk
    count = plan.actions.count()

    page = text(client.get(edit_url(plan, measure)))
    form = edit_form(page, "edit-action")
    assert html.unescape(measure.measure) in html.unescape(form)
    assert selected(form, "risk") == str(risk.pk)
    assert selected(form, "status") == measure.status

    progress = "Two of three suppliers sent their smelter list; the third is due in May."
    data = {
        "risk": risk.pk,
        "measure": measure.measure,
        "owner": measure.owner,
        "due_date": measure.due_date.isoformat() if measure.due_date else "",
        "status": Action.Status.IN_PROGRESS,
        "progress": progress,
        "leverage": measure.leverage,
        "project": measure.project_id or "",
        "version": plan.version,
        "item": measure.code,
        "save": "",
    }
    response = post(client, plan, data)
    assert shown_messages(response) == ["Saved as a draft."]
    measure.refresh_from_db()
    assert measure.status == Action.Status.IN_PROGRESS and measure.progress == progress
    assert measure.risk == risk and plan.actions.count() == count
    assert progress in text(response)

    # A measure keeps its risk when the risk is no longer prioritised.
    RiskItem.objects.filter(pk=risk.pk).update(prioritised=False, reason="")
    plan.refresh_from_db()
    data.update(status=Action.Status.DONE, version=plan.version)
    response = post(client, plan, data)
    assert shown_messages(response) == ["Saved as a draft."]
    measure.refresh_from_db()
    assert measure.status == Action.Status.DONE and measure.risk == risk


def test_an_edit_after_someone_else_saved_is_refused(client_for):
    client = client_for("company")
    risks = part_of(5, K.RISK_ANALYSIS)
    risk = risks.risks.first()
    stale = risk_fields(risk, likelihood=1)  # the page was opened at this version
    post(client, risks, RISK)  # meanwhile a colleague adds a risk
    response = post(client, risks, stale)
    [message] = shown_messages(response)
    assert message.startswith("Someone else saved this part while you were editing it.")
    assert RiskItem.objects.get(pk=risk.pk).likelihood == risk.likelihood

    # A risk removed meanwhile is not recreated.
    fresh = risks.risks.exclude(pk=risk.pk).first()
    data = risk_fields(fresh, likelihood=1, version=risks.version + 1)
    client.post(f"/parts/{risks.code}/items/{fresh.code}/delete/")
    response = post(client, risks, data)
    assert shown_messages(response)[-1].startswith("Someone else saved this part")
    assert not RiskItem.objects.filter(code=fresh.code).exists()


def test_a_locked_part_offers_no_edit_and_refuses_one(client_for):
    client = client_for("company")
    risks = part_of(5, K.RISK_ANALYSIS)
    risk = risks.risks.first()
    post(client, risks, {"submit": ""})
    page = text(client.get(edit_url(risks, risk)))
    assert "Edit a risk" not in page and 'href="?edit=' not in page
    assert client.post(url(risks), risk_fields(risk, likelihood=1)).status_code == 403
    assert RiskItem.objects.get(pk=risk.pk).likelihood == risk.likelihood
    assert not risks.events.filter(action=PartEvent.Action.SAVED).exists()
