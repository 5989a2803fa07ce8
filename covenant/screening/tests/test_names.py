"""Commodities and countries are named in the language of the page: the knowledge base's
Dutch or English name of a commodity, django-countries' translated name of a country, on the
screening pages, in the exports and in the charts (and so in the annual report's sector map)."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.urls import reverse
from django.utils import translation

from covenant.knowledge.models import Commodity
from covenant.reports.models import Report
from covenant.screening import charts, selectors
from covenant.screening.models import Run

STAAL = "Staalbouw Noord B.V."

# (language, brass, copper, South Africa, Belgium, the Democratic Republic of the Congo)
NAMES = [
    ("nl", "messing", "koper", "Zuid-Afrika", "België", "Democratische Republiek Congo (DRC, CD)"),
    ("en", "brass", "copper", "South Africa", "Belgium", "Democratic Republic of the Congo (CD)"),
]


def _run() -> Run:
    return Run.objects.get(organisation__name=STAAL)


def _get(client, url: str, language: str, query: dict | None = None):
    response = client.get(url, query or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_knowledge_base_and_django_countries_hold_these_names(demo):
    brass = Commodity.objects.get(code="brass")
    assert (brass.name_nl, brass.name_en) == ("messing", "brass")
    for language, b, c, za, be, cd in NAMES:
        with translation.override(language):
            names = selectors.commodity_names()
            assert (names["brass"], names["copper"]) == (b, c)
            assert selectors.country_name("ZA") == za == charts.country_name("za")
            assert selectors.country_label("BE") == f"{be} (BE)"
            assert selectors.country_label("CD") == cd
    assert selectors.country_name("") == "" and selectors.country_label("") == ""
    assert selectors.country_name("XX") == "XX"  # unknown: the code as it is
    for language in ("en", "nl"):
        with translation.override(language):
            assert selectors.country_name("NR") == "Nauru"  # not django-countries' "Naoero"


@pytest.mark.parametrize(("language", "brass", "copper", "za", "be", "cd"), NAMES)
def test_the_finding_page_names_in_the_language_of_the_page(
    demo, client_for, language, brass, copper, za, be, cd
):
    client = client_for("company")
    run = _run()
    in_brass = run.findings.get(component="brass", commodity="copper", country="CD")
    page = _text(_get(client, reverse("screening-finding", args=[in_brass.code]), language))
    bought_as = "ingekocht als" if language == "nl" else "bought as"
    assert f'{bought_as} <a href="/knowledge/commodities/brass/">{brass}</a>' in page
    assert f": {copper}, {cd}</h1>" in page
    in_south_africa = run.findings.filter(country="ZA").first()
    page = _text(_get(client, reverse("screening-finding", args=[in_south_africa.code]), language))
    assert f"{za} (ZA)</h1>" in page and f'ZA (<a href="/knowledge/countries/ZA/">{za}</a>)' in page
    other = next(names for names in NAMES if names[0] != language)
    heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert other[3] not in heading  # (the sources' own texts stay as they are written)


@pytest.mark.parametrize(("language", "brass", "copper", "za", "be", "cd"), NAMES)
def test_the_run_page_its_charts_and_its_exports_name_in_the_language_of_the_page(
    demo, client_for, language, brass, copper, za, be, cd
):
    client = client_for("company")
    run = _run()
    response = _get(client, reverse("screening-run", args=[run.code]), language)
    page = _text(response)
    assert f'<option value="ZA">{za} (ZA)</option>' in page
    assert f'<option value="copper">{copper}</option>' in page
    assert f"<td>{za} (ZA)<br>" in page and f"(in {brass})" in page
    assert f" – {za}" in response.context["top_svg"]  # the bars' labels
    assert f"{za} (ZA)" in response.context["heat_svg"]  # the heat map's rows
    assert copper.capitalize() in response.context["heat_svg"]  # and columns

    # the export as the page's language opens it in a spreadsheet: Dutch with semicolons and
    # decimal commas, headers and values in words
    text = _get(client, reverse("screening-export", args=[run.code, "csv"]), language)
    dutch = language == "nl"
    rows = list(
        csv.reader(io.StringIO(text.content.decode("utf-8-sig")), delimiter=";" if dutch else ",")
    )
    assert rows[0][:5] == (
        ["rang", "score", "thema", "grondstof", "ingekocht als"]
        if dutch
        else ["rank", "score", "theme", "commodity", "bought as"]
    )
    assert [copper, brass] in [row[3:5] for row in rows[1:]]
    assert f"{za} (ZA)" in [row[6] for row in rows[1:]]
    score = rows[1][1]
    assert ("," in score and "." not in score) if dutch else ("." in score and "," not in score)


@pytest.mark.parametrize(("language", "brass", "copper", "za", "be", "cd"), NAMES)
def test_the_preview_and_the_comparison_name_in_the_language_of_the_page(
    demo, client_for, language, brass, copper, za, be, cd
):
    client = client_for("company")
    run = _run()
    page = _text(_get(client, reverse("screening-preview", args=[run.upload.code]), language))
    assert f"<td>{be} (BE)</td>" in page  # the suppliers' country
    assert "<td>Bolivia (BO)</td>" in page  # the country of origin

    previous = Run.objects.create(
        upload=run.upload, covenant=run.covenant, organisation=run.organisation,
        status=Run.Status.DONE, progress=100,
    )  # fmt: skip
    Run.objects.filter(pk=previous.pk).update(created_at=run.created_at.replace(year=2000))
    page = _text(_get(client, reverse("screening-compare", args=[run.code]), language))
    assert f": {copper}, {cd}" in page and f"{za} (ZA)" in page


@pytest.mark.parametrize(("language", "brass", "copper", "za", "be", "cd"), NAMES)
def test_the_sector_map_names_in_the_language_of_the_page(
    demo, client_for, language, brass, copper, za, be, cd
):
    response = _get(
        client_for("stakeholder"), reverse("screening-sector", args=[demo.slug]), language
    )
    table = _text(response).split('id="sector-table"', 1)[1]
    assert f'<th scope="row">{za} (ZA)</th>' in table
    assert f"<td>{copper.capitalize()}</td>" in table
    assert f"{za} (ZA)" in response.context["heat_svg"]
    assert copper.capitalize() in response.context["heat_svg"]


@pytest.mark.parametrize(
    ("language", "za", "other", "manganese"),
    [
        ("nl", "Zuid-Afrika", "South Africa", "mangaan"),
        ("en", "South Africa", "Zuid-Afrika", "manganese"),
    ],
)
def test_the_annual_reports_sector_map_names_countries_in_the_language_of_its_edition(
    demo, client, language, za, other, manganese
):
    report = Report.objects.get(covenant=demo, year__number=4)
    cells = report.snapshot["sector"]["cells"]
    assert "ZA" in {c[0] for c in cells}  # frozen by code
    page = _text(client.get(f"/reports/{report.code}/?lang={language}"))
    table = page.split('<table class="sector">', 1)[1].split("</table>", 1)[0]
    assert f"<td>{za}</td>" in table and other not in table
    assert f"<td>{za}</td><td>{manganese}</td>" in table  # commodities by name, not code
    chart = dict(report.snapshot["charts"][language])["sector"]  # frozen in its language
    assert za in chart and other not in chart and manganese in chart
