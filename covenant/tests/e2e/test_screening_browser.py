"""End-to-end test of the screening in a real browser (see conftest.py for fixtures).

- the demo company member uploads a purchase list as Dutch spreadsheets export it
  (semicolons, Windows-1252, decimal commas) with an amount column the app does not know,
  maps that column, says which country a misspelt one means, checks the preview, runs the
  screening (the immediate task backend runs it in the live server's thread), opens a
  finding's explanation and adopts it into the year-5 risk register, where it shows as
  "from screening";
- the demo stakeholder sees the sector risk map: suppressed while fewer companies than the
  disclosure threshold have been screened, with values and a world map once the threshold
  is met, never naming a company;
- axe-core finds no serious or critical violation on any page visited; each page is saved as
  a screenshot in test-artifacts/screens/screening-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from covenant.covenants.demo import METALS_SLUG
from covenant.covenants.models import Covenant
from covenant.tests.e2e.conftest import METALS, audit, heading, login, messages, submit

pytestmark = pytest.mark.e2e

STAAL = "Staalbouw Noord B.V."
FILE_NAME = "inkoop-2025-q1.csv"
AMOUNT = "Netto inkoopsom (€)"  # not a header the app recognises
HEADER = ["Omschrijving", "HS-code", "Leverancier", "Land van herkomst", AMOUNT]
LINES = [
    ["Tin staven 99,9%", "800110", "Metallo Trading", "Bolivia", "12.450,75"],
    ["Glimmer isolatieplaat", "", "Isola Europe", "Madagascar", "3.180,50"],
    ["Mica band, geïsoleerd", "", "Isola Europe", "", "1.020,00"],
    ["Zinkplaat 2mm", "790700", "Nyrstar Sales", "Peroe", "640,25"],  # a typo for Peru
    ["Koffie voor de kantine", "", "Café Noord", "", "95,40"],
]


def purchase_csv() -> bytes:
    """The list as Excel saves it on a Dutch Windows machine."""
    rows = [HEADER, *LINES]
    return ("\r\n".join(";".join(row) for row in rows) + "\r\n").encode("cp1252")


def test_company_screens_a_purchase_list_and_adopts_a_finding(new_page):
    data = purchase_csv()
    assert "€".encode("cp1252") in data and b"\xef" in data  # "ï" as Windows-1252

    page = new_page()
    login(page, "company")
    page.goto(f"{METALS}/screening/")
    expect(heading(page)).to_have_text("Risk screening of purchase lists")
    expect(page.get_by_role("link", name=re.compile("Sector risk map"))).to_have_count(0)
    audit(page, "screening-home")

    # Upload: the amount column is not recognised, so the mapping page asks for it.
    page.get_by_label("Purchase list (CSV or Excel .xlsx)").set_input_files(
        {"name": FILE_NAME, "mimeType": "text/csv", "buffer": data}
    )
    submit(page.get_by_role("button", name="Upload and preview"))
    expect(page).to_have_url(re.compile(r"/screening/uploads/[0-9a-f-]{36}/mapping/$"))
    expect(heading(page)).to_have_text("Map the columns")
    expect(page.locator("main")).to_contain_text(
        "No column holds amounts: expected a column such as “bedrag”"
    )
    audit(page, "screening-mapping")
    # the columns known by their names show what they are read as
    expect(page.get_by_label("Omschrijving", exact=True)).to_have_value("description")
    expect(page.get_by_label("Land van herkomst", exact=True)).to_have_value("origin_country")
    page.get_by_label(AMOUNT, exact=True).select_option("spend")
    submit(page.get_by_role("button", name="Read the file with this mapping"))

    # Countries: "Peroe" is not a country; Peru is suggested, and the user confirms it.
    expect(page).to_have_url(re.compile(r"/screening/uploads/[0-9a-f-]{36}/countries/$"))
    expect(heading(page)).to_have_text("Map the countries")
    row = page.get_by_role("row", name=re.compile("Peroe"))
    expect(row).to_contain_text("Land van herkomst")
    expect(row).to_contain_text("Peru (PE)")
    # near-certain (it is one letter from French "Pérou"), so Peru is preselected to confirm
    expect(page.get_by_label("“Peroe”")).to_have_value("PE")
    page.get_by_label("“Peroe”").select_option("PE")
    audit(page, "screening-countries")
    submit(page.get_by_role("button", name="Read the file with these countries"))

    # Preview: read as Windows-1252 with semicolons and decimal commas.
    expect(page).to_have_url(re.compile(r"/screening/uploads/[0-9a-f-]{36}/$"))
    expect(heading(page)).to_have_text(f"Preview of {FILE_NAME}")
    expect(messages(page)).to_contain_text("The countries were mapped")
    main = page.locator("main")
    expect(main).to_contain_text("5 purchase lines were read")
    expect(main).to_contain_text("decimal comma")
    expect(main).to_contain_text("“;”")
    expect(main).to_contain_text("Mica band, geïsoleerd")  # decoded, not mojibake
    expect(main).to_contain_text("Koffie voor de kantine")  # not linked to a commodity
    expect(main).to_contain_text("12,450.75")  # as an English reader writes it
    audit(page, "screening-preview")

    # Run: the task runs in the server's thread, so the run is done when the page comes.
    submit(page.get_by_role("button", name="Run the screening"))
    expect(page).to_have_url(re.compile(r"/screening/runs/[0-9a-f-]{36}/$"))
    expect(page.locator("#run-status")).to_contain_text("Done:")
    findings = page.get_by_role("table", name="Findings, ranked")
    first = findings.locator("tbody tr").first
    expect(first).to_contain_text("Child labour")
    expect(first).to_contain_text("BO")
    audit(page, "screening-run")

    # The explanation of the top finding, and its adoption into the risk register.
    first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/screening/findings/[0-9a-f-]{36}/$"))
    expect(heading(page)).to_contain_text("#1 Child labour")
    explanation = page.locator("ol.explanation")
    expect(explanation).to_contain_text("stated country of origin BO")
    expect(explanation).to_contain_text("ILAB")
    expect(page.get_by_role("table", name="Purchase lines")).to_contain_text("Tin staven 99,9%")
    audit(page, "screening-finding")
    submit(page.get_by_role("button", name="Add to my risk register"))

    expect(page).to_have_url(re.compile(r"/parts/[0-9a-f-]{36}/$"))
    expect(heading(page)).to_have_text(f"Risk analysis: {STAAL}")
    expect(messages(page)).to_contain_text("The finding was added to your risk register.")
    adopted = page.locator("main table tbody tr").filter(has_text="from screening")
    expect(adopted).to_have_count(1)
    expect(adopted).to_contain_text("BO")

    # The finding now points to the register instead of offering to add it again.
    page.go_back()
    page.reload()
    expect(page.get_by_role("button", name="Add to my risk register")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("In the risk register:")

    # The column and the country value are remembered for the company, and can be forgotten.
    page.goto(f"{METALS}/screening/")
    page.get_by_role("link", name=re.compile("What the screening remembers")).click()
    expect(page.get_by_role("table", name="Column names")).to_contain_text(AMOUNT)
    expect(page.get_by_role("table", name="Country values")).to_contain_text("Peroe")
    audit(page, "screening-remembered")
    page.get_by_role("button", name="Forget “Peroe”").click()
    expect(page.locator("main")).to_contain_text("Forgotten: the next upload is read without it.")
    expect(page.get_by_role("table", name="Country values")).to_have_count(0)


def test_company_names_the_row_with_the_column_names_below_a_title(new_page):
    """A title of two cells above columns the app does not know is first taken for the
    header; the user picks the row with the column names, then maps them."""
    data = (
        "Inkooplijst 2025;Staalbouw Noord B.V.;;\r\n;;;\r\n"
        "Artikel;Euro;Herkomst\r\nTin staven;1.250,00;Bolivia\r\nMica plaat;80,00;India\r\n"
    ).encode("cp1252")
    page = new_page()
    login(page, "company")
    page.goto(f"{METALS}/screening/")
    page.get_by_label("Purchase list (CSV or Excel .xlsx)").set_input_files(
        {"name": "titel.csv", "mimeType": "text/csv", "buffer": data}
    )
    submit(page.get_by_role("button", name="Upload and preview"))
    expect(heading(page)).to_have_text("Map the columns")
    expect(
        page.get_by_label("Inkooplijst 2025", exact=True)
    ).to_be_visible()  # the title, as a column
    rows = page.get_by_role("group", name="Which row holds the column names?")
    expect(rows).to_be_visible()  # open: the title leaves columns without a name
    expect(rows.get_by_label("Row 1: Inkooplijst 2025 · Staalbouw Noord B.V.")).to_be_checked()
    audit(page, "screening-header-row")
    rows.get_by_label("Row 3: Artikel · Euro · Herkomst").check()
    submit(page.get_by_role("button", name="Read the column names from this row"))

    expect(messages(page)).to_contain_text("The column names are read from row 3.")
    expect(page.get_by_label("Inkooplijst 2025", exact=True)).to_have_count(0)
    page.get_by_label("Artikel", exact=True).select_option("description")
    page.get_by_label("Euro", exact=True).select_option("spend")
    page.get_by_label("Herkomst", exact=True).select_option("origin_country")
    submit(page.get_by_role("button", name="Read the file with this mapping"))

    expect(heading(page)).to_have_text("Preview of titel.csv")
    preview = page.locator("main")
    expect(preview).to_contain_text("2 purchase lines were read")
    expect(page.get_by_role("row", name=re.compile(r"^4 Tin staven"))).to_be_visible()
    expect(preview).to_contain_text("Rows 1 to 2, above the column names")


def test_stakeholder_sees_the_sector_map_without_company_names(new_page):
    page = new_page()
    login(page, "stakeholder")
    page.get_by_role("link", name="Sector risk map of the screenings").click()
    expect(heading(page)).to_have_text("Sector risk map")

    # Four demo companies screened, threshold 3: the cells shared by at least three companies
    # show their values (the seed's themes), smaller ones are left out; no company is named.
    table = page.locator("#sector-table")
    expect(table.locator("tbody tr").filter(has_text="Mica").first).to_contain_text(
        re.compile(r"\d\.\d{3}")
    )
    expect(table).to_contain_text("India (IN)")
    expect(table).to_contain_text("Madagascar (MG)")
    expect(table).to_contain_text("South Africa (ZA)")
    expect(table).not_to_contain_text("fewer than 3")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"\d+ cells are left out of the table and the charts, with their countries")
    )
    expect(page.locator("main figure svg")).to_have_count(2)  # world map and heat map
    for name in (STAAL, "Tata Steel", "Wuppermann", "Krommenhoek"):
        expect(page.locator("main")).not_to_contain_text(name)
    audit(page, "screening-sector")

    # With a threshold above the number of companies, no cell is shown, nor named.
    Covenant.objects.filter(slug=METALS_SLUG).update(disclosure_threshold=5)
    page.reload()
    expect(page.locator("main")).to_contain_text("the purchases of fewer than 5 companies")
    expect(table).to_have_count(0)
    expect(page.locator("main figure svg")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("India")
    audit(page, "screening-sector-suppressed")


def test_wide_tables_scroll_in_their_own_box_on_a_phone(new_page):
    page = new_page()
    login(page, "company")
    page.goto(f"{METALS}/screening/")
    page.locator("main a[href*='/screening/runs/']").first.click()
    expect(heading(page)).to_contain_text(STAAL)
    # on a wide screen the charts fit: their boxes are no tab stops, nor named groups (the
    # caption is read once)
    chart = page.locator("#heat-chart .chart-scroll")
    assert not chart.evaluate("c => c.scrollWidth > c.clientWidth")
    for attribute in ("tabindex", "role", "aria-labelledby"):
        expect(chart).not_to_have_attribute(attribute, re.compile(".*"))
    page.set_viewport_size({"width": 390, "height": 800})
    # the page itself never scrolls sideways (WCAG 1.4.10); the findings table does, inside
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.get_by_role("table", name="Findings, ranked")
    expect(table.get_by_role("columnheader", name="Score")).to_have_count(1)
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    # a chart keeps a readable size and scrolls in its own box too, reached by Tab
    assert chart.evaluate("c => c.scrollWidth > c.clientWidth")
    expect(chart).to_have_attribute("tabindex", "0")
    expect(chart).to_have_attribute("role", "group")
    expect(chart).to_have_attribute("aria-labelledby", "heat-caption")
    assert chart.locator("svg").evaluate("s => s.getBoundingClientRect().width") >= 500
    audit(page, "screening-run-phone")  # a box that scrolls can be reached by keyboard
    # nor does a page whose table holds hidden labels for screen readers (the audit's 440 px)
    page.goto("/me/tokens/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
