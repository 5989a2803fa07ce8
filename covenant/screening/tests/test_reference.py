"""The engine's Reference from the knowledge base: the country likelihood comes from the World
Bank WGI (rule of law and control of corruption of the current edition's latest year), so that
a documented risk weighs more where governance is weaker."""

from __future__ import annotations

import csv
import dataclasses

import pytest

from covenant.knowledge import reference_data
from covenant.knowledge.reference_data import WGI
from covenant.screening import engine, selectors
from covenant.screening.models import Run


def _likelihoods(reference: engine.Reference) -> dict[str, float]:
    frame = reference.country_likelihood
    return dict(zip(frame["country"], frame["likelihood"], strict=True))


def test_weak_governance_gives_a_higher_likelihood_than_strong(db):
    likelihood = _likelihoods(selectors.reference_from_knowledge())
    # 2023: DR Congo rl −1.67, cc −1.48; the Netherlands rl 1.64, cc 1.87.
    assert likelihood["CD"] == pytest.approx((2.5 - (-1.67 - 1.48) / 2) / 5)
    assert likelihood["NL"] == pytest.approx((2.5 - (1.64 + 1.87) / 2) / 5)
    assert likelihood["CD"] > 0.8 > 0.2 > likelihood["NL"]
    assert "XK" in likelihood and "PS" in likelihood  # World Bank codes KSV and WBG
    assert "AQ" not in likelihood  # no estimates: the engine's default applies


def test_the_likelihood_comes_from_the_current_editions_latest_year(db, tmp_path):
    with (reference_data.data_dir() / WGI.file_name).open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["code"] == "NLD"]
    for row in rows:  # a "2025 update": the Netherlands' 2023 figures as 2024, at −2.5
        if row["year"] == "2023":
            row["year"], row["estimate"] = "2024", "-2.5"
    path = tmp_path / "worldbank_wgi_2020_2024.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    newer = dataclasses.replace(WGI, edition="2025 update", year=2025, file_name=path.name)
    reference_data.load_wgi(path, newer)

    likelihood = _likelihoods(selectors.reference_from_knowledge())
    assert likelihood["NL"] == pytest.approx(1.0)  # 2024, not 2023 or earlier
    assert "CD" not in likelihood  # the older edition is no longer current


def test_equal_risks_and_exposures_rank_by_country_likelihood(db):
    reference = selectors.reference_from_knowledge()
    likelihood = _likelihoods(reference)
    # Tin is on the ILAB list for child labour in Bolivia, Indonesia and DR Congo (severity 4).
    purchases = (
        b"Omschrijving;HS-code;Land van herkomst;Bedrag\n"
        b"Tin staven;800110;Indonesia;1000\n"
        b"Tin staven;800110;Bolivia;1000\n"
        b"Tin staven;800110;Congo (Kinshasa);1000\n"
    )
    findings = engine.screen_csv(purchases, reference).findings
    child_labour = findings.filter(theme="child_labour", commodity="tin").sort("rank")
    countries = child_labour["country"].to_list()
    assert countries == sorted(countries, key=lambda c: -likelihood[c])
    assert countries[0] == "CD"
    for f in findings.iter_rows(named=True):
        assert f["likelihood"] == pytest.approx(likelihood[f["country"]])
        assert f["score"] == pytest.approx(f["severity"] * f["likelihood"] * f["exposure_share"])


def test_the_demo_runs_use_the_wgi_likelihood(demo):
    likelihood = _likelihoods(selectors.reference_from_knowledge())
    run = Run.objects.get(covenant=demo, organisation__name="Staalbouw Noord B.V.")
    tin = run.findings.get(theme="child_labour", commodity="tin", component="tin", country="BO")
    assert tin.likelihood == pytest.approx(likelihood["BO"])
    assert tin.likelihood != engine.DEFAULT_LIKELIHOOD


def test_codes_alone_of_worked_mica_brass_and_steel_cable_are_screened(db):
    """A list of customs codes without descriptions: worked mica (6814) was not linked, so
    its child labour in India and Madagascar went unseen; brass bars (740721) were copper,
    without their zinc."""
    purchases = (
        b"Goederencode;Bedrag\n"
        b"68141000;1000\n"  # mica insulation sheets
        b"74072110;1000\n"  # brass bars
        b"73121049;1000\n"  # steel cable
    )
    result = engine.screen_csv(purchases, selectors.reference_from_knowledge())
    assert result.unmatched.height == 0
    mica = result.findings.filter(commodity="mica", theme="child_labour")
    assert {"IN", "MG"} <= set(mica["country"].to_list())
    brass = result.findings.filter(original_commodity="brass")
    assert {"copper", "zinc"} <= set(brass["commodity"].to_list())


def test_dutch_adjectives_of_metals_name_them(db):
    """ "Stalen kabel" (steel cable) was not linked: "staal*" does not start "stalen"."""
    purchases = "Omschrijving;Bedrag\nStalen kabel 12 mm;100\nBronzen bus;100\nLoden slab;100\n"
    result = engine.screen_csv(purchases.encode(), selectors.reference_from_knowledge())
    assert result.unmatched.height == 0


def test_a_dutch_compound_of_cobalt_names_it(db):
    """ "Kobalthydroxide", the DR Congo's cobalt as traded, was not linked."""
    purchases = "Omschrijving;Land van herkomst;Bedrag\nKobalthydroxide;CD;100\n"
    result = engine.screen_csv(purchases.encode(), selectors.reference_from_knowledge())
    assert result.unmatched.height == 0
    assert "cobalt" in result.findings["commodity"].to_list()


def test_a_stainless_description_under_a_steel_articles_code_is_stainless(db):
    """ "RVS buis" under 7306 (tubes of iron or steel) was plain steel, without its chromium
    and nickel, once the chapter's codes were linked to steel."""
    purchases = (
        "Omschrijving;Goederencode;Bedrag\nRVS buis 304;73064020;100\nStalen buis;73063019;100\n"
    )
    lines, _report = engine.read_purchase_csv(purchases.encode())
    matched = engine.match_commodities(lines, selectors.reference_from_knowledge())
    assert matched["commodity"].to_list() == ["stainless-steel", "steel"]
