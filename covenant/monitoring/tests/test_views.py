"""The pages of the yearly monitoring, as the people using them notice them.

The demo's year 5 (2023-2024) of the metals covenant is open and its deadline has passed;
Staalbouw Noord B.V. (the `company` role) has its four year-4 parts carried over as drafts.
Years 1-4 are closed, with year 4's figures frozen at 11 of 12 / 8 of 11 / 7 of 11.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from covenant.accounts.models import Role, User
from covenant.accounts.services import role_grant
from covenant.covenants import services as covenant_services
from covenant.covenants.models import Organisation
from covenant.monitoring import services
from covenant.monitoring.models import Part, PartEvent, RiskItem

MONITORING = "/covenants/metaalsector/monitoring"
STAAL = "Staalbouw Noord B.V."
TATA = "Tata Steel"
K = Part.Kind
S = Part.Status
KIND_LABELS = {
    K.POLICY: "IMVO policy",
    K.SELF_ASSESSMENT: "self-assessment",
    K.RISK_ANALYSIS: "risk analysis",
    K.ACTION_PLAN: "action plan",
}
COMPANY_NAMES = [
    "Tata Steel", "Wuppermann Staal", "Krommenhoek Metals", "Van Peperzeel", "E-MAX", STAAL,
    "Aluminium Twente B.V.", "Koperwerk Zeeland B.V.", "Precisie Metaal Brabant B.V.",
    "RVS Techniek Gelderland B.V.", "Gieterij De Hoek B.V.", "Metaalrecycling Rijnmond B.V.",
]  # fmt: skip


# --- helpers --------------------------------------------------------------------------------


def _clear_caches() -> None:
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _no_cached_pages():
    """Every test starts without cached pages (the dashboard may be cached)."""
    _clear_caches()


def part_of(number: int, kind: str, org: str = STAAL) -> Part:
    return Part.objects.select_related("cycle").get(
        cycle__covenant__slug="metaalsector",
        cycle__year__number=number,
        kind=kind,
        organisation__name=org,
    )


def url(part: Part) -> str:
    return f"/parts/{part.code}/"


def text(response, status: int = 200) -> str:
    """The page as text, with HTML entities resolved (names with apostrophes, quotes)."""
    assert response.status_code == status, response.status_code
    return html_lib.unescape(response.content.decode())


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post(client: Client, part: Part, data: dict):
    """POST to the part page, follow the redirect, and return the page shown after it."""
    return client.post(url(part), data, follow=True)


def policy_data(part: Part, *, submit: bool = False, **changes) -> dict:
    data = {
        "published": "on",
        "url": "https://staalbouw-noord.example/imvo-beleid",
        "date": "2024-01-15",
        "elements": ["commitment", "human_rights", "suppliers"],
        "version": part.version,
        **changes,
    }
    data["submit" if submit else "save"] = ""
    return {k: v for k, v in data.items() if v is not None}


def assessment_data(part: Part, level: int = 3, *, submit: bool = False) -> dict:
    questions = part.cycle.questionnaire.questions.all()
    data = {f"level_{q.key}": level for q in questions}
    data["version"] = part.version
    data["submit" if submit else "save"] = ""
    return data


RISK = {
    "theme": "forced_labour",
    "commodity": "cobalt",
    "country": "CD",
    "chain_stage": "mining",
    "scale": 4,
    "scope": 3,
    "irremediable": 4,
    "likelihood": 3,
    "prioritised": "on",
    "reason": "Cobalt from artisanal mines in Congo; forced labour is documented.",
    "save": "",
}


def action_data(risk: RiskItem) -> dict:
    return {
        "risk": risk.pk,
        "measure": "Ask our cobalt suppliers for their smelter list and audit reports.",
        "owner": "Purchasing",
        "due_date": "2025-06-30",
        "status": "planned",
        "leverage": "suppliers",
        "progress": "",
        "project": "",
        "save": "",
    }


def history(page: str) -> str:
    """The part's history list on the page."""
    return page.split('<ol class="log">', 1)[1].split("</ol>", 1)[0]


def figure_row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-indicator="{code}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no figure row {code}"
    return match.group(1)


def figures_table(page: str) -> str:
    return page.split('<table class="figures">', 1)[1].split("</table>", 1)[0]


def second_company_member(demo) -> User:
    """A colleague of the demo company member, at the same company."""
    user = User.objects.create_user(
        email="collega@example.org", password="x" * 12, name="Cor Collega"
    )
    role_grant(
        user=user,
        covenant=demo,
        kind=Role.Kind.COMPANY_MEMBER,
        organisation=Organisation.objects.get(name=STAAL),
    )
    return user


# --- the company's submission ---------------------------------------------------------------


def test_company_sees_its_four_carried_over_parts_of_year_five(client_for):
    page = text(client_for("company").get(f"{MONITORING}/mine/"))
    assert "Monitoring of 2023-2024" in page
    assert "the deadline has passed: you can still submit, marked late" in page
    rows = re.findall(
        r'<tr><td>(.*?)</td>\s*<th scope="row"><a href="/parts/([0-9a-f-]+)/">(.*?)</a>(.*?)</tr>',
        page,
        re.S,
    )
    assert [(org, label) for org, _code, label, _rest in rows] == [
        (STAAL, "IMVO policy"),
        (STAAL, "Self-assessment"),
        (STAAL, "Risk analysis"),
        (STAAL, "Action plan"),
    ]
    for _org, code, _label, rest in rows:
        assert str(part_of(5, Part.objects.get(code=code).kind).code) == code
        assert "draft" in rest
        assert "carried over from last year" in rest
    # Another company's parts are not listed.
    assert TATA not in page


def test_company_fills_and_submits_all_four_parts_after_the_deadline(client_for):
    client = client_for("company")

    # IMVO policy: save a draft, then submit.
    policy = part_of(5, K.POLICY)
    response = post(client, policy, policy_data(policy))
    assert "Saved as a draft." in shown_messages(response)
    policy.refresh_from_db()
    assert policy.status == S.DRAFT and not policy.carried_over
    assert policy.data["url"] == "https://staalbouw-noord.example/imvo-beleid"
    assert policy.data["elements"] == ["commitment", "human_rights", "suppliers"]
    response = post(client, policy, policy_data(policy, submit=True))
    assert "Your IMVO policy was submitted." in shown_messages(response)

    # Self-assessment: a level for every question, submitted at once.
    assessment = part_of(5, K.SELF_ASSESSMENT)
    response = post(client, assessment, assessment_data(assessment, level=3, submit=True))
    assert "Your self-assessment was submitted." in shown_messages(response)
    assessment.refresh_from_db()
    assert assessment.score == 75
    assert "<strong>75.0%</strong>" in text(response)

    # Risk analysis: add a risk (a POST without "submit"), then submit.
    risks = part_of(5, K.RISK_ANALYSIS)
    before = risks.risks.count()
    response = post(client, risks, RISK)
    assert "Saved as a draft." in shown_messages(response)
    assert risks.risks.count() == before + 1
    cobalt = risks.risks.get(commodity="cobalt")
    assert cobalt.prioritised and cobalt.severity == 4
    assert "cobalt" in text(response)
    response = post(client, risks, {"submit": ""})
    assert "Your risk analysis was submitted." in shown_messages(response)

    # Action plan: a measure against the new risk, then submit.
    plan = part_of(5, K.ACTION_PLAN)
    response = post(client, plan, action_data(cobalt))
    assert "Saved as a draft." in shown_messages(response)
    measure = plan.actions.get(risk=cobalt)
    assert measure.owner == "Purchasing"
    response = post(client, plan, {"submit": ""})
    assert "Your action plan was submitted." in shown_messages(response)

    for kind in K:
        part = part_of(5, kind)
        assert part.status == S.SUBMITTED, kind
        assert part.is_late, kind  # accepted after the deadline, marked late
        assert part.submitted_at.date() > part.cycle.deadline
        assert not part.carried_over
        assert part.events.filter(action=PartEvent.Action.SUBMITTED).count() == 1

    page = text(client.get(f"{MONITORING}/mine/"))
    assert page.count('<span class="badge status-submitted">submitted</span>') == 4
    assert page.count('<span class="badge warn">late</span>') == 4
    assert "carried over from last year" not in page


def test_incomplete_parts_are_refused_with_a_clear_message(client_for):
    client = client_for("company")

    policy = part_of(5, K.POLICY)
    response = post(client, policy, policy_data(policy, url="", submit=True))
    assert shown_messages(response) == ["A published policy needs a link or a document."]

    assessment = part_of(5, K.SELF_ASSESSMENT)
    assessment.answers.filter(question__step=6).delete()  # step 6 left open
    response = post(client, assessment, {"version": assessment.version, "submit": ""})
    assert shown_messages(response) == ["Answer every question before submitting (4 open)."]

    risks = part_of(5, K.RISK_ANALYSIS)
    for risk in risks.risks.all():  # the company removes every carried-over risk
        response = client.post(f"/parts/{risks.code}/items/{risk.code}/delete/", follow=True)
        assert "Removed." in shown_messages(response)
    assert not risks.risks.exists()
    response = post(client, risks, {"submit": ""})
    assert shown_messages(response) == ["Add at least one risk to the register before submitting."]
    assert "No risks yet." in text(response)

    for kind in (K.POLICY, K.SELF_ASSESSMENT, K.RISK_ANALYSIS):
        part = part_of(5, kind)
        assert part.status == S.DRAFT, kind
        assert part.submitted_at is None and not part.is_late
        assert not part.events.filter(action=PartEvent.Action.SUBMITTED).exists()


def test_a_prioritised_risk_needs_a_reason_and_the_form_keeps_what_was_typed(client_for):
    client = client_for("company")
    risks = part_of(5, K.RISK_ANALYSIS)
    before = risks.risks.count()
    response = post(client, risks, {**RISK, "reason": ""})
    page = text(response, 400)  # the form is shown again, with the problem on its field
    assert "Say why this risk is prioritised." in page
    assert risks.risks.count() == before
    # What the company typed is still in the form.
    assert 'value="cobalt"' in page


def test_two_people_saving_the_same_part_the_second_is_refused(client_for, demo):
    first, second = client_for("company"), Client()
    second.force_login(second_company_member(demo))
    policy = part_of(5, K.POLICY)

    # Both open the page: it carries the version they started from.
    for client in (first, second):
        page = text(client.get(url(policy)))
        assert f'name="version" value="{policy.version}"' in page
    old_version = policy.version

    response = post(first, policy, policy_data(policy, url="https://example.org/first"))
    assert "Saved as a draft." in shown_messages(response)
    response = post(
        second, policy, policy_data(policy, url="https://example.org/second", version=old_version)
    )
    [message] = shown_messages(response)
    assert message.startswith("Someone else saved this part while you were editing it.")
    policy.refresh_from_db()
    assert policy.data["url"] == "https://example.org/first"
    assert policy.version == old_version + 1
    assert 'value="https://example.org/first"' in text(response)
    assert policy.events.filter(action=PartEvent.Action.SAVED).count() == 1

    # The same for the self-assessment.
    assessment = part_of(5, K.SELF_ASSESSMENT)
    stale = assessment_data(assessment, level=1)
    post(first, assessment, assessment_data(assessment, level=4))
    response = post(second, assessment, stale)
    assert shown_messages(response)[0].startswith("Someone else saved this part")
    assessment.refresh_from_db()
    assert assessment.score == 100


def test_carried_over_measures_keep_their_risk(client_for):
    risks, plan = part_of(5, K.RISK_ANALYSIS), part_of(5, K.ACTION_PLAN)
    measures = list(plan.actions.select_related("risk"))
    assert measures and all(m.risk is not None and m.risk.part_id == risks.pk for m in measures)
    page = text(client_for("company").get(url(plan)))
    for measure in measures:
        assert re.search(
            rf"{re.escape(measure.measure)}</th><td>{re.escape(str(measure.risk))}</td>", page
        )


def test_a_policy_document_is_uploaded_and_carried_over_to_the_next_year(client_for, demo):
    client = client_for("company")
    policy = part_of(5, K.POLICY)
    data = policy_data(policy, url="", submit=True)
    data["document"] = SimpleUploadedFile("beleid.exe", b"MZ", "application/octet-stream")
    response = post(client, policy, data)
    assert "Only these files can be uploaded: PDF, DOCX." in text(response, 400)
    policy.refresh_from_db()
    assert policy.status == S.DRAFT and not policy.policy_document

    data["document"] = SimpleUploadedFile("beleid.pdf", b"%PDF-1.4 beleid", "application/pdf")
    response = post(client, policy, data)
    assert "Your IMVO policy was submitted." in shown_messages(response)
    policy.refresh_from_db()
    assert policy.policy_document.name.endswith(".pdf")

    # The secretariat opens year 6: the policy comes back as a draft with its document, and
    # the company confirms it without uploading it again, before the deadline.
    year6 = covenant_services.covenant_year_add(covenant=demo)
    services.cycle_open(
        covenant=demo,
        year=year6,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        questionnaire=policy.cycle.questionnaire,
    )
    page = text(client.get(f"{MONITORING}/mine/"))
    assert f"Monitoring of {year6.label}" in page
    assert "the deadline has passed" not in page
    carried = part_of(6, K.POLICY)
    assert carried.carried_over and carried.policy_document.name == policy.policy_document.name
    page = text(client.get(url(carried)))
    assert f'href="/parts/{carried.code}/document/">{policy.policy_document.name}</a>' in page
    response = post(client, carried, policy_data(carried, url="", submit=True))
    assert "Your IMVO policy was submitted." in shown_messages(response)
    carried.refresh_from_db()
    assert carried.status == S.SUBMITTED and not carried.is_late


# --- the review by the secretariat ----------------------------------------------------------


def test_secretariat_asks_for_improvement_and_the_company_resubmits(
    client_for, django_capture_on_commit_callbacks, mailoutbox
):
    company, secretariat = client_for("company"), client_for("secretariat")
    policy = part_of(5, K.POLICY)
    post(company, policy, policy_data(policy, submit=True))

    page = text(secretariat.get(url(policy)))
    assert f'action="/parts/{policy.code}/review/"' in page
    assert "Save draft" not in page  # the secretariat reviews, it does not edit

    # Needs improvement without feedback is refused.
    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat.post(
            f"{url(policy)}review/", {"decision": "improve", "feedback": " "}, follow=True
        )
    assert shown_messages(response) == ["Write what needs to be improved."]
    policy.refresh_from_db()
    assert policy.status == S.SUBMITTED
    assert mailoutbox == []

    feedback = "Name the themes of your chain in the policy, not only a general commitment."
    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat.post(
            f"{url(policy)}review/", {"decision": "improve", "feedback": feedback}, follow=True
        )
    assert shown_messages(response) == ["The review was saved and the company informed."]
    policy.refresh_from_db()
    assert policy.status == S.NEEDS_IMPROVEMENT and policy.feedback == feedback
    [mail] = mailoutbox
    assert mail.to == ["bedrijf@example.org"]
    assert mail.subject == "Your IMVO policy was reviewed"
    assert "needs improvement" in mail.body and feedback in mail.body

    # The company sees the feedback on its overview and on the part, and can resubmit.
    assert feedback in text(company.get(f"{MONITORING}/mine/"))
    page = text(company.get(url(policy)))
    assert "Feedback of the secretariat" in page and feedback in page
    assert 'name="submit"' in page
    response = post(
        company,
        policy,
        policy_data(policy, submit=True, elements=["commitment", "human_rights", "environment"]),
    )
    assert "Your IMVO policy was submitted." in shown_messages(response)
    policy.refresh_from_db()
    assert policy.status == S.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        secretariat.post(f"{url(policy)}review/", {"decision": "accept", "feedback": ""})
    policy.refresh_from_db()
    assert policy.status == S.ACCEPTED
    assert len(mailoutbox) == 2 and "accepted" in mailoutbox[1].body

    # Every step is in the history, with who did it, newest first.
    log = history(text(company.get(url(policy))))
    entries = re.findall(r"<li>[^<]*? – (.*?)</li>", log)
    assert entries == [
        "accepted (Sanne Secretariaat)",
        "submitted (Bram Bedrijf)",
        "saved as draft (Bram Bedrijf)",
        f"needs improvement (Sanne Secretariaat): {feedback}",
        "submitted (Bram Bedrijf)",
        "saved as draft (Bram Bedrijf)",
        "carried over from last year: 2022-2023",  # when the year was opened
    ]


def test_only_a_submitted_part_can_be_reviewed_and_only_by_the_secretariat(client_for):
    policy = part_of(5, K.POLICY)  # a carried-over draft
    response = client_for("secretariat").post(
        f"{url(policy)}review/", {"decision": "accept"}, follow=True
    )
    assert shown_messages(response) == ["Only a submitted part can be reviewed."]
    assert "Save review" not in text(response)
    post(client_for("company"), policy, policy_data(policy, submit=True))
    response = client_for("company").post(f"{url(policy)}review/", {"decision": "accept"})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.status == S.SUBMITTED


def test_risk_and_measure_changes_are_in_the_history(client_for):
    client = client_for("company")
    risks = part_of(5, K.RISK_ANALYSIS)
    post(client, risks, RISK)
    cobalt = risks.risks.get(commodity="cobalt")
    other = risks.risks.exclude(pk=cobalt.pk).filter(prioritised=False).first()
    client.post(f"/parts/{risks.code}/items/{other.code}/delete/")
    entries = re.findall(r"<li>[^<]*? – (.*?)</li>", history(text(client.get(url(risks)))))
    assert entries == [
        f"saved as draft (Bram Bedrijf): Removed: {other}",
        "saved as draft (Bram Bedrijf): Added: forced labour cobalt CD",
        "carried over from last year: 2022-2023",
    ]

    plan = part_of(5, K.ACTION_PLAN)
    post(client, plan, action_data(cobalt))
    entry, carried = re.findall(r"<li>[^<]*? – (.*?)</li>", history(text(client.get(url(plan)))))
    assert entry.startswith("saved as draft (Bram Bedrijf): Added: Ask our cobalt suppliers")
    assert carried == "carried over from last year: 2022-2023"


# --- closed cycles --------------------------------------------------------------------------


def test_a_closed_year_is_locked_until_the_secretariat_reopens_a_part(client_for):
    company, secretariat = client_for("company"), client_for("secretariat")
    policy = part_of(4, K.POLICY)
    assert policy.status == S.ACCEPTED and policy.cycle.is_closed

    page = text(company.get(url(policy)))
    assert "Save draft" not in page and 'name="submit"' not in page
    assert company.post(url(policy), policy_data(policy)).status_code == 403
    page = text(company.get(f"{MONITORING}/mine/?year=4"))
    assert "closed" in page

    # Reopening needs a reason.
    page = text(secretariat.get(url(policy)))
    assert "Reopen for the company" in page
    response = secretariat.post(f"{url(policy)}reopen/", {"reason": "  "}, follow=True)
    assert shown_messages(response) == ["Give the reason for reopening."]
    policy.refresh_from_db()
    assert policy.status == S.ACCEPTED
    assert not policy.events.filter(action=PartEvent.Action.REOPENED).exists()

    reason = "The link to the policy was broken when we checked the year report."
    response = secretariat.post(f"{url(policy)}reopen/", {"reason": reason}, follow=True)
    assert shown_messages(response) == ["The part was reopened for the company."]
    assert f"reopened (Sanne Secretariaat): {reason}" in history(text(response))

    # Now the company can correct that part, and only that part.
    page = text(company.get(url(policy)))
    assert "Save draft" in page
    response = post(company, policy, policy_data(policy, url="https://example.org/fixed"))
    assert "Saved as a draft." in shown_messages(response)
    policy.refresh_from_db()
    response = post(
        company, policy, policy_data(policy, url="https://example.org/fixed", submit=True)
    )
    assert "Your IMVO policy was submitted." in shown_messages(response)
    policy.refresh_from_db()
    assert policy.status == S.SUBMITTED and policy.data["url"] == "https://example.org/fixed"
    assert f"reopened (Sanne Secretariaat): {reason}" in history(text(response))

    risks = part_of(4, K.RISK_ANALYSIS)
    assert company.post(url(risks), RISK).status_code == 403
    assert not risks.risks.filter(commodity="cobalt").exists()


def test_a_draft_left_in_a_closed_year_is_not_offered_for_editing(client_for):
    """A part still in draft when the year closed stays locked like the others."""
    policy = part_of(4, K.POLICY)
    Part.objects.filter(pk=policy.pk).update(status=S.DRAFT)
    page = text(client_for("company").get(url(policy)))
    assert "Save draft" not in page
    assert client_for("company").post(url(policy), policy_data(policy)).status_code == 403


# --- figures ----------------------------------------------------------------------------------


def test_secretariat_sees_the_year_four_figures_with_the_companies_behind(client_for):
    page = text(client_for("secretariat").get(f"{MONITORING}/4/"))
    policy = figure_row(page, "policy_published")
    assessment = figure_row(page, "self_assessment")
    risk = figure_row(page, "risk_analysis")
    assert '<strong class="fraction">11 of 12</strong>' in policy
    assert '<strong class="fraction">8 of 11</strong>' in assessment
    assert '<strong class="fraction">7 of 11</strong>' in risk
    assert STAAL in risk and "Gieterij De Hoek B.V." not in risk
    assert "Gieterij De Hoek B.V." not in policy and TATA in policy
    assert "Export to Excel" in page
    assert "Submissions" in page


@pytest.mark.parametrize("role", ["stakeholder", "steering", "company"])
def test_others_see_the_same_fractions_without_company_names(client_for, role):
    page = text(client_for(role).get(f"{MONITORING}/4/"))
    table = figures_table(page)
    assert '<strong class="fraction">11 of 12</strong>' in figure_row(page, "policy_published")
    assert '<strong class="fraction">8 of 11</strong>' in figure_row(page, "self_assessment")
    assert '<strong class="fraction">7 of 11</strong>' in figure_row(page, "risk_analysis")
    for name in COMPANY_NAMES:
        assert name not in table, name
    assert "Companies counted" not in table
    assert "Export to Excel" not in page and "/parts/" not in page


def test_figures_over_fewer_companies_than_the_threshold_are_not_shown(client_for, demo):
    demo.disclosure_threshold = 13
    demo.save(update_fields=["disclosure_threshold"])

    page = text(client_for("stakeholder").get(f"{MONITORING}/4/"))
    row = figure_row(page, "policy_published")
    assert "not shown: fewer than 13 companies" in row
    assert "11 of 12" not in page and "8 of 11" not in page and "7 of 11" not in page
    assert "not shown: fewer than 13 companies" in figure_row(page, "score_overall")

    page = text(client_for("secretariat").get(f"{MONITORING}/4/"))
    assert "11 of 12" in figure_row(page, "policy_published")
    assert "7 of 11" in figure_row(page, "risk_analysis")
    assert "not shown" not in page


def _queries(client, path) -> int:
    _clear_caches()  # count the queries of a page computed afresh, not of a cached one
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_pages_use_as_many_queries_with_ten_more_companies(client_for, demo):
    secretariat, stakeholder, company = (
        client_for("secretariat"),
        client_for("stakeholder"),
        client_for("company"),
    )
    pages = [
        (secretariat, f"{MONITORING}/5/"),  # open: figures computed live
        (secretariat, f"{MONITORING}/4/"),  # closed: frozen figures
        (stakeholder, f"{MONITORING}/5/"),
        (company, f"{MONITORING}/mine/"),
        (secretariat, f"{MONITORING}/"),
        (secretariat, f"{MONITORING}/5/figures/policy_published/"),
        (secretariat, f"{MONITORING}/5/?show=not_delivered&page=1"),
    ]
    for client, path in pages:  # warm up sessions and caches
        client.get(path)
    before = [_queries(client, path) for client, path in pages]

    cycle5 = part_of(5, K.POLICY).cycle
    cycle4 = part_of(4, K.POLICY).cycle
    for i in range(10):
        org, _created = covenant_services.organisation_add(
            covenant=demo, name=f"Extra Metaal {i} B.V.", kind="company", size_class="small"
        )
        covenant_services.membership_create(covenant=demo, organisation=org, joined_in_year=1)
        for cycle in (cycle4, cycle5):
            for kind in K:
                part = Part.objects.create(cycle=cycle, organisation=org, kind=kind)
                if kind == K.POLICY and cycle == cycle5:
                    services.policy_save(
                        part=part, user=None, published=True, url="https://example.org/p"
                    )
                    services.part_submit(part=part, user=None)
    after = [_queries(client, path) for client, path in pages]
    assert after == before

    page = text(secretariat.get(f"{MONITORING}/5/"))
    assert "Extra Metaal 9 B.V." in page
    assert "26 of 22" not in page


def test_the_excel_export_holds_the_figures_with_formulas_neutralised(client_for):
    organisation = Organisation.objects.get(name=STAAL)
    covenant_services.organisation_update(
        organisation=organisation, name='=HYPERLINK("http://evil.example","Staalbouw")'
    )
    response = client_for("secretariat").get(f"{MONITORING}/4/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "metaalsector-monitoring-" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Figures", "Status"]

    figures = {row[0]: row for row in workbook["Figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["IMVO policy published"][1:3] == (11, 12)
    assert figures["Self-assessment completed"][1:3] == (8, 11)
    assert figures["Risk analysis delivered"][1:3] == (7, 11)
    assert "Tata Steel" in figures["Risk analysis delivered"][4]

    status = list(workbook["Status"].iter_rows(values_only=True))
    assert status[0][:2] == ("Company", "Monitored")
    names = [row[0] for row in status[1:]]
    assert len(names) == 12
    assert '\'=HYPERLINK("http://evil.example","Staalbouw")' in names
    assert not any(str(cell).startswith("=") for row in status for cell in row if cell)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
    rijnmond = next(row for row in status if row[0] == "Metaalrecycling Rijnmond B.V.")
    assert rijnmond[1] == "joined this year"


@pytest.mark.parametrize("role", ["stakeholder", "steering", "company"])
def test_only_the_secretariat_exports(client_for, role):
    assert client_for(role).get(f"{MONITORING}/4/export.xlsx").status_code == 403


# --- who may open a part --------------------------------------------------------------------


def test_company_member_cannot_open_another_companys_part(client_for):
    client = client_for("company")
    other = part_of(5, K.POLICY, org=TATA)
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other), policy_data(other)).status_code == 404
    assert client.post(f"{url(other)}review/", {"decision": "accept"}).status_code == 404
    risk = part_of(5, K.RISK_ANALYSIS, org=TATA)
    item = risk.risks.first()
    assert client.post(f"/parts/{risk.code}/items/{item.code}/delete/").status_code == 404
    assert risk.risks.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role", ["stakeholder", "steering", "outsider"])
def test_others_cannot_open_any_part(client_for, role):
    client = client_for(role)
    for part in (part_of(5, K.POLICY), part_of(4, K.SELF_ASSESSMENT, org=TATA)):
        assert client.get(url(part)).status_code == 404
        assert client.post(url(part), policy_data(part)).status_code == 404
        assert client.post(f"{url(part)}reopen/", {"reason": "x"}).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client_for):
    client = client_for("anonymous")
    for path in (url(part_of(5, K.POLICY)), f"{MONITORING}/mine/", f"{MONITORING}/4/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_outsider_does_not_learn_about_the_covenants_monitoring(client_for):
    client = client_for("outsider")
    for path in (f"{MONITORING}/", f"{MONITORING}/4/", f"{MONITORING}/mine/"):
        assert client.get(path).status_code == 404


def test_cycles_list_shows_the_years_and_the_way_to_the_submission(client_for):
    page = text(client_for("company").get(f"{MONITORING}/"))
    assert "Year 5 (2023-2024)" in page and "Year 1" in page
    assert page.count('<span class="badge ok">open</span>') == 1
    assert f'href="{MONITORING}/mine/"' in page
    page = text(client_for("stakeholder").get(f"{MONITORING}/"))
    assert f'href="{MONITORING}/mine/"' not in page
    assert "Open the monitoring of a year" not in page


def matrix_rows(page: str) -> list[str]:
    """The company names of the submissions matrix's rows, in order."""
    table = page.split('<table class="matrix"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><th scope="row">([^<]+)', table)


def test_the_submissions_matrix_narrows_to_what_needs_the_secretariat(client_for):
    client = client_for("secretariat")
    every = matrix_rows(text(client.get(f"{MONITORING}/5/")))
    part = part_of(5, K.POLICY)
    services.policy_save(part=part, user=None, published=True, url="https://example.org/p")
    services.part_submit(part=part, user=None)
    to_review = {
        org
        for org in every
        if Part.objects.filter(
            cycle=part.cycle, organisation__name=org, status=S.SUBMITTED
        ).exists()
    }

    page = text(client.get(f"{MONITORING}/5/?show=to_review"))
    assert set(matrix_rows(page)) == to_review and STAAL in to_review
    assert f"{len(to_review)} of {len(every)} companies" in page
    assert '<option value="to_review" selected>' in page

    # Nonsense falls back to every company rather than an error.
    assert matrix_rows(text(client.get(f"{MONITORING}/5/?show=x&page=abc"))) == every


def test_a_long_matrix_is_paged_and_a_figure_lists_all_its_companies(client_for, demo):
    cycle = part_of(5, K.POLICY).cycle
    members = len(matrix_rows(text(client_for("secretariat").get(f"{MONITORING}/5/"))))
    for i in range(60):
        org, _created = covenant_services.organisation_add(
            covenant=demo, name=f"Extra Metaal {i:02d} B.V.", kind="company", size_class="small"
        )
        covenant_services.membership_create(covenant=demo, organisation=org, joined_in_year=1)
        part = Part.objects.create(cycle=cycle, organisation=org, kind=K.POLICY)
        services.policy_save(part=part, user=None, published=True, url="https://example.org/p")
        services.part_submit(part=part, user=None)
    client = client_for("secretariat")

    first = text(client.get(f"{MONITORING}/5/"))
    second = text(client.get(f"{MONITORING}/5/?page=2"))
    rows_first, rows_second = matrix_rows(first), matrix_rows(second)
    assert len(rows_first) == 50 and len(rows_second) == members + 60 - 50
    assert not set(rows_first) & set(rows_second)
    assert "page 1 of 2" in first and '<span aria-current="page">2</span>' in second

    # Next to the figure: ten names and a link to the rest, which names every one of them.
    row = figure_row(first, "policy_published")
    counted_before = int(re.search(r"(\d+) of \d+", row).group(1)) - 60
    assert f"and {counted_before + 60 - 10} more" in row
    link = re.search(r'href="([^"]+/figures/policy_published/)"', row).group(1)
    figure_page = text(client.get(link))
    counted = figure_page.split('id="counted"', 1)[1].split('id="others"', 1)[0]
    others = figure_page.split('id="others"', 1)[1]
    assert f"{counted_before + 60} companies counted" in figure_page
    assert "Extra Metaal 59 B.V." in counted and TATA in counted
    assert "Extra Metaal 59 B.V." not in others
    assert client.get(f"{MONITORING}/5/figures/no_such_figure/").status_code == 404
