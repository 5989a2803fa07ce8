"""The annual report pages as their users meet them.

- the public reads the published year-4 report in Dutch and English, with the seed's summary
  and the figures, and finds it on the covenant's public page; a draft is a 404 to anyone but
  the secretariat and the steering group;
- narrative text is Markdown rendered harmlessly (no script, no raw HTML, no javascript: link);
- asking for approval needs both languages; publishing needs the steering group's approvals;
  a published report never changes, not even when the data behind it does;
- after approval, changed data shows on the draft, and reopening asks for approval anew;
- a stale save of a section is refused and the first text kept;
- the figures download as CSV (formula-safe) and JSON, and the PDF is built and holds them;
- a corrected edition carries its note, and the edition it corrects points to it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from covenant.accounts.models import Role, User
from covenant.conftest import user_for
from covenant.monitoring import services as monitoring_services
from covenant.monitoring.models import Indicator, Part
from covenant.reports import services
from covenant.reports.models import Report


@pytest.fixture
def published(demo) -> Report:
    return Report.objects.get(covenant=demo, year__number=4, edition=1)


@pytest.fixture
def draft(demo) -> Report:
    return Report.objects.get(covenant=demo, year__number=5)


def url(report: Report, suffix: str = "") -> str:
    return f"/reports/{report.code}/{suffix}"


def text_of(response, selector_start: str | None = None) -> str:
    """The visible text of a page (or of the part from `selector_start` on), one space apart."""
    content = response.content.decode()
    if selector_start:
        content = content[content.index(selector_start) :]
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content))).strip()


def article(response) -> str:
    """The HTML of the report itself (the <article>), without the page around it."""
    content = response.content.decode()
    start = content.index('<article class="report"')
    return content[start : content.index("</article>", start)]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def follow_post(client: Client, path: str, data: dict | None = None):
    response = client.post(path, data or {}, follow=True)
    assert response.status_code == 200, (path, response.status_code)
    return response


def figure_row(text: str, name: str) -> str:
    """The text of the figures table from the indicator's name to the next 40 characters."""
    start = text.index(name)
    return text[start : start + len(name) + 40]


def write_section(report: Report, key: str, nl: str, en: str):
    section = report.sections.get(key=key)
    return services.section_update(
        section=section,
        expected_version=section.version,
        title_nl=section.title_nl,
        title_en=section.title_en,
        body_nl=nl,
        body_en=en,
    )


def submit_policy(demo, company_name: str) -> Part:
    """Submit a company's IMVO policy of year 5 (published, with its link)."""
    part = Part.objects.get(
        cycle__covenant=demo, cycle__year__number=5, kind="policy", organisation__name=company_name
    )
    monitoring_services.policy_save(
        part=part, user=None, published=True, url="https://example.org/policy"
    )
    return monitoring_services.part_submit(part=part, user=None)


# --- reading -------------------------------------------------------------------------------


def test_the_public_reads_the_published_report_in_dutch_and_english(client_for, published):
    anonymous = client_for("anonymous")

    nl = anonymous.get(url(published), HTTP_ACCEPT_LANGUAGE="nl")
    assert nl.status_code == 200
    text = text_of(nl, "<main")
    assert "Jaarrapportage 2022-2023" in text
    assert "Dit jaar publiceerden 11 van de 12 bedrijven hun IMVO-beleid" in text
    assert "Samenvatting" in text and "Vooruitkijken" in text
    assert "LME Responsible Sourcing Requirements" in text  # Markdown list of a section
    assert "<li>de LME Responsible Sourcing Requirements;</li>" in article(nl)
    assert "IMVO-beleid gepubliceerd 11 van 12" in figure_row(text, "IMVO-beleid gepubliceerd")
    assert "Risicoanalyse aangeleverd 7 van 11" in figure_row(text, "Risicoanalyse aangeleverd")
    assert article(nl).count("<svg") >= 4  # the charts, as inline vector graphics
    assert "Review and approval" not in text  # nothing of the review for the public
    assert re.search(r"\bgepubliceerd \d{1,2} \w+ \d{4}", text)  # the status and its date,
    assert not re.search(r"gepubliceerd\s+gepubliceerd", text)  # said once

    # The report's language follows ?lang=, whatever the language of the site.
    en = anonymous.get(url(published) + "?lang=en", HTTP_ACCEPT_LANGUAGE="nl")
    assert en.status_code == 200
    text = text_of(en, "<main")
    assert "Annual report 2022-2023" in text
    assert "This year 11 of 12 companies published their RBC policy" in text
    assert "Outlook" in text and "Vooruitkijken" not in text
    assert "IMVO policy published 11 of 12" in figure_row(text, "IMVO policy published")
    assert "Risk analysis delivered 7 of 11" in figure_row(text, "Risk analysis delivered")
    assert "11 van 12" not in article(en)

    # ... and the English page in a Dutch site shows the report text in English only.
    nl_site = anonymous.get(url(published) + "?lang=nl", HTTP_ACCEPT_LANGUAGE="en")
    assert "IMVO-beleid gepubliceerd 11 van 12" in text_of(nl_site, '<article class="report"')


def test_the_public_covenant_page_lists_the_published_report_only(client_for, demo, published):
    draft = Report.objects.get(covenant=demo, year__number=5)
    response = client_for("anonymous").get(f"/covenants/{demo.slug}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{url(published)}"' in content
    assert "2022-2023" in text_of(response, 'id="reports-heading"')
    assert str(draft.code) not in content


@pytest.mark.parametrize("role", ["anonymous", "company", "stakeholder", "outsider"])
def test_a_draft_is_a_404_to_the_public_and_to_members(client_for, draft, role):
    client = client_for(role)
    for path in ("", "?lang=en", "figures.csv", "figures.json", "report-nl.pdf"):
        assert client.get(url(draft, path)).status_code == 404, path
    # The writing pages send the anonymous to the login page and are a 404 to members.
    expected = 302 if role == "anonymous" else 404
    assert client.get(url(draft, "summary/")).status_code == expected


@pytest.mark.parametrize("role", ["steering", "secretariat"])
def test_the_steering_group_and_the_secretariat_read_the_draft(client_for, draft, role):
    response = client_for(role).get(url(draft))
    assert response.status_code == 200
    text = text_of(response, "<main")
    assert "Review and approval" in text
    assert "0 of 1 approvals needed to publish." in text
    assert "illustrative draft text" in text
    if role == "steering":
        assert "Approve" in text and "Publish" not in text
    else:
        assert "Reopen the draft" in text


# --- narrative text is harmless --------------------------------------------------------------

EVIL = (
    "Intro <script>alert('x')</script>\n\n"
    '<img src=x onerror="alert(2)"> <b onclick="alert(3)">bold</b>\n\n'
    "[click me](javascript:alert(4)) and [ok](https://example.org/ok) "
    '<a href="javascript:alert(5)">raw link</a>\n\n'
    "**unclosed *emphasis [broken](link <div>\n\n"
    "```\n<script>alert(6)</script>\n"
)


def test_narrative_text_with_html_and_scripts_is_rendered_harmlessly(client_for, draft):
    services.report_reopen(report=draft)
    write_section(draft, "introduction", EVIL, EVIL)
    services.summary_update(
        report=draft, summary_nl="<script>alert(7)</script> samenvatting", summary_en="<b>x</b>"
    )
    secretariat = client_for("secretariat")
    for lang in ("nl", "en"):
        response = secretariat.get(url(draft, f"?lang={lang}"))
        assert response.status_code == 200
        body = article(response)
        assert "<script" not in body.lower()
        assert "<img" not in body.lower() and "<b " not in body and "<div>" not in body
        assert "onerror=" not in body.replace("onerror=&quot;", "")  # only as escaped text
        assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", body, re.I)
        assert 'href="https://example.org/ok"' in body  # a safe link stays a link
        text = text_of(response, '<article class="report"')
        assert "<script>alert('x')</script>" in text  # shown as text
        assert "**unclosed *emphasis [broken](link <div>" in text  # malformed: kept as text
        assert "<script>alert(6)</script>" in text  # the code block, as text
    assert "&lt;script&gt;alert(7)&lt;/script&gt; samenvatting" in article(
        secretariat.get(url(draft, "?lang=nl"))
    )


# --- review, approval, publication -----------------------------------------------------------


def test_a_section_in_one_language_blocks_asking_for_approval(client_for, draft):
    secretariat = client_for("secretariat")
    response = follow_post(secretariat, url(draft, "reopen/"))
    assert messages_of(response) == [
        "The draft is open again; the steering group will be asked to approve anew."
    ]
    section = draft.sections.get(key="knowledge")
    response = follow_post(
        secretariat,
        url(draft, f"sections/{section.pk}/"),
        {
            "title_nl": section.title_nl,
            "title_en": section.title_en,
            "body_nl": "Alleen in het Nederlands geschreven.",
            "body_en": "   ",
            "version": section.version,
        },
    )
    assert messages_of(response) == ["The section was saved."]
    assert "Written in one language only: Knowledge exchange" in text_of(response, "<main")

    response = follow_post(secretariat, url(draft, "request-approval/"))
    assert messages_of(response) == [
        "Fill in both languages before asking for approval: Knowledge exchange."
    ]
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT and draft.snapshot == {}


def test_publishing_without_the_approvals_is_refused(client_for, draft):
    assert draft.status == Report.Status.IN_REVIEW
    response = follow_post(client_for("secretariat"), url(draft, "publish/"))
    assert messages_of(response) == [
        "Publishing needs 1 approvals of the steering group; the report has 0."
    ]
    draft.refresh_from_db()
    assert draft.status == Report.Status.IN_REVIEW and draft.published_at is None
    # Nor may the steering group publish, nor a company member approve.
    assert client_for("steering").post(url(draft, "publish/")).status_code == 403
    assert client_for("company").post(url(draft, "approve/")).status_code == 404
    assert client_for("anonymous").get(url(draft)).status_code == 404


def test_ask_approve_publish_and_the_published_report_never_changes(client_for, demo, draft):
    secretariat, steering = client_for("secretariat"), client_for("steering")
    anonymous = client_for("anonymous")

    follow_post(secretariat, url(draft, "reopen/"))
    draft.refresh_from_db()
    write_section(draft, "monitoring", "Drie bedrijven publiceerden.", "Three companies published.")
    response = follow_post(secretariat, url(draft, "request-approval/"))
    assert messages_of(response) == [
        "The draft was sent to the steering group; its figures are frozen."
    ]
    draft.refresh_from_db()
    assert draft.status == Report.Status.IN_REVIEW

    response = follow_post(steering, url(draft, "approve/"))
    assert messages_of(response) == ["Your approval was recorded."]
    assert "1 of 1 approvals needed to publish." in text_of(response, "<main")
    response = follow_post(steering, url(draft, "approve/"))
    assert messages_of(response) == ["You approved this report already."]
    draft.refresh_from_db()
    assert draft.status == Report.Status.APPROVED

    response = follow_post(secretariat, url(draft, "publish/"))
    assert messages_of(response) == ["The report is published. Its PDF is being built."]
    draft.refresh_from_db()
    assert draft.status == Report.Status.PUBLISHED and draft.published_at is not None

    page = anonymous.get(url(draft, "?lang=en"))
    assert page.status_code == 200
    before = text_of(page, '<article class="report"')
    assert "Three companies published." in before
    # Year 5 had no meetings yet: no empty table of them.
    assert "Round tables, knowledge sessions and trainings" not in before
    assert "Round tables, knowledge sessions and trainings" in text_of(
        anonymous.get(f"/reports/{Report.objects.get(covenant=demo, year__number=4).code}/?lang=en")
    )
    assert "IMVO policy published 3 of 10" in figure_row(before, "IMVO policy published")
    public = anonymous.get(f"/covenants/{demo.slug}/").content.decode()
    assert f'href="{url(draft)}"' in public

    # The text cannot change any more, by the service or through the page.
    section = draft.sections.get(key="monitoring")
    with pytest.raises(ValidationError) as exc:
        write_section(draft, "monitoring", "Anders.", "Different.")
    assert "reopen the draft to change it" in exc.value.messages[0]
    response = secretariat.post(
        url(draft, f"sections/{section.pk}/"),
        {"title_nl": "x", "title_en": "x", "body_nl": "Anders.", "body_en": "Different.",
         "version": section.version},
    )  # fmt: skip
    assert "reopen the draft to change it" in text_of(response)
    with pytest.raises(ValidationError):
        services.report_reopen(report=draft)
    with pytest.raises(ValidationError):
        services.summary_update(report=draft, summary_nl="Anders.", summary_en="Different.")

    # Nor do its figures, when the monitoring data changes afterwards.
    submit_policy(demo, "Staalbouw Noord B.V.")
    after_page = anonymous.get(url(draft, "?lang=en"))
    after = text_of(after_page, '<article class="report"')
    assert after == before
    assert "The data changed" not in text_of(secretariat.get(url(draft)), "<main")
    assert (
        json.loads(anonymous.get(url(draft, "figures.json")).content)["figures"][0]["numerator"]
        == 3
    )


def test_changed_data_after_approval_shows_and_reopening_asks_for_approval_again(
    client_for, demo, draft, steering
):
    secretariat = client_for("secretariat")
    services.report_approve(report=draft, user=steering)
    draft.refresh_from_db()
    assert draft.status == Report.Status.APPROVED
    assert "The data changed" not in text_of(secretariat.get(url(draft)), "<main")

    submit_policy(demo, "Staalbouw Noord B.V.")
    for kind in ("risk_analysis", "self_assessment"):  # carried over from year 4, complete
        part = Part.objects.get(
            cycle__year__number=5, kind=kind, organisation__name="Staalbouw Noord B.V."
        )
        monitoring_services.part_submit(part=part, user=None)
    for role in ("secretariat", "steering"):
        text = text_of(client_for(role).get(url(draft)), "<main")
        assert "The data changed since the figures were frozen:" in text
        assert "IMVO policy published: 3/10 → 4/10" in text
        assert "Risk analysis delivered: 0/10 → 1/10" in text  # 0 is a figure, not "None"
        assert re.search(r"Average self-assessment score: — → \d+(\.\d)?%", text)
        assert "None" not in text
    # The draft itself still shows the frozen figures until it is reopened.
    text = text_of(secretariat.get(url(draft, "?lang=en")), '<article class="report"')
    assert "IMVO policy published 3 of 10" in text

    response = follow_post(secretariat, url(draft, "reopen/"))
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT
    assert draft.approvals.count() == 0 and draft.approved_at is None
    text = text_of(response, "<main")
    assert "0 of 1 approvals needed to publish." in text
    assert "IMVO policy published 4 of 10" in text_of(
        secretariat.get(url(draft, "?lang=en")), '<article class="report"'
    )

    follow_post(secretariat, url(draft, "request-approval/"))
    draft.refresh_from_db()
    assert draft.status == Report.Status.IN_REVIEW
    assert draft.snapshot["figures"][0]["public"]["numerator"] == 4
    # Publishing waits for a new approval.
    response = follow_post(secretariat, url(draft, "publish/"))
    assert "the report has 0" in messages_of(response)[0]


# --- writing together ------------------------------------------------------------------------


@pytest.fixture
def second_secretary(demo) -> User:
    demo.secretariat_mfa_required = False  # the second member has no TOTP in the test
    demo.save(update_fields=["secretariat_mfa_required"])
    user = User.objects.create_user(email="tweede@example.org", password="x" * 12)
    Role.objects.create(user=user, covenant=demo, kind=Role.Kind.SECRETARIAT)
    return user


def test_a_stale_save_of_a_section_is_refused_and_the_first_text_kept(
    client_for, draft, second_secretary
):
    services.report_reopen(report=draft)
    section = draft.sections.get(key="outlook")
    first = client_for("secretariat")
    second = Client()
    second.force_login(second_secretary)
    path = url(draft, f"sections/{section.pk}/")

    # Both open the section; both forms carry the same version.
    versions = []
    for client in (first, second):
        page = client.get(path)
        assert page.status_code == 200
        versions.append(page.context["form"].initial["version"])
    assert versions[0] == versions[1] == section.version

    def data(body_en: str) -> dict:
        return {
            "title_nl": section.title_nl,
            "title_en": section.title_en,
            "body_nl": "Vooruit.",
            "body_en": body_en,
            "version": versions[0],
        }

    response = first.post(path, data("The first member's text."))
    assert response.status_code == 302
    response = second.post(path, data("The second member's text."))
    assert response.status_code == 200  # the form again, with the refusal
    text = text_of(response, "<main")
    assert "Someone else saved this section while you were editing it." in text
    assert "Your text was not saved" in text
    assert "The second member's text." in text  # still in the form, to copy
    section.refresh_from_db()
    assert section.body_en == "The first member's text."
    assert section.version == versions[0] + 1


# --- figures and PDF ------------------------------------------------------------------------


def test_the_figures_download_as_csv_and_json(client_for, published):
    anonymous = client_for("anonymous")
    response = anonymous.get(url(published, "figures.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="metaalsector-2022-2023-figures.csv"'
    )
    rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["policy_published"]["name_en"] == "IMVO policy published"
    assert rows["policy_published"]["name_nl"] == "IMVO-beleid gepubliceerd"
    assert (rows["policy_published"]["numerator"], rows["policy_published"]["denominator"]) == (
        "11",
        "12",
    )
    assert (rows["risk_analysis"]["numerator"], rows["risk_analysis"]["denominator"]) == ("7", "11")
    assert rows["policy_published"]["year"] == "2022-2023"

    response = anonymous.get(url(published, "figures.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["report"] == str(published.code)
    figures = {f["indicator"]: f for f in data["figures"]}
    assert figures["policy_published"]["numerator"] == 11
    assert figures["policy_published"]["denominator"] == 12
    assert figures["risk_analysis"]["numerator"] == 7
    assert set(figures) == set(rows)
    assert "organisation_ids" not in response.content.decode()  # never who is behind a figure

    assert anonymous.get(url(published, "figures.xlsx")).status_code == 404


def test_a_formula_in_a_csv_cell_is_neutralised(client_for, demo, draft):
    services.report_reopen(report=draft)  # a draft shows the live data
    Indicator.objects.filter(covenant=demo, code="policy_published").update(
        name_nl='=HYPERLINK("https://evil.example","klik")', name_en="+1+cmd|' /C calc'!A0"
    )
    Indicator.objects.filter(covenant=demo, code="risk_analysis").update(
        name_nl='  =HYPERLINK("https://evil.example")', name_en="\n@SUM(A1)"
    )
    secretariat = client_for("secretariat")
    response = secretariat.get(url(draft, "figures.csv"))
    assert response.status_code == 200
    rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["policy_published"]["name_nl"] == '\'=HYPERLINK("https://evil.example","klik")'
    assert rows["policy_published"]["name_en"] == "'+1+cmd|' /C calc'!A0"
    # after spaces or a line break too
    assert rows["risk_analysis"]["name_nl"] == '\'  =HYPERLINK("https://evil.example")'
    assert rows["risk_analysis"]["name_en"] == "'\n@SUM(A1)"
    assert not any(
        v.startswith(("=", "+", "-", "@")) for r in rows.values() for v in r.values() if v
    )
    # JSON is no spreadsheet: the name is given as it is.
    data = json.loads(secretariat.get(url(draft, "figures.json")).content)
    assert data["figures"][0]["name_nl"].startswith("=HYPERLINK")


def _pdf_text(response) -> str:
    from pypdf import PdfReader

    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def test_building_the_pdf_ends_done_and_the_pdf_holds_the_figures(
    client_for, published, django_capture_on_commit_callbacks
):
    secretariat, anonymous = client_for("secretariat"), client_for("anonymous")
    # The demo's PDF was built when the demo was loaded; start this test without it.
    assert published.pdf_status == Report.PdfStatus.DONE
    Report.objects.filter(pk=published.pk).update(pdf_status="", pdf="", pdf_en="")
    published.refresh_from_db()
    assert "Build the PDF" in text_of(secretariat.get(url(published)), "<main")
    assert anonymous.get(url(published, "report-nl.pdf")).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = follow_post(secretariat, url(published, "build-pdf/"))
    assert messages_of(response) == ["The PDF is being built; this page shows its progress."]
    published.refresh_from_db()
    assert published.pdf_status == Report.PdfStatus.DONE, published.pdf_error
    assert published.pdf_progress == 100

    # The page (and its polled part) now offer the two PDFs, and no rebuild of a published one.
    page = anonymous.get(url(published))
    assert url(published, "report-nl.pdf") in page.content.decode()
    assert url(published, "report-en.pdf") in page.content.decode()
    part = secretariat.get(url(published, "?part=pdf"), HTTP_HX_REQUEST="true")
    assert 'id="pdf-status"' in part.content.decode() and "<html" not in part.content.decode()
    assert "Build the PDF" not in text_of(part) and "Rebuild" not in text_of(part)

    response = anonymous.get(url(published, "report-nl.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    assert "Jaarrapportage 2022-2023" in text
    assert "11 van de 12 bedrijven" in text
    assert "IMVO-beleid gepubliceerd 11 van 12" in text
    assert "Risicoanalyse aangeleverd 7 van 11" in text

    response = anonymous.get(url(published, "report-en.pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    assert "Annual report 2022-2023" in text
    assert "IMVO policy published 11 of 12" in text
    assert "Risk analysis delivered 7 of 11" in text
    # The parties are numbered under their chapter, and names ending in "." end one sentence.
    assert re.search(r"\b7\.1 Company\b", text) and "7.0.1" not in text
    assert "NGO" in text and "Ngo" not in text
    assert "Metaalrecycling Rijnmond B.V.." not in text
    assert "Joined this year: Metaalrecycling Rijnmond B.V." in text

    # Asking again does not rebuild the published PDF.
    name = published.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        follow_post(secretariat, url(published, "build-pdf/"))
    published.refresh_from_db()
    assert published.pdf.name == name and published.pdf_status == Report.PdfStatus.DONE


# --- corrected editions ------------------------------------------------------------------------


def test_a_corrected_edition_carries_its_note_and_the_old_one_points_to_it(
    client_for, demo, published
):
    secretariat, anonymous = client_for("secretariat"), client_for("anonymous")
    response = follow_post(
        secretariat,
        url(published, "correct/"),
        {
            "note_nl": "De naam van een project is verbeterd.",
            "note_en": "A project name was corrected.",
        },
    )
    assert messages_of(response) == ["A corrected edition was started as a draft."]
    new = Report.objects.get(covenant=demo, year__number=4, edition=2)
    assert new.corrects == published and new.status == Report.Status.DRAFT
    assert response.redirect_chain[-1][0] == url(new)
    assert anonymous.get(url(new)).status_code == 404  # a draft, not public yet
    # Until it is published the old edition says nothing of it.
    assert "corrected edition" not in text_of(anonymous.get(url(published)), "<main")

    write_section(new, "outlook", "Verbeterde tekst.", "Corrected text.")
    services.report_request_approval(report=new)
    services.report_approve(report=new, user=user_for("steering"))
    follow_post(secretariat, url(new, "publish/"))
    new.refresh_from_db()
    assert new.status == Report.Status.PUBLISHED

    old_page = anonymous.get(url(published, "?lang=en"))
    assert old_page.status_code == 200
    text = text_of(old_page, "<main")
    assert "A corrected edition of this report exists." in text
    assert f'href="{url(new)}"' in old_page.content.decode()
    assert "Corrected text." not in text  # the old edition itself is unchanged

    new_page = anonymous.get(url(new, "?lang=en"))
    text = text_of(new_page, "<main")
    assert "corrected edition 2" in text
    assert "This edition corrects an earlier one. A project name was corrected." in text
    assert f'href="{url(published)}"' in new_page.content.decode()
    assert "Corrected text." in text
    nl_text = text_of(anonymous.get(url(new, "?lang=nl")), "<main")
    assert "De naam van een project is verbeterd." in nl_text
    assert "gecorrigeerde editie 2" in nl_text
