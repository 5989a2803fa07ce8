"""RMI reporting templates (CMRT/EMRT): read by position per version, in any header language;
smelters become purchase lines at the smelting stage; each bad template gets its message."""

from __future__ import annotations

import html
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from covenant.screening import engine, rmi
from covenant.screening.models import Run, Upload


def _template(
    kind="CMRT",
    version="6.5",
    smelters=(),
    mines=None,
    lookup=(),
    smelter_sheet=True,
    headers=None,
) -> bytes:
    """A template in the researched layout: version on the Declaration tab, Smelter List
    header row 4 / data from row 5 (A id input, B metal, C look-up, D name, E country, F id)."""
    wb = openpyxl.Workbook()
    decl = wb.active
    decl.title = "Declaration"
    decl["A1"] = f"Revision {version}"
    decl["B2"] = (
        "Conflict Minerals Reporting Template (CMRT)"
        if kind == "CMRT"
        else ("Extended Minerals Reporting Template (EMRT)")
    )
    decl["B4"] = "Deutsch"
    if smelter_sheet:
        sl = wb.create_sheet("Smelter List")
        sl.append(["Schmelzhüttenliste"])
        sl.append([])
        sl.append([])
        sl.append(
            headers
            or [
                "Eingabespalte Schmelzhütten-Identifikationsnummer",
                "Metall (*)",
                "Schmelzhütten-Suche (*)",
                "Name der Schmelzhütte (1)",
                "Land der Schmelzhütte (*)",
                "Schmelzhütten-Identifikation",
            ]
        )
        for row in smelters:
            sl.append(list(row))
    if mines is not None:
        ml = wb.create_sheet("Mine List")
        for _ in range(4):
            ml.append(["Mine List header"])
        for row in mines:
            ml.append(list(row))
    lk = wb.create_sheet("Smelter Look-up")
    lk.append(["Metal", "Smelter Look-up (*)", "Standard Smelter Names", "Country", "Smelter ID"])
    for row in lookup:
        lk.append(list(row))
    wb.create_sheet("Checker")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CMRT = _template(
    smelters=[
        ("", "Tin", "Minsur", "Minsur", "PERU", "CID001182"),
        # Look-up only (formula columns not cached): name, country and id from the Look-up tab.
        ("", "Gold", "Example Gold Refinery", "", "", ""),
        ("", "Tantalum", "Smelter not listed", "Eigene Hütte GmbH", "Deutschland", ""),
        ("", "Tungsten", "Smelter not yet identified", "", "", ""),
        (),
    ],
    lookup=[("Gold", "Example Gold Refinery", "Example Gold Refinery", "Switzerland", "CID002763")],
)


def test_a_german_cmrt_is_read_by_position_and_resolved_through_its_lookup():
    result = rmi.read_rmi_template(CMRT)
    assert (result.kind, result.version) == ("CMRT", "6.5")
    got = [(s.metal, s.name, s.country, s.smelter_id) for s in result.smelters]
    assert got == [
        ("Tin", "Minsur", "PE", "CID001182"),
        ("Gold", "Example Gold Refinery", "CH", "CID002763"),
        ("Tantalum", "Eigene Hütte GmbH", None, ""),
    ]
    # "Deutschland" is not a country name the engine knows: screened with unknown origin.
    assert any("Deutschland" in w for w in result.warnings)


def test_an_emrt_with_a_mine_list():
    data = _template(
        kind="EMRT",
        version="2.1",
        smelters=[("CID003000", "Cobalt", "X", "Huayou Cobalt", "China", "CID003000")],
        mines=[("Cobalt", "Huayou Cobalt", "Kamoto", "", "", "Congo, Democratic Republic of the")],
    )
    result = rmi.read_rmi_template(data)
    assert (result.kind, result.version) == ("EMRT", "2.1")
    assert [(s.metal, s.country) for s in result.smelters] == [("Cobalt", "CN")]
    assert [(m.name, m.smelter) for m in result.mines] == [("Kamoto", "Huayou Cobalt")]


def test_smelters_become_purchase_lines_at_the_smelting_stage():
    lines = rmi.rmi_to_purchase_lines(rmi.read_rmi_template(CMRT))
    assert lines[0] == {
        "description": "Tin",
        "supplier": "Minsur (CID001182)",
        "origin_country": "PE",
        "quantity": 1,
    }
    reference = engine.Reference.build(
        commodities={"commodity": ["tin"], "name": ["Tin"]},
        synonyms={"commodity": ["tin"], "text": ["tin"]},
        hs_codes={"hs_code": ["8001"], "commodity": ["tin"]},
        compositions={"commodity": [], "component": [], "share": []},
        production={"commodity": [], "country": [], "stage": [], "share": [], "source": []},
        risks={
            "theme": ["child labour", "pollution"],
            "commodity": ["tin", "tin"],
            "country": ["PE", "PE"],
            "stage": ["mining", "smelting_refining"],
            "severity": [4, 3],
            "source": ["a", "b"],
        },
        country_likelihood={"country": ["PE"], "likelihood": [0.5]},
    )
    csv = rmi.rmi_to_csv(rmi.read_rmi_template(CMRT))
    at_smelter = engine.screen_csv(csv, reference, origin_stage=rmi.SMELTING_STAGE)
    assert at_smelter.findings["theme"].to_list() == ["pollution"]
    anywhere = engine.screen_csv(csv, reference)
    assert sorted(anywhere.findings["theme"].to_list()) == ["child labour", "pollution"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_template(version="5.12", smelters=[("", "Tin", "", "X", "Peru", "")]), "5.12 is not"),
        (_template(smelter_sheet=False), "has no “Smelter List” tab"),
        (_template(smelters=[]), "lists no smelters"),
    ],
)
def test_bad_templates_get_a_clear_message(data, message):
    with pytest.raises(rmi.RmiTemplateError, match=message):
        rmi.read_rmi_template(data)


def test_a_zip_bomb_and_a_password_protected_file_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 << 20))
    with pytest.raises(engine.PurchaseFileError, match="unpacks to far more"):
        rmi.read_rmi_template(bomb.getvalue())
    with pytest.raises(engine.PurchaseFileError, match="password-protected"):
        rmi.read_rmi_template(b"\xd0\xcf\x11\xe0" + b"\0" * 100)


def _upload(client, demo, content, name="cmrt.xlsx"):
    return client.post(
        reverse("screening-home", args=[demo.slug]), {"file": SimpleUploadedFile(name, content)}
    )


def test_an_uploaded_cmrt_shows_its_smelters_and_runs(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    response = _upload(client, demo, CMRT)
    assert response.status_code == 302
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY and upload.lines == 3
    assert upload.report["rmi"]["kind"] == "CMRT"
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    assert "Minsur" in page and "CID002763" in page and "PE" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    run = Run.objects.filter(upload=upload).latest("created_at")
    assert run.status == Run.Status.DONE, run.error
    assert run.lines == 3


def test_an_uploaded_bad_cmrt_is_refused_with_its_message(demo, client_for):
    before = Upload.objects.count()
    response = _upload(client_for("company"), demo, _template(smelter_sheet=False))
    assert response.status_code == 400
    assert "has no “Smelter List” tab" in html.unescape(response.content.decode())
    assert Upload.objects.count() == before
