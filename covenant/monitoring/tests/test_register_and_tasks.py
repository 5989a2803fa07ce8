import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from covenant.accounts.services import api_token_create
from covenant.conftest import user_for
from covenant.monitoring import services, tasks
from covenant.monitoring.models import Cycle, Part, SizeRule

COLUMNS = services.RISK_COLUMNS


def own_part(kind):
    return Part.objects.get(
        cycle__year__number=5, organisation__name="Staalbouw Noord B.V.", kind=kind
    )


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "risks"
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "register.xlsx"
    return buffer


def test_the_register_exports_to_excel_in_the_import_layout(client_for, demo):
    part = own_part("risk_analysis")
    response = client_for("company").get(f"/parts/{part.code}/register.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["risks"]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.max_row == 1 + part.risks.count()


def test_an_import_with_problems_lists_them_by_row_and_adds_nothing(client_for, demo):
    part = own_part("risk_analysis")
    before = part.risks.count()
    upload = xlsx(
        [
            COLUMNS,
            ["child_labour", "mica", "IN", "mining", 4, 3, 4, 2, "yes", "Mica"],
            [None] * 10,
            ["slavery", "tin", "Narnia", "mining", 5, "veel", 3, 2, "yes", ""],
        ]
    )
    response = client_for("company").post(
        f"/parts/{part.code}/register.xlsx", {"file": upload}, follow=True
    )
    html = response.content.decode()
    assert "Nothing was imported." in html
    assert "Row 4:" in html and "theme “slavery” is unknown" in html
    assert "country “Narnia” is not an ISO code" in html
    assert "scale “5” is not a number from 1 to 4" in html
    assert "a prioritised risk needs a reason" in html
    assert part.risks.count() == before


def test_a_good_import_adds_the_risks(client_for, demo):
    part = own_part("risk_analysis")
    before = part.risks.count()
    upload = xlsx([COLUMNS, ["child_labour", "mica", "mg", "mining", 4, 3, 4, 2, "ja", "Mica"]])
    response = client_for("company").post(
        f"/parts/{part.code}/register.xlsx", {"file": upload}, follow=True
    )
    assert "1 risks were added." in response.content.decode()
    assert part.risks.filter(country="MG", prioritised=True).count() == 1
    assert part.risks.count() == before + 1


def test_evidence_is_required_from_large_companies_only(demo):
    SizeRule.objects.create(covenant=demo, rule="evidence_above_1", size_classes="large")
    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    large = Part.objects.get(cycle=cycle, kind="self_assessment", organisation__name="Tata Steel")
    medium = Part.objects.get(
        cycle=cycle, kind="self_assessment", organisation__name="Staalbouw Noord B.V."
    )
    assert services.evidence_required(large)
    assert not services.evidence_required(medium)


def test_the_secretariat_sets_the_lighter_requirements(client_for, demo):
    client_for("secretariat").post(
        "/covenants/metaalsector/monitoring/size-rules/", {"size_classes": ["large", "medium"]}
    )
    assert SizeRule.objects.get(covenant=demo).size_classes == "large,medium"


def test_reminders_go_to_companies_with_open_parts_once(demo, mailoutbox):
    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    Cycle.objects.filter(pk=cycle.pk).update(deadline=dt.date.today() + dt.timedelta(days=3))
    sent = tasks.send_deadline_reminders.call()
    assert sent >= 1
    assert any("bedrijf@example.org" in m.to for m in mailoutbox)
    assert "Still to submit" in mailoutbox[0].body
    assert tasks.send_deadline_reminders.call() == 0  # not twice


def test_a_company_syncs_its_register_through_the_api(client, demo):
    _t, plain = api_token_create(user=user_for("company"), name="ERP")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    part = own_part("risk_analysis")
    body = {
        "theme": "forced_labour",
        "commodity": "cobalt",
        "country": "CD",
        "chain_stage": "mining",
        "scale": 4,
        "scope": 4,
        "irremediable": 4,
        "likelihood": 3,
        "prioritised": True,
        "reason": "Kobalt uit Congo",
    }
    created = client.post(
        f"/api/parts/{part.code}/risks", body, content_type="application/json", **auth
    )
    assert created.status_code == 201
    assert created.json()["severity"] == 4
    listed = client.get(f"/api/parts/{part.code}/risks", **auth).json()
    assert any(r["commodity"] == "cobalt" for r in listed)
    bad = client.post(
        f"/api/parts/{part.code}/risks",
        {**body, "prioritised": True, "reason": ""},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    assert bad.json()["extra"] == {"reason": ["Say why this risk is prioritised."]}


def test_the_api_gives_figures_with_the_disclosure_threshold(client, demo):
    _t, plain = api_token_create(user=user_for("stakeholder"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    rows = client.get("/api/covenants/metaalsector/monitoring/4/figures", **auth).json()
    figures = {r["indicator"]: r for r in rows}
    assert (figures["risk_analysis"]["numerator"], figures["risk_analysis"]["denominator"]) == (
        7,
        11,
    )
    demo.disclosure_threshold = 20
    demo.save()
    rows = client.get("/api/covenants/metaalsector/monitoring/4/figures", **auth).json()
    assert all(r["suppressed"] for r in rows)


def test_a_policy_document_of_a_wrong_type_or_size_is_refused_and_nothing_saved(demo, settings):
    import pytest
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    part = own_part("policy")
    version = part.version
    fake = SimpleUploadedFile("beleid.pdf", b"MZ not a pdf")
    with pytest.raises(ValidationError, match="Only these files can be uploaded: PDF, DOCX"):
        services.policy_save(part=part, user=None, published=True, document=fake)
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("beleid.pdf", b"%PDF" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.policy_save(part=part, user=None, published=True, document=big)
    part.refresh_from_db()
    assert part.version == version
    assert not part.policy_document


def test_the_policy_document_is_served_only_to_those_who_see_the_part(client_for, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    part = own_part("policy")
    services.policy_save(
        part=part,
        user=None,
        published=True,
        document=SimpleUploadedFile("beleid.pdf", b"%PDF-1.4 beleid"),
    )
    assert client_for("company").get(f"/parts/{part.code}/document/").status_code == 200
    assert client_for("secretariat").get(f"/parts/{part.code}/document/").status_code == 200
    assert client_for("stakeholder").get(f"/parts/{part.code}/document/").status_code == 404
