"""RMI reporting templates (CMRT/EMRT): read by position per version, in any header language;
smelters become purchase lines at the smelting stage, an EMRT's mines at the mining stage;
each bad template gets its message.

The workbooks follow the layout documented at `rmi.LAYOUTS` (see rmi_workbooks.py)."""

from __future__ import annotations

import html
import io
import struct
import zipfile

import openpyxl
import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from covenant.accounts import services as account_services
from covenant.screening import engine, rmi
from covenant.screening.models import Run, Upload
from covenant.screening.tests.rmi_workbooks import rmi_workbook

CMRT_SMELTERS = [
    ("", "Tin", "Minsur", "Minsur", "Peru", "CID001182"),
    # Look-up only (the formula columns D-F were not calculated): resolved by the Look-up tab.
    ("", "Gold", "Example Gold Refinery", "", "", ""),
    # Option A, the identification number alone in column A: resolved by the Look-up tab.
    ("CID002557", "", "", "", "", ""),
    ("", "Tantalum", "Smelter not listed", "Eigene Hütte GmbH", "Bayern", ""),
    # The Look-up's own placeholder row names it "Unknown": not a smelter.
    ("", "Tungsten", "Smelter not yet identified", "", "", ""),
    (),
]
CMRT_LOOKUP = [
    ("Gold", "Example Gold Refinery", "Example Gold Refinery", "Switzerland", "CID002763"),
    (
        "Tantalum",
        "Global Advanced Metals Boyertown",
        "Global Advanced Metals Boyertown",
        "United States Of America",
        "CID002557",
    ),
    ("Tungsten", "Smelter not yet identified", "Unknown", "Unknown", ""),
]
CMRT_EXPECTED = [
    ("Tin", "Minsur", "PE", "CID001182"),
    ("Gold", "Example Gold Refinery", "CH", "CID002763"),
    ("Tantalum", "Global Advanced Metals Boyertown", "US", "CID002557"),
    ("Tantalum", "Eigene Hütte GmbH", None, ""),
]
CMRT = rmi_workbook(smelters=CMRT_SMELTERS, lookup=CMRT_LOOKUP, language="中文 Chinese")


def _found(result: rmi.RmiResult) -> list[tuple]:
    return [(s.metal, s.name, s.country, s.smelter_id) for s in result.smelters]


def _warnings(result: rmi.RmiResult) -> list[str]:
    """The warnings' English texts."""
    return [engine.fill_message(w["message"], w["params"]) for w in result.warnings]


def test_a_chinese_cmrt_is_read_by_position_and_resolved_through_its_lookup():
    result = rmi.read_rmi_template(CMRT)
    assert (result.kind, result.version) == ("CMRT", "6.5")
    assert _found(result) == CMRT_EXPECTED
    # "Bayern" is a region, not a country: screened with unknown origin.
    assert any("Bayern" in w for w in _warnings(result))


@pytest.mark.parametrize("language", ["English", "中文 Chinese"])
@pytest.mark.parametrize("version", ["6.01", "6.22", "6.31", "6.4", "6.5"])
def test_every_cmrt_6_version_reads_the_same_columns_in_any_header_language(language, version):
    data = rmi_workbook(
        version=version, smelters=CMRT_SMELTERS, lookup=CMRT_LOOKUP, language=language
    )
    result = rmi.read_rmi_template(data)
    assert (result.kind, result.version) == ("CMRT", version)
    assert _found(result) == CMRT_EXPECTED


def test_headers_are_never_read_even_when_they_name_other_columns():
    data = rmi_workbook(smelters=[("", "Tin", "Minsur", "Minsur", "Peru", "CID001182")])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    headers = workbook["Smelter List"]
    headers["D4"], headers["E4"] = "Smelter Country (*)", "Smelter Name (1)"
    out = io.BytesIO()
    workbook.save(out)
    assert _found(rmi.read_rmi_template(out.getvalue())) == [("Tin", "Minsur", "PE", "CID001182")]


# Mine List row: metal, smelter, mine, mine id, source, country
KAMOTO = (
    "Cobalt",
    "Huayou Cobalt",
    "Kamoto",
    "CID005001",
    "RMI",
    "Congo, Democratic Republic of the",
)


def _emrt(version="2.1", language="English", mines=()):
    return rmi_workbook(
        kind="EMRT",
        version=version,
        language=language,
        smelters=[
            ("", "Cobalt", "Huayou Cobalt", "Huayou Cobalt", "China", "CID003000"),
            ("", "Mica", "Smelter not listed", "Mica Processing Pvt", "India", ""),
        ],
        mines=[
            KAMOTO,
            (),
            ("Mica", "Mica Processing Pvt", "Koderma", "", "", "India"),
            *mines,
        ],
    )


@pytest.mark.parametrize("language", ["English", "中文 Chinese"])
@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_an_emrt_2_with_a_mine_list(language, version):
    data = _emrt(version, language)
    result = rmi.read_rmi_template(data)
    assert (result.kind, result.version) == ("EMRT", version)
    assert _found(result) == [
        ("Cobalt", "Huayou Cobalt", "CN", "CID003000"),
        ("Mica", "Mica Processing Pvt", "IN", ""),
    ]
    assert [(m.metal, m.name, m.smelter, m.country, m.mine_id) for m in result.mines] == [
        ("Cobalt", "Kamoto", "Huayou Cobalt", "CD", "CID005001"),
        ("Mica", "Koderma", "Mica Processing Pvt", "IN", ""),
    ]


def test_an_emrt_1_has_no_mine_list():
    data = rmi_workbook(
        kind="EMRT",
        version="1.3",
        smelters=[("", "Cobalt", "Huayou Cobalt", "Huayou Cobalt", "China", "CID003000")],
    )
    result = rmi.read_rmi_template(data)
    assert (result.kind, result.version) == ("EMRT", "1.3")
    assert [(s.metal, s.country) for s in result.smelters] == [("Cobalt", "CN")]
    assert result.mines == []
    assert not any("Mine List" in w for w in _warnings(result))


def test_an_emrt_2_without_its_mine_list_tab_is_read_with_a_warning():
    data = rmi_workbook(
        kind="EMRT",
        version="2.1",
        smelters=[("", "Cobalt", "Huayou Cobalt", "Huayou Cobalt", "China", "CID003000")],
    )
    result = rmi.read_rmi_template(data)
    assert result.mines == []
    assert "This EMRT 2.1 has no “Mine List” tab." in _warnings(result)


@pytest.mark.parametrize(
    ("kind", "history", "version", "expected"),
    [
        # Oldest first: the last entry is the template's own revision (6.31 comes before 6.4).
        ("CMRT", [1, 2, 2.01, 3.02, 5.12, 6.01, 6.1, 6.22, 6.31], 6.4, "6.4"),
        ("EMRT", [1.1, 1.11, 1.2, 1.3], 2, "2.0"),
        ("EMRT", [], "Revision 2.1 October 17, 2025", "2.1"),
    ],
)
def test_the_version_is_read_from_the_revision_history(kind, history, version, expected):
    data = rmi_workbook(
        kind=kind,
        version=version,
        version_at="revision",
        revision_history=history,
        smelters=[("", "Cobalt" if kind == "EMRT" else "Tin", "X", "X Smelter", "China", "")],
    )
    assert rmi.read_rmi_template(data).version == expected


@pytest.mark.parametrize(("metal", "kind"), [("Tin", "CMRT"), ("Cobalt", "EMRT")])
def test_a_title_that_does_not_name_the_template_falls_back_to_its_metals(metal, kind):
    data = rmi_workbook(
        kind="",
        version="6.5" if kind == "CMRT" else "2.1",
        title="Modèle de déclaration",
        smelters=[("", metal, "X", "X Smelter", "China", "")],
    )
    assert rmi.read_rmi_template(data).kind == kind


def test_smelters_are_screened_at_the_smelting_stage_and_their_mining_spread():
    lines = rmi.rmi_to_purchase_lines(rmi.read_rmi_template(CMRT))
    assert lines[0] == {
        "description": "Tin",
        "supplier": "Minsur (CID001182)",
        "origin_country": "PE",
        "quantity": 1,
        "stage": "smelting_refining",
    }
    reference = engine.Reference.build(
        commodities={"commodity": ["tin"], "name": ["Tin"]},
        synonyms={"commodity": ["tin"], "text": ["tin"]},
        hs_codes={"hs_code": ["8001"], "commodity": ["tin"]},
        compositions={"commodity": [], "component": [], "share": []},
        production={
            "commodity": ["tin"],
            "country": ["BO"],
            "stage": ["mining"],
            "share": [0.4],
            "source": ["c"],
        },
        risks={
            "theme": ["child labour", "pollution", "health and safety"],
            "commodity": ["tin", "tin", "tin"],
            "country": ["PE", "PE", "BO"],
            "stage": ["mining", "smelting_refining", "mining"],
            "severity": [4, 3, 4],
            "source": ["a", "b", "d"],
        },
        country_likelihood={"country": ["PE", "BO"], "likelihood": [0.5, 0.5]},
    )
    csv = rmi.rmi_to_csv(rmi.read_rmi_template(CMRT))

    def found(**options):
        result = engine.screen_csv(csv, reference, **options)
        return sorted(result.findings.select("theme", "country", "stage").rows())

    # Minsur smelts in Peru; where its tin was mined is not known: Bolivia's 40 % share
    assert found(origin_stage=rmi.SMELTING_STAGE) == [
        ("health and safety", "BO", "mining"),
        ("pollution", "PE", "smelting_refining"),
    ]
    # ... unless the template's mines say where the tin was mined
    for stated in (["tin"], True):
        assert found(origin_stage=rmi.SMELTING_STAGE, stated_elsewhere=stated) == [
            ("pollution", "PE", "smelting_refining")
        ]
    # a purchase list's country of origin is taken at any stage, and nothing is spread
    assert found() == [("child labour", "PE", "mining"), ("pollution", "PE", "smelting_refining")]


def test_mines_become_lines_after_the_smelters_screened_at_the_mining_stage():
    result = rmi.read_rmi_template(
        _emrt(mines=[("Cobalt", "Huayou Cobalt", "Mine X", "", "", "Katanga"), ("Mica", "", "")])
    )
    # the mine whose country is not known is shown, said, and not screened
    assert [m.name for m in result.mines] == ["Kamoto", "Koderma", "Mine X"]
    assert (
        "Mine List row 8 (Mine X): country “Katanga” not recognised; the mine is not "
        "screened." in _warnings(result)
    )
    lines = rmi.rmi_to_purchase_lines(result)
    assert [(x["description"], x["origin_country"], x["stage"]) for x in lines] == [
        ("Cobalt", "CN", "smelting_refining"),
        ("Mica", "IN", "smelting_refining"),
        ("Cobalt", "CD", "mining"),
        ("Mica", "IN", "mining"),
    ]
    assert lines[2]["supplier"] == "Kamoto (CID005001)"
    parts = rmi.screening_parts(result)
    assert [(stage, offset) for stage, _csv, offset in parts] == [
        ("smelting_refining", 0),
        ("mining", 2),
    ]
    assert parts[1][1].decode().splitlines()[1:] == [
        "Cobalt,Kamoto (CID005001),CD,1.0",
        "Mica,Koderma,IN,1.0",
    ]
    # the upload's lines are the smelters' and then the mines', in the parts' order
    assert rmi.rmi_to_csv(result).decode().splitlines()[3:] == parts[1][1].decode().splitlines()[1:]


TIN = [("", "Tin", "", "X", "Peru", "")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (rmi_workbook(version="5.12", smelters=TIN), "CMRT version 5.12 is not a template"),
        (rmi_workbook(kind="EMRT", version="3.0", smelters=TIN), "EMRT version 3.0 is not"),
        (rmi_workbook(version_at="", smelters=TIN), "its template version could not be found"),
        (rmi_workbook(kind="AMRT", version="1.3", smelters=TIN), "This is an RMI AMRT, not a"),
        (rmi_workbook(kind="CRT", version="2.21", smelters=TIN), "This is an RMI CRT, not a"),
        (rmi_workbook(smelter_sheet=False), "has no “Smelter List” tab"),
        (rmi_workbook(smelters=[]), "lists no smelters"),
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


def _with_bad_crc(data: bytes, marker: bytes) -> bytes:
    """The .xlsx with a wrong CRC-32 on the sheet that holds `marker` (a damaged copy: a bit
    flipped in a download gives the same error); the zip's directory itself stays valid."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(
            i.filename
            for i in archive.infolist()
            if i.filename.startswith("xl/worksheets/") and marker in archive.read(i.filename)
        ).encode()
    raw = bytearray(data)
    for signature, name_at, crc_at, len_at in (
        (b"PK\x03\x04", 30, 14, 26),
        (b"PK\x01\x02", 46, 16, 28),
    ):
        pos = raw.find(signature)
        while pos >= 0:
            length = struct.unpack_from("<H", raw, pos + len_at)[0]
            if raw[pos + name_at : pos + name_at + length] == name:
                struct.pack_into("<I", raw, pos + crc_at, 0xDEADBEEF)
            pos = raw.find(signature, pos + 4)
    return bytes(raw)


DAMAGED = _with_bad_crc(
    rmi_workbook(smelters=[("", "Tin", "Minsur", "Minsur", "Peru", "CID001182")]),
    b"Smelter Identification Number Input Column",
)


def test_a_template_with_a_damaged_sheet_is_refused_with_a_message(demo, client_for, company):
    with pytest.raises(engine.PurchaseFileError, match="cannot be read"):
        rmi.read_rmi_template(DAMAGED)
    before = Upload.objects.count()
    response = _upload(client_for("company"), demo, DAMAGED)
    assert response.status_code == 400
    assert "This Excel file cannot be read" in html.unescape(response.content.decode())
    _token, plain = account_services.api_token_create(user=company, name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").post(
        f"/api/covenants/{demo.slug}/screening/uploads",
        {"file": SimpleUploadedFile("cmrt.xlsx", DAMAGED)},
    )
    assert api.status_code == 400
    assert "cannot be read" in api.json()["message"]
    assert Upload.objects.count() == before


def test_smelters_under_a_merged_metal_cell_are_all_read():
    data = rmi_workbook(
        smelters=[
            ("", "Tin", "Smelter not listed", "Smelter One", "Peru", ""),
            ("", "", "Smelter not listed", "Smelter Two", "Bolivia", ""),
            ("", "", "Smelter not listed", "Smelter Three", "Indonesia", ""),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["Smelter List"].merge_cells("B5:B7")
    out = io.BytesIO()
    book.save(out)
    result = rmi.read_rmi_template(out.getvalue())
    assert [(s.metal, s.name, s.country) for s in result.smelters] == [
        ("Tin", "Smelter One", "PE"),
        ("Tin", "Smelter Two", "BO"),
        ("Tin", "Smelter Three", "ID"),
    ]
    assert not result.warnings


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
    assert upload.status == Upload.Status.READY and upload.lines == 4
    assert upload.report["rmi"]["kind"] == "CMRT"
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    assert "Minsur" in page and "CID002763" in page and "PE" in page
    assert "estimated from world production shares: the template lists smelters, not" in page
    assert "Change the column mapping" not in page  # a template is read by its fixed layout
    assert "Every line is linked to a commodity" in page and "0 lines not linked" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    run = Run.objects.filter(upload=upload).latest("created_at")
    assert run.status == Run.Status.DONE, run.error
    assert run.lines == 4
    # the smelters state where the metal was smelted, not where it was mined: their mining is
    # spread over world production, as for a line of unknown origin
    findings = run.findings.all()
    assert {f.stage for f in findings} == {"mining"}
    assert not any(f.origin_known for f in findings)
    tin = {(f.theme, f.country) for f in findings if f.commodity == "tin"}
    assert {("health_safety", "PE"), ("health_safety", "BO"), ("child_labour", "BO")} <= tin
    assert all(f.line_numbers == [2] for f in findings if f.commodity == "tin")  # Minsur
    # the two tantalum smelters (United States, unknown) have the same estimated mining: one
    # finding per risk with both lines, not two identical rows
    coltan = findings.filter(commodity="tantalum", country="CD", theme="child_labour")
    assert [(f.line_numbers, f.line_count) for f in coltan] == [([4, 5], 2)]
    assert len({(f.theme, f.commodity, f.country, f.stage) for f in findings}) == len(findings)


def test_a_smelter_listed_twice_is_named_by_the_templates_rows(demo, client_for):
    """The repeat was said as "Rows: 3", a line of the CSV made from the template, which the
    supplier's file does not have."""
    minsur = ("", "Tin", "Minsur", "Minsur", "Peru", "CID001182")
    client = client_for("company")
    _upload(client, demo, rmi_workbook(smelters=[minsur, minsur]))
    upload = Upload.objects.latest("uploaded_at")
    assert upload.lines == 2  # kept, as any repeated line
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    assert "Smelter List row 6 (Minsur) repeats row 5; the smelter counts twice." in page
    assert "Rows: 3" not in page and "repeats another line exactly" not in page
    warnings = rmi.read_rmi_template(_emrt(mines=[KAMOTO])).warnings
    assert [w["params"] for w in warnings if "repeats" in w["message"]] == [
        {"row": 8, "mine": "Kamoto", "first": 5}
    ]


def test_the_warnings_show_on_the_preview_in_the_language_of_the_ui(demo, client_for):
    client = client_for("company")
    _upload(client, demo, CMRT)
    upload = Upload.objects.latest("uploaded_at")
    stored = upload.report["rmi"]["warnings"]
    assert {"row": 8, "smelter": "Eigene Hütte GmbH", "country": "Bayern"} in [
        w["params"] for w in stored
    ]
    url = reverse("screening-preview", args=[upload.code])

    dutch = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode())
    assert (
        "Tabblad “Smelter List”, rij 8 (Eigene Hütte GmbH): land “Bayern” niet herkend; "
        "gescreend met onbekende herkomst." in dutch
    )
    english = html.unescape(client.get(url).content.decode())
    assert (
        "Smelter List row 8 (Eigene Hütte GmbH): country “Bayern” not recognised; "
        "screened with unknown origin." in english
    )

    # An older upload, which stored its warnings as English text, shows that text.
    report = {**upload.report, "rmi": {**upload.report["rmi"], "warnings": ["Old warning."]}}
    Upload.objects.filter(pk=upload.pk).update(report=report)
    assert "Old warning." in client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()


def test_a_templates_unknown_country_is_mapped_once_for_the_company(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    _upload(client, demo, CMRT)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY  # it can run at once, with unknown origin
    [unknown] = upload.report["unknown_countries"]
    assert (unknown["value"], unknown["column"], unknown["row"]) == (
        "Bayern",
        "Smelter List, E",
        8,
    )
    preview = reverse("screening-preview", args=[upload.code])
    countries = reverse("screening-countries", args=[upload.code])
    page = html.unescape(client.get(preview).content.decode())
    assert f'<a href="{countries}">Say which country each unrecognised value means</a>' in page
    page = html.unescape(client.get(countries).content.decode())
    assert "“Bayern”" in page and "Smelter List, E" in page
    assert "screened as if their origin were unknown" in page

    response = client.post(countries, {"country_0": "DE"})
    assert response.status_code == 302 and response["Location"] == preview
    upload.refresh_from_db()
    assert "unknown_countries" not in upload.report
    assert ("Eigene Hütte GmbH", "DE") in [
        (s["name"], s["country"]) for s in upload.report["rmi"]["smelters"]
    ]
    page = html.unescape(client.get(preview).content.decode())
    assert "“Bayern” not recognised" not in page and "Say which country" not in page
    # the run reads the smelter in Germany, and the company's next template knows the value
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview)
    run = Run.objects.filter(upload=upload).latest("created_at")
    assert run.status == Run.Status.DONE, run.error
    _upload(client, demo, CMRT)
    again = Upload.objects.latest("uploaded_at")
    assert again.pk != upload.pk and "unknown_countries" not in again.report


def test_a_run_keeps_explaining_the_lines_it_read_after_a_later_mapping(
    demo, client_for, django_capture_on_commit_callbacks
):
    # the unknown mine comes first: mapping it adds a line before Kamoto's
    katanga = ("Cobalt", "Huayou Cobalt", "Mine X", "", "", "Katanga")
    kamoto = ("Cobalt", "Huayou Cobalt", "Kamoto", "CID005001", "RMI", "DR Congo")
    workbook = rmi_workbook(
        kind="EMRT",
        version="2.1",
        smelters=[("", "Cobalt", "Huayou Cobalt", "Huayou Cobalt", "China", "CID003000")],
        mines=[katanga, kamoto],
    )
    client = client_for("company")
    _upload(client, demo, workbook, name="emrt.xlsx")
    upload = Upload.objects.latest("uploaded_at")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    run = Run.objects.filter(upload=upload).latest("created_at")
    cobalt = run.findings.get(commodity="cobalt", country="CD", theme="child_labour")
    assert cobalt.line_numbers == [3]
    finding = reverse("screening-finding", args=[cobalt.code])
    assert "Kamoto (CID005001)" in html.unescape(client.get(finding).content.decode())

    client.post(reverse("screening-countries", args=[upload.code]), {"country_0": "CD"})
    upload.refresh_from_db()
    assert upload.lines == 3  # read again: Mine X is line 3 now, Kamoto line 4
    page = html.unescape(client.get(finding).content.decode())
    assert "Kamoto (CID005001)" in page and "Mine X" not in page  # the run's own line 3
    # a new run reads the upload as it is mapped now
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    again = Run.objects.filter(upload=upload).latest("created_at")
    assert again.pk != run.pk and again.read_with["country_map"] == {"Katanga": "CD"}
    assert (
        again.findings.get(commodity="cobalt", country="CD", theme="child_labour").line_count == 2
    )


def test_a_template_without_unknown_countries_has_no_countries_page(demo, client_for):
    client = client_for("company")
    _upload(client, demo, CMRT)
    upload = Upload.objects.latest("uploaded_at")
    client.post(reverse("screening-countries", args=[upload.code]), {"country_0": "DE"})
    upload.refresh_from_db()
    response = client.get(reverse("screening-countries", args=[upload.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("screening-preview", args=[upload.code])


def test_an_uploaded_bad_cmrt_is_refused_with_its_message(demo, client_for):
    before = Upload.objects.count()
    response = _upload(client_for("company"), demo, rmi_workbook(smelter_sheet=False))
    assert response.status_code == 400
    assert "has no “Smelter List” tab" in html.unescape(response.content.decode())
    assert Upload.objects.count() == before


def test_an_uploaded_emrt_screens_its_mines_at_the_mining_stage(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    katanga = [("Cobalt", "Huayou Cobalt", "Mine X", "", "", "Katanga")]
    assert _upload(client, demo, _emrt(mines=katanga), name="emrt.xlsx").status_code == 302
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY and upload.lines == 4
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    heading = "3 mines, screened as origin at the mining stage where their country is known"
    warning = "Mine List row 8 (Mine X): country “Katanga” not recognised; the mine is not"
    assert heading in page and warning in page
    assert "except for the metals whose mines the template lists" in page
    assert page.index("Huayou Cobalt") < page.index(heading) < page.index(warning)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    run = Run.objects.filter(upload=upload).latest("created_at")
    assert run.status == Run.Status.DONE, run.error
    # Huayou's smelter in China meets no documented risk of smelting; its mine in DR Congo
    # and the mica mine in India meet those of mining, on the mines' own lines (4, 5)
    found = [
        (f.rank, f.theme, f.commodity, f.country, f.stage, f.line_numbers)
        for f in run.findings.order_by("rank")
    ]
    assert found[:2] == [
        (1, "child_labour", "cobalt", "CD", "mining", [4]),
        (2, "child_labour", "mica", "IN", "mining", [5]),
    ]
    assert (run.lines, run.matched_lines) == (4, 4)
    # the company says Katanga is in DR Congo: the mine is screened from then on
    assert upload.report["unknown_countries"][0]["column"] == "Mine List, F"
    client.post(reverse("screening-countries", args=[upload.code]), {"country_0": "CD"})
    upload.refresh_from_db()
    assert ("Mine X", "CD") in [(m["name"], m["country"]) for m in upload.report["rmi"]["mines"]]
    assert upload.lines == 5
    # the mines say where cobalt and mica were mined: nothing of theirs is spread
    assert all(f.origin_known for f in run.findings.all())
    finding = run.findings.get(rank=1)
    page = html.unescape(
        client.get(reverse("screening-finding", args=[finding.code])).content.decode()
    )
    assert "Kamoto (CID005001)" in page and "Huayou Cobalt (CID003000)" not in page


def test_a_metal_weighs_the_same_at_its_mines_as_at_its_smelters(demo):
    from covenant.screening import selectors, services

    template = rmi.read_rmi_template(
        rmi_workbook(
            kind="EMRT",
            version="2.1",
            smelters=[
                ("", "Cobalt", "Smelter not listed", "Co A", "China", ""),
                ("", "Cobalt", "Smelter not listed", "Co B", "China", ""),
                ("", "Copper", "Smelter not listed", "Cu A", "Chile", ""),
                ("", "Copper", "Smelter not listed", "Cu B", "Chile", ""),
            ],
            mines=[("Cobalt", "Co A", "Kamoto", "", "", "Congo, Democratic Republic of the")],
        )
    )
    # the one cobalt mine carries both cobalt smelters' weight: half of the template
    mine_line = rmi.rmi_to_purchase_lines(template, rmi.MINING_STAGE)[0]
    assert mine_line["quantity"] == 2
    (smelters, _), (mines, offset) = services._screen_template(
        template, selectors.reference_from_knowledge(), {"decimal_comma": False}
    )
    assert offset == 4 and mines.total_exposure == smelters.total_exposure == 4
    cobalt_cd = mines.findings.filter(pl.col("commodity") == "cobalt", pl.col("country") == "CD")
    assert cobalt_cd.height and set(cobalt_cd["exposure_share"]) == {0.5}
    # copper's mining is spread over world production: its shares add up to at most its half
    copper = smelters.exposures.filter(pl.col("commodity") == "copper", pl.col("stage") == "mining")
    assert 0 < copper["exposure_share"].sum() <= 0.5 + 1e-9
    assert smelters.exposures.filter(
        pl.col("commodity") == "cobalt", pl.col("stage") == "mining"
    ).is_empty()  # the mine says where cobalt was mined


def test_a_template_run_neither_replaces_the_companys_list_on_the_sector_map_nor_compares_with_it(
    demo, client_for, django_capture_on_commit_callbacks
):
    from covenant.screening import selectors

    company_list = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    client = client_for("company")
    _upload(client, demo, CMRT)
    upload = Upload.objects.latest("uploaded_at")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("screening-preview", args=[upload.code]))
    template_run = Run.objects.filter(upload=upload).latest("created_at")
    assert template_run.status == Run.Status.DONE
    # the sector map still counts the company's purchase list, not one supplier's smelters
    assert company_list.pk in selectors.latest_run_ids(demo)
    assert template_run.pk not in selectors.latest_run_ids(demo)
    # a template is compared with an earlier template only
    assert selectors.previous_run(template_run) is None
    page = client.get(reverse("screening-run", args=[template_run.code])).content.decode()
    assert "Compare with the previous run" not in page
