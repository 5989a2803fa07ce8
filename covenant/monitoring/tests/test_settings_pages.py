import io

from openpyxl import Workbook, load_workbook

from covenant.monitoring.models import HistoricFigure, Indicator

BASE = "/covenants/metaalsector/monitoring/"


def test_the_secretariat_adds_a_weighted_indicator_and_its_figure_follows(client_for, demo):
    client = client_for("secretariat")
    response = client.post(
        BASE + "indicators/",
        {
            "code": "risk_weighted",
            "name_nl": "Risicoanalyse (naar werknemers)",
            "name_en": "Risk analysis (by employees)",
            "measure": "delivered",
            "part_kind": "risk_analysis",
            "population": "monitored",
            "weight": "employees",
            "order": 20,
            "is_active": "on",
        },
        follow=True,
    )
    assert "was added" in response.content.decode()
    # The open year shows it at once; a closed year keeps the figures frozen at its closing.
    assert "Risk analysis (by employees)" in client.get(BASE + "5/").content.decode()
    assert "Risk analysis (by employees)" not in client.get(BASE + "4/").content.decode()


def test_an_indicator_that_counts_a_policy_element_needs_the_element(client_for, demo):
    response = client_for("secretariat").post(
        BASE + "indicators/",
        {
            "code": "grievance",
            "name_nl": "x",
            "name_en": "x",
            "measure": "policy_element",
            "population": "members_end",
            "weight": "head",
            "order": 1,
            "is_active": "on",
        },
    )
    assert "Choose the policy element this indicator counts." in response.content.decode()
    assert not Indicator.objects.filter(code="grievance").exists()


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "figures"
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "history.xlsx"
    return buffer


HEADER = ["year", "indicator", "numerator", "denominator", "value", "source"]


def test_the_template_can_be_downloaded(client_for, demo):
    response = client_for("secretariat").get(BASE + "history/?template=1")
    sheet = load_workbook(io.BytesIO(response.content))["figures"]
    assert [c.value for c in sheet[1]] == HEADER


def test_a_bad_import_lists_every_problem_by_row_and_imports_nothing(client_for, demo):
    upload = _xlsx(
        [
            HEADER,
            [1, "policy_published", 4, 8, None, "jaarverslag"],
            [None] * 6,
            [9, "policy_published", 1, 2, None, ""],
            [2, "nope", "veel", 9, None, ""],
        ]
    )
    response = client_for("secretariat").post(BASE + "history/", {"file": upload})
    html = response.content.decode()
    assert "Row 4: year 9 is not a year of this covenant." in html
    assert "Row 5: unknown indicator “nope”; numerator “veel” is not a number." in html
    assert not HistoricFigure.objects.exists()


def test_a_good_import_shows_in_the_trend(client_for, demo):
    from covenant.monitoring.models import Cycle

    Cycle.objects.filter(covenant=demo, year__number=1).delete()
    upload = _xlsx([HEADER, [1, "policy_published", 4, 8, None, "jaarverslag 2020"]])
    response = client_for("secretariat").post(BASE + "history/", {"file": upload}, follow=True)
    assert "1 figures were imported." in response.content.decode()
    html = client_for("stakeholder").get(BASE + "trend/").content.decode()
    assert "4 of 8" in html
    assert "11 of 12" in html


def test_a_file_that_is_not_excel_is_refused_clearly(client_for, demo):
    fake = io.BytesIO(b"just text")
    fake.name = "history.xlsx"
    response = client_for("secretariat").post(BASE + "history/", {"file": fake})
    assert "This is not an Excel (.xlsx) file." in response.content.decode()


def test_the_secretariat_records_numbers_per_company_and_nothing_is_saved_on_bad_input(
    client_for, demo
):
    from covenant.monitoring.models import CompanyFigures, Cycle

    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    tata = cycle.company_figures.get(organisation__name="Tata Steel")
    client = client_for("secretariat")
    url = BASE + "5/company-figures/"
    page = client.get(url).content.decode()
    assert f'name="employees-{tata.organisation_id}" value="900"' in page
    response = client.post(
        url,
        {f"employees-{tata.organisation_id}": "veel", f"turnover-{tata.organisation_id}": "12,5"},
    )
    assert "“veel” is not a number." in response.content.decode()
    assert CompanyFigures.objects.get(pk=tata.pk).turnover is None
    client.post(
        url,
        {f"employees-{tata.organisation_id}": "950", f"turnover-{tata.organisation_id}": "12,5"},
    )
    tata.refresh_from_db()
    assert (tata.employees, str(tata.turnover)) == (950, "12.50")
    assert client_for("stakeholder").get(url).status_code == 403
