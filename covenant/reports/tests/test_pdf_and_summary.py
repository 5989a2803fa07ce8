import io
import re

import pytest

from covenant.reports.models import Report
from covenant.reports.pdf import build_pdf
from covenant.reports.presentation import report_view


@pytest.fixture
def published(demo):
    return Report.objects.get(covenant=demo, year__number=4)


def test_the_year_four_report_is_published_with_the_seeds_summary(published):
    assert published.is_published
    summary_nl = published.snapshot["summary"]["nl"]
    assert "publiceerden 11 van de 12 bedrijven hun IMVO-beleid" in summary_nl
    assert "maakten 8 bedrijven gebruik van de assessment tool" in summary_nl
    assert "Eén bedrijf sloot zich in jaar 4 aan" in summary_nl
    assert "7 van de 11 bedrijven een risicoanalyse" in summary_nl
    assert "twee bedrijven (E-MAX en Van Peperzeel)" in summary_nl
    summary_en = published.snapshot["summary"]["en"]
    assert "11 of 12 companies published their RBC policy" in summary_en
    assert "7 of 11 companies delivered a risk analysis" in summary_en


def test_the_pdf_holds_the_figures(published):
    from pypdf import PdfReader

    pdf, source = build_pdf(report_view(published, "en"))
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Annual report 2022-2023" in text
    assert "11 of 12 companies published their RBC policy" in text
    assert "IMVO policy published 11 of 12" in text
    assert "Risk analysis delivered 7 of 11" in text
    assert "LME Responsible Sourcing" in text
    assert len(reader.pages) >= 5


def test_user_text_is_never_evaluated_by_typst(published, demo):
    from covenant.reports import services

    draft = Report.objects.get(covenant=demo, year__number=5)
    services.report_reopen(report=draft)
    section = draft.sections.get(key="introduction")
    evil = '#set page(width: 10pt) <script>alert(1)</script> $x$ \\ " ] [ #read("/etc/passwd")'
    services.section_update(
        section=section,
        expected_version=section.version,
        title_nl=section.title_nl,
        title_en=section.title_en,
        body_nl=evil,
        body_en=evil,
    )
    draft.refresh_from_db()
    pdf, source = build_pdf(report_view(draft, "en"))
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "#read(" in text  # shown as text, not run
    assert "<script>" in text


def test_the_report_shows_the_sector_map_without_naming_companies(published, client):
    cells = published.snapshot["sector"]["cells"]
    assert cells and all(c[4] >= published.covenant.disclosure_threshold for c in cells)
    html = client.get(f"/reports/{published.code}/?lang=en").content.decode()
    assert "Sector risk map" in html
    for name in ("Staalbouw Noord", "Tata Steel", "Krommenhoek"):
        assert name not in html.split("Sector risk map", 1)[1].split("</table>", 1)[0]
