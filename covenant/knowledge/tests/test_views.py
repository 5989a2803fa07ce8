import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from covenant.knowledge import selectors
from covenant.knowledge.models import (
    Commodity,
    DocumentedRisk,
    FactChange,
    GovernanceEstimate,
    ProductionShare,
    Source,
)

HOME = "/knowledge/"
CITE = '<cite class="source">'


def test_search_finds_rvs_as_stainless_steel(client_for):
    html = client_for("company").get(HOME, {"q": "RVS"}).content.decode()
    assert 'href="/knowledge/commodities/stainless-steel/"' in html
    assert "matched by “RVS”" in html
    hits = selectors.commodity_search("rvs")
    assert hits[0].commodity.code == "stainless-steel"


def test_search_finds_an_hs_code_and_longer_national_codes(client_for):
    assert selectors.commodity_search("2609")[0].commodity.code == "tin"
    assert selectors.commodity_search("2609.00")[0].commodity.code == "tin"
    assert selectors.commodity_search("26090000")[0].commodity.code == "tin"
    partial = client_for("stakeholder").get(HOME, {"q": "2609"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "/knowledge/commodities/tin/" in body and "HS 2609" in body


def test_search_ranks_exact_names_first(db):
    hits = selectors.commodity_search("tin")
    assert hits[0].commodity.code == "tin"
    assert "platinum" in [h.commodity.code for h in hits]  # contains "tin", ranked after
    assert selectors.commodity_search("koper")[0].commodity.code == "copper"
    assert selectors.commodity_search("wolfraam")[0].commodity.code == "tungsten"


def test_the_knowledge_base_is_for_logged_in_users(client):
    response = client.get(HOME)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _fact_count(facts) -> int:
    production = sum(len(group.rows) for group in facts.production)
    return (
        len(facts.synonyms)
        + len(facts.hs_codes)
        + len(facts.components)
        + len(facts.used_in)
        + production
        + len(facts.risks)
    )


@pytest.mark.parametrize("code", ["tin", "stainless-steel", "mica", "copper"])
def test_every_fact_on_a_commodity_page_names_its_source(client_for, code):
    html = client_for("company").get(f"/knowledge/commodities/{code}/").content.decode()
    facts = selectors.commodity_facts(commodity=Commodity.objects.get(code=code))
    assert _fact_count(facts) > 0
    assert html.count(CITE) == _fact_count(facts)


def test_the_tin_page_shows_countries_shares_hs_codes_and_risks(client_for):
    html = client_for("steering").get("/knowledge/commodities/tin/").content.decode()
    assert "Bolivia" in html and "7.0 %" in html  # 2024 (estimated): 21,000 of 300,000 t
    assert "Mine production, tin content" in html
    assert "<code>2609</code>" in html
    assert "Tin ore (cassiterite) from the Democratic Republic of the Congo is on" in html
    assert "U.S. Geological Survey" in html and "Bureau of International Labor Affairs" in html
    assert "Used in" in html and "/knowledge/commodities/bronze/" in html
    assert "Correct" not in html  # no curation links for the steering group


def test_the_stainless_steel_page_shows_its_composition(client_for):
    html = client_for("company").get("/knowledge/commodities/stainless-steel/").content.decode()
    for name, percent in (("Chromium", "18"), ("Nickel", "10"), ("Iron", "70")):
        assert re.search(rf">{name}</a></th><td>{percent} %</td>", html), name
    assert "Typical compositions, written from public metallurgy references" in html


def test_a_country_page_shows_commodities_and_risks_with_sources(client_for):
    html = client_for("company").get("/knowledge/countries/BO/").content.decode()
    assert "<h1>Bolivia" in html
    assert "/knowledge/commodities/tin/" in html and "/knowledge/commodities/zinc/" in html
    production = selectors.production_of_country(iso2="BO")
    rows = sum(len(group.rows) for group in production)
    risks = DocumentedRisk.objects.filter(country="BO", source__is_current=True).count()
    governance = 2  # rule of law and control of corruption of the latest year
    assert html.count(CITE) == rows + risks + governance
    assert client_for("company").get("/knowledge/countries/bo/").status_code == 302
    # ILAB's entries in the reader's language
    dutch = client_for("company").get("/knowledge/countries/BO/", HTTP_ACCEPT_LANGUAGE="nl")
    assert "voor kinderarbeid: tin, land van herkomst Bolivia.</td>" in dutch.content.decode()
    # and USGS's measures and units
    assert "Mijnproductie, tingehalte · 2024 (ton)" in dutch.content.decode()
    assert "Mine production, tin content · 2024 (metric tons)" in html
    assert client_for("company").get("/knowledge/countries/XX/").status_code == 404


def test_a_sources_own_words_are_translated_where_the_catalogue_has_them():
    from django.utils import translation

    from covenant.knowledge.templatetags.source_words import source_words

    with translation.override("nl"):
        assert source_words("NA; World total: Excludes U.S. production.") == (
            "niet beschikbaar; Wereldtotaal: Zonder de productie van de Verenigde Staten."
        )
        assert source_words("") == "" and source_words(None) == ""
        assert source_words("Eigen meting, in kg") == "Eigen meting, in kg"  # a curator's
        assert source_words("Country") == "Country"  # in the catalogue, but no USGS word


def test_a_country_page_shows_its_governance_estimates_and_screening_likelihood(client_for):
    response = client_for("company").get("/knowledge/countries/CD/")
    html = response.content.decode()
    governance = response.context["governance"]
    assert governance.year == 2023
    assert [(e.indicator, e.estimate) for e in governance.estimates] == [
        ("rl", -1.67),
        ("cc", -1.48),
    ]
    assert '<th scope="row">Rule of law</th>\n      <td>-1.67</td>' in html
    assert '<th scope="row">Control of corruption</th>\n      <td>-1.48</td>' in html
    source = governance.estimates[0].source
    assert source.series == "worldbank-wgi" and source.is_current
    assert html.count(f'href="/knowledge/sources/#source-{source.pk}"') == 2
    assert "World Bank, WGI 2024 update" in html
    # (2.5 − mean(−1.67, −1.48)) / 5 = 0.815
    assert governance.likelihood == pytest.approx(0.815)
    assert "Screening likelihood: 0.82, from the mean of rule of law" in html


def test_a_country_without_estimates_shows_the_default_likelihood(client_for):
    GovernanceEstimate.objects.filter(country="NL").delete()
    html = client_for("company").get("/knowledge/countries/NL/").content.decode()
    assert "Screening likelihood: 0.50, the default for a country without" in html
    assert "Governance estimates from" not in html


def test_a_country_page_takes_as_many_queries_whatever_it_holds(client_for):
    client = client_for("secretariat")
    client.get("/knowledge/countries/NL/")  # the session and the user's roles, once
    counts = {}
    for code in ("NL", "CD", "BO"):  # nothing produced, much produced and risks, …
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/knowledge/countries/{code}/").status_code == 200
        counts[code] = len(queries)
    assert len(set(counts.values())) == 1, counts


def test_the_sources_page_lists_every_source_with_licence_and_link(client_for):
    html = client_for("company").get("/knowledge/sources/").content.decode()
    for source in Source.objects.all():
        assert f'id="source-{source.pk}"' in html
    assert "https://doi.org/10.5066/P13XCP3R" in html
    assert "CC BY 4.0" in html and "ODC-PDDL-1.0" in html
    assert "worldbank_wgi_2019_2023.csv" in html
    wgi = next(s for s in selectors.source_list() if s.series == "worldbank-wgi")
    assert wgi.fact_count == GovernanceEstimate.objects.filter(source=wgi).count() == 2118


def _risk_post(**extra) -> dict:
    data = {
        "theme": "health_safety",
        "commodity": Commodity.objects.get(code="tin").pk,
        "country": "BO",
        "chain_stage": "mining",
        "severity": "3",
        "description": "Accidents in cooperative mines of Potosí.",
        "new_source_publisher": "CNV Internationaal",
        "new_source_title": "Interviews in Bolivian tin mines",
        "new_source_year": "2023",
        "new_source_licence": "all rights reserved",
        "reason": "Collective project, year 4",
    }
    data.update(extra)
    return data


def test_the_secretariat_adds_and_corrects_a_risk_and_sees_the_history(client_for):
    client = client_for("secretariat")
    form = client.get("/knowledge/facts/risk/new/?commodity=tin&country=BO")
    assert form.status_code == 200
    response = client.post("/knowledge/facts/risk/new/", _risk_post())
    assert response.status_code == 302
    assert response["Location"] == "/knowledge/commodities/tin/"
    risk = DocumentedRisk.objects.get(description__startswith="Accidents in cooperative")
    assert risk.source.publisher == "CNV Internationaal"
    source = risk.source.pk
    response = client.post(
        f"/knowledge/facts/risk/{risk.pk}/",
        _risk_post(
            severity="4",
            source=source,
            new_source_publisher="",
            new_source_title="",
            new_source_year="",
            new_source_licence="",
            reason="Two fatal accidents reported",
        ),
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.severity == 4
    changes = list(FactChange.objects.filter(fact_kind="risk", fact_id=risk.pk))
    assert [c.action for c in changes] == ["changed", "created"]
    assert changes[0].before["severity"] == 3 and changes[0].after["severity"] == 4
    page = client.get(f"/knowledge/facts/risk/{risk.pk}/").content.decode()
    assert "History of this fact" in page
    assert "Two fatal accidents reported" in page
    assert "<div>Severity: high</div>" in page and "<div>Severity: very high</div>" in page
    commodity_page = client.get("/knowledge/commodities/tin/").content.decode()
    assert "Collective project, year 4" in commodity_page  # the commodity's recent changes
    # the history names fields and values as the forms do, never by database key or id
    added = html.unescape(commodity_page)
    assert "<div>Theme: health and safety</div>" in added
    assert "<div>Commodity: tin</div>" in added and "<div>Chain stage: mining</div>" in added
    assert "<code>" not in added.split("History")[-1] and "commodity_code" not in added


def test_a_fact_without_a_source_is_refused_on_the_form(client_for):
    client = client_for("secretariat")
    count = DocumentedRisk.objects.count()
    data = _risk_post(
        new_source_publisher="", new_source_title="", new_source_year="", new_source_licence=""
    )
    response = client.post("/knowledge/facts/risk/new/", data)
    assert response.status_code == 200
    assert "Name the source of this fact" in response.content.decode()
    assert DocumentedRisk.objects.count() == count


def test_the_secretariat_corrects_a_share_a_composition_and_a_synonym(client_for):
    client = client_for("secretariat")
    before = set(FactChange.objects.values_list("pk", flat=True))  # the demo's own risks
    share = ProductionShare.objects.get(
        commodity__code="tin", country="BO", year=2023, chain_stage="mining"
    )
    usgs = share.source.pk
    data = {
        "commodity": share.commodity_id, "country": "BO", "chain_stage": "mining",
        "measure": share.measure, "year": "2023", "value": "18700", "unit": "metric tons",
        "share": "0.0613", "source": usgs, "reason": "rounded",
    }  # fmt: skip
    assert client.post(f"/knowledge/facts/share/{share.pk}/", data).status_code == 302
    share.refresh_from_db()
    assert share.share == 0.0613
    brass = Commodity.objects.get(code="brass")
    copper = brass.components.get(component__code="copper")
    data = {"alloy": brass.pk, "component": copper.component_id, "share": "0.63"}
    data["source"] = copper.source_id
    # a correction says why, for later readers of the history; without a reason, nothing
    response = client.post(f"/knowledge/facts/composition/{copper.pk}/", data)
    assert response.status_code == 200 and "Say why the fact is corrected" in (
        response.content.decode()
    )
    data["reason"] = "CW614N is 58 % copper; CW508L 63 %"
    assert client.post(f"/knowledge/facts/composition/{copper.pk}/", data).status_code == 302
    steel = Commodity.objects.get(code="stainless-steel")
    data = {"commodity": steel.pk, "text": "edelstaal", "language": "nl", "source": usgs}
    assert client.post("/knowledge/facts/synonym/new/", data).status_code == 302
    kinds = set(FactChange.objects.exclude(pk__in=before).values_list("fact_kind", flat=True))
    assert kinds == {"share", "composition", "synonym"}


@pytest.mark.parametrize("role", ["company", "stakeholder", "steering", "outsider"])
def test_others_may_not_curate(client_for, role):
    client = client_for(role)
    changes = FactChange.objects.count()  # the demo's own risks were curated with history
    risk = DocumentedRisk.objects.filter(commodity__code="tin").first()
    assert client.get("/knowledge/facts/risk/new/").status_code == 403
    assert client.post("/knowledge/facts/risk/new/", _risk_post()).status_code == 403
    assert client.get(f"/knowledge/facts/risk/{risk.pk}/").status_code == 403
    assert FactChange.objects.count() == changes
    html = client.get("/knowledge/commodities/tin/").content.decode()
    assert "History of changes" not in html


def test_an_unknown_kind_of_fact_is_not_found(client_for):
    client = client_for("secretariat")
    assert client.get("/knowledge/facts/hs_code/new/").status_code == 404
    assert client.get("/knowledge/facts/hs_code/1/").status_code == 404


def test_the_country_page_names_commodities_in_the_pages_language(client_for):
    client = client_for("company")
    dutch = client.get("/knowledge/countries/CD/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = client.get("/knowledge/countries/CD/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Kobalt</a>" in dutch and ">Cobalt</a>" not in dutch
    assert ">Cobalt</a>" in english and ">Kobalt</a>" not in english


def test_the_knowledge_base_names_commodities_in_the_language_of_the_page(client_for):
    client = client_for("secretariat")
    page = client.get("/knowledge/commodities/cobalt/", HTTP_ACCEPT_LANGUAGE="nl")
    assert '<h1>Kobalt <span class="muted" lang="en">(cobalt)</span></h1>' in page.content.decode()
    page = client.get("/knowledge/commodities/cobalt/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<h1>Cobalt <span class="muted" lang="nl">(kobalt)</span></h1>' in page.content.decode()
    found = client.get(HOME, {"q": "2605"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl")
    assert '">Kobalt</a> <span lang="en">(cobalt)</span>' in found.content.decode()
    form = client.get("/knowledge/facts/composition/new/", HTTP_ACCEPT_LANGUAGE="nl")
    assert ">messing</option>" in form.content.decode()  # brass, as a Dutch page names it


def test_a_change_of_a_field_the_fact_no_longer_has_still_shows(client_for):
    tin = Commodity.objects.get(code="tin")
    FactChange.objects.create(
        fact_kind="risk", fact_id=1, commodity=tin, action="changed",
        before={"old_rating": "B"}, after={"old_rating": "A"},
    )  # fmt: skip
    page = client_for("secretariat").get("/knowledge/commodities/tin/")
    assert page.status_code == 200 and "<div>old_rating: A</div>" in page.content.decode()


def test_a_country_page_names_the_country_once_with_its_code(client_for):
    page = client_for("company").get("/knowledge/countries/CD/", HTTP_ACCEPT_LANGUAGE="nl")
    assert "<h1>Democratische Republiek Congo (DRC, CD)</h1>" in page.content.decode()


def test_the_secretariat_removes_a_wrong_synonym_with_a_reason(client_for):
    from covenant.knowledge.models import CommoditySynonym

    client = client_for("secretariat")
    synonym = CommoditySynonym.objects.get(commodity__code="stainless-steel", text__iexact="RVS")
    edit = f"/knowledge/facts/synonym/{synonym.pk}/"
    remove = f"{edit}remove/"
    assert f'href="{remove}">Remove this synonym</a>' in client.get(edit).content.decode()
    page = html.unescape(client.get(remove).content.decode())
    # the fact in words, in the form's order, then its source
    shown = re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page)
    assert shown[:3] == [
        ("Commodity", "stainless steel"),
        ("Name or synonym", "RVS"),
        ("Language", "Dutch"),
    ]
    assert shown[3][0] == "Source"
    dutch = client.get(remove, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "<dt>Grondstof</dt><dd>roestvast staal</dd>" in html.unescape(dutch)

    response = client.post(remove, {"reason": ""})  # a reason is needed; nothing changes
    assert response.status_code == 400
    assert "Say why the fact is removed" in response.content.decode()
    assert CommoditySynonym.objects.filter(pk=synonym.pk).exists()

    response = client.post(remove, {"reason": "Links paint orders (“RVS-grijs”)"})
    assert response.status_code == 302
    assert response["Location"] == "/knowledge/commodities/stainless-steel/"
    assert not CommoditySynonym.objects.filter(pk=synonym.pk).exists()
    assert client.get(edit).status_code == 404
    assert "matched by “RVS”" not in client.get(HOME, {"q": "RVS"}).content.decode()
    # the commodity's history keeps it, with the reason, and links no longer to the fact
    history = html.unescape(client.get("/knowledge/commodities/stainless-steel/").content.decode())
    assert "Synonym removed: RVS, stainless steel" in history  # which one, in words
    assert "Links paint orders (“RVS-grijs”)" in history
    assert f'href="{edit}"' not in history
    removed = history[history.index("Synonym removed") :].split("</tr>")[0]
    assert "<div>Name or synonym: RVS</div>" in removed  # before; after it, nothing
    assert removed.rstrip().endswith("<td>—</td>")


def test_removing_a_risk_says_which_earlier_findings_rest_on_it(client_for):
    from covenant.screening.models import Finding

    finding = Finding.objects.exclude(risk=None).first()
    risk = finding.risk
    used = Finding.objects.filter(risk=risk).count()
    client = client_for("secretariat")
    page = client.get(f"/knowledge/facts/risk/{risk.pk}/remove/").content.decode()
    assert f"{used} finding" in page
    # a curator of another covenant learns nothing of this covenant's companies' findings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from covenant.accounts.models import Role
    from covenant.covenants.models import Covenant

    stone = Covenant.objects.get(slug="natuursteen")
    other = get_user_model().objects.create_user(email="stone-secretariat@example.org")
    Role.objects.create(user=other, covenant=stone, kind=Role.Kind.SECRETARIAT)
    stone_client = Client()
    stone_client.force_login(other)
    page = stone_client.get(f"/knowledge/facts/risk/{risk.pk}/remove/")
    assert page.status_code == 200 and "finding" not in page.content.decode()
    client.post(f"/knowledge/facts/risk/{risk.pk}/remove/", {"reason": "Not documented"})
    finding.refresh_from_db()
    assert finding.risk is None and finding.risk_source_id  # kept, with its source
    from covenant.knowledge.models import Composition

    composition = Composition.objects.first()
    for role in ("company", "stakeholder", "steering"):
        url = f"/knowledge/facts/composition/{composition.pk}/remove/"
        assert client_for(role).post(url, {"reason": "x"}).status_code == 403
    assert Composition.objects.filter(pk=composition.pk).exists()


def test_removing_an_alloys_last_component_warns_first(client_for):
    from covenant.knowledge.models import Composition

    client = client_for("secretariat")
    brass = Composition.objects.filter(alloy__code="brass").order_by("share")
    zinc, copper = brass[0], brass[1]
    warning = "This is the last component of brass"
    page = client.get(f"/knowledge/facts/composition/{zinc.pk}/remove/").content.decode()
    assert warning not in page  # copper stays
    # a component of a former edition is no component to screen
    from covenant.knowledge.models import Source

    former = Source.objects.create(series="old-alloys", publisher="P", title="T", year=2000)
    Composition.objects.filter(pk=copper.pk).update(source=former)
    Source.objects.filter(pk=former.pk).update(is_current=False)
    page = client.get(f"/knowledge/facts/composition/{zinc.pk}/remove/").content.decode()
    assert warning in html.unescape(page)
    Composition.objects.filter(pk=copper.pk).update(source=zinc.source)
    client.post(f"/knowledge/facts/composition/{zinc.pk}/remove/", {"reason": "Test"})
    page = client.get(f"/knowledge/facts/composition/{copper.pk}/remove/").content.decode()
    assert warning in html.unescape(page)


def test_the_dutch_list_is_in_the_dutch_alphabet_and_ij_is_one_letter(client_for):
    client = client_for("company")
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    names = re.findall(r'<th scope="row"><a href="/knowledge/commodities/[^"]+/">([^<]+)</a>', page)
    assert names == sorted(names, key=str.casefold) and names.index("Brons") < names.index("Chroom")
    assert "IJzer" in names and "Ijzer" not in names
    iron = client.get("/knowledge/commodities/iron/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "<h1>IJzer " in iron


def test_each_correct_link_names_its_fact_for_screen_readers(client_for):
    page = html.unescape(
        client_for("secretariat").get("/knowledge/commodities/tin/").content.decode()
    )
    links = re.findall(r">Correct(?:<span class=\"visually-hidden\">([^<]*)</span>)?</a>", page)
    assert links and all(links)  # none is a bare "Correct"
    assert len(set(links)) == len(links)  # and no two read alike
    assert ": child labour, tin, Bolivia, mining" in links
