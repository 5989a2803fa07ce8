import dataclasses

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from covenant.knowledge import services
from covenant.knowledge.models import (
    Commodity,
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    FactChange,
    ProductionShare,
    Source,
)


@pytest.fixture
def tin(demo):
    return Commodity.objects.get(code="tin")


@pytest.fixture
def ngo_report():
    return services.NewSource(
        publisher="SOMO",
        title="Tin from Bolivia: working conditions",
        year=2024,
        licence="all rights reserved",
    )


def test_a_fact_without_a_source_is_refused_with_a_clear_message(secretariat, tin):
    count = DocumentedRisk.objects.count()
    changes = FactChange.objects.count()  # the demo's own risks were curated with history
    with pytest.raises(ValidationError) as exc:
        services.documented_risk_create(
            user=secretariat,
            theme="health_safety",
            commodity=tin,
            country="BO",
            chain_stage="mining",
            severity=3,
            description="Accidents in cooperative mines.",
        )
    assert "Name the source of this fact" in exc.value.message_dict["source"][0]
    assert DocumentedRisk.objects.count() == count
    assert FactChange.objects.count() == changes


def test_the_database_refuses_a_fact_without_a_source_too(tin):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionShare.objects.create(
            commodity=tin, country="BO", chain_stage="mining", year=2023, share=0.1
        )


def test_a_new_source_needs_publisher_title_and_year(secretariat, tin):
    with pytest.raises(ValidationError) as exc:
        services.synonym_create(
            user=secretariat,
            new_source=services.NewSource(publisher="SOMO", title="", year=None),
            commodity=tin,
            text="tinerts",
            language="nl",
        )
    assert "publisher, a title, a year and its licence" in exc.value.messages[0]
    # a source readers may not know the terms of is refused too
    unlicensed = services.NewSource(publisher="SOMO", title="Tin", year=2024, licence=" ")
    with pytest.raises(ValidationError):
        services.synonym_create(
            user=secretariat, new_source=unlicensed, commodity=tin, text="tinerts", language="nl"
        )
    assert not CommoditySynonym.objects.filter(text="tinerts").exists()


def test_adding_a_risk_with_a_new_source_writes_history(secretariat, tin, ngo_report):
    risk = services.documented_risk_create(
        user=secretariat,
        new_source=ngo_report,
        reason="Round table of March",
        theme="health_safety",
        commodity=tin,
        country="BO",
        chain_stage="mining",
        severity=3,
        description="Accidents in cooperative mines.",
    )
    assert risk.source.publisher == "SOMO" and risk.source.is_current
    change = FactChange.objects.get(fact_kind="risk", fact_id=risk.pk)
    assert change.action == "created" and change.user == secretariat
    assert change.before == {}
    assert change.after["severity"] == 3 and change.after["country"] == "BO"
    assert change.after["source_label"].startswith("SOMO, Tin from Bolivia")
    assert change.commodity == tin and change.reason == "Round table of March"


def test_correcting_a_share_keeps_before_and_after(secretariat, tin, ngo_report):
    share = ProductionShare.objects.get(
        commodity=tin, country="BO", chain_stage="mining", year=2023
    )
    old_share, old_source = share.share, share.source
    services.production_share_update(
        production_share=share,
        user=secretariat,
        new_source=ngo_report,
        share=0.07,
        value=21350,
        reason="Corrected world total",
    )
    change = FactChange.objects.get(fact_kind="share", fact_id=share.pk)
    assert change.action == "changed"
    assert change.before["share"] == old_share and change.after["share"] == 0.07
    assert change.before["source"] == old_source.pk
    assert change.after["source"] == share.source.pk != old_source.pk
    fields = {name for name, _b, _a in change.changed_fields}
    assert {"share", "value", "source", "source_label"} <= fields


def test_a_risk_concerns_a_commodity_or_a_country(secretariat):
    source = Source.objects.get(series="ilab-list-of-goods")
    with pytest.raises(ValidationError) as exc:
        services.documented_risk_create(
            user=secretariat,
            source=source,
            theme="child_labour",
            chain_stage="mining",
            severity=2,
            description="Somewhere.",
        )
    assert "a commodity, a country, or both" in " ".join(exc.value.messages)
    country_only = services.documented_risk_create(
        user=secretariat,
        source=source,
        theme="conflict",
        country="CD",
        chain_stage="mining",
        severity=4,
        description="Armed groups control mining sites in the east.",
    )
    assert country_only.commodity is None


def test_the_components_of_an_alloy_add_up_to_at_most_one(secretariat):
    brass = Commodity.objects.get(code="brass")
    lead = Commodity.objects.get(code="lead")
    source = Source.objects.get(series="covenant-typical-compositions")
    with pytest.raises(ValidationError) as exc:
        services.composition_create(
            user=secretariat, source=source, alloy=brass, component=lead, share=0.03
        )
    assert "add up to 1.03" in exc.value.message_dict["share"][0]
    copper = Composition.objects.get(alloy=brass, component__code="copper")
    services.composition_update(
        composition=copper, user=secretariat, source=source, share=0.62, reason="Typical CW508L"
    )
    services.composition_create(
        user=secretariat, source=source, alloy=brass, component=lead, share=0.03
    )
    assert Composition.objects.filter(alloy=brass).count() == 3

    # another source's shares count too: the screening expands the alloy with all of them
    with pytest.raises(ValidationError) as exc:
        services.composition_create(
            user=secretariat,
            new_source=services.NewSource(
                publisher="SOMO", title="Brass", year=2024, licence="CC BY 4.0"
            ),
            alloy=brass,
            component=lead,
            share=0.5,
        )
    assert "add up to 1.50" in exc.value.message_dict["share"][0]
    assert Composition.objects.filter(alloy=brass).count() == 3


def test_a_synonym_is_once_per_commodity(secretariat):
    steel = Commodity.objects.get(code="stainless-steel")
    source = Source.objects.get(series="covenant-commodity-names")
    with pytest.raises(ValidationError):
        services.synonym_create(
            user=secretariat, source=source, commodity=steel, text=" rvs ", language="nl"
        )
    synonym = services.synonym_create(
        user=secretariat, source=source, commodity=steel, text="edelstaal", language="nl"
    )
    assert CommoditySynonym.objects.get(pk=synonym.pk).text == "edelstaal"


@pytest.mark.parametrize("text", ["Soldeertin ", "TIN", "koper", "Soldeertin.", "(Koper)"])
def test_a_word_names_one_commodity_only(secretariat, text):
    """A second meaning would leave the screening unable to tell which commodity a line means;
    "Soldeertin" is tin's synonym, "tin" its name, "koper" copper's Dutch name."""
    lead = Commodity.objects.get(code="lead")
    source = Source.objects.get(series="covenant-commodity-names")
    tin_synonym = services.synonym_create(
        user=secretariat, source=source, commodity=Commodity.objects.get(code="tin"),
        text="soldeertin", language="nl",
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.synonym_create(user=secretariat, source=source, commodity=lead, text=text)
    assert "already names" in exc.value.message_dict["text"][0]
    assert not CommoditySynonym.objects.filter(commodity=lead, text__iexact=text.strip()).exists()
    # a correction that gives a synonym another commodity's word is refused too
    with pytest.raises(ValidationError):
        services.synonym_update(
            synonym=tin_synonym, user=secretariat, reason="typo", text="Koper", source=source
        )
    # its own commodity's words stay free to correct
    services.synonym_update(
        synonym=tin_synonym, user=secretariat, reason="typo", text="Soldeer-tin", source=source
    )


def test_a_later_report_of_the_same_title_leaves_the_facts_citing_the_first_in_use(
    secretariat, tin, ngo_report
):
    """A curator cites a follow-up report of the same title: it is another source beside the
    first, not a newer edition that takes the facts citing the first out of the screening
    (a long title too: the year and edition still tell the sources apart)."""
    risk = {"theme": "health_safety", "commodity": tin, "chain_stage": "mining", "severity": 3}
    report = dataclasses.replace(ngo_report, title=ngo_report.title + " in the " + "x" * 90)
    follow_up = dataclasses.replace(report, year=2026, edition="follow-up", url="https://x.org")
    first = services.documented_risk_create(
        user=secretariat, new_source=report, country="BO", description="Accidents.", **risk
    )
    second = services.documented_risk_create(
        user=secretariat, new_source=follow_up, country="PE", description="Dust.", **risk
    )
    first.source.refresh_from_db()
    assert first.source.is_current and second.source.is_current
    assert first.source != second.source and second.source.url == "https://x.org"
    # the same report cited again is the same source
    again = services.documented_risk_create(
        user=secretariat, new_source=report, country="CN", description="Dust.", **risk
    )
    assert again.source == first.source


def test_curated_sources_given_before_are_renamed_as_one_publication_each(
    secretariat, tin, ngo_report
):
    """Sources a curator gave before the digest naming: their second year had made the first a
    former edition (its facts out of use), and citing one again made a second source."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.text import slugify

    migration = import_module("covenant.knowledge.migrations.0006_curated_source_series")
    old_series = slugify(f"{ngo_report.publisher} {ngo_report.title}")[:80]
    fields = {"publisher": ngo_report.publisher, "title": ngo_report.title, "licence": "x"}
    later = Source.objects.create(series=old_series, edition="2025", year=2025, **fields)
    first = Source.objects.create(
        series=old_series, edition="", year=2024, is_current=False, replaced_by=later, **fields
    )
    loaded = Source.objects.exclude(pk__in=[first.pk, later.pk]).values_list("pk", "series")
    loaded_before = set(loaded)
    migration.rename_curated_sources(apps, None)
    first.refresh_from_db()
    later.refresh_from_db()
    assert first.is_current and first.replaced_by is None and later.is_current
    assert first.series != later.series != old_series
    assert set(loaded) == loaded_before  # the reference data's sources keep their names
    # citing the first again finds it, not a second source of the same name
    risk = services.documented_risk_create(
        user=secretariat, new_source=ngo_report, country="BO", description="Dust.",
        theme="health_safety", commodity=tin, chain_stage="mining", severity=3,
    )  # fmt: skip
    assert risk.source == first


def test_a_newer_edition_of_the_names_seed_carries_its_synonyms_over(demo, monkeypatch):
    from covenant.knowledge import reference_data
    from covenant.screening.selectors import reference_from_knowledge

    # a curator's removal of a word of the first edition holds for the next
    rvs = CommoditySynonym.objects.get(commodity__code="stainless-steel", text="RVS")
    services.fact_remove(kind="synonym", fact=rvs, user=None, reason="Wrong")
    before = CommoditySynonym.objects.filter(source__series="covenant-commodity-names").count()
    newer = dataclasses.replace(reference_data.NAMES, edition="2", year=2026)
    monkeypatch.setattr(reference_data, "NAMES", newer)
    report = reference_data.load_names()
    current = CommoditySynonym.objects.filter(source__is_current=True, source__edition="2")
    assert before and current.count() == before
    assert f"{before} synonyms of the earlier edition carried over." in report.notes
    texts = set(reference_from_knowledge().synonyms["text"])
    assert "rvs" not in texts and "roestvast staal" in texts


def test_a_newer_edition_is_registered_beside_the_old_one(db):
    first, created = services.source_register(
        series="test-series", publisher="P", title="T", edition="2022", year=2022
    )
    assert created and first.is_current
    again, created = services.source_register(
        series="test-series", publisher="P", title="T", edition="2022", year=2022
    )
    assert again == first and not created
    second, _ = services.source_register(
        series="test-series", publisher="P", title="T", edition="2024", year=2024
    )
    first.refresh_from_db()
    assert second.is_current and not first.is_current and first.replaced_by == second
    older, _ = services.source_register(
        series="test-series", publisher="P", title="T", edition="2020", year=2020
    )
    assert not older.is_current and older.replaced_by == second
    assert Source.objects.filter(series="test-series", is_current=True).get() == second


def test_a_fact_is_removed_once(secretariat, tin):
    synonym = CommoditySynonym.objects.filter(commodity=tin).first()
    pk = synonym.pk
    stale = CommoditySynonym.objects.get(pk=pk)  # a second curator's page
    services.fact_remove(kind="synonym", fact=synonym, user=secretariat, reason="Wrong")
    with pytest.raises(ValidationError) as exc:
        services.fact_remove(kind="synonym", fact=stale, user=secretariat, reason="Wrong too")
    assert "removed already" in exc.value.messages[0]
    removed = FactChange.objects.filter(fact_kind="synonym", fact_id=pk, action="removed")
    assert [c.reason for c in removed] == ["Wrong"]


def test_a_commodity_page_lists_the_facts_of_current_sources_only(demo, monkeypatch):
    """A newer edition of the compositions stands beside the old one: the page and the API
    show the current shares once, as the screening uses them."""
    from covenant.knowledge import reference_data, selectors

    newer = dataclasses.replace(reference_data.COMPOSITIONS, edition="2", year=2030)
    monkeypatch.setattr(reference_data, "COMPOSITIONS", newer)
    reference_data.load_compositions()
    brass = Commodity.objects.get(code="brass")
    assert Composition.objects.filter(alloy=brass).count() == 4  # two editions of two
    components = selectors.commodity_facts(commodity=brass).components
    assert sorted(c.component.code for c in components) == ["copper", "zinc"]
    assert {c.source.edition for c in components} == {"2"}
