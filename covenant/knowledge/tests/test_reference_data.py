"""Loading ../shared/data: idempotent, counted, one source per file, shares from world totals.

The test database holds the reference data already (the demo loads it once per session)."""

import csv
import dataclasses
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from covenant.knowledge import reference_data
from covenant.knowledge.models import (
    Commodity,
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    FactChange,
    GovernanceEstimate,
    HsCode,
    ProductionShare,
    Source,
)
from covenant.knowledge.reference_data import USGS, WGI
from covenant.screening.models import Finding

DATA = reference_data.data_dir()
FACT_MODELS = (
    ProductionShare,
    DocumentedRisk,
    HsCode,
    Composition,
    CommoditySynonym,
    GovernanceEstimate,
)


def _empty_knowledge_base():
    Finding.objects.all().delete()  # screening findings keep their sources (PROTECT)
    FactChange.objects.all().delete()
    for model in FACT_MODELS:
        model.objects.all().delete()
    Source.objects.all().delete()
    Commodity.objects.all().delete()


def test_the_data_folder_is_next_to_the_project_or_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(reference_data.DATA_ENV, raising=False)
    assert reference_data.data_dir().parts[-2:] == ("shared", "data")
    monkeypatch.setenv(reference_data.DATA_ENV, str(tmp_path))
    assert reference_data.data_dir() == tmp_path


def test_the_loader_loads_from_empty_quickly_and_reports_counts(db):
    _empty_knowledge_base()
    started = time.perf_counter()
    summary = reference_data.load(DATA)
    seconds = time.perf_counter() - started
    assert seconds < 3, f"the loader took {seconds:.2f} s"
    usgs = summary.by_name("usgs_mcs2025_world_production_metals.csv")
    ilab = summary.by_name("ilab_list_of_goods_2022_all.csv")
    hs = summary.by_name("hs2022_metals_chapters.csv")
    wgi = summary.by_name("worldbank_wgi_2019_2023.csv")
    # 355 rows less 44 world totals and "other countries", two years each.
    assert (usgs.loaded, usgs.already, usgs.skipped) == (622, 0, 44)
    assert ProductionShare.objects.count() == 622
    # 44 of metals and minerals, 16 of natural stone (granite, sandstone, limestone, "stones")
    assert ilab.loaded == DocumentedRisk.objects.count() == 60
    headings = summary.by_name("HS headings beyond the file")
    assert hs.loaded == 533 and headings.loaded == 27
    assert HsCode.objects.count() == 533 + 27
    # rl and cc: 2 of 6 indicators × 214 codes × 5 years, less the former Netherlands
    # Antilles (no country today) and 12 missing estimates ("..") of Cook Islands and Niue.
    assert (wgi.loaded, wgi.already, wgi.skipped) == (2118, 0, 6420 - 2118)
    assert GovernanceEstimate.objects.count() == 2118
    assert "10 rows of codes that are no country: ANT (Netherlands Antilles (former))" in (
        wgi.line()
    )
    assert "12 rows without an estimate" in wgi.line()
    assert summary.by_name("typical compositions").loaded == Composition.objects.count() == 8
    assert (
        summary.loaded
        == 622 + 60 + 533 + 27 + 2118 + 8 + summary.by_name("commodity names and synonyms").loaded
    )
    assert Source.objects.count() == 7  # four files and the project's three seeds


def test_a_second_run_adds_nothing_and_says_so(db):
    counts = [m.objects.count() for m in (*FACT_MODELS, Source, Commodity)]
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    text = out.getvalue()
    assert [m.objects.count() for m in (*FACT_MODELS, Source, Commodity)] == counts
    assert "usgs_mcs2025_world_production_metals.csv: 0 production shares loaded, 622 already" in (
        text
    )
    assert "hs2022_metals_chapters.csv: 0 HS codes loaded, 533 already there." in text
    assert "HS headings beyond the file: 0 HS codes loaded, 27 already there." in text
    assert "worldbank_wgi_2019_2023.csv: 0 governance estimates loaded, 2118 already" in text
    assert ": 0 facts loaded," in text


def test_a_missing_file_is_reported_and_skipped(db, tmp_path):
    summary = reference_data.load(tmp_path)
    assert summary.by_name("usgs_mcs2025_world_production_metals.csv").missing
    assert "not found, skipped" in summary.by_name("hs2022_metals_chapters.csv").line()


def test_each_file_is_a_source_as_the_readme_states_it(db):
    usgs = Source.objects.get(file_name="usgs_mcs2025_world_production_metals.csv")
    assert usgs.publisher == "U.S. Geological Survey"
    assert usgs.url == "https://doi.org/10.5066/P13XCP3R"
    assert usgs.edition == "production 2023, estimated 2024; reserves 2024"
    assert usgs.licence == "US public domain (work of the US federal government)"
    assert usgs.is_current
    wgi = Source.objects.get(file_name="worldbank_wgi_2019_2023.csv")
    assert wgi.licence.startswith("CC BY 4.0")
    assert wgi.year == 2024
    hs = Source.objects.get(file_name="hs2022_metals_chapters.csv")
    assert hs.licence == "ODC-PDDL-1.0 as declared by the packager"
    compositions = Source.objects.get(series="covenant-typical-compositions")
    assert compositions.title == "Typical compositions, written from public metallurgy references"


def _usgs_value(commodity: str, country: str, column: str = "PROD_2023") -> float:
    with (DATA / USGS.file_name).open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            row = {k.replace(" ", ""): v.strip() for k, v in row.items()}
            if row["COMMODITY"] == commodity and row["COUNTRY"] == country:
                return float(row[column])
    raise AssertionError(f"{commodity} {country} not in the file")


def test_a_countrys_share_is_its_value_over_the_world_total_of_its_type(db):
    bolivia = ProductionShare.objects.get(
        commodity__code="tin", country="BO", chain_stage="mining", year=2023
    )
    expected = _usgs_value("Tin", "Bolivia") / _usgs_value("Tin", "World total (rounded)")
    assert bolivia.share == pytest.approx(expected, abs=1e-6)
    assert bolivia.share == pytest.approx(18700 / 305000, abs=1e-6)
    assert bolivia.measure == "Mine production, tin content"
    assert bolivia.unit == "metric tons"
    estimate = ProductionShare.objects.get(
        commodity__code="tin", country="BO", chain_stage="mining", year=2024
    )
    assert estimate.is_estimate and estimate.share == pytest.approx(21000 / 300000)
    # Untidy names are stripped: "Copper ", "Canada ", "Russia ".
    assert ProductionShare.objects.filter(commodity__code="copper", country="CA").exists()
    assert ProductionShare.objects.filter(commodity__code="copper", country="RU").exists()
    # Refining exists for copper; the chain stages come from the production type.
    stages = set(
        ProductionShare.objects.filter(commodity__code="copper").values_list(
            "chain_stage", flat=True
        )
    )
    assert stages == {"mining", "smelting_refining"}
    total = ProductionShare.objects.filter(
        commodity__code="tin", year=2023, chain_stage="mining"
    ).aggregate(s=Sum("share"))["s"]
    assert 0.95 < total <= 1.0  # "other countries" make up the rest


def test_blank_values_are_withheld_not_zero(db):
    withheld = ProductionShare.objects.get(
        commodity__code="lithium", country="US", year=2023, chain_stage="mining"
    )
    assert withheld.value is None and withheld.share is None
    assert "W for 23-24" in withheld.note
    # The world total of bauxite excludes the US; its rows say so.
    guinea = ProductionShare.objects.get(
        commodity__code="aluminium", country="GN", year=2023, chain_stage="mining"
    )
    assert "Excludes U.S. production" in guinea.note


def test_country_names_become_iso_codes():
    assert reference_data.country_code("Congo (Kinshasa)") == "CD"
    assert reference_data.country_code("Congo, Democratic Republic of the") == "CD"
    assert reference_data.country_code("Korea, North") == "KP"
    assert reference_data.country_code("Burma") == "MM"
    assert reference_data.country_code("Bolivia") == "BO"
    assert reference_data.country_code("Russia ") == "RU"
    assert reference_data.country_code("Other Countries") is None


def test_ilab_metal_goods_become_documented_risks(db):
    risks = DocumentedRisk.objects.filter(source__series="ilab-list-of-goods")
    coltan = risks.filter(commodity__code="tantalum", country="CD")
    assert set(coltan.values_list("theme", flat=True)) == {"child_labour", "forced_labour"}
    assert all(r.severity == 4 and r.chain_stage == "mining" for r in coltan)
    assert risks.filter(commodity__code="mica", country="IN", theme="child_labour").exists()
    assert risks.filter(commodity__code="tin", country="BO").exists()
    # The README says 25 countries for gold; the file lists 26.
    assert risks.filter(commodity__code="gold").values("country").distinct().count() == 26
    assert not risks.filter(description__icontains="coal").exists()
    # natural stone, for a stone covenant: sandstone and "stones" from India, granite
    stone = {
        (r.commodity.code, r.country, r.theme) for r in risks.filter(commodity__kind="mineral")
    }
    assert {
        ("sandstone", "IN", "child_labour"),
        ("sandstone", "IN", "forced_labour"),
        ("natural-stone", "IN", "child_labour"),
        ("granite", "NG", "forced_labour"),
        ("limestone", "EG", "child_labour"),
    } <= stone


def test_hs_codes_stay_text_and_link_the_commodity_their_mapping_names(db):
    tin_ore = HsCode.objects.get(code="2609")
    assert tin_ore.commodity.code == "tin"
    assert HsCode.objects.get(code="720241").commodity.code == "chromium"  # ferro-chromium
    assert HsCode.objects.get(code="7202").commodity is None  # mixed: see 6-digit
    assert HsCode.objects.get(code="2525").commodity.code == "mica"
    # stainless steel's own headings are stainless steel, not plain steel (the file's "iron/
    # steel"): a purchase under 7219 has the chromium and nickel of its composition
    for code in ("7218", "7219", "721933", "7223", "720421"):
        assert HsCode.objects.get(code=code).commodity.code == "stainless-steel", code
    for code in ("7208", "720429", "7204"):
        assert HsCode.objects.get(code=code).commodity.code == "steel", code
    assert all(code.isdigit() for code in HsCode.objects.values_list("code", flat=True))
    # copper's subheadings of brass and bronze are theirs, with their zinc and tin
    for code, alloy in (("740721", "brass"), ("741121", "brass"), ("740322", "bronze")):
        assert HsCode.objects.get(code=code).commodity.code == alloy, code
    assert HsCode.objects.get(code="740729").commodity.code == "copper"  # other alloys
    # headings the file leaves out, in the project's own labels: worked mica (the mica
    # insulation of a metal company's purchases) and articles of steel
    mica = HsCode.objects.get(code="6814")
    assert (mica.commodity.code, mica.source.series) == ("mica", "covenant-hs-headings")
    assert HsCode.objects.get(code="7312").commodity.code == "steel"  # steel cable


def test_wgi_estimates_are_loaded_per_iso_country_year_and_indicator(db):
    estimates = GovernanceEstimate.objects.filter(source__series=WGI.series)
    assert set(estimates.values_list("indicator", flat=True)) == {"rl", "cc"}
    # The World Bank's own codes: ZAR is DR Congo, ROM Romania, KSV Kosovo.
    congo = estimates.get(country="CD", year=2023, indicator="rl")
    assert congo.estimate == pytest.approx(-1.67)
    assert congo.source.file_name == "worldbank_wgi_2019_2023.csv"
    assert estimates.filter(country="RO").count() == estimates.filter(country="XK").count() == 10
    assert estimates.get(country="NL", year=2023, indicator="cc").estimate == pytest.approx(1.87)
    assert not estimates.filter(country="CK", year=2019).exists()  # ".." is not stored


def test_wgi_codes_become_iso_codes():
    assert reference_data.wgi_country("NLD") == "NL"
    assert reference_data.wgi_country("ZAR") == "CD"
    assert reference_data.wgi_country("ROM") == "RO"
    assert reference_data.wgi_country("WBG") == "PS"
    assert reference_data.wgi_country("ANT") is None  # the former Netherlands Antilles
    assert reference_data.wgi_country("WLD") is None  # an aggregate


def test_a_newer_wgi_edition_is_loaded_beside_the_old_one_and_becomes_current(db, tmp_path):
    old = Source.objects.get(series=WGI.series)
    with (DATA / WGI.file_name).open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["code"] in ("ZAR", "NLD")]
    for row in rows:
        row["year"] = str(int(row["year"]) + 1)
    path = tmp_path / "worldbank_wgi_2020_2024.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    newer = dataclasses.replace(
        WGI, edition="2025 update, data 2020–2024", year=2025, file_name=path.name
    )
    report = reference_data.load_wgi(path, newer)
    assert report.loaded == 2 * 2 * 5  # two countries, rl and cc, five years
    new = Source.objects.get(series=WGI.series, is_current=True)
    old.refresh_from_db()
    assert not old.is_current and old.replaced_by == new
    assert GovernanceEstimate.objects.filter(source=old).count() == 2118
    assert GovernanceEstimate.objects.filter(source=new, year=2024).count() == 4
    again = reference_data.load_wgi(path, newer)
    assert (again.loaded, again.already) == (0, 20)


def test_a_newer_edition_becomes_current_and_the_old_one_stays(db, tmp_path):
    old = Source.objects.get(series=USGS.series)
    old_count = ProductionShare.objects.filter(source=old).count()
    # A "2026 release": the tin rows of this file with new figures.
    with (DATA / USGS.file_name).open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["COMMODITY"].strip() == "Tin"]
    for row in rows:
        if row["COUNTRY"] == "Bolivia":
            row["PROD_2023"] = "30500"
    path = tmp_path / "usgs_mcs2026.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    newer = dataclasses.replace(
        USGS, edition="production 2024, estimated 2025", year=2026, file_name=path.name
    )
    report = reference_data.load_usgs(path, newer)
    assert report.loaded > 0
    new = Source.objects.get(series=USGS.series, is_current=True)
    old.refresh_from_db()
    assert new.edition == "production 2024, estimated 2025"
    assert not old.is_current and old.replaced_by == new
    assert ProductionShare.objects.filter(source=old).count() == old_count
    bolivia = ProductionShare.objects.get(
        source=new, commodity__code="tin", country="BO", year=2023
    )
    assert bolivia.share == pytest.approx(0.1)
    # Loading it again adds nothing.
    assert reference_data.load_usgs(path, newer).loaded == 0


def test_the_demo_loads_the_reference_data_and_the_path_is_settings_independent(db):
    assert Path(DATA).is_dir()
    assert Commodity.objects.filter(code="stainless-steel").exists()


def test_a_fact_a_curator_removed_is_not_loaded_again(db):
    from covenant.knowledge import services

    risk = DocumentedRisk.objects.get(
        source__series="ilab-list-of-goods",
        commodity__code="tin",
        country="BO",
        theme="child_labour",
    )
    brass_zinc = Composition.objects.get(alloy__code="brass", component__code="zinc")
    synonym = CommoditySynonym.objects.filter(commodity__code="stainless-steel").first()
    for kind, fact in (("risk", risk), ("composition", brass_zinc), ("synonym", synonym)):
        services.fact_remove(kind=kind, fact=fact, user=None, reason="Wrong, says the audit")
    counts = [m.objects.count() for m in FACT_MODELS]

    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert [m.objects.count() for m in FACT_MODELS] == counts  # none came back
    assert not DocumentedRisk.objects.filter(pk=risk.pk).exists()
    lines = [line for line in out.getvalue().splitlines() if "by a curator" in line]
    assert len(lines) == 3
    assert all("1 removed or corrected by a curator, left out." in line for line in lines)
    ilab = next(line for line in lines if "ilab" in line.lower())
    before = DocumentedRisk.objects.filter(source__series="ilab-list-of-goods").count()
    assert f"0 documented risks loaded, {before} already there" in ilab


def test_a_fact_a_curator_moved_to_another_country_or_source_is_not_loaded_again(db):
    from covenant.knowledge import services

    ilab = {"source__series": "ilab-list-of-goods", "commodity__code": "tin"}
    ilab["theme"] = "child_labour"
    risk = DocumentedRisk.objects.get(country="BO", **ilab)
    services.documented_risk_update(
        risk=risk, user=None, source=risk.source, country="PE", reason="It was Peru"
    )
    share = ProductionShare.objects.filter(commodity__code="tin", country="BO").first()
    report = services.NewSource(publisher="NGO", title="Tin", year=2025, licence="CC BY 4.0")
    services.production_share_update(
        production_share=share, user=None, new_source=report, reason="Better figures"
    )
    counts = [m.objects.count() for m in FACT_MODELS]
    call_command("load_reference_data", stdout=StringIO())
    assert [m.objects.count() for m in FACT_MODELS] == counts  # neither came back
    assert not DocumentedRisk.objects.filter(country="BO", **ilab).exists()


def test_a_changed_link_rule_relinks_the_codes_already_loaded(db):
    stale = HsCode.objects.filter(code__startswith="7219")
    stale.update(commodity=Commodity.objects.get(code="steel"))  # as loaded before the rule
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert set(stale.values_list("commodity__code", flat=True)) == {"stainless-steel"}
    assert f"{stale.count()} codes linked anew to the commodity they name." in out.getvalue()


def test_ilab_risks_read_in_the_readers_language_until_a_curator_rewrites_one(db):
    from django.utils import translation

    from covenant.knowledge import services

    ilab = DocumentedRisk.objects.filter(source__series="ilab-list-of-goods")
    tin = ilab.get(commodity__code="tin", country="BO", theme="child_labour")
    assert tin.description.startswith("Tin from Bolivia is on the ILAB List")  # as loaded
    with translation.override("nl"):
        assert tin.text == (
            "Vermeld op de ILAB-lijst van goederen die met kinderarbeid of dwangarbeid worden "
            "geproduceerd (List of Goods Produced by Child Labor or Forced Labor), voor "
            "kinderarbeid: tin, land van herkomst Bolivia."
        )
    with translation.override("en"):
        assert tin.text == tin.description  # the list's own words, "Tin ore (cassiterite)"
    coltan = ilab.get(commodity__code="tantalum", country="CD", theme="child_labour")
    # ILAB's "Congo, Democratic Republic of the", as a sentence writes it
    assert " from the Democratic Republic of the Congo is on the ILAB List" in coltan.description
    with translation.override("nl"):
        assert coltan.text.endswith("De lijst noemt ook gedwongen kinderarbeid.")

    # risks loaded before wordings existed get theirs on the next load
    ilab.update(wording="")
    call_command("load_reference_data", stdout=StringIO())
    assert not ilab.filter(wording="").exists()

    # a curator who moves the fact to another country makes the text theirs: as written
    coltan_forced = ilab.get(commodity__code="tantalum", country="CD", theme="forced_labour")
    services.documented_risk_update(
        risk=coltan_forced, user=None, source=coltan_forced.source, country="RW", reason="Rwanda"
    )
    coltan_forced.refresh_from_db()
    with translation.override("nl"):
        assert coltan_forced.wording == "" and coltan_forced.text == coltan_forced.description

    # a curator's own description is shown as written, in every language
    services.documented_risk_update(
        risk=tin, user=None, source=tin.source, description="Eigen tekst.", reason="Bijgewerkt"
    )
    tin.refresh_from_db()
    assert tin.wording == ""
    with translation.override("en"):
        assert tin.text == "Eigen tekst."
    call_command("load_reference_data", stdout=StringIO())
    tin.refresh_from_db()
    assert tin.wording == "" and tin.description == "Eigen tekst."
