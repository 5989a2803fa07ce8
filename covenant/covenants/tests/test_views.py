import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from covenant.covenants import services
from covenant.covenants.models import Membership, Organisation


def test_public_page_lists_the_twelve_year_four_companies_with_their_changes(client, demo):
    response = client.get("/covenants/metaalsector/?year=4")
    html = response.content.decode()
    company_block = html.split('data-kind="company"')[1].split("</ul>")[0]
    assert company_block.count("<li>") == 12
    assert re.search(r"Van Peperzeel</a>\s*<span class=\"badge warn\">leaves after year 4", html)
    assert re.search(r"E-MAX</a>\s*<span class=\"badge warn\">leaves after year 4", html)
    assert re.search(
        r"Metaalrecycling Rijnmond B.V.</a>\s*<span class=\"badge info\">joined in year 4", html
    )
    assert html.count("joined in year 4</span>") == 1


def test_public_page_answers_htmx_with_the_parties_only(client, demo):
    response = client.get("/covenants/metaalsector/?year=5", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="parties"')
    assert "Van Peperzeel" not in html
    assert "<html" not in html


def test_public_page_shows_a_nonsense_year_as_the_current_one(client, demo):
    assert client.get("/covenants/metaalsector/?year=abc").status_code == 200
    assert client.get("/covenants/metaalsector/?year=99").status_code == 200


def test_public_organisation_page_says_invented_organisations_are_illustrative(client, demo):
    org = Organisation.objects.get(name="Staalbouw Noord B.V.")
    html = client.get(f"/organisations/{org.code}/").content.decode()
    assert "illustrative demo data" in html
    real = Organisation.objects.get(name="Tata Steel")
    assert "illustrative" not in client.get(f"/organisations/{real.code}/").content.decode()


def _add_companies(covenant, count):
    for i in range(count):
        org, _ = services.organisation_add(covenant=covenant, name=f"Extra {i}", kind="company")
        services.membership_create(covenant=covenant, organisation=org, joined_in_year=1)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_use_a_number_of_queries_independent_of_the_number_of_parties(client_for, demo):
    urls = [
        ("anonymous", "/"),
        ("anonymous", "/covenants/metaalsector/?year=4"),
        ("secretariat", "/covenants/metaalsector/manage/organisations/"),
        ("secretariat", "/covenants/metaalsector/manage/memberships/"),
        ("secretariat", "/covenants/metaalsector/manage/people/"),
        ("secretariat", "/covenants/metaalsector/manage/years/"),
        ("secretariat", "/home/"),
    ]
    clients = {role: client_for(role) for role, _ in urls}
    before = [_queries(clients[role], url) for role, url in urls]
    _add_companies(demo, 15)
    after = [_queries(clients[role], url) for role, url in urls]
    assert after == before


def test_secretariat_adds_an_organisation(client_for, demo):
    client = client_for("secretariat")
    response = client.post(
        "/covenants/metaalsector/manage/organisations/",
        {"name": "Nieuw Metaal B.V.", "kind": "company", "country": "NL", "size_class": "small"},
        follow=True,
    )
    assert "Nieuw Metaal B.V. was added." in response.content.decode()
    assert demo.organisations.filter(name="Nieuw Metaal B.V.").exists()


def test_a_duplicate_organisation_gets_a_message_on_the_form_and_saves_nothing(client_for, demo):
    client = client_for("secretariat")
    count = Organisation.objects.count()
    response = client.post(
        "/covenants/metaalsector/manage/organisations/", {"name": "tata steel", "kind": "company"}
    )
    assert response.status_code == 200
    assert "Tata Steel is already an organisation of this covenant." in response.content.decode()
    assert Organisation.objects.count() == count


def test_a_membership_that_leaves_before_it_joins_gets_a_message_and_saves_nothing(
    client_for, demo
):
    client = client_for("secretariat")
    org, _ = services.organisation_add(covenant=demo, name="Nieuw", kind="company")
    response = client.post(
        "/covenants/metaalsector/manage/memberships/",
        {"organisation": org.pk, "joined_in_year": 5, "leaves_after_year": 3},
    )
    assert "cannot end before the year in which it starts" in response.content.decode()
    assert not Membership.objects.filter(organisation=org).exists()


def test_a_membership_in_a_year_outside_the_covenant_gets_a_message(client_for, demo):
    client = client_for("secretariat")
    org, _ = services.organisation_add(covenant=demo, name="Nieuw", kind="company")
    response = client.post(
        "/covenants/metaalsector/manage/memberships/",
        {"organisation": org.pk, "joined_in_year": 7},
    )
    assert "Year 7 is outside this covenant, which has years 1 to 5." in response.content.decode()
    assert not Membership.objects.filter(organisation=org).exists()


def test_secretariat_ends_a_membership(client_for, demo):
    client = client_for("secretariat")
    m = Membership.objects.get(covenant=demo, organisation__name="Tata Steel")
    response = client.post(
        f"/covenants/metaalsector/manage/memberships/{m.code}/",
        {"joined_in_year": 1, "leaves_after_year": 5},
        follow=True,
    )
    assert "The membership of Tata Steel was saved." in response.content.decode()
    m.refresh_from_db()
    assert m.leaves_after_year == 5


def test_ending_a_membership_before_it_started_is_refused_and_changes_nothing(client_for, demo):
    client = client_for("secretariat")
    m = Membership.objects.get(covenant=demo, organisation__name="Metaalrecycling Rijnmond B.V.")
    response = client.post(
        f"/covenants/metaalsector/manage/memberships/{m.code}/",
        {"joined_in_year": 4, "leaves_after_year": 2},
    )
    assert "cannot end before" in response.content.decode()
    m.refresh_from_db()
    assert m.leaves_after_year is None


def test_a_year_edit_outside_the_sequence_is_refused(client_for, demo):
    client = client_for("secretariat")
    response = client.post(
        "/covenants/metaalsector/manage/years/2/",
        {"label": "x", "start": "2020-07-01", "end": "2021-12-31"},
    )
    assert "A year must end before the next year starts." in response.content.decode()


def test_secretariat_of_one_covenant_cannot_manage_another(client_for, demo, stone):
    client = client_for("secretariat")
    assert client.get("/covenants/natuursteen/manage/organisations/").status_code == 404
    response = client.post(
        "/covenants/natuursteen/manage/organisations/", {"name": "Sneaky", "kind": "company"}
    )
    assert response.status_code == 404
    assert not Organisation.objects.filter(name="Sneaky").exists()
