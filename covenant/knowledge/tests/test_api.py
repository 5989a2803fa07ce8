import pytest
from django.test import Client

from covenant.accounts import services as account_services
from covenant.conftest import user_for

URLS = [
    "/api/knowledge/commodities",
    "/api/knowledge/commodities/tin",
    "/api/knowledge/countries/BO",
]


@pytest.mark.parametrize("url", URLS)
def test_the_knowledge_api_requires_login(demo, url):
    assert Client().get(url).status_code == 401


def _get(url: str, role: str = "company", language: str = "en", **params):
    _token, plain = account_services.api_token_create(user=user_for(role), name="test")
    return Client().get(
        url, params, HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_ACCEPT_LANGUAGE=language
    )


def test_commodities_and_search(demo):
    everything = _get(URLS[0]).json()
    assert "stainless-steel" in [c["code"] for c in everything]
    found = _get(URLS[0], q="RVS").json()
    assert found[0]["code"] == "stainless-steel" and "RVS" in found[0]["synonyms"]
    assert _get(URLS[0], q="2609").json()[0]["code"] == "tin"


def test_one_commodity_with_sources_on_every_fact(demo):
    tin = _get(URLS[1]).json()
    assert "2609" in tin["hs_codes"]
    bolivia = [p for p in tin["production"] if p["country"] == "BO"]
    assert bolivia and bolivia[0]["share"] == pytest.approx(0.07)
    assert bolivia[0]["source"]["publisher"] == "U.S. Geological Survey"
    assert all(p["source"]["licence"] for p in tin["production"])
    assert {r["theme"] for r in tin["risks"]} >= {"child_labour", "forced_labour"}
    assert all(r["source"]["title"] for r in tin["risks"])
    stainless = _get("/api/knowledge/commodities/stainless-steel").json()
    shares = {c["component"]: c["share"] for c in stainless["components"]}
    assert shares == {"iron": 0.7, "chromium": 0.18, "nickel": 0.1, "molybdenum": 0.02}
    assert _get("/api/knowledge/commodities/unobtainium").status_code == 404


def test_one_country(demo):
    bolivia = _get(URLS[2], role="steering").json()
    assert bolivia["code"] == "BO" and bolivia["name"] == "Bolivia"
    assert {p["commodity"] for p in bolivia["production"]} >= {"tin", "zinc"}
    assert {r["commodity"] for r in bolivia["risks"]} >= {"tin", "zinc", "silver"}
    assert _get("/api/knowledge/countries/bo").json()["code"] == "BO"
    assert _get("/api/knowledge/countries/XX").status_code == 404


def test_the_session_user_may_read_too(client_for):
    assert client_for("outsider").get(URLS[1]).status_code == 200


def test_a_risk_reads_in_the_callers_language_beside_the_sources_words(demo):
    def ilab_child_labour(language):
        risks = _get("/api/knowledge/countries/BO", language=language).json()["risks"]
        return next(r for r in risks if r["commodity"] == "tin" and r["theme"] == "child_labour")

    english, dutch = ilab_child_labour("en"), ilab_child_labour("nl")
    assert english["description"] == dutch["description"] == english["text"]
    assert "is on the ILAB List of Goods" in english["text"]
    assert dutch["text"].startswith("Vermeld op de ILAB-lijst")
    assert "Bolivia" in dutch["text"] and "tin" in dutch["text"]
