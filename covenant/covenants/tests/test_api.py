from django.contrib.staticfiles import finders


def test_the_api_lists_covenants(client, demo):
    body = client.get("/api/covenants").json()
    assert [c["slug"] for c in body] == ["natuursteen", "metaalsector"]  # by name
    assert [c["is_illustrative"] for c in body] == [True, False]


def test_the_api_gives_a_covenant_with_its_years(client, demo):
    body = client.get("/api/covenants/metaalsector").json()
    assert body["name"] == "IMVO-convenant Metaalsector"
    assert [y["label"] for y in body["years"]][3] == "2022-2023"


def test_the_api_gives_the_parties_of_a_year(client, demo):
    body = client.get("/api/covenants/metaalsector/memberships?year=4").json()
    companies = [m for m in body if m["organisation"]["kind"] == "company"]
    assert len(companies) == 12
    leaving = sorted(m["organisation"]["name"] for m in companies if m["leaves_after_year"] == 4)
    assert leaving == ["E-MAX", "Van Peperzeel"]


def test_an_unknown_covenant_is_404(client, demo):
    assert client.get("/api/covenants/nope").status_code == 404


def test_the_openapi_schema_and_docs_page_are_served(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/covenants" in schema["paths"]
    assert "/api/me" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    # the Swagger UI that django-ninja bundles, from our static files: it works offline
    assert "/static/ninja/swagger-ui-bundle.js" in page and "/static/ninja/swagger-ui.css" in page
    assert "cdn." not in page and "https://" not in page
    assert finders.find("ninja/swagger-ui-bundle.js")  # collected with the app's own files
