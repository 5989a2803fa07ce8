"""The sector risk map: the latest run of every company summed per (country, commodity,
theme), naming no company, with cells under the disclosure threshold suppressed for everyone
but the secretariat (in the table and in the charts' data alike)."""

from __future__ import annotations

import datetime as dt
import html
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from covenant.covenants.models import Organisation
from covenant.screening import charts, selectors
from covenant.screening.models import Finding, Run

OTHERS = ("Tata Steel", "Krommenhoek Metals")


def _copy_run(run: Run, organisation: Organisation, *, days: int = 0) -> Run:
    """The demo run's findings as another company's completed run (created `days` later)."""
    copy = Run.objects.create(
        upload=run.upload,
        covenant=run.covenant,
        organisation=organisation,
        status=Run.Status.DONE,
        progress=100,
        finding_count=run.finding_count,
    )
    Run.objects.filter(pk=copy.pk).update(created_at=timezone.now() + dt.timedelta(days=days))
    Finding.objects.bulk_create(
        Finding(
            **{
                f.attname: getattr(finding, f.attname)
                for f in Finding._meta.concrete_fields
                if f.attname not in ("id", "code", "run_id")
            },
            run=copy,
        )
        for finding in run.findings.all()
    )
    return copy


@pytest.fixture
def three_companies(demo) -> Run:
    """The demo company's run, copied to two other companies (three companies in all); the
    seed companies' own demo runs are removed, so that the three runs are alike."""
    run = Run.objects.get(covenant=demo, organisation__name="Staalbouw Noord B.V.")
    Run.objects.filter(covenant=demo).exclude(pk=run.pk).delete()
    for name in OTHERS:
        _copy_run(run, Organisation.objects.get(name=name))
    return run


def _company_names(demo) -> list[str]:
    return list(
        Organisation.objects.filter(memberships__covenant=demo).values_list("name", flat=True)
    )


def _page(client_for, role: str, demo):
    return client_for(role).get(reverse("screening-sector", args=[demo.slug]))


def test_the_demo_sector_map_has_child_labour_in_mica_from_india_and_madagascar(demo, secretariat):
    sector = selectors.sector_map(covenant=demo, fetched_by=secretariat)
    assert sector.companies == 4  # Staalbouw Noord and the three seed companies' demo lists
    cells = {(c.theme, c.commodity, c.country): c for c in sector.cells}
    assert {("child_labour", "mica", "IN"), ("child_labour", "mica", "MG")} <= set(cells)
    assert cells["child_labour", "mica", "IN"].companies == 4
    assert cells["child_labour", "mica", "MG"].companies == 4
    assert all(not c.suppressed and 1 <= c.companies <= 4 for c in sector.cells)


# The covenant's own risks (year 4), shown unsuppressed to stakeholders among the top rows.
COVENANT_RISKS = {
    ("health_safety", "tin", "BO"),
    ("health_safety", "zinc", "PE"),
    ("child_labour", "mica", "IN"),
    ("child_labour", "mica", "MG"),
    ("health_safety", "manganese", "ZA"),
    ("environment", "manganese", "ZA"),
    ("child_labour", "copper", "IN"),
}


def test_the_stakeholder_sees_the_covenants_own_risks_at_the_top_of_the_demo_map(demo, stakeholder):
    sector = selectors.sector_map(covenant=demo, fetched_by=stakeholder)
    assert not sector.for_secretariat and sector.threshold == 3 and sector.companies == 4
    top = sector.cells[:8]
    assert all(not c.suppressed and c.companies >= 3 for c in top)
    assert {(c.theme, c.commodity, c.country) for c in top} >= COVENANT_RISKS
    assert sector.suppressed_count > 0  # cells of one or two companies stay hidden


def test_the_stakeholder_sees_the_map_without_company_names(
    demo, client_for, three_companies, secretariat
):
    response = _page(client_for, "stakeholder", demo)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") >= 2  # the world map and the heat map, inline
    assert "India (IN)" in page and "Madagascar (MG)" in page and "Mica" in page
    assert "not shown" not in page
    for name in _company_names(demo):
        assert name not in page, name
    cells = response.context["sector"].cells
    assert {c.companies for c in cells} == {3}
    mica_in = next(c for c in cells if (c.theme, c.commodity, c.country) == (
        "child_labour", "mica", "IN"))  # fmt: skip
    one = Run.objects.get(pk=three_companies.pk).findings.filter(
        theme="child_labour", commodity="mica", country="IN"
    )
    assert mica_in.share.value == pytest.approx(3 * sum(f.exposure_share for f in one))
    # no highest score: divided by the severity and likelihood that the knowledge base's
    # pages show, it would be one company's exposure share
    assert mica_in.score is None and "Highest score" not in page
    full = selectors.sector_map(covenant=demo, fetched_by=secretariat)
    mica_in = next(c for c in full.cells if (c.theme, c.commodity, c.country) == (
        "child_labour", "mica", "IN"))  # fmt: skip
    assert mica_in.score.value == pytest.approx(max(f.score for f in one))

    # The maps count a purchase once over its themes, as a run's heat map does: tin from
    # Bolivia has two themes (child labour, health and safety) but one purchase chain.
    run_heat = {
        (c["country"], c["commodity"]): c["share"]
        for c in selectors.finding_heat(run=three_companies)
    }
    areas = {(a.country, a.commodity): a for a in response.context["sector"].areas}
    assert areas.keys() == run_heat.keys()
    for key, area in areas.items():
        assert area.share.value == pytest.approx(3 * run_heat[key]), key
        assert area.share.companies == 3
    tin_bo = [c for c in cells if (c.commodity, c.country) == ("tin", "BO")]
    assert len(tin_bo) >= 2  # themes
    assert areas["BO", "tin"].share.value < sum(c.share.value for c in tin_bo)


def test_cells_under_the_threshold_are_suppressed_except_for_the_secretariat(
    demo, client_for, three_companies
):
    demo.disclosure_threshold = 4
    demo.save(update_fields=["disclosure_threshold"])

    response = _page(client_for, "stakeholder", demo)
    page = response.content.decode()
    sector = response.context["sector"]
    # every cell counts three companies: all are left out, not even named (that a country and
    # commodity appear would tell where those companies buy); the page says how many
    assert sector.cells == [] and sector.areas == [] and sector.suppressed_count > 0
    assert f"{sector.suppressed_count} cells are left out of the table and the charts" in page
    assert "would tell the purchases of fewer than 4 companies" in page
    assert "No completed screening yet" not in page
    assert 'id="sector-table"' not in page and 'id="sector-heat-table"' not in page
    assert response.context["world_svg"] == ""  # no value reaches the chart data

    secretariat = _page(client_for, "secretariat", demo)
    shown = secretariat.context["sector"]
    assert shown.for_secretariat and not any(c.suppressed for c in shown.cells)
    assert {c.companies for c in shown.cells} == {3}
    top = max(shown.cells, key=lambda c: c.share.value)
    value = f"{top.share.value:.3f}"
    assert value in secretariat.content.decode()
    assert f"<td>{value}</td>" not in page
    assert secretariat.context["world_svg"].startswith("<svg")


def test_only_the_latest_completed_run_of_each_company_counts(demo, secretariat, three_companies):
    tata = Organisation.objects.get(name="Tata Steel")
    newer = _copy_run(three_companies, tata, days=1)
    newer.findings.exclude(commodity="mica").delete()
    Run.objects.create(  # a failed run later still does not count
        upload=three_companies.upload, covenant=demo, organisation=tata, status=Run.Status.FAILED
    )
    sector = selectors.sector_map(covenant=demo, fetched_by=secretariat)
    assert sector.companies == 3
    tin = next(c for c in sector.cells if (c.commodity, c.country) == ("tin", "BO"))
    mica = next(c for c in sector.cells if (c.commodity, c.country) == ("mica", "IN"))
    assert tin.companies == 2 and mica.companies == 3


@pytest.mark.parametrize("role", ["secretariat", "stakeholder", "steering"])
def test_the_map_is_linked_for_the_roles_that_may_see_it(demo, client_for, role):
    url = reverse("screening-sector", args=[demo.slug])
    assert url in client_for(role).get(reverse("accounts-home")).content.decode()


def test_a_company_member_may_not_see_the_sector_map(demo, client_for):
    client = client_for("company")
    assert _page(client_for, "company", demo).status_code == 403
    url = reverse("screening-sector", args=[demo.slug])
    assert url not in client.get(reverse("accounts-home")).content.decode()
    assert url not in client.get(reverse("screening-home", args=[demo.slug])).content.decode()


def test_the_world_geometry_is_vendored_with_iso_numeric_ids():
    ids = {g.get("id") for g in charts.world_topology()["objects"]["countries"]["geometries"]}
    assert charts.iso_numeric("IN") == "356" and charts.iso_numeric("MG") == "450"
    assert {"356", "450", "068"} <= ids  # India, Madagascar, Bolivia
    assert charts.iso_numeric("XX") is None
    spec = json.dumps(charts.world_topology())
    assert "Madagascar" in spec


def test_an_area_with_a_hidden_cell_is_hidden_too(demo, client_for, three_companies):
    # a fourth company's one finding of a theme no other company has in mica from India:
    # its cell has one company (hidden); the area has four, but shown it would give the
    # hidden cell as the area less the cells shown, and so would its other cells
    mica_in = three_companies.findings.filter(commodity="mica", country="IN").first()
    fourth = _copy_run(three_companies, Organisation.objects.get(name="Wuppermann Staal"))
    fourth.findings.exclude(commodity="mica", country="IN").delete()
    fourth.findings.update(theme="wages")
    assert mica_in is not None and fourth.findings.exists()

    stakeholder = _page(client_for, "stakeholder", demo).context["sector"]
    areas = {(a.country, a.commodity): a for a in stakeholder.areas}
    assert ("IN", "mica") not in {(c.country, c.commodity) for c in stakeholder.cells}
    assert ("IN", "mica") not in areas  # left out with its cells
    assert not areas["BO", "tin"].suppressed  # an area whose groups are all large stays shown

    secretariat = _page(client_for, "secretariat", demo)
    shown = secretariat.context["sector"]
    assert not any(a.suppressed for a in shown.areas)
    # the secretariat sees what the others do not, and is told so
    hidden = [c for c in shown.cells if (c.country, c.commodity) == ("IN", "mica")]
    assert len(hidden) == 2 and all(c.hidden_from_others for c in hidden)
    assert shown.suppressed_count == 2
    page = secretariat.content.decode()
    assert "As the secretariat you see every figure; 2 cells are hidden from the others" in page
    assert "fewer than 3 companies." in page
    assert page.count("hidden from others</span>") == 2


def test_a_stated_origin_counts_once_however_many_stages_its_risks_have(demo, three_companies):
    chain = three_companies.findings.filter(origin_known=True).first()
    heat = {
        (c["country"], c["commodity"]): c["share"] for c in selectors.finding_heat(run=chain.run)
    }
    before = heat[chain.country, chain.commodity]
    # the same purchase chain meets a risk of another stage (the engine gives a stated origin
    # each risk's stage): one more finding, no more exposure
    twin = Finding.objects.get(pk=chain.pk)
    twin.pk, twin.code = None, uuid.uuid4()
    twin.stage = "smelting_refining" if chain.stage == "mining" else "mining"
    twin.save()
    heat = {
        (c["country"], c["commodity"]): c["share"] for c in selectors.finding_heat(run=chain.run)
    }
    assert heat[chain.country, chain.commodity] == pytest.approx(before)


@pytest.mark.parametrize("split", ["both_themes_of_one", "one_theme_of_one"])
def test_an_area_is_hidden_where_its_figures_together_would_tell_a_few_companies(
    demo, client_for, three_companies, split
):
    """A purchase chain counts in the cell of each of its themes and once in the area, so
    cells and area are sums of the same groups of chains, one per set of themes, and each
    group's total can be worked out from them: cell A + cell B - area gives the chains of
    both themes; cell A - cell B those of A alone where every B chain has A too. Where a
    group is one company's, the area and all its cells are hidden."""
    tin_bo = Finding.objects.filter(commodity="tin", country="BO", run__covenant=demo)
    themes = sorted(set(tin_bo.values_list("theme", flat=True)))
    assert len(themes) >= 2
    others = Run.objects.filter(covenant=demo).exclude(pk=three_companies.pk)
    if split == "both_themes_of_one":
        # two of the three companies: their two themes on chains of other lines
        for run in others:
            run.findings.filter(commodity="tin", country="BO", theme=themes[0]).update(
                line_numbers=[9999]
            )
    else:
        # a fourth company with one chain of one theme beside the three alike
        fourth = _copy_run(three_companies, Organisation.objects.get(name="Wuppermann Staal"))
        fourth.findings.exclude(commodity="tin", country="BO", theme=themes[0]).delete()
    full = _page(client_for, "secretariat", demo).context["sector"]
    cells = [c for c in full.cells if (c.country, c.commodity) == ("BO", "tin")]
    assert cells and all(c.companies >= 3 for c in cells)  # each cell alone would show

    stakeholder = _page(client_for, "stakeholder", demo)
    sector = stakeholder.context["sector"]
    assert ("BO", "tin") not in {(c.country, c.commodity) for c in sector.cells}
    assert ("BO", "tin") not in {(a.country, a.commodity) for a in sector.areas}
    heat = {(r["country"], r["commodity"]) for r in stakeholder.context["heat_table"]}
    assert ("Bolivia (BO)", "Tin") not in heat and heat
    table = html.unescape(stakeholder.content.decode()).split('id="sector-table"')[1]
    assert "Bolivia (BO)</th><td>Tin" not in table and "</th><td>Tin" in table  # Peru's
    assert ("BO", "tin") not in {(c[0], c[1]) for c in _report_cells(demo)}

    area = next(a for a in full.areas if (a.country, a.commodity) == ("BO", "tin"))
    assert area.hidden_from_others and area.share.value > 0


def _report_cells(demo) -> list[list]:
    from covenant.reports.assembly import _sector

    return _sector(demo)["cells"]


def test_a_purchase_counts_once_in_a_themes_cell_however_many_stages_its_risks_have(
    demo, secretariat, three_companies
):
    chain = three_companies.findings.filter(origin_known=True).first()
    key = (chain.country, chain.commodity, chain.theme)

    def cell():
        sector = selectors.sector_map(covenant=demo, fetched_by=secretariat)
        return next(c for c in sector.cells if (c.country, c.commodity, c.theme) == key)

    before = cell().share.value
    # each company's chain meets a second risk of the same theme at another stage
    for twin in Finding.objects.filter(
        run__covenant=demo, country=chain.country, commodity=chain.commodity,
        theme=chain.theme, origin_known=True, line_numbers=chain.line_numbers,
    ):  # fmt: skip
        twin.pk, twin.code = None, uuid.uuid4()
        twin.stage = "smelting_refining" if twin.stage == "mining" else "mining"
        twin.save()
    after = cell()
    assert after.share.value == pytest.approx(before) and not after.hidden_from_others
