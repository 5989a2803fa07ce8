"""The charts of a finished run: a bar chart of the highest scores and a heat map of the share
of exposure per country × commodity, drawn on the server as SVG, each with a text alternative,
following the page's filters; the page's queries do not grow with the findings."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from covenant.screening.models import Finding, Run

TOP = "#1 Child labour – tin – Bolivia"


def _run() -> Run:
    return Run.objects.get(organisation__name="Staalbouw Noord B.V.")


def _figure(page: str, figure_id: str) -> str:
    """The <figure> of that id in the page (unescaped)."""
    match = re.search(rf'<figure class="chart" id="{figure_id}">(.*?)</figure>', page, re.S)
    assert match, figure_id
    return html.unescape(match.group(1))


def _caption(figure: str) -> str:
    return re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure, re.S).group(1)


def test_the_run_page_draws_the_highest_scores_and_the_heat_map(demo, client_for):
    response = client_for("company").get(reverse("screening-run", args=[_run().code]))
    page = response.content.decode()

    bars = _figure(page, "top-chart")
    assert '<div aria-hidden="true"><svg' in bars
    assert TOP in bars  # the bar's label, drawn in the SVG
    assert f"the highest is {TOP}, score 0.5327" in _caption(bars)
    top = response.context["top_rows"]
    assert len(top) == 10 and top[0]["label"] == TOP
    assert [row["label"].split()[0] for row in top] == [f"#{n}" for n in range(1, 11)]

    heat = _figure(page, "heat-chart")
    assert '<div aria-hidden="true"><svg' in heat
    assert "Bolivia (BO)" in heat and "South Africa (ZA)" in heat and "Mica" in heat
    assert "the largest is tin from Bolivia (BO)" in _caption(heat)
    # Its table: the same cells, largest first. Tin from Bolivia is one purchase chain with
    # risks of two themes (two findings): its exposure counts once.
    table = response.context["heat_table"]
    assert (table[0]["country"], table[0]["commodity"]) == ("BO", "tin")
    tin = _run().findings.filter(commodity="tin", country="BO")
    chains = {f.component: f.exposure_share for f in tin}  # tin bars, and bronze's tin
    assert set(chains) == {"tin", "bronze"} and tin.count() == 2 * len(chains)
    assert table[0]["share"] == pytest.approx(sum(chains.values()))
    assert table[0]["top"] == pytest.approx(max(f.score for f in tin))
    assert sum(c["share"] for c in table) <= 1
    assert (
        '<table id="heat-table">' in page and "<summary>The heat map as a table</summary>" in page
    )


def test_the_filters_change_the_charts(demo, client_for):
    client = client_for("company")
    url = reverse("screening-run", args=[_run().code])
    whole = client.get(url)
    mica = client.get(url, {"commodity": "mica"})

    labels = [row["label"] for row in mica.context["top_rows"]]
    assert labels and all(" – mica – " in label for label in labels)
    assert labels[0] == "#7 Child labour – mica – Madagascar"
    bars = _figure(mica.content.decode(), "top-chart")
    assert "the highest is #7 Child labour – mica – Madagascar" in _caption(bars)
    assert TOP not in bars
    assert mica.context["top_svg"] != whole.context["top_svg"]

    assert {c["commodity"] for c in mica.context["heat_table"]} == {"mica"}
    assert {c["country"] for c in mica.context["heat_table"]} == {"IN", "MG"}
    assert mica.context["heat_svg"] != whole.context["heat_svg"]
    assert "Bolivia (BO)" not in _figure(mica.content.decode(), "heat-chart")

    south_africa = client.get(url, {"country": "ZA", "theme": "environment"})
    assert [row["label"] for row in south_africa.context["top_rows"]] == [
        "#5 Environment and pollution – manganese – South Africa",
        "#12 Environment and pollution – manganese – South Africa",
    ]

    nothing = client.get(url, {"country": "ZA", "commodity": "mica"})
    assert not nothing.context["findings"]
    assert "top_svg" not in nothing.context and 'id="top-chart"' not in nothing.content.decode()


def test_a_run_not_yet_done_has_no_charts(demo, client_for):
    run = _run()
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING, progress=30)
    response = client_for("company").get(reverse("screening-run", args=[run.code]))
    assert "top_svg" not in response.context and "heat_svg" not in response.context
    assert "<svg" not in response.content.decode()


def _queries(client, url: str, query: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_run_page_uses_as_many_queries_with_thirty_more_findings(demo, client_for):
    run = _run()
    client = client_for("company")
    url = reverse("screening-run", args=[run.code])
    compare = reverse("screening-compare", args=[run.code])
    client.get(url)  # warm up the session
    before = [_queries(client, url), _queries(client, url, {"theme": "child_labour"})]
    before_compare = _queries(client, compare)

    last = run.findings.order_by("-rank").first()
    countries = ["CN", "AU", "CL", "PE", "ZA", "RU"]
    commodities = ["copper", "zinc", "manganese", "cobalt", "tin"]
    Finding.objects.bulk_create(
        Finding(
            run=run,
            rank=last.rank + i + 1,
            score=last.score / (i + 2),
            theme="child_labour",
            commodity=commodities[i % len(commodities)],
            component="brass",
            country=countries[i % len(countries)],
            stage="smelting",
            severity=3,
            likelihood=0.5,
            exposure=1.0,
            exposure_share=0.001,
            risk_source=last.risk_source,
            production_source=last.production_source,
        )
        for i in range(30)
    )

    after = [_queries(client, url), _queries(client, url, {"theme": "child_labour"})]
    assert after == before
    assert _queries(client, compare) == before_compare
    page = client.get(url, {"stage": "smelting"})
    assert len(page.context["top_rows"]) == 10
    assert "Chile (CL)" in html.unescape(page.content.decode())


def test_a_long_list_of_findings_is_shown_a_page_at_a_time(demo, client_for):
    """All findings are reachable on the page, not only the first 200; the bar chart keeps
    the highest scores on every page."""
    run = _run()
    last = run.findings.order_by("-rank").first()
    Finding.objects.bulk_create(
        Finding(
            run=run, rank=last.rank + i + 1, score=last.score / (i + 2), theme="child_labour",
            commodity="copper", component="copper", country="CL", stage="mining", severity=3,
            likelihood=0.5, exposure=1.0, exposure_share=0.001,
            risk_source=last.risk_source, production_source=last.production_source,
        )
        for i in range(950)
    )  # fmt: skip
    total = run.findings.count()
    client = client_for("company")
    url = reverse("screening-run", args=[run.code])
    first = client.get(url)
    assert [f.rank for f in first.context["findings"]] == list(range(1, 101))
    page = html.unescape(first.content.decode())
    assert f"Findings 1 to 100 of {total}." in page
    assert 'aria-label="Pages of the findings"' in page
    assert '<li aria-hidden="true">…</li>' in page  # ten pages: the middle ones left out
    assert "The first rows of the table of findings below hold the same figures." in page
    # a filter is kept from page to page
    filtered = client.get(url, {"theme": "child_labour", "page": 2})
    page = filtered.content.decode()
    assert 'href="?theme=child_labour&amp;page=3#findings"' in page
    ranks = [f.rank for f in filtered.context["findings"]]
    assert len(ranks) == 100 and ranks == sorted(ranks) and ranks[0] > 100
    assert {f.theme for f in filtered.context["findings"]} == {"child_labour"}
    bars = _figure(page, "top-chart")
    assert TOP in bars and len(filtered.context["top_rows"]) == 10
    assert "The first rows of the table" not in bars  # not on this page
    # the last page holds the rest; a page past the end shows the last
    beyond = client.get(url, {"page": 99})
    assert beyond.context["findings"][-1].rank == total
