"""End-to-end test of the annual report's approval flow in a real browser (see conftest.py).

- the secretariat (with TOTP) reopens the year-5 draft, which awaits approval in the demo,
  writes a section in both languages and the summary, and asks for approval;
- the steering group member comments on a section and approves;
- the secretariat publishes; while the PDF is built (held back here until the test has seen
  it) the page shows its progress, and then the download links, without a reload;
- an anonymous visitor opens the published report from the covenant's public page in Dutch,
  switches to English, and downloads the figures as CSV;
- axe-core finds no serious or critical violation on any report page visited, and each page
  is saved as a screenshot in test-artifacts/screens/reports-*.png.
"""

from __future__ import annotations

import csv
import io
import re
import threading

import pytest
from playwright.sync_api import Page, expect

from covenant.reports import pdf as report_pdf
from covenant.tests.e2e.conftest import METALS, audit, heading, login, messages, submit

pytestmark = pytest.mark.e2e

REPORT_URL = re.compile(r"/reports/[0-9a-f-]{36}/(\?lang=(nl|en))?$")
BODY_NL = "In het laatste jaar werkten **zes** bedrijven samen met ngo's in twee projecten."
BODY_EN = "In the last year **six** companies worked with NGOs in two projects."
SUMMARY_NL = "Het laatste jaar van het convenant: drie van de tien bedrijven publiceerden beleid."
SUMMARY_EN = "The covenant's last year: three of ten companies published their policy."
COMMENT = "Name the two projects in the collaboration section, please."


@pytest.fixture
def held_pdf_build(monkeypatch):
    """Hold the PDF build (which runs in the server thread) until the test releases it."""
    started, release = threading.Event(), threading.Event()
    build = report_pdf.build_pdf

    def held(view):
        started.set()
        release.wait(timeout=60)
        return build(view)

    monkeypatch.setattr(report_pdf, "build_pdf", held)
    yield started, release
    release.set()


def review_panel(page: Page):
    return page.locator("main section.review-panel")


def test_write_approve_publish_and_read_the_annual_report(new_page, held_pdf_build):
    started, release = held_pdf_build

    # --- the secretariat reopens the draft and writes ---------------------------------------
    secretariat = new_page()
    login(secretariat, "secretariat")
    secretariat.goto(f"{METALS}/reports/")
    expect(heading(secretariat)).to_have_text("Annual reports")
    row = secretariat.locator("main table tbody tr").filter(has_text="2023-2024")
    expect(row.locator(".badge")).to_have_text("awaiting approval")
    audit(secretariat, "reports-list")

    row.get_by_role("link", name="2023-2024").click()
    expect(secretariat).to_have_url(REPORT_URL)
    expect(heading(secretariat)).to_have_text("Annual report 2023-2024")
    expect(review_panel(secretariat)).to_contain_text("0 of 1 approvals needed to publish.")
    audit(secretariat, "reports-draft-secretariat-in-review")
    draft_url = secretariat.url

    submit(secretariat.get_by_role("button", name="Reopen the draft"))
    expect(messages(secretariat)).to_have_text(
        "The draft is open again; the steering group will be asked to approve anew."
    )
    audit(secretariat, "reports-draft-secretariat")

    write = secretariat.locator("main section[aria-labelledby=write-heading]")
    write.get_by_role("link", name="Collaboration", exact=True).click()
    expect(heading(secretariat)).to_have_text("Collaboration")
    form = secretariat.locator("main form.stacked")
    form.get_by_label("Text (Dutch)").fill(BODY_NL)
    form.get_by_label("Text (English)").fill(BODY_EN)
    audit(secretariat, "reports-section-edit")
    submit(form.get_by_role("button", name="Save"))
    expect(messages(secretariat)).to_have_text("The section was saved.")
    collaboration = secretariat.locator("article.report section.report-section").filter(
        has=secretariat.get_by_role("heading", name="Collaboration", exact=True)
    )
    expect(collaboration.locator("p").first).to_have_text(
        "In the last year six companies worked with NGOs in two projects."
    )
    expect(collaboration.locator("p strong").first).to_have_text("six")

    write.get_by_role("link", name="Edit the summary").click()
    expect(heading(secretariat)).to_have_text("Summary")
    form = secretariat.locator("main form.stacked")
    expect(form.get_by_label("Summary (English)")).to_have_value(re.compile(r"3 of 10 companies"))
    form.get_by_label("Summary (Dutch)").fill(SUMMARY_NL)
    form.get_by_label("Summary (English)").fill(SUMMARY_EN)
    audit(secretariat, "reports-summary-edit")
    submit(form.get_by_role("button", name="Save"))
    expect(messages(secretariat)).to_have_text("The summary was saved.")
    expect(secretariat.locator("article.report p.lead")).to_have_text(SUMMARY_EN)

    submit(secretariat.get_by_role("button", name="Ask the steering group for approval"))
    expect(messages(secretariat)).to_have_text(
        "The draft was sent to the steering group; its figures are frozen."
    )
    expect(secretariat.locator("main .badge.report-in_review")).to_have_text("awaiting approval")
    expect(secretariat.get_by_role("button", name="Publish")).to_have_count(0)

    # --- the steering group comments and approves --------------------------------------------
    steering = new_page()
    login(steering, "steering")
    steering.goto(draft_url)
    expect(heading(steering)).to_have_text("Annual report 2023-2024")
    expect(steering.locator("article.report p.lead")).to_have_text(SUMMARY_EN)
    expect(steering.locator("main section[aria-labelledby=write-heading]")).to_have_count(0)
    audit(steering, "reports-draft-steering")
    panel = review_panel(steering)
    panel.get_by_label("On section").select_option(label="Collaboration")
    panel.get_by_label("Comment").fill(COMMENT)
    submit(panel.get_by_role("button", name="Add comment"))
    expect(messages(steering)).to_have_text("Your comment was added.")
    expect(review_panel(steering).locator("ul li").filter(has_text=COMMENT)).to_contain_text(
        "(Collaboration)"
    )
    submit(review_panel(steering).get_by_role("button", name="Approve"))
    expect(messages(steering)).to_have_text("Your approval was recorded.")
    expect(review_panel(steering)).to_contain_text("1 of 1 approvals needed to publish.")
    audit(steering, "reports-draft-steering-approved")

    # --- the secretariat publishes; the PDF build is held ----------------------------------
    secretariat.goto(draft_url)
    expect(review_panel(secretariat)).to_contain_text(COMMENT)
    expect(secretariat.locator("main .badge.report-approved")).to_have_text("approved")
    audit(secretariat, "reports-draft-secretariat-approved")
    with secretariat.expect_navigation(timeout=60_000):
        secretariat.get_by_role("button", name="Publish").click(no_wait_after=True)
        assert started.wait(timeout=30), "the PDF build did not start"

        # --- meanwhile an anonymous visitor reads the published report ----------------------
        visitor = new_page("nl")
        visitor.goto(f"{METALS}/")
        reports = visitor.locator("main ul.report-list")
        expect(reports).to_contain_text("Jaarrapportage 2023-2024")
        reports.get_by_role("link", name="Jaarrapportage 2023-2024").click()
        expect(visitor).to_have_url(REPORT_URL)
        expect(heading(visitor)).to_have_text("Jaarrapportage 2023-2024")
        expect(visitor.locator("article.report p.lead")).to_have_text(SUMMARY_NL)
        expect(visitor.locator("article.report")).to_contain_text("werkten zes bedrijven")
        expect(visitor.locator("main")).not_to_contain_text(COMMENT)
        status = visitor.locator("#pdf-status")
        expect(status.locator("progress")).to_be_visible()
        expect(status).to_contain_text("10%")
        expect(status.get_by_role("button")).to_have_count(0)  # a visitor cannot rebuild
        audit(visitor, "reports-published-nl")

        visitor.get_by_role("link", name="English", exact=True).click()
        expect(visitor).to_have_url(re.compile(r"\?lang=en$"))
        expect(heading(visitor)).to_have_text("Annual report 2023-2024")
        expect(visitor.locator("article.report p.lead")).to_have_text(SUMMARY_EN)
        figures = visitor.locator("article.report table.figures")
        expect(figures.locator("tr").filter(has_text="IMVO policy published")).to_contain_text(
            "3 of 10"
        )
        audit(visitor, "reports-published-en")

        with visitor.expect_download() as download_info:
            visitor.locator("main a[href$='figures.csv']").click()
        download = download_info.value
        assert download.suggested_filename == "metaalsector-2023-2024-figures.csv"
        with open(download.path(), encoding="utf-8") as f:
            rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(f.read()))}
        assert rows["policy_published"]["name_en"] == "IMVO policy published"
        assert (rows["policy_published"]["numerator"], rows["policy_published"]["denominator"]) == (
            "3",
            "10",
        )
        release.set()

    # --- the build ends: both pages offer the PDFs -------------------------------------------
    expect(messages(secretariat)).to_have_text("The report is published. Its PDF is being built.")
    expect(secretariat.locator("main .badge.report-published")).to_have_text("published")
    expect(secretariat.locator("#pdf-status a[href$='report-nl.pdf']")).to_be_visible()
    # The visitor's page polls the build's progress and swaps in the links by itself.
    expect(visitor.locator("#pdf-status a[href$='report-en.pdf']")).to_be_visible(timeout=20_000)
    expect(visitor.locator("#pdf-status progress")).to_have_count(0)
    audit(visitor, "reports-published-en-pdf-ready")
    response = visitor.request.get(
        visitor.locator("#pdf-status a[href$='report-en.pdf']").get_attribute("href")
    )
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
