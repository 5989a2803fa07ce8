from covenant.reports.models import Report


def test_published_reports_and_their_figures_are_open_data(client, demo):
    listed = client.get("/api/covenants/metaalsector/reports").json()
    assert [(r["year"], r["status"]) for r in listed] == [("2022-2023", "published")]
    code = listed[0]["code"]
    detail = client.get(f"/api/reports/{code}?lang=en").json()
    assert "11 of 12 companies published their RBC policy" in detail["summary"]
    figures = {f["indicator"]: f for f in client.get(f"/api/reports/{code}/figures").json()}
    assert (figures["risk_analysis"]["numerator"], figures["risk_analysis"]["denominator"]) == (
        7,
        11,
    )


def test_a_draft_is_given_only_to_those_who_review_it(client, demo):
    draft = Report.objects.get(covenant=demo, year__number=5)
    assert client.get(f"/api/reports/{draft.code}").status_code == 404
