"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright.

Run with `pytest -m e2e covenant/tests/e2e`. The fixtures (`browser`, `site`, `new_page`,
`page`) and the helpers (`audit`, `login`, `submit`, ...) live in `conftest.py`: each test
gets a fresh database with the demo data, served by pytest-django's `live_server`, and a
fresh browser context (cookies); the browser itself is started once per module.

Every page a test visits can be checked with axe-core (`audit`): serious and critical
violations fail the test, and a full-page screenshot of the page is saved to
`test-artifacts/screens/<name>.png`. The pages the accessibility test visits are listed in
`A11Y_PAGES`; add a page there to have it checked.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from covenant.covenants import demo as demo_data
from covenant.covenants.models import Membership, Organisation
from covenant.knowledge.models import CommoditySynonym
from covenant.tests.e2e.conftest import MANAGE, METALS, audit, heading, login, messages, submit

pytestmark = pytest.mark.e2e

# The pages the accessibility test checks: (who, screenshot name, path). `who` is "anonymous"
# or a key of ROLE_EMAILS; {organisation} and {membership} are the codes of Tata Steel and of
# its membership of the metals covenant. The login page and the two-factor page are checked
# on the way in (see `login`).
A11Y_PAGES: list[tuple[str, str, str]] = [
    ("anonymous", "public-covenant-list", "/"),
    ("anonymous", "public-covenant", f"{METALS}/"),
    ("anonymous", "public-covenant-year-4", f"{METALS}/?year=4"),
    ("anonymous", "public-covenant-year-5", f"{METALS}/?year=5"),
    ("anonymous", "public-organisation", "/organisations/{organisation}/"),
    ("anonymous", "not-found", "/covenants/no-such-covenant/"),
    ("secretariat", "secretariat-home", "/home/"),
    ("secretariat", "manage-organisations", f"{MANAGE}/organisations/"),
    ("secretariat", "manage-organisation-edit", f"{MANAGE}/organisations/{{organisation}}/"),
    ("secretariat", "manage-memberships", f"{MANAGE}/memberships/"),
    ("secretariat", "manage-membership-edit", f"{MANAGE}/memberships/{{membership}}/"),
    ("secretariat", "manage-years", f"{MANAGE}/years/"),
    ("secretariat", "manage-year-edit", f"{MANAGE}/years/1/"),
    ("secretariat", "manage-people", f"{MANAGE}/people/"),
    ("secretariat", "manage-settings", f"{MANAGE}/settings/"),
    ("secretariat", "secretariat-api-tokens", "/me/tokens/"),
    ("secretariat", "secretariat-mfa", "/accounts/2fa/"),
    ("secretariat", "knowledge-commodity", "/knowledge/commodities/tin/"),
    ("secretariat", "knowledge-fact-edit", "/knowledge/facts/synonym/{synonym}/"),
    ("secretariat", "knowledge-fact-remove", "/knowledge/facts/synonym/{synonym}/remove/"),
    ("company", "company-home", "/home/"),
    ("company", "company-forbidden-organisations", f"{MANAGE}/organisations/"),
    ("company", "company-forbidden-people", f"{MANAGE}/people/"),
    ("company", "company-api-tokens", "/me/tokens/"),
]


# --- helpers --------------------------------------------------------------------------------


def party_item(page: Page, name: str) -> Locator:
    """The list item of an organisation among the parties on the public covenant page."""
    return page.locator("#parties li").filter(has=page.get_by_role("link", name=name, exact=True))


# --- scenarios ------------------------------------------------------------------------------


def test_secretariat_adds_organisation_and_changes_memberships(page: Page):
    """A newcomer at the secretariat: log in with 2FA, add a company, make it a member from
    year 5, end another company's membership after year 4, and see both on the public page."""
    new_org = "Smederij Proef B.V."
    ending_org = "Krommenhoek Metals"
    login(page, "secretariat")

    # Add the organisation.
    page.goto(f"{MANAGE}/organisations/")
    add_form = page.locator("form[aria-labelledby=add-organisation]")
    add_form.locator("[name=name]").fill(new_org)
    add_form.locator("[name=kind]").select_option("company")
    add_form.locator("[name=country]").select_option("NL")
    add_form.locator("[name=size_class]").select_option(index=1)
    submit(add_form.locator("button[type=submit]"))
    expect(messages(page)).to_contain_text(f"{new_org} was added.")
    row = page.locator("main table tbody tr").filter(has_text=new_org)
    expect(row).to_contain_text("not a member")
    audit(page, "scenario-organisation-added")

    # The bad-input path: the same organisation once more (other case and spacing).
    add_form.locator("[name=name]").fill("  smederij   proef b.v. ")
    add_form.locator("[name=kind]").select_option("company")
    submit(add_form.locator("button[type=submit]"))
    expect(messages(page)).to_have_count(0)
    error = add_form.locator(".errorlist")
    expect(error).to_have_text(f"{new_org} is already an organisation of this covenant.")
    expect(add_form.locator("[name=name]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main table tbody tr").filter(has_text=new_org)).to_have_count(1)
    audit(page, "scenario-organisation-duplicate")

    # Make it a member from year 5.
    page.get_by_role("navigation", name="Covenant management").get_by_role(
        "link", name="Memberships"
    ).click()
    expect(page).to_have_url(re.compile(r"/manage/memberships/$"))
    add_form = page.locator("form[aria-labelledby=add-membership]")
    add_form.locator("[name=organisation]").select_option(label=new_org)
    add_form.locator("[name=joined_in_year]").fill("5")
    submit(add_form.locator("button[type=submit]"))
    expect(messages(page)).to_be_visible()
    row = page.locator("main table tbody tr").filter(has_text=new_org)
    expect(row.locator("td").nth(1)).to_have_text("5")
    expect(row.locator("td").nth(2)).to_have_text("—")
    audit(page, "scenario-membership-added")

    # End an existing membership: the company leaves after year 4.
    row = page.locator("main table tbody tr").filter(has_text=ending_org)
    row.get_by_role("link", name=re.compile("Change or end")).click()
    expect(heading(page)).to_contain_text(ending_org)
    audit(page, "scenario-membership-edit")
    page.locator("main form [name=leaves_after_year]").fill("4")
    submit(page.locator("main form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/manage/memberships/$"))
    expect(messages(page)).to_be_visible()
    row = page.locator("main table tbody tr").filter(has_text=ending_org)
    expect(row.locator("td").nth(2)).to_have_text("4")

    # The public page: in year 5 the new company has joined and the other one is gone.
    page.goto(f"{METALS}/?year=5")
    expect(page.locator("#year-select")).to_have_value("5")
    expect(party_item(page, new_org)).to_contain_text("joined in year 5")
    expect(party_item(page, ending_org)).to_have_count(0)
    expect(party_item(page, "Tata Steel")).to_have_count(1)
    years = page.locator("table[aria-labelledby=years-heading] tbody tr")
    expect(years.nth(4).locator("td").nth(1)).to_contain_text(new_org)
    expect(years.nth(3).locator("td").nth(2)).to_contain_text(ending_org)
    audit(page, "scenario-public-year-5")

    # In year 4 it is still a party, leaving after that year; the new one is not there yet.
    # Choosing the year swaps the list in place (htmx) and updates the address.
    page.locator("#year-select").select_option("4")
    expect(page).to_have_url(re.compile(r"\?year=4$"))
    expect(page.locator("#parties")).to_contain_text("Parties in year 4")
    expect(page.locator("#parties")).to_have_count(1)
    expect(page.locator("main h1")).to_have_count(1)
    expect(party_item(page, ending_org)).to_contain_text("leaves after year 4")
    expect(party_item(page, new_org)).to_have_count(0)
    audit(page, "scenario-public-year-4-swapped")


def test_language_switch_from_dutch_to_english(new_page):
    """The language switch in the header changes the page's language and keeps the page."""
    page = new_page(language="nl")
    page.goto(f"{METALS}/?year=4")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "nl")
    audit(page, "language-dutch")
    switch = page.locator("header form button[name=language]")
    expect(switch).to_have_count(1)
    expect(switch).to_have_attribute("value", "en")
    expect(switch).to_have_attribute("lang", "en")

    submit(switch)
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"{re.escape(METALS)}/\?year=4$"))
    expect(page.locator("#year-select")).to_have_value("4")
    expect(page.get_by_role("heading", name="Parties")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("django_language") == "en"
    audit(page, "language-english")

    # The choice sticks on the next page, and the switch now offers Dutch.
    page.goto("/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("header form button[name=language]")).to_have_attribute("value", "nl")


def test_company_member_is_refused_secretariat_pages(page: Page):
    """A company member (no 2FA) sees its covenant and role, not the secretariat's pages."""
    login(page, "company")
    expect(heading(page)).to_contain_text("Bram Bedrijf")
    card = page.locator("main section.covenant-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text("IMVO-convenant Metaalsector")
    expect(card.locator(".badge")).to_have_text("company member (Staalbouw Noord B.V.)")
    expect(card.get_by_role("link", name="Manage organisations")).to_have_count(0)
    expect(
        card.get_by_role("link", name="See the parties and years of the covenant")
    ).to_be_visible()
    audit(page, "scenario-company-home")

    for name, path in [
        ("organisations", f"{MANAGE}/organisations/"),
        ("people", f"{MANAGE}/people/"),
        ("memberships", f"{MANAGE}/memberships/"),
        ("settings", f"{MANAGE}/settings/"),
    ]:
        response = page.goto(path)
        assert response is not None and response.status == 403, f"{name}: {response.status}"
        expect(heading(page)).to_have_text("You may not open this page")
        expect(page.locator("main table")).to_have_count(0)
        expect(page.locator("main form")).to_have_count(0)
    audit(page, "scenario-company-forbidden")

    # The 403 page leads back home.
    page.locator("main").get_by_role("link", name="Back to my home page").click()
    expect(page).to_have_url(re.compile(r"/home/$"))


def test_accessibility_of_every_page(new_page):
    """axe-core finds no serious or critical violation on any page of A11Y_PAGES."""
    tata = Organisation.objects.get(name="Tata Steel")
    codes = {
        "organisation": tata.code,
        "membership": Membership.objects.get(
            organisation=tata, covenant__slug=demo_data.METALS_SLUG
        ).code,
        "synonym": CommoditySynonym.objects.get(text="RVS").pk,
    }
    for who in dict.fromkeys(w for w, _name, _path in A11Y_PAGES):
        page = new_page()
        if who != "anonymous":
            login(page, who, check=who == "secretariat")
        for _who, name, path in (entry for entry in A11Y_PAGES if entry[0] == who):
            response = page.goto(path.format(**codes))
            assert response is not None, path
            expected = 403 if "forbidden" in name else 404 if name == "not-found" else 200
            assert response.status == expected, f"{path}: {response.status}"
            audit(page, name)
        page.context.close()
