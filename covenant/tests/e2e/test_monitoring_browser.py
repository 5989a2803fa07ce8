"""End-to-end tests of the yearly monitoring in a real browser (see conftest.py for fixtures).

- the demo company member submits the four parts of year 5 (whose deadline has passed, so
  they are marked late), the secretariat reviews them on the dashboard (three accepted, one
  sent back with feedback), and the company member reads the feedback;
- in the closed year 4 the company's parts are read-only until the secretariat reopens one,
  with a reason that stays in the part's history;
- the secretariat changes year 5's settings (a reminder too early is refused, with what was
  typed kept) and closes the year in two steps: a confirmation page with what is still open
  and the closing date (a day to come is refused); a carried-over part's history says so;
- axe-core finds no serious or critical violation on any monitoring page visited, and each
  page is saved as a screenshot in test-artifacts/screens/monitoring-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from covenant.monitoring.models import Part
from covenant.tests.e2e.conftest import METALS, audit, heading, login, messages, submit

pytestmark = pytest.mark.e2e

MONITORING = f"{METALS}/monitoring"
STAAL = "Staalbouw Noord B.V."
PARTS = ["IMVO policy", "Self-assessment", "Risk analysis", "Action plan"]
FEEDBACK = "Say which suppliers the measure covers and by when the audit reports are in."
REASON = "The policy link in the year report did not work; please correct it."
PART_URL = re.compile(r"/parts/[0-9a-f-]{36}/$")


def part_row(page: Page, label: str):
    """The row of a part on the company's submission page."""
    return page.locator("main table tbody tr").filter(
        has=page.get_by_role("link", name=label, exact=True)
    )


def open_part(page: Page, label: str) -> None:
    page.get_by_role("link", name=label, exact=True).click()
    expect(page).to_have_url(PART_URL)
    expect(heading(page)).to_have_text(f"{label}: {STAAL}")


def matrix_cell(page: Page, company: str, column: int):
    """The cell of a company's part in the secretariat's submissions table (0 = policy)."""
    row = page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=company)
    )
    return row.locator("td").nth(column)


def test_company_submits_year_five_and_the_secretariat_reviews(new_page):
    company = new_page()
    login(company, "company")

    # The monitoring overview leads to the company's own submission.
    company.goto(f"{MONITORING}/")
    expect(heading(company)).to_have_text("Yearly monitoring")
    audit(company, "monitoring-cycles-company")
    company.get_by_role("link", name="My company's submission").click()
    expect(company).to_have_url(re.compile(r"/monitoring/mine/$"))
    expect(company.locator("main")).to_contain_text("the deadline has passed")
    for label in PARTS:
        expect(part_row(company, label)).to_contain_text("carried over from last year")
    audit(company, "monitoring-mine-before")

    # 1. The IMVO policy: published, with its link and what it covers.
    open_part(company, "IMVO policy")
    form = company.locator("main form.stacked")
    form.get_by_label("Our IMVO policy is published").check()
    form.get_by_label("Link to the policy").fill("https://staalbouw-noord.example/imvo")
    form.get_by_label("Date of the policy").fill("2024-01-15")
    elements = form.locator("input[name=elements]")
    for i in range(elements.count()):
        elements.nth(i).uncheck()
    for code in ("commitment", "human_rights", "suppliers"):
        form.locator(f"input[name=elements][value={code}]").check()
    audit(company, "monitoring-part-policy-edit")
    submit(form.get_by_role("button", name="Submit"))
    expect(messages(company)).to_have_text("Your IMVO policy was submitted.")
    expect(company.locator("main .badge.status-submitted")).to_have_text("submitted")
    expect(company.locator("main .badge.warn")).to_have_text("late")
    audit(company, "monitoring-part-policy-submitted")

    # 2. The self-assessment: a maturity level for every question.
    company.goto(f"{MONITORING}/mine/")
    open_part(company, "Self-assessment")
    questions = company.locator("main fieldset.question")
    expect(questions).to_have_count(29)
    for i in range(29):
        question = questions.nth(i)
        question.locator("input[type=radio][value='3']").check()
        expect(question.locator("input[type=radio]:checked")).to_have_count(1)
    audit(company, "monitoring-part-assessment-edit")
    submit(company.locator("main form.assessment").get_by_role("button", name="Submit"))
    expect(messages(company)).to_have_text("Your self-assessment was submitted.")
    expect(company.locator("main")).to_contain_text("Overall: 75.0%")
    audit(company, "monitoring-part-assessment-submitted")

    # 3. The risk analysis: add a prioritised risk with its reason, then submit.
    company.goto(f"{MONITORING}/mine/")
    open_part(company, "Risk analysis")
    add = company.locator("form[aria-labelledby=add-risk]")
    add.get_by_label("Theme:", exact=True).select_option("forced_labour")
    add.get_by_label("Commodity").fill("cobalt")
    add.get_by_label("Country").fill("CD")
    add.get_by_label("Chain stage").select_option("mining")
    add.get_by_label("Scale (1-4)").select_option("4")
    add.get_by_label("Scope (1-4)").select_option("3")
    add.get_by_label("Irremediable character (1-4)").select_option("4")
    add.get_by_label("Likelihood (1-4)").select_option("3")
    add.get_by_label("Prioritised").check()
    add.get_by_label("Reason for the priority").fill(
        "Cobalt from artisanal mines in Congo; forced labour is documented."
    )
    audit(company, "monitoring-part-risks-edit")
    submit(add.get_by_role("button", name="Add to the register"))
    expect(messages(company)).to_have_text("Saved as a draft.")
    register = company.locator("table[aria-labelledby=register] tbody")
    expect(register.locator("tr").filter(has_text="cobalt")).to_contain_text(
        "yes: Cobalt from artisanal mines"
    )
    submit(company.get_by_role("button", name="Submit the risk analysis"))
    expect(messages(company)).to_have_text("Your risk analysis was submitted.")
    expect(company.locator("form[aria-labelledby=add-risk]")).to_have_count(0)
    audit(company, "monitoring-part-risks-submitted")

    # 4. The action plan: a measure against the new risk, then submit.
    company.goto(f"{MONITORING}/mine/")
    open_part(company, "Action plan")
    add = company.locator("form[aria-labelledby=add-action]")
    add.get_by_label("Risk:", exact=True).select_option(label="forced labour cobalt CD")
    add.get_by_label("Measure").fill("Ask our cobalt suppliers for their smelter list.")
    add.get_by_label("Owner").fill("Purchasing")
    add.get_by_label("Due date").fill("2025-06-30")
    add.get_by_label("Leverage").select_option("suppliers")
    audit(company, "monitoring-part-plan-edit")
    submit(add.get_by_role("button", name="Add to the plan"))
    expect(messages(company)).to_have_text("Saved as a draft.")
    measure = company.locator("table[aria-labelledby=plan] tbody tr").filter(
        has_text="smelter list"
    )
    expect(measure).to_contain_text("forced labour cobalt CD")
    submit(company.get_by_role("button", name="Submit the action plan"))
    expect(messages(company)).to_have_text("Your action plan was submitted.")
    audit(company, "monitoring-part-plan-submitted")

    company.goto(f"{MONITORING}/mine/")
    for label in PARTS:
        row = part_row(company, label)
        expect(row.locator(".badge").first).to_have_text("submitted")
        expect(row).to_contain_text("late")
        expect(row).not_to_contain_text("carried over")
    audit(company, "monitoring-mine-submitted")

    # The secretariat reviews the four parts from the dashboard.
    secretariat = new_page()
    login(secretariat, "secretariat")
    secretariat.goto(f"{MONITORING}/")
    audit(secretariat, "monitoring-cycles-secretariat")
    secretariat.get_by_role("link", name=re.compile(r"Year 5 \(2023-2024\)")).click()
    expect(heading(secretariat)).to_have_text("Monitoring of year 5 (2023-2024)")
    for column in range(4):
        expect(matrix_cell(secretariat, STAAL, column)).to_contain_text("submitted")
    audit(secretariat, "monitoring-dashboard-secretariat-before")
    dashboard = secretariat.url

    for column, label in enumerate(PARTS):
        secretariat.goto(dashboard)
        matrix_cell(secretariat, STAAL, column).get_by_role("link").click()
        expect(heading(secretariat)).to_have_text(f"{label}: {STAAL}")
        review = secretariat.locator("form[action$='/review/']")
        if label == "Action plan":
            audit(secretariat, "monitoring-part-review")
            review.get_by_label("Needs improvement").check()
            # Without feedback the review is refused.
            submit(review.get_by_role("button", name="Save review"))
            expect(messages(secretariat)).to_have_text("Write what needs to be improved.")
            review = secretariat.locator("form[action$='/review/']")
            review.get_by_label("Needs improvement").check()
            review.get_by_label("Feedback to the company").fill(FEEDBACK)
        else:
            review.get_by_label("Accept").check()
        submit(review.get_by_role("button", name="Save review"))
        expect(messages(secretariat)).to_have_text("The review was saved and the company informed.")
        expect(secretariat.locator("form[action$='/review/']")).to_have_count(0)
        expect(secretariat.locator("ol.log li").first).to_contain_text("Sanne Secretariaat")

    secretariat.goto(dashboard)
    for column, status in enumerate(["accepted", "accepted", "accepted", "needs improvement"]):
        expect(matrix_cell(secretariat, STAAL, column)).to_contain_text(status)
    audit(secretariat, "monitoring-dashboard-secretariat-after")

    # The company member sees the feedback on the overview and on the part.
    company.goto(f"{MONITORING}/mine/")
    row = part_row(company, "Action plan")
    expect(row.locator(".badge").first).to_have_text("needs improvement")
    expect(row).to_contain_text(FEEDBACK)
    expect(part_row(company, "IMVO policy").locator(".badge").first).to_have_text("accepted")
    audit(company, "monitoring-mine-reviewed")
    open_part(company, "Action plan")
    note = company.get_by_role("note")
    expect(note.get_by_role("heading")).to_have_text("Feedback of the secretariat")
    expect(note).to_contain_text(FEEDBACK)
    expect(company.get_by_role("button", name="Submit the action plan")).to_be_visible()
    audit(company, "monitoring-part-plan-feedback")

    # A stakeholder sees the figures of the year, without company names.
    stakeholder = new_page()
    login(stakeholder, "stakeholder")
    stakeholder.goto(f"{MONITORING}/")
    audit(stakeholder, "monitoring-cycles-stakeholder")
    stakeholder.goto(f"{MONITORING}/5/")
    figures = stakeholder.locator("table.figures")
    expect(figures.locator("tr[data-indicator=policy_published]")).to_contain_text("4 of 10")
    expect(figures).not_to_contain_text(STAAL)
    expect(stakeholder.locator("table.matrix")).to_have_count(0)
    audit(stakeholder, "monitoring-dashboard-stakeholder")
    stakeholder.goto(f"{MONITORING}/4/")
    expect(
        stakeholder.locator("table.figures tr[data-indicator=policy_published]")
    ).to_contain_text("11 of 12")
    audit(stakeholder, "monitoring-dashboard-stakeholder-year-4")


def test_closed_year_is_read_only_until_the_secretariat_reopens_a_part(new_page):
    company = new_page()
    login(company, "company")
    company.goto(f"{MONITORING}/mine/?year=4")
    expect(company.locator("#year")).to_have_value("4")
    expect(company.locator("main")).to_contain_text("closed")
    audit(company, "monitoring-mine-year-4")
    for label, name in zip(PARTS, ["policy", "assessment", "risks", "plan"], strict=True):
        company.goto(f"{MONITORING}/mine/?year=4")
        open_part(company, label)
        expect(company.get_by_role("button", name=re.compile("Submit|Save draft"))).to_have_count(0)
        audit(company, f"monitoring-part-{name}-closed")
    policy_url = Part.objects.get(
        cycle__year__number=4, organisation__name=STAAL, kind=Part.Kind.POLICY
    ).code

    secretariat = new_page()
    login(secretariat, "secretariat")
    secretariat.goto(f"{MONITORING}/4/")
    expect(secretariat.locator("main")).to_contain_text("the figures are frozen")
    audit(secretariat, "monitoring-dashboard-secretariat-year-4")
    secretariat.goto(f"/parts/{policy_url}/")
    reopen = secretariat.locator("form[action$='/reopen/']")
    audit(secretariat, "monitoring-part-reopen")
    reopen.get_by_label("Reason for reopening").fill(REASON)
    submit(reopen.get_by_role("button", name="Reopen"))
    expect(messages(secretariat)).to_have_text("The part was reopened for the company.")
    expect(secretariat.locator("ol.log li").first).to_contain_text(
        f"reopened (Sanne Secretariaat): {REASON}"
    )

    company.goto(f"/parts/{policy_url}/")
    form = company.locator("main form.stacked")
    form.get_by_label("Link to the policy").fill("https://staalbouw-noord.example/imvo-2022")
    submit(form.get_by_role("button", name="Submit"))
    expect(messages(company)).to_have_text("Your IMVO policy was submitted.")
    expect(company.locator("ol.log")).to_contain_text(REASON)
    audit(company, "monitoring-part-policy-reopened")


def test_company_changes_a_risk_and_a_carried_over_measure_in_place(new_page):
    company = new_page()
    login(company, "company")

    # The carried-over nickel risk becomes a priority, with its reason.
    company.goto(f"{MONITORING}/mine/")
    open_part(company, "Risk analysis")
    register = company.locator("table[aria-labelledby=register] tbody")
    register.locator("tr").filter(has_text="nickel").get_by_role(
        "link", name=re.compile(r"^Edit")
    ).click()
    form = company.locator("form[aria-labelledby=edit-risk]")
    expect(form.get_by_label("Commodity")).to_have_value("nickel")
    expect(form.get_by_label("Prioritised")).not_to_be_checked()
    expect(company.locator("form[aria-labelledby=add-risk]")).to_have_count(0)
    audit(company, "monitoring-part-risk-change")
    form.get_by_label("Prioritised").check()
    form.get_by_label("Reason for the priority").fill(
        "Nickel smelting in Indonesia pollutes rivers."
    )
    submit(form.get_by_role("button", name="Save", exact=True))
    expect(messages(company)).to_have_text("Saved as a draft.")
    expect(register.locator("tr").filter(has_text="nickel")).to_contain_text(
        "yes: Nickel smelting in Indonesia"
    )
    expect(company.locator("form[aria-labelledby=add-risk]")).to_have_count(1)

    # A carried-over measure gets its progress.
    company.goto(f"{MONITORING}/mine/")
    open_part(company, "Action plan")
    plan = company.locator("table[aria-labelledby=plan] tbody")
    plan.locator("tr").filter(has_text="(tin)").get_by_role(
        "link", name=re.compile(r"^Edit")
    ).click()
    form = company.locator("form[aria-labelledby=edit-action]")
    expect(form.get_by_label("Measure")).to_have_value(re.compile(r"\(tin\)"))
    audit(company, "monitoring-part-measure-change")
    form.get_by_label("Status").select_option("done")
    form.get_by_label("Progress notes").fill("All tin suppliers sent their smelter list.")
    submit(form.get_by_role("button", name="Save", exact=True))
    expect(messages(company)).to_have_text("Saved as a draft.")
    row = plan.locator("tr").filter(has_text="(tin)")
    expect(row).to_contain_text("done")
    expect(row).to_contain_text("All tin suppliers sent their smelter list.")
    expect(row).to_contain_text("tin BO")  # still against its risk


def test_secretariat_changes_the_settings_and_closes_year_five_in_two_steps(new_page):
    secretariat = new_page()
    login(secretariat, "secretariat")
    secretariat.goto(f"{MONITORING}/5/")
    expect(secretariat.locator("main")).to_contain_text("reminder 14 days before the deadline")

    # The settings: a reminder too early is refused with what was typed kept.
    secretariat.get_by_role("link", name="Change the settings of the cycle").click()
    expect(heading(secretariat)).to_have_text("Settings of the monitoring of year 5 (2023-2024)")
    form = secretariat.locator("main form.stacked")
    expect(form).to_contain_text("Moving the deadline does not change which parts are late")
    audit(secretariat, "monitoring-cycle-settings")
    form.get_by_label("Deadline:", exact=True).fill("2030-03-31")
    form.get_by_label("Target score (%)").fill("70")
    form.get_by_label("Reminder (days before the deadline)").fill("90")
    submit(form.get_by_role("button", name="Save"))
    form = secretariat.locator("main form.stacked")
    expect(form).to_contain_text("Send the reminder from 0 to 60 days before the deadline.")
    expect(form.get_by_label("Reminder (days before the deadline)")).to_have_value("90")
    expect(form.get_by_label("Deadline:", exact=True)).to_have_value("2030-03-31")
    audit(secretariat, "monitoring-cycle-settings-error")
    form.get_by_label("Reminder (days before the deadline)").fill("21")
    submit(form.get_by_role("button", name="Save"))
    expect(messages(secretariat)).to_have_text("The settings of the cycle were saved.")
    main = secretariat.locator("main")
    expect(main).to_contain_text("Deadline: 31 March 2030")
    expect(main).to_contain_text("Target score: 70% · reminder 21 days before the deadline")
    expect(main).to_contain_text("Nothing is overdue.")

    # Closing: the button leads to a page that says what it does; nothing is closed yet.
    secretariat.get_by_role("link", name="Close the cycle…").click()
    expect(heading(secretariat)).to_have_text("Close the monitoring of year 5 (2023-2024)?")
    main = secretariat.locator("main")
    expect(main).to_contain_text("Closing cannot be undone.")
    expect(main.locator("[data-count=not-delivered]")).to_contain_text("37 parts not delivered")
    expect(main.locator("[data-count=to-review]")).to_contain_text("3 parts awaiting review")
    audit(secretariat, "monitoring-close-confirm")
    form = secretariat.locator("main form.stacked")
    form.get_by_label("Closing date").fill("2099-01-01")
    submit(form.get_by_role("button", name="Close the cycle and freeze the figures"))
    form = secretariat.locator("main form.stacked")
    expect(form).to_contain_text("The closing date cannot be in the future.")
    audit(secretariat, "monitoring-close-error")
    form.get_by_label("Closing date").fill("2024-11-01")
    submit(form.get_by_role("button", name="Close the cycle and freeze the figures"))
    expect(messages(secretariat)).to_have_text(
        "The monitoring of year 5 is closed and its figures are frozen."
    )
    expect(secretariat.locator("main")).to_contain_text("closed on 1 November 2024")
    expect(secretariat.get_by_role("link", name="Close the cycle…")).to_have_count(0)
    expect(secretariat.get_by_role("link", name="Change the settings of the cycle")).to_have_count(
        0
    )

    # A carried-over part says where it came from in its history.
    matrix_cell(secretariat, STAAL, 2).get_by_role("link").click()
    expect(secretariat.locator("ol.log li").last).to_have_text(
        re.compile(r"carried over from last year: 2022-2023$")
    )
