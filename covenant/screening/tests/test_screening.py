"""The screening app: upload → preview → run → findings with explanation → adopt into the
register; every bad input refused whole; column mapping remembered; access; API; compare."""

from __future__ import annotations

import html
import io
import json
import re

import openpyxl
import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import translation

from covenant.accounts import services as account_services
from covenant.covenants.models import Organisation
from covenant.lib.spreadsheet import xlsx_bytes
from covenant.monitoring.models import RiskItem
from covenant.screening import demo as screening_demo
from covenant.screening import engine, selectors, services
from covenant.screening.forms import MappingForm
from covenant.screening.models import ColumnMapping, Finding, Run, Upload
from covenant.screening.tests.rmi_workbooks import rmi_workbook

GOOD = (
    b"Omschrijving;HS-code;Land van herkomst;Bedrag\n"
    b"Tin staven;800110;Bolivia;1.000,00\n"
    b"Mica isolatieplaat;;;500,00\n"
    b"Verf RAL 7016;;;250,00\n"
)


def _upload(client, demo, content: bytes, name: str = "inkoop.csv"):
    return client.post(
        reverse("screening-home", args=[demo.slug]),
        {"file": SimpleUploadedFile(name, content)},
    )


def _run(client, upload: Upload, capture):
    with capture(execute=True):
        response = client.post(reverse("screening-preview", args=[upload.code]))
    return response, Run.objects.filter(upload=upload).latest("created_at")


def test_upload_preview_run_explain_and_adopt(demo, client_for, django_capture_on_commit_callbacks):
    client = client_for("company")
    # before a file is sent: who sees it, and that its run counts, unnamed, in the sector map
    home = html.unescape(client.get(reverse("screening-home", args=[demo.slug])).content.decode())
    assert "only your company's members and the secretariat see it" in home
    assert "latest finished run counts, without its name, in the covenant's sector risk map" in home
    assert (
        f"a figure of fewer than {demo.disclosure_threshold} companies only the secretariat" in home
    )
    response = _upload(client, demo, GOOD)
    upload = Upload.objects.latest("uploaded_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    assert upload.lines == 3 and upload.unmatched_count == 1

    page = client.get(response["Location"]).content.decode()
    assert "Tin staven" in page and "Verf RAL 7016" in page  # first lines, and unmatched
    # each first line says which commodity it was linked to, so a wrong link shows
    assert [line["commodity"] for line in upload.preview] == ["tin", "mica", None]
    assert "Linked to commodity</th>" in page
    assert "Change the column mapping" in page
    assert "1 line not linked to a commodity" in page

    response, run = _run(client, upload, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("screening-run", args=[run.code])
    assert run.status == Run.Status.DONE and run.progress == 100
    assert run.lines == 3 and run.matched_lines == 2
    top = run.findings.order_by("rank").first()
    assert (top.theme, top.commodity, top.country) == ("child_labour", "tin", "BO")
    assert top.line_numbers == [2] and top.risk is not None
    assert top.risk_source.citation == "US DOL ILAB, List of Goods 2022"
    mica = run.findings.filter(commodity="mica").exclude(production_source=None).first()
    assert mica.production_source.citation.startswith("USGS") and 0 < mica.production_share < 1

    page = client.get(response["Location"]).content.decode()
    assert "Child labour" in page and 'href="/screening/findings/' in page
    assert f"Done: {run.finding_count} findings from 2 of 3 purchase lines" in page
    # a stated origin and an origin spread over world production are told apart
    assert "stated origin" in page and "% of world production" in page
    page = client.get(reverse("screening-finding", args=[mica.code])).content.decode()
    assert "Mica isolatieplaat" in page  # its purchase line
    assert "of world production" in page and "USGS" in page and "ILAB" in page
    # in Dutch: the amounts as a Dutch reader writes them, ILAB's entry in Dutch
    page = client.get(reverse("screening-finding", args=[top.code]), HTTP_ACCEPT_LANGUAGE="nl")
    page = page.content.decode()
    assert "blootstelling 1.000; 57,1% van het totaal" in page and "<td>1.000</td></tr>" in page
    assert "voor kinderarbeid: tin, land van herkomst Bolivia." in page

    response = client.post(reverse("screening-adopt", args=[top.code]))
    risk = RiskItem.objects.get(finding=top)
    assert (risk.theme, risk.country, risk.commodity) == ("child_labour", "BO", "tin")
    assert risk.severity == 4 and 1 <= risk.likelihood <= 4
    assert response["Location"] == reverse("monitoring-part", args=[risk.part.code])
    assert risk.part.cycle.closed_at is None and risk.part.kind == "risk_analysis"
    page = client.get(response["Location"]).content.decode()
    assert "from screening" in page and str(top.code) in page
    # Once only.
    client.post(reverse("screening-adopt", args=[top.code]))
    assert RiskItem.objects.filter(finding=top).count() == 1
    # The same risk found again by a later run is not added a second time.
    _response, rerun = _run(client, upload, django_capture_on_commit_callbacks)
    again = rerun.findings.get(rank=1)
    assert (again.theme, again.commodity, again.country) == (top.theme, top.commodity, "BO")
    response = client.post(reverse("screening-adopt", args=[again.code]), follow=True)
    assert "The risk register has this risk already" in response.content.decode()
    assert risk.part.risks.filter(theme="child_labour", country="BO").count() == 1


def test_a_risk_adopted_in_one_language_is_not_adopted_again_in_the_other(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    _upload(
        client, demo, b"Omschrijving;HS-code;Land van herkomst;Bedrag\nZinkplaat;790700;Peru;100\n"
    )
    upload = Upload.objects.latest("uploaded_at")
    _response, first = _run(client, upload, django_capture_on_commit_callbacks)
    zinc = first.findings.filter(commodity="zinc").first()
    client.post(reverse("screening-adopt", args=[zinc.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert RiskItem.objects.get(finding=zinc).commodity == "zinc"
    _response, second = _run(client, upload, django_capture_on_commit_callbacks)
    again = second.findings.get(theme=zinc.theme, commodity="zinc", country=zinc.country)
    response = client.post(
        reverse("screening-adopt", args=[again.code]), follow=True, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert "Dit risico staat al in het risicoregister" in response.content.decode()
    assert not RiskItem.objects.filter(finding=again).exists()


def test_a_finding_is_in_the_register_once_even_when_adopted_twice_at_once(demo, company):
    """A double click: the second request checks "in the register already?" before the first
    has written its item. The database keeps the second out whatever the timing."""
    from covenant.monitoring import services as monitoring_services

    finding = Run.objects.get(organisation__name="Staalbouw Noord B.V.").findings.first()
    part = services.risk_part_for(covenant=demo, organisation=finding.run.organisation)
    scores = {"scale": 2, "scope": 2, "irremediable": 2, "likelihood": 2}
    fields = {"theme": finding.theme, "commodity": "tin", "chain_stage": "mining", **scores}
    fields["finding"] = finding
    monitoring_services.risk_save(part=part, user=company, **fields)
    with pytest.raises(ValidationError, match="in the risk register already"):
        monitoring_services.risk_save(part=part, user=company, **fields)  # the checks passed
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskItem.objects.create(part=part, **fields)  # written before the other's commit
    with pytest.raises(ValidationError, match="in the risk register already"):
        services.finding_adopt(finding=finding, user=company)
    assert RiskItem.objects.filter(finding=finding).count() == 1


def test_a_second_start_gives_the_run_under_way_and_a_stopped_run_can_be_started_again(
    demo, client_for
):
    client = client_for("company")
    upload = Run.objects.get(organisation__name="Staalbouw Noord B.V.").upload
    first = client.post(reverse("screening-preview", args=[upload.code]))  # queued
    again = client.post(reverse("screening-preview", args=[upload.code]))  # a double click
    assert first["Location"] == again["Location"]
    waiting = upload.runs.get(status=Run.Status.QUEUED)
    # its worker stopped (a restart): an hour on, the page stops waiting and says so
    Run.objects.filter(pk=waiting.pk).update(
        status=Run.Status.RUNNING,
        progress=30,
        started_at=F("created_at") - Run.STALE_AFTER,
    )
    page = html.unescape(client.get(first["Location"]).content.decode())
    assert 'hx-trigger="every 2s"' not in page
    assert "The run stopped before it finished" in page
    assert upload.runs.get(pk=waiting.pk).status == Run.Status.FAILED
    third = client.post(reverse("screening-preview", args=[upload.code]))
    assert third["Location"] != first["Location"]
    queued = upload.runs.get(status=Run.Status.QUEUED)
    # a queued run waits for a worker however long: it is not failed, and runs when one comes
    Run.objects.filter(pk=queued.pk).update(created_at=F("created_at") - 2 * Run.STALE_AFTER)
    client.get(third["Location"])
    queued.refresh_from_db()
    assert queued.status == Run.Status.QUEUED
    # a day on, its worker is gone or lost the task: it can be started again
    Run.objects.filter(pk=queued.pk).update(created_at=F("created_at") - Run.QUEUED_STALE_AFTER)
    fourth = client.post(reverse("screening-preview", args=[upload.code]))
    assert fourth["Location"] != third["Location"]
    queued.refresh_from_db()
    assert queued.status == Run.Status.FAILED
    # the stopped run's worker, had it carried on, does not finish it over "failed"
    stopped = services.run_execute(upload.runs.get(pk=waiting.pk))
    assert stopped.status == Run.Status.FAILED and not stopped.findings.exists()
    assert stopped.error.startswith("The run stopped before it finished")


def test_the_run_page_polls_while_running_and_filters(demo, client_for):
    client = client_for("company")
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING, progress=30)
    page = client.get(reverse("screening-run", args=[run.code])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "30%" in page
    partial = client.get(
        reverse("screening-run", args=[run.code]) + "?status=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.strip().startswith('<div id="run-status"') and "<html" not in partial
    Run.objects.filter(pk=run.pk).update(status=Run.Status.DONE, progress=100)
    page = client.get(reverse("screening-run", args=[run.code]), {"commodity": "mica"})
    findings = page.context["findings"]
    assert findings and {f.commodity for f in findings} == {"mica"}
    assert 'hx-trigger="every 2s"' not in page.content.decode()


BAD_INPUTS = [
    (b"", "inkoop.csv", "The file is empty."),
    (b"Omschrijving;Bedrag\n", "inkoop.csv", "header row but no purchase lines"),
    (bytes(range(256)) * 40, "inkoop.csv", "binary data"),
    (b"Omschrijving;Bedrag\nSta\x00al;10\n", "inkoop.csv", "binary data"),  # a stray zero byte
    (b"Omschrijving;Bedrag\nTin;-5\n", "inkoop.csv", "Row 2, column “Bedrag”"),
    (b"%PDF-1.4", "inkoop.pdf", "Upload a CSV file or an Excel workbook"),
    (b"not a zip", "inkoop.xlsx", "not an Excel workbook"),
]


@pytest.mark.parametrize(("content", "name", "message"), BAD_INPUTS)
def test_each_bad_input_gives_its_message_and_saves_nothing(
    demo, client_for, content, name, message
):
    before = Upload.objects.count()
    response = _upload(client_for("company"), demo, content, name)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert Upload.objects.count() == before


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Rij 3, kolom “Bedrag”: “twaalf” is geen getal."),
        ("en", "Row 3, column “Bedrag”: “twaalf” is not a number."),
    ],
)
def test_a_bad_file_is_refused_in_the_language_of_the_ui(demo, client_for, language, message):
    response = client_for("company").post(
        reverse("screening-home", args=[demo.slug]),
        {"file": SimpleUploadedFile("inkoop.csv", b"Omschrijving;Bedrag\nTin;3\nKoper;twaalf\n")},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_a_file_over_the_size_limit_is_refused(demo, client_for, settings):
    settings.SCREENING_MAX_MB = 0.0001  # about 100 bytes
    before = Upload.objects.count()
    response = _upload(client_for("company"), demo, GOOD * 3)
    assert response.status_code == 400
    assert "larger than 0.0001 MB" in response.content.decode()
    assert Upload.objects.count() == before


def test_a_message_stored_as_text_by_an_older_upload_still_shows(demo, client_for):
    client = client_for("company")
    _upload(client, demo, b"Artikel;Euro\nTin staven;100\n")
    upload = Upload.objects.latest("uploaded_at")
    Upload.objects.filter(pk=upload.pk).update(report={"error": "No column names the material."})
    page = client.get(reverse("screening-mapping", args=[upload.code])).content.decode()
    assert "No column names the material." in page


def test_a_failed_run_says_why_in_the_language_of_whoever_reads_it(demo, client_for):
    client = client_for("company")
    _upload(client, demo, GOOD)
    upload = Upload.objects.latest("uploaded_at")
    # The stored file no longer reads (as if changed on disk since it was checked).
    upload.file.save("inkoop.csv", ContentFile(b"Omschrijving;Bedrag\nTin;-5\n"))
    run = Run.objects.create(
        upload=upload, covenant=demo, organisation=upload.organisation, lines=upload.lines
    )
    with translation.override("nl"):  # the worker runs in the site's language
        run = services.run_execute(run)
    assert run.status == Run.Status.FAILED and not run.findings.exists()
    url = reverse("screening-run", args=[run.code])
    dutch = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode())
    assert "Rij 2, kolom “Bedrag”: -5 is negatief" in dutch
    english = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Row 2, column “Bedrag”: -5 is negative" in english
    api = client.get(f"/api/screening/runs/{run.code}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["status"] == "failed" and api["error"].startswith("Row 2, column “Bedrag”")
    # a run that failed before messages were kept shows the text it stored
    Run.objects.filter(pk=run.pk).update(error="Old failure.", error_message=None)
    assert "Old failure." in client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()


def test_duplicate_lines_are_reported_on_the_preview(demo, client_for):
    client = client_for("company")
    _upload(client, demo, GOOD + b"Tin staven;800110;Bolivia;1.000,00\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.report["duplicates"] == 1
    page = client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    assert "1 line repeats another line exactly" in page
    assert "counted twice. Rows: 5." in page  # the repeat, not the line it repeats


def test_a_quantity_counted_as_spend_is_said_on_the_preview(demo, client_for):
    """A line with kilograms and no euros, among lines with euros, weighs its kilograms as
    euros: said, with its row, where it was silent (cobalt ranked first at 36% of exposure)."""
    client = client_for("company")
    mixed = (
        b"Omschrijving;Land van herkomst;Hoeveelheid;Bedrag\n"
        b"Koperkathode;CL;1000;85.000,00\n"
        b"Kobalthydroxide;CD;50000;\n"
        b"Tin staven;BO;200;5.600,00\n"
    )
    _upload(client, demo, mixed)
    upload = Upload.objects.latest("uploaded_at")
    assert (upload.report["quantity_as_spend"], upload.report["quantity_as_spend_row"]) == (1, 3)
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    assert "1 line has a quantity but no spend (row 3): its quantity is counted as spend" in page
    # a list of quantities alone is weighed by them, as meant: nothing to say
    _upload(client, demo, b"Omschrijving;Hoeveelheid\nKoperkathode;1000\nTin staven;200\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.report["quantity_as_spend"] == 0
    page = client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    assert "no spend" not in page


def test_unknown_headers_are_mapped_once_and_remembered(demo, client_for):
    client = client_for("company")
    odd = b"Artikel;Euro;Herk\nTin staven;100;BO\n"
    response = _upload(client, demo, odd)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING
    assert response["Location"] == reverse("screening-mapping", args=[upload.code])
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Artikel" in page and "Herk" in page
    # each column shows what it holds, tied to its choice for screen readers
    assert 'id="id_col_1_helptext">For example: 100</p>' in page
    assert 'aria-describedby="id_col_1_helptext"' in page
    # Why, in the language of whoever looks: the message is stored untranslated.
    assert upload.report["error"]["message"] == engine.NO_MATERIAL_COLUMN
    assert "No column names the material: expected a column such as “omschrijving”" in page
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Geen kolom noemt het materiaal" in html.unescape(page)
    assert "Gevonden kolommen: Artikel, Euro, Herk" in html.unescape(page)
    # Two columns for one field: refused, nothing changes.
    response = client.post(
        response["Location"], {"col_0": "description", "col_1": "description", "col_2": ""}
    )
    assert "one column only" in response.content.decode()
    # Nothing chosen: the page says which choices the screening needs, nothing changes.
    response = client.post(
        reverse("screening-mapping", args=[upload.code]), {"col_0": "supplier", "col_2": ""}
    )
    assert (
        "Choose “description” or “HS code” for the column that names the material; choose "
        "“spend (amount)” or “quantity” for the column with the amounts."
    ) in html.unescape(response.content.decode())
    response = client.post(
        reverse("screening-mapping", args=[upload.code]),
        {"col_0": "description", "col_1": "spend", "col_2": "origin_country"},
    )
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY and upload.lines == 1
    # the mapping page, opened again from the preview, no longer says the names were unknown
    page = html.unescape(
        client.get(reverse("screening-mapping", args=[upload.code])).content.decode()
    )
    assert "Say which column of inkoop.csv holds what" in page
    assert "were not recognised" not in page and "No column names the material" not in page
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    assert ColumnMapping.objects.get(organisation=company).header_map["Euro"] == "spend"
    # The next upload with these headers is read with the remembered mapping.
    response = _upload(client, demo, odd)
    assert Upload.objects.latest("uploaded_at").status == Upload.Status.READY
    assert "/mapping/" not in response["Location"]


def test_two_columns_named_for_one_field_wait_for_the_user_to_say_which(demo, client_for):
    client = client_for("company")
    data = b"Artikelnummer;Product;Omschrijving;Aantal;Waarde\nA1;Staf;Tin staven;2;100\n"
    response = _upload(client, demo, data)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING  # kept, not refused
    page = html.unescape(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert (
        "Twee kolommen worden allebei gelezen als beschrijving: “Product” en “Omschrijving”."
    ) in page
    # both are shown as what their names make them; the user leaves one out
    form = {"col_0": "", "col_1": "", "col_2": "description", "col_3": "quantity"}
    response = client.post(response["Location"], {**form, "col_4": "spend"})
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.preview[0]["description"] == "Tin staven"
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    assert ColumnMapping.objects.get(organisation=company).header_map == {
        "Product": "",
        "Omschrijving": "description",
        "Aantal": "quantity",
        "Waarde": "spend",
    }
    page = client.get(reverse("screening-remembered", args=[demo.slug])).content.decode()
    assert '<th scope="row">Product</th><td>— not used —</td>' in page
    # the next export of the same layout is read at once
    _upload(client, demo, data)
    assert Upload.objects.latest("uploaded_at").status == Upload.Status.READY


def test_a_column_without_a_name_is_mapped_for_this_file_only(demo, client_for):
    client = client_for("company")
    response = _upload(client, demo, b"Omschrijving;Land;\nTin staven;BO;100\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING
    response = client.post(
        response["Location"], {"col_0": "description", "col_1": "origin_country", "col_2": "spend"}
    )
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.header_map["#3"] == "spend" and upload.preview[0]["spend"] == 100
    # its place is this file's: another file may have an empty column there
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    assert "#3" not in ColumnMapping.objects.get(organisation=company).header_map
    # (a third column read as spend would make two)
    response = _upload(client, demo, b"Omschrijving;Land;;Bedrag\nTin staven;BO;opmerking;100\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY and upload.preview[0]["spend"] == 100


def test_two_columns_of_one_name_are_told_apart_by_their_place(demo, client_for):
    client = client_for("company")
    response = _upload(client, demo, b"Omschrijving;Bedrag;Bedrag\nTin staven;10;20\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Bedrag (column 2)</label>" in page and "Bedrag (column 3)</label>" in page
    response = client.post(
        response["Location"], {"col_0": "description", "col_1": "", "col_2": "spend"}
    )
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.preview[0]["spend"] == 20


def test_a_column_the_user_leaves_out_is_not_read(demo, client_for):
    client = client_for("company")
    response = _upload(client, demo, b"Description;Goederencode;Euro\nTin staven;800110;100\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING
    client.post(response["Location"], {"col_0": "", "col_1": "hs_code", "col_2": "spend"})
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    assert upload.preview[0]["description"] is None and upload.preview[0]["hs_code"] == "800110"


def test_a_column_left_out_in_one_file_is_read_in_the_next_where_it_is_the_only_one(
    demo, client_for
):
    """The company said "not used" of Product beside Omschrijving; a file with Product alone
    is read with it (the choice settled a tie, not the meaning of Product)."""
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    # (with a column without a name as it was remembered before columns had places: another
    # file's, not applied)
    ColumnMapping.objects.update_or_create(
        organisation=company, defaults={"header_map": {"Product": "", "": "spend"}}
    )
    client = client_for("company")
    _upload(client, demo, b"Product;Waarde;\nTin staven;100;\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY
    assert upload.preview[0]["description"] == "Tin staven"


def test_a_word_loaded_with_two_meanings_does_not_stop_the_screening(demo, client_for):
    """The curation refuses a second meaning; a source file loaded beside it can still bring
    one. The word keeps its first meaning, and every upload is still read."""
    from covenant.knowledge.models import Commodity, CommoditySynonym, Source

    source = Source.objects.get(series="covenant-commodity-names")
    lead = Commodity.objects.get(code="lead")
    CommoditySynonym.objects.create(commodity=lead, text="Tin ", source=source)  # tin's name
    client = client_for("company")
    response = _upload(client, demo, GOOD)
    assert response.status_code == 302
    assert Upload.objects.latest("uploaded_at").preview[0]["commodity"] == "tin"


def test_unknown_countries_are_mapped_once_and_remembered(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    odd = (
        b"Omschrijving;Land van herkomst;Bedrag\n"
        b"Tin staven;Bolivai;1.000,00\n"
        b"Koperdraad;Duitsladn;500,00\n"
        b"Tin staven;Bolivai;250,00\n"
        b"Mica isolatieplaat;Madagaskar-Zuid;100,00\n"
        b"Zinkplaat;EU;80,00\n"
    )
    response = _upload(client, demo, odd)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_COUNTRIES
    assert response["Location"] == reverse("screening-countries", args=[upload.code])
    # The preview sends the company to the countries first; a run cannot start.
    assert (
        client.get(reverse("screening-preview", args=[upload.code]))["Location"]
        == (response["Location"])
    )
    assert not Run.objects.filter(upload=upload).exists()

    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "“Bolivai”" in page and "“Duitsladn”" in page and "“Madagaskar-Zuid”" in page
    assert "Bolivia (BO)" in page and "Germany (DE)" in page
    assert '<option value="BO" selected>' in page  # a near-certain match, chosen already
    eu = page.split("“EU”", 1)[1].split("</tr>", 1)[0]
    assert '<option value="" selected>' in eu  # "EU" is no misspelt country: no guess
    by_value = {item["value"]: item for item in upload.report["unknown_countries"]}
    assert by_value["Bolivai"]["row"] == 2 and by_value["Duitsladn"]["row"] == 3
    assert by_value["Bolivai"]["column"] == "Land van herkomst"

    keys = {v: f"country_{i}" for i, v in enumerate(by_value)}
    # A value left unmapped is refused, and nothing changes.
    response = client.post(
        reverse("screening-countries", args=[upload.code]),
        {
            keys["Bolivai"]: "BO",
            keys["Duitsladn"]: "DE",
            keys["Madagaskar-Zuid"]: "",
            keys["EU"]: "-",
        },
    )
    assert response.status_code == 400
    upload.refresh_from_db()
    assert upload.status == Upload.Status.NEEDS_COUNTRIES

    response = client.post(
        reverse("screening-countries", args=[upload.code]),
        {
            keys["Bolivai"]: "BO",
            keys["Duitsladn"]: "DE",
            keys["Madagaskar-Zuid"]: "MG",
            keys["EU"]: "-",  # no single country: read as an unknown origin
        },
    )
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY and upload.lines == 5
    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    remembered = ColumnMapping.objects.get(organisation=company).country_map
    assert remembered["Bolivai"] == "BO" and remembered["EU"] == ""

    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    assert run.status == Run.Status.DONE
    assert run.findings.filter(commodity="tin", country="BO", origin_known=True).exists()
    eu_line = next(line for line in upload.preview if line["description"] == "Zinkplaat")
    assert eu_line["origin_country"] is None  # an unknown origin, spread over the producers

    # The next upload naming these values is read with the remembered countries.
    response = _upload(client, demo, odd)
    assert Upload.objects.latest("uploaded_at").status == Upload.Status.READY
    assert "/countries/" not in response["Location"]


def test_an_excel_workbook_is_read_like_a_csv(demo, client_for):
    data = xlsx_bytes(
        {
            "Inkoop": [
                ["Omschrijving", "HS-code", "Land van herkomst", "Bedrag"],
                ["Tin staven", "800110", "Bolivia", 1000.5],
                ["Zinkplaat", "", "Peru", 12.345],
            ]
        }  # fmt: skip
    )
    client = client_for("company")
    response = _upload(client, demo, data, "inkoop.xlsx")
    assert response.status_code == 302
    upload = Upload.objects.latest("uploaded_at")
    assert upload.lines == 2
    assert [r["spend"] for r in upload.preview] == [1000.5, 12.345]
    assert upload.preview[0]["origin_country"] == "BO"


def test_amounts_a_workbook_holds_as_text_with_a_decimal_comma_are_read_as_written(
    demo, client_for
):
    """Some ERP systems export amounts as text ("1.500,00"): read as 1.5 and 25 before."""
    data = xlsx_bytes(
        {
            "Inkoop": [
                ["Omschrijving", "Bedrag"],
                ["Tin staven", "1.500,00"],
                ["Zinkplaat", "€ 2,5"],
                ["Koperdraad", 12.345],  # a number cell stays what it is
                ["100.200.300", "3,75"],  # a description that looks like a number stays
                ["Loodslab", "2.500"],  # a thousand beside them
            ]
        }
    )
    client = client_for("company")
    _upload(client, demo, data, "inkoop.xlsx")
    upload = Upload.objects.latest("uploaded_at")
    assert [r["spend"] for r in upload.preview] == [1500.0, 2.5, 12.345, 3.75, 2500.0]
    assert upload.preview[3]["description"] == "100.200.300"


def test_an_excel_workbook_is_read_from_its_first_sheet_with_a_table(demo, client_for):
    data = xlsx_bytes(
        {
            "Toelichting": [["Inkoop 2024, export uit ons ERP"], [], ["Bedragen in euro"]],
            "Data": [["Omschrijving", "Bedrag"], ["Tin staven", 1000], ["Zinkplaat", 12]],
        }
    )
    client = client_for("company")
    response = _upload(client, demo, data, "inkoop.xlsx")
    assert response.status_code == 302
    upload = Upload.objects.latest("uploaded_at")
    assert [r["description"] for r in upload.preview] == ["Tin staven", "Zinkplaat"]
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "(Excel workbook)" in page and "separator" not in page


def test_a_title_above_the_table_is_left_out_and_said_so(demo, client_for):
    data = xlsx_bytes(
        {
            "Toelichting": [["Bedragen in euro", "excl. btw"]],  # two cells, but no table
            "Inkoop": [
                ["Inkoopoverzicht 2025", "", "", ""],
                ["Omschrijving", "HS-code", "Land van herkomst", "Bedrag"],
                ["Tin staven", "800110", "Bolivia", 1000],
                ["Zinkplaat", "", "Peru", 12],
            ],
        }  # fmt: skip
    )
    client = client_for("company")
    response = _upload(client, demo, data, "inkoop.xlsx")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY and upload.lines == 2
    assert [(r["line"], r["description"]) for r in upload.preview] == [
        (3, "Tin staven"),  # the rows as Excel numbers them
        (4, "Zinkplaat"),
    ]
    page = html.unescape(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert "Rij 1, boven de kolomnamen, hoort niet bij de tabel" in page


def test_a_workbooks_decimals_are_shown_as_the_reader_writes_them_on_the_mapping_page(
    demo, client_for
):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "Inkooplijst 2025", "Bedrijf X"
    sheet.append(["Artikel", "Euro", "Code"])
    sheet.append(["Tin staven", 12500.5, "0741"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for("company")
    response = _upload(client, demo, buffer.getvalue(), "inkoop.xlsx")
    dutch = html.unescape(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert "Rij 3: Tin staven · 12500,5 · 0741" in dutch  # a code keeps its leading zero
    english = html.unescape(client.get(response["Location"]).content.decode())
    assert "Row 3: Tin staven · 12500.5 · 0741" in english


def test_a_sheet_that_starts_below_and_right_of_a1_keeps_excels_row_numbers(demo, client_for):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["B2"] = "Inkoopoverzicht 2025"
    for row, values in enumerate(
        [("Omschrijving", "Land van herkomst", "Bedrag"), ("Tin staven", "Bolivia", 1000)], 4
    ):
        for column, value in enumerate(values, 2):
            sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for("company")
    response = _upload(client, demo, buffer.getvalue(), "inkoop.xlsx")
    upload = Upload.objects.latest("uploaded_at")
    assert [(r["line"], r["description"]) for r in upload.preview] == [(5, "Tin staven")]
    assert upload.report["header"] == ["Omschrijving", "Land van herkomst", "Bedrag"]
    page = html.unescape(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert "Rijen 1 tot en met 3, boven de kolomnamen, horen niet bij de tabel" in page


def test_columns_below_a_title_are_mapped_by_their_own_names(demo, client_for):
    client = client_for("company")
    odd = b"Inkoop 2025;;\nArtikel;Euro;Herk\nTin staven;100;BO\n"
    response = _upload(client, demo, odd)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_MAPPING
    assert upload.header == ["Artikel", "Euro", "Herk"]
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "For example: 100" in page
    columns = re.findall(r'<label for="id_col_\d+">([^<]*)</label>', page)
    assert columns == ["Artikel", "Euro", "Herk"]  # the title is not taken for a column
    assert re.search(r'value="2"[^>]*checked', page)  # the row read as the header
    response = client.post(
        response["Location"], {"col_0": "description", "col_1": "spend", "col_2": "origin_country"}
    )
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    assert [(r["line"], r["description"], r["spend"]) for r in upload.preview] == [
        (3, "Tin staven", 100.0)
    ]


TITLED = (
    "Inkooplijst 2025;Staalbouw Noord B.V.;;\n"
    "\n"
    "Artikel;Euro;Herk\n"
    "Tin staven;100;Bolivia\n"
    "Messing fittingen;2.500;India\n"
).encode("cp1252")


def test_the_user_says_which_row_holds_the_column_names_below_a_two_cell_title(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    response = _upload(client, demo, TITLED)
    upload = Upload.objects.latest("uploaded_at")
    # two filled cells: the title is taken for the header, and the page says so
    assert upload.status == Upload.Status.NEEDS_MAPPING
    assert upload.header == ["Inkooplijst 2025", "Staalbouw Noord B.V.", "", ""]
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "The columns are named after row 1 of the file." in page
    assert "Columns found: Inkooplijst 2025, Staalbouw Noord B.V.</p>" in page
    assert '<details id="header-row" class="header-row" open>' in page  # unnamed columns
    choices = re.findall(r'value="(\d+)"[^>]*> <label for="id_row_\d+">([^<]*)</label>', page)
    assert choices == [
        ("1", "Row 1: Inkooplijst 2025 · Staalbouw Noord B.V."),
        ("3", "Row 3: Artikel · Euro · Herk"),  # row 2 is blank: no choice
        ("4", "Row 4: Tin staven · 100 · Bolivia"),
        ("5", "Row 5: Messing fittingen · 2.500 · India"),
    ]
    # a row that is not offered is refused, and nothing changes
    url = reverse("screening-header-row", args=[upload.code])
    response = client.post(url, {"row": "2"})
    assert response.status_code == 400
    assert "Select a valid choice" in html.unescape(response.content.decode())
    upload.refresh_from_db()
    assert upload.header_row is None and upload.header[0] == "Inkooplijst 2025"

    response = client.post(url, {"row": "3"})
    assert response["Location"] == reverse("screening-mapping", args=[upload.code])
    upload.refresh_from_db()
    assert (upload.header_row, upload.header) == (3, ["Artikel", "Euro", "Herk"])
    assert upload.status == Upload.Status.NEEDS_MAPPING
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "The column names are read from row 3." in page
    assert '<details id="header-row" class="header-row">' in page  # closed: every column named
    assert re.findall(r'<label for="id_col_\d+">([^<]*)</label>', page) == [
        "Artikel",
        "Euro",
        "Herk",
    ]
    assert "For example: 100 · 2.500" in page

    response = client.post(
        response["Location"], {"col_0": "description", "col_1": "spend", "col_2": "origin_country"}
    )
    assert response["Location"] == reverse("screening-preview", args=[upload.code])
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    # rows keep the file's numbers; a thousands point read as such
    assert [(r["line"], r["spend"], r["commodity"]) for r in upload.preview] == [
        (4, 100.0, "tin"),
        (5, 2500.0, "brass"),
    ]
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    assert run.status == Run.Status.DONE and run.read_with["header_row"] == 3
    tin = run.findings.filter(commodity="tin").first()
    assert tin.line_numbers == [4]
    lines = services.purchase_lines(run=run, numbers=tin.line_numbers)
    assert [(r["line"], r["description"]) for r in lines] == [(4, "Tin staven")]

    # the mapping is remembered by the columns' names: the next such file finds its header
    _upload(client, demo, TITLED)
    again = Upload.objects.latest("uploaded_at")
    assert again.status == Upload.Status.READY and again.header_row is None
    assert [r["line"] for r in again.preview] == [4, 5]


def test_rows_below_blank_lines_are_numbered_as_in_the_file_also_for_older_runs(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    _upload(client, demo, b"\n\nOmschrijving;Land van herkomst;Bedrag\nTin staven;BO;10\n")
    upload = Upload.objects.latest("uploaded_at")
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    tin = run.findings.filter(commodity="tin").first()
    assert tin.line_numbers == [4]  # the file's fourth row
    lines = services.purchase_lines(run=run, numbers=tin.line_numbers)
    assert [(r["line"], r["description"]) for r in lines] == [(4, "Tin staven")]
    # a run stored before the blank lines were counted said row 2, and still shows its line
    run.read_with.pop("rows")
    lines = services.purchase_lines(run=run, numbers=[2])
    assert [(r["line"], r["description"]) for r in lines] == [(2, "Tin staven")]


def test_the_preview_writes_amounts_as_the_reader_does(demo, client_for):
    client = client_for("company")
    data = GOOD.replace(b"1.000,00", b"1.250.000,5").replace(b"250,00", b"0,004")
    response = _upload(client, demo, data)
    first_row = r'<th scope="row">2</th><td>Tin staven</td><td>800110</td><td>[^<]+</td><td>'
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert re.search(first_row + "1.250.000,50</td>", page)
    # no ",00" on a whole amount; a small one is not rounded away to 0,00
    assert (
        '<th scope="row">3</th><td>Mica isolatieplaat</td><td>—</td><td>—</td><td>500</td>' in page
    )
    assert '<th scope="row">4</th><td>Verf RAL 7016</td><td>—</td><td>—</td><td>0,004</td>' in page
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(first_row + "1,250,000.50</td>", page)


def test_the_preview_names_a_tab_separator(demo, client_for):
    client = client_for("company")
    data = "Omschrijving\tBedrag\nTin staven\t1000\n".encode("utf-16")
    response = _upload(client, demo, data)
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "(UTF-16, separator tab)." in page
    # an encoding as a person names it: "UTF-8 (BOM)", not Python's "utf-8-sig"
    response = _upload(client, demo, "Omschrijving;Bedrag\nTin staven;1000\n".encode("utf-8-sig"))
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "(UTF-8 (BOM), separator “;”" in page


def test_only_own_members_and_the_secretariat_see_a_run(demo, client_for):
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    finding = run.findings.first()
    for role in ("stakeholder", "steering", "outsider"):
        client = client_for(role)
        assert client.get(reverse("screening-run", args=[run.code])).status_code == 404
        assert client.get(reverse("screening-finding", args=[finding.code])).status_code == 404
        assert client.get(reverse("screening-home", args=[demo.slug])).status_code == 404
    secretariat = client_for("secretariat")
    assert secretariat.get(reverse("screening-run", args=[run.code])).status_code == 200
    page = secretariat.get(reverse("screening-home", args=[demo.slug])).content.decode()
    assert "Upload a purchase list" not in page and str(run.code) in page
    assert "Your company's latest finished run" not in page  # the secretariat has none
    assert secretariat.post(reverse("screening-adopt", args=[finding.code])).status_code == 403


def test_exports_list_the_findings_safely(demo, client_for):
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    Finding.objects.filter(run=run, rank=1).update(component="=cmd|calc")
    client = client_for("company")
    text = client.get(reverse("screening-export", args=[run.code, "csv"])).content.decode()
    assert text.startswith("\ufeffrank,score,theme")
    assert "'=cmd|calc" in text and ",=cmd" not in text
    xlsx = client.get(reverse("screening-export", args=[run.code, "xlsx"]))
    assert xlsx.content[:2] == b"PK"


def test_the_excel_export_opens_ready_to_read(demo, client_for):
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    first = Finding.objects.get(run=run, rank=1)
    # a finding keeps the first MAX_FINDING_LINES numbers of its lines
    Finding.objects.filter(pk=first.pk).update(line_count=len(first.line_numbers) + 600)
    xlsx = client_for("company").get(reverse("screening-export", args=[run.code, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    # the header stays in view and filters; shares read as percentages, amounts grouped
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    assert row["exposure share"].number_format == "0.0##%"  # 0.0002 shows as 0.02%
    assert 0 < row["exposure share"].value <= 1
    assert row["exposure"].number_format == "#,##0.00"
    assert row["score"].number_format == "0.0000"
    assert sheet.column_dimensions["O"].width > sheet.column_dimensions["A"].width
    # the numbers listed are not all the lines: said so
    assert row["lines"].value == len(first.line_numbers) + 600
    assert row["line numbers"].value.endswith(" …")
    assert not sheet.cell(row=3, column=header.index("line numbers") + 1).value.endswith("…")


def test_a_run_compares_with_the_previous(
    demo, company, client_for, django_capture_on_commit_callbacks
):
    company_org = Organisation.objects.get(name="Staalbouw Noord B.V.")
    first = Run.objects.get(organisation=company_org)
    data = (
        screening_demo.purchase_csv()
        .replace(
            b"Tin staven 99,9%;800110;Metallo Trading;BE;Bolivia", b"Wolfraam staven;;Metallo;BE;CD"
        )
        .replace(b"Bronzen lagerbussen", b"Kunststof lagerbussen")  # bronze's tin gone too
        .replace(b"Peru;800;6.400,00", b"Peru;800;96.400,00")  # ten times the zinc sheet
    )
    upload = services.upload_create(
        covenant=demo, organisation=company_org, user=company, name="b.csv", data=data
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.run_start(upload=upload, user=company)
    second.refresh_from_db()
    comparison = selectors.run_compare(run=second)
    assert comparison.previous == first
    assert ("child_labour", "tungsten") in {(f.theme, f.commodity) for f in comparison.new}
    gone = {(f.theme, f.commodity, f.country) for f in comparison.gone}
    assert ("child_labour", "tin", "BO") in gone
    assert comparison.kept == len(comparison.both) > 0
    # the findings in both, with their figures then and now, in the order of the new run
    for now, before in comparison.both:
        assert now.key == before.key and (now.run, before.run) == (second, first)
    assert [now.rank for now, _ in comparison.both] == sorted(
        now.rank for now, _ in comparison.both
    )
    assert any(now.rank != before.rank for now, before in comparison.both)

    page = html.unescape(
        client_for("company").get(reverse("screening-compare", args=[second.code])).content.decode()
    )
    assert "(b.csv) against" in page and f"({first.upload.name});" in page  # which files
    table = page.split('id="both"', 1)[1]
    now, before = next((n, b) for n, b in comparison.both if n.rank != b.rank)
    row = table.split(f'href="/screening/findings/{now.code}/"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", row)[:2] == [str(before.rank), str(now.rank)]


@pytest.mark.parametrize("status", [Run.Status.QUEUED, Run.Status.RUNNING, Run.Status.FAILED])
def test_a_run_without_results_is_neither_compared_nor_listed_as_without_risks(
    demo, company, client_for, status
):
    first = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    later = Run.objects.create(
        upload=first.upload,
        covenant=demo,
        organisation=first.organisation,
        status=status,
        progress=40 if status == Run.Status.RUNNING else 0,
        error="The screening stopped." if status == Run.Status.FAILED else "",
        read_with=first.read_with,
    )
    # "every earlier finding is gone" was said of a run that has none yet, or failed
    assert selectors.run_compare(run=later).gone == []
    client = client_for("company")
    page = client.get(reverse("screening-compare", args=[later.code]), follow=True)
    text = html.unescape(page.content.decode())
    assert page.redirect_chain[-1][0] == reverse("screening-run", args=[later.code])
    assert "This run has no findings to compare" in text and "Findings gone" not in text
    # the API said 200 and an empty list: "no risks"
    _token, plain = account_services.api_token_create(user=company, name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get(
        f"/api/screening/runs/{later.code}/findings"
    )
    assert api.status_code == 409
    expected = "The run failed" if status == Run.Status.FAILED else "The run has not finished"
    assert api.json()["message"].startswith(expected)


def test_a_run_that_fails_on_the_platform_says_what_to_do_not_the_servers_paths(
    demo, company, client_for, django_capture_on_commit_callbacks, settings
):
    org = Organisation.objects.get(name="Staalbouw Noord B.V.")
    upload = services.upload_create(
        covenant=demo, organisation=org, user=company, name="inkoop.csv", data=GOOD
    )
    upload.file.storage.delete(upload.file.name)  # the stored file is gone (disk, restore)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(upload=upload, user=company)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    url = reverse("screening-run", args=[run.code])
    page = html.unescape(client_for("company").get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode())
    assert str(settings.MEDIA_ROOT) not in page and "Errno" not in page
    assert "Het opgeslagen bestand van deze upload is niet meer te lezen" in page
    api = client_for("company").get(f"/api/screening/runs/{run.code}").json()
    assert api["error"].startswith("The stored file of this upload cannot be read any more")


def test_the_api_runs_json_lines_and_uploads(
    demo, company, stakeholder, django_capture_on_commit_callbacks
):
    _token, plain = account_services.api_token_create(user=company, name="screening")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    client = Client()
    body = {
        "lines": [
            {"description": "Mica plaat", "spend": 100},
            {"description": "Tin staven", "origin_country": "Bolivia", "spend": 50},
        ]
    }
    # the lines are named as the API names them, whatever the company's files call columns
    ColumnMapping.objects.create(
        organisation=Organisation.objects.get(name="Staalbouw Noord B.V."),
        header_map={"Spend": "", "Description": "supplier", "Omschrijving": "description"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/covenants/{demo.slug}/screening/runs",
            json.dumps(body),
            content_type="application/json",
            **headers,
        )
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    status = client.get(f"/api/screening/runs/{code}", **headers).json()
    missing = client.get("/api/screening/runs/00000000-0000-0000-0000-000000000000", **headers)
    assert missing.status_code == 404 and missing.json() == {"message": "Not found."}
    assert status["status"] == "done" and status["progress"] == 100 and status["lines"] == 2
    assert status["unplaced"] == []
    findings = client.get(f"/api/screening/runs/{code}/findings?commodity=tin", **headers).json()
    wrong = client.get(f"/api/screening/runs/{code}/findings?theme=kinderarbeid", **headers)
    assert wrong.status_code == 400
    assert wrong.json()["message"].startswith("Unknown theme “kinderarbeid”; one of: ")
    assert "child_labour" in wrong.json()["message"]
    # a country by its name is no ISO code: not cut to "BO" (Germany to GE, Georgia), refused
    for query, message in (
        ("country=Bolivia", "Unknown country “Bolivia”: give its ISO code, such as BO."),
        ("commodity=Tin", "Unknown commodity “Tin”: give its code, such as tin."),
    ):
        wrong = client.get(f"/api/screening/runs/{code}/findings?{query}", **headers)
        assert wrong.status_code == 400 and wrong.json()["message"] == message
    by_code = client.get(f"/api/screening/runs/{code}/findings?country=bo", **headers).json()
    assert by_code and {f["country"] for f in by_code} == {"BO"}
    # line numbers are indices in the request's lines, as the validation errors' loc
    assert findings[0]["country"] == "BO" and findings[0]["line_numbers"] == [1]
    tin = Run.objects.get(code=code).findings.get(rank=findings[0]["rank"])
    assert tin.line_numbers == [3]  # the page shows rows of the kept CSV file (header row 1)
    # the sender can delete what it sent: the file, its runs and their findings
    upload = status["upload"]
    assert str(Run.objects.get(code=code).upload.code) == upload
    _token, other = account_services.api_token_create(user=stakeholder, name="screening")
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert stranger.delete(f"/api/screening/uploads/{upload}").status_code == 404
    deleted = client.delete(f"/api/screening/uploads/{upload}", **headers)
    assert deleted.status_code == 204 and not Upload.objects.filter(code=upload).exists()
    assert client.get(f"/api/screening/runs/{code}", **headers).status_code == 404
    assert client.delete(f"/api/screening/uploads/{upload}", **headers).status_code == 404
    bad = client.post(
        f"/api/covenants/{demo.slug}/screening/uploads",
        {"file": SimpleUploadedFile("x.csv", b"Omschrijving;Bedrag\nTin;-1\n")},
        **headers,
    )
    assert bad.status_code == 400 and "negative" in bad.json()["message"]

    # An unknown country: the answer names it with its close matches and the page where a
    # person maps it once for the company (the upload waits there).
    body = {"lines": [{"description": "Kobalt", "origin_country": "Kongo", "spend": 10}]}
    response = client.post(
        f"/api/covenants/{demo.slug}/screening/runs",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    message = html.unescape(json.dumps(response.json(), ensure_ascii=False))
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.NEEDS_COUNTRIES
    # "Kongo" (German) names both Congos: asked, never guessed
    assert "'Kongo' (lines[0]; close to CD, CG)" in message
    assert f"http://testserver/screening/uploads/{upload.code}/countries/" in message


def test_the_api_reads_the_column_names_from_the_row_the_sender_names(
    demo, company, django_capture_on_commit_callbacks
):
    _token, plain = account_services.api_token_create(user=company, name="screening")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    url = f"/api/covenants/{demo.slug}/screening/uploads"
    titled = (
        b"Inkooplijst 2025;Staalbouw Noord B.V.\n\n"
        b"Omschrijving;Land van herkomst;Bedrag\nTin staven;Bolivia;100\nMica;;-5\n"
    )

    def send(data: bytes, query: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"{url}{query}", {"file": SimpleUploadedFile("inkoop.csv", data)})

    # the row of a bad value is the file's own, also below the named header row
    bad = send(titled, "?header_row=3")
    assert bad.status_code == 400 and "Row 5" in bad.json()["message"]
    blank = send(titled, "?header_row=2")
    assert blank.status_code == 400
    assert blank.json()["message"] == (
        "Row 2 holds no column names: choose the row with the names of the columns."
    )
    assert send(titled, "?header_row=0").status_code == 422
    sent = send(titled.replace(b"-5", b"5"), "?header_row=3")
    assert sent.status_code == 201, sent.content
    run = Run.objects.get(code=sent.json()["code"])
    assert run.status == Run.Status.DONE and run.upload.header_row == 3
    assert run.findings.filter(commodity="tin", country="BO").first().line_numbers == [4]
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][url.replace(demo.slug, "{slug}")]["post"]
    assert "header_row" in {p["name"] for p in operation["parameters"]}


def test_the_api_says_why_a_file_waits_for_its_column_mapping(demo, company):
    _token, plain = account_services.api_token_create(user=company, name="screening")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_ACCEPT_LANGUAGE="nl")
    data = b"Product;Omschrijving;Waarde\nStaf;Tin staven;100\n"
    response = client.post(
        f"/api/covenants/{demo.slug}/screening/uploads",
        {"file": SimpleUploadedFile("inkoop.csv", data)},
    )
    upload = Upload.objects.latest("uploaded_at")
    assert response.status_code == 400 and upload.status == Upload.Status.NEEDS_MAPPING
    message = response.json()["message"]
    assert message.startswith(
        "Twee kolommen worden allebei gelezen als beschrijving: “Product” en “Omschrijving”."
    )
    assert (
        f"Koppel de kolommen één keer op http://testserver/screening/uploads/{upload.code}/mapping/"
        in message
    )
    # a reason that ends in a list ends as a sentence before the next one
    response = client.post(
        f"/api/covenants/{demo.slug}/screening/uploads",
        {"file": SimpleUploadedFile("inkoop.csv", b"Artikel;Euro\nStaf;100\n")},
    )
    assert "Gevonden kolommen: Artikel, Euro. Koppel de kolommen" in response.json()["message"]


def test_an_rmi_template_has_no_header_row_to_choose(demo, company, client_for):
    _token, plain = account_services.api_token_create(user=company, name="screening")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    cmrt = rmi_workbook(smelters=[("", "Tin", "Minsur", "Minsur", "Peru", "CID001182")])
    answer = client.post(
        f"/api/covenants/{demo.slug}/screening/uploads?header_row=3",
        {"file": SimpleUploadedFile("cmrt.xlsx", cmrt)},
    )
    assert answer.status_code == 400 and "RMI template" in answer.json()["message"]
    assert not Upload.objects.filter(name="cmrt.xlsx").exists()
    # on the page, the template's mapping page offers no rows, and a posted row is refused
    browser = client_for("company")
    _upload(browser, demo, cmrt, name="cmrt.xlsx")
    upload = Upload.objects.get(name="cmrt.xlsx")
    page = browser.get(reverse("screening-mapping", args=[upload.code])).content.decode()
    assert 'name="row"' not in page
    refused = browser.post(reverse("screening-header-row", args=[upload.code]), {"row": "1"})
    assert refused.status_code == 400
    upload.refresh_from_db()
    assert upload.header_row is None and upload.status == Upload.Status.READY


def test_a_region_is_asked_with_its_countries_first_and_with_its_country_preselected(
    demo, client_for
):
    client = client_for("company")
    regions = (
        "Omschrijving;Land van herkomst;Bedrag\n"
        "Tin staven;Potosí, Bolivia;1.000,00\n"
        "Koperkathode;Lualaba;500,00\n"
        "Nikkel;Bolívar;250,00\n"
    ).encode()
    response = _upload(client, demo, regions)
    assert Upload.objects.latest("uploaded_at").status == Upload.Status.NEEDS_COUNTRIES
    page = html.unescape(client.get(response["Location"]).content.decode())
    rows = {value: page.split(f"“{value}”", 1)[1].split("</tr>", 1)[0] for value in (
        "Potosí, Bolivia", "Lualaba", "Bolívar")}  # fmt: skip
    # a region with its country: that country, chosen already, once, at the top of the list
    assert '<option value="BO" selected>' in rows["Potosí, Bolivia"]
    assert rows["Potosí, Bolivia"].count(" selected>") == 1
    assert '<optgroup label="Close matches">\n<option value="BO" selected>' in re.sub(
        r">\s+<", ">\n<", rows["Potosí, Bolivia"]
    )
    # a region alone: asked, its country first and said to have it (Lualaba had no match)
    assert '<option value="" selected>' in rows["Lualaba"]
    assert "A region of this name in: Democratic Republic of the Congo (CD)." in rows["Lualaba"]
    # in Dutch, whose name ends in brackets: one pair, not "(DRC) (CD)"
    client.post(reverse("set_language"), {"language": "nl"})
    dutch = html.unescape(client.get(response["Location"]).content.decode())
    assert "Een regio met deze naam in: Democratische Republiek Congo (DRC, CD)." in dutch
    # a state of Venezuela, a department of Colombia and a province of Ecuador, and a letter
    # off Bolivia: the three first (this was Bolivia, preselected)
    assert '<option value="" selected>' in rows["Bolívar"]
    assert (
        "A region of this name in: Colombia (CO), Ecuador (EC), Venezuela (VE). "
        "Also close: Bolivia (BO)."
    ) in rows["Bolívar"]
    close = rows["Bolívar"].split('<optgroup label="Close matches">', 1)[1].split("</optgroup>")[0]
    assert re.findall(r'<option value="(\w+)"', close) == ["CO", "EC", "VE", "BO"]
    # read with the choice by a screen reader
    assert 'aria-describedby="id_country_2_close"' in rows["Bolívar"]
    assert 'id="id_country_2_close"' in rows["Bolívar"]


def test_a_row_whose_countries_are_to_be_mapped_drops_the_earlier_lines(demo, client_for):
    client = client_for("company")
    data = (
        b"Omschrijving;Bedrag;A;B;C\nTin;10;x;1;y\n"
        b"Oud;1;Omschrijving;Aantal;Land van herkomst\nTin;10;Tin staven;5;Peroe\n"
    )
    _upload(client, demo, data)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.status == Upload.Status.READY and upload.lines == 3
    client.post(reverse("screening-header-row", args=[upload.code]), {"row": "3"})
    upload.refresh_from_db()
    assert upload.status == Upload.Status.NEEDS_COUNTRIES and upload.header_row == 3
    assert upload.header == ["Oud", "1", "Omschrijving", "Aantal", "Land van herkomst"]
    # nothing of the read from row 1 is shown as this file's lines
    assert (upload.lines, upload.preview, upload.unmatched_count) == (0, [], 0)


def test_a_run_from_before_the_header_row_choice_keeps_its_numbers(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    _upload(
        client, demo, b"Inkoopoverzicht 2025\nOmschrijving;Land van herkomst;Bedrag\nTin;BO;10\n"
    )
    upload = Upload.objects.latest("uploaded_at")
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    # stored before a header row could be chosen; the upload is given one afterwards
    del run.read_with["header_row"]
    run.save(update_fields=["read_with"])
    Upload.objects.filter(pk=upload.pk).update(header_row=1)
    run = Run.objects.get(pk=run.pk)
    lines = services.purchase_lines(run=run, numbers=[3])
    assert [(r["line"], r["description"]) for r in lines] == [(3, "Tin")]


def test_the_api_names_the_line_and_field_of_a_bad_json_line(demo, company):
    _token, plain = account_services.api_token_create(user=company, name="screening")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    url = f"/api/covenants/{demo.slug}/screening/runs"
    uploads = Upload.objects.count()

    def post(*lines):
        response = client.post(url, json.dumps({"lines": list(lines)}), "application/json")
        assert response.status_code == 422, response.content
        errors = response.json()["detail"]
        assert all(e["loc"][0] == "body" for e in errors)
        return [(e["loc"][1:], e["msg"]) for e in errors]

    tin = {"description": "Tin", "spend": 5}
    assert post(tin, {"description": "Tin", "spend": -1}) == [
        (["lines", 1, "spend"], "Input should be greater than or equal to 0")
    ]
    assert post(tin, {"description": "Tin", "amount": 5})[0][0] == ["lines", 1, "amount"]
    # JSON "Infinity" (Python writes and reads it) is no amount: refused, not a server error
    assert post(tin, {"description": "Tin", "spend": float("inf")})[0][0] == ["lines", 1, "spend"]
    assert post() == [(["lines"], "List should have at least 1 item after validation, not 0")]
    # one field alone used to be read as a CSV without separators; now it says what is missing
    assert post({"description": "Tin"}) == [
        ([], "Value error, No line has an amount: send a spend or a quantity.")
    ]
    assert post({"spend": 4}) == [
        ([], "Value error, No line names its material: send a description or an hs_code.")
    ]
    assert Upload.objects.count() == uploads  # nothing kept


def test_the_api_says_when_json_lines_are_too_large_for_one_request(demo, company, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    _token, plain = account_services.api_token_create(user=company, name="screening")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    lines = [{"description": "Tin staven", "origin_country": "Bolivia", "spend": 12.5}] * 20_000
    response = client.post(
        f"/api/covenants/{demo.slug}/screening/runs",
        json.dumps({"lines": lines}),
        "application/json",
    )
    assert response.status_code == 413  # JSON, not Django's bare HTML "Bad Request"
    assert response.json()["message"].startswith("The request is larger than 1 MB. Send a large")


def test_the_demo_company_has_one_completed_run_with_the_expected_top_findings(demo):
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    assert run.status == Run.Status.DONE
    assert run.unplaced == []  # every metal line can be placed, by origin or world production
    ranked = [(f.theme, f.commodity, f.country) for f in run.findings.order_by("rank")]
    top = set(ranked[:6])
    assert ("child_labour", "tin", "BO") in top
    assert ("child_labour", "zinc", "BO") in top
    # the covenant's own documented risks (knowledge/demo.py) rank beside ILAB's
    assert ("health_safety", "tin", "BO") in top
    assert {("health_safety", "manganese", "ZA"), ("environment", "manganese", "ZA")} <= top
    assert ("child_labour", "mica", "MG") in ranked[:8]
    assert ("child_labour", "mica", "IN") in ranked
    # written in Dutch, as the covenant's Dutch news item and secretariat write it
    manganese = Finding.objects.filter(
        run=run, theme="environment", commodity="manganese", country="ZA"
    ).select_related("risk")
    assert {f.risk.description[:40] for f in manganese} == {
        "Risico's in mangaanmijnen in Zuid-Afrika"
    }


def test_a_company_teaches_its_own_word_from_the_unmatched_lines(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    data = (
        b"Omschrijving;Land van herkomst;Bedrag\n"
        b"Muscovietplaat 2mm;India;500,00\n"
        b"Muscoviet band;India;300,00\n"
        b"Verf RAL 7016;;250,00\n"
    )
    _upload(client, demo, data)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.unmatched_count == 3
    preview = reverse("screening-preview", args=[upload.code])
    page = html.unescape(client.get(preview).content.decode())
    assert "Link more lines" in page

    words = reverse("screening-synonym", args=[upload.code])
    # A word the knowledge base already uses is refused, with its meaning; nothing changes.
    response = client.post(words, {"text": "Koper", "commodity": "mica"})
    assert response.status_code == 400
    assert "“koper” already means copper" in html.unescape(response.content.decode())
    assert "koper" not in selectors.company_synonyms_for(upload.organisation)

    response = client.post(words, {"text": "Muscoviet*", "commodity": "mica"}, follow=True)
    assert "“muscoviet*” now means mica in your company's screenings: 2 more lines are linked." in (
        html.unescape(response.content.decode())
    )
    upload.refresh_from_db()
    assert upload.unmatched_count == 1
    assert [u["description"] for u in upload.unmatched] == ["Verf RAL 7016"]

    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    mica = run.findings.filter(commodity="mica", country="IN")
    assert mica.exists() and sorted(mica.first().line_numbers) == [2, 3]
    # Another company does not get the word.
    other = Organisation.objects.exclude(pk=upload.organisation_id).first()
    assert selectors.company_synonyms_for(other) == {}


def test_adopting_without_a_risk_analysis_in_the_open_year_says_why(demo, client_for):
    from covenant.monitoring.models import Part

    company = Organisation.objects.get(name="Staalbouw Noord B.V.")
    run = Run.objects.filter(organisation=company, status=Run.Status.DONE).latest("created_at")
    finding = run.findings.order_by("rank").first()
    part = Part.objects.get(
        cycle__covenant=demo, cycle__closed_at=None, organisation=company, kind="risk_analysis"
    )
    label = part.cycle.year.label
    part.delete()  # as for a company that joined during the year
    response = client_for("company").post(
        reverse("screening-adopt", args=[finding.code]), follow=True
    )
    page = html.unescape(response.content.decode())
    assert f"Your company has no risk analysis in the monitoring of {label}" in page
    assert not RiskItem.objects.filter(finding=finding).exists()


@pytest.mark.parametrize("word", ["a.", "c++*", " - "])
def test_a_word_of_less_than_two_letters_is_refused(demo, client_for, word):
    client = client_for("company")
    _upload(client, demo, GOOD)
    upload = Upload.objects.latest("uploaded_at")
    response = client.post(
        reverse("screening-synonym", args=[upload.code]), {"text": word, "commodity": "mica"}
    )
    assert response.status_code == 400
    assert "at least two letters" in response.content.decode()
    assert selectors.company_synonyms_for(upload.organisation) == {}


def test_a_word_is_kept_as_the_engine_compares_it(demo, client_for):
    client = client_for("company")
    _upload(client, demo, GOOD)
    upload = Upload.objects.latest("uploaded_at")
    client.post(
        reverse("screening-synonym", args=[upload.code]),
        {"text": "  Isolatie-Plaat* ", "commodity": "mica"},
    )
    assert selectors.company_synonyms_for(upload.organisation) == {"isolatie plaat*": "mica"}


def test_a_prefix_of_a_known_word_links_dutch_compounds(demo, client_for):
    client = client_for("company")
    _upload(client, demo, b"Omschrijving;Bedrag\nLoodslab 2mm;80,00\nLoodplaat;20,00\n")
    upload = Upload.objects.latest("uploaded_at")
    assert upload.unmatched_count == 2  # "lood" is known as a whole word only
    response = client.post(
        reverse("screening-synonym", args=[upload.code]), {"text": "lood*", "commodity": "lead"}
    )
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.unmatched_count == 0


def test_dutch_compounds_of_the_common_metals_are_linked_without_a_word_of_ones_own(demo):
    descriptions = [
        "Koperbuis 15mm",
        "Zinkplaat",
        "Aluminiumprofiel 40x40",
        "Messingbus",
        "Staalkabel 8mm",
        "Tinsoldeer",
        "Nikkelplaat",
        "Roestvaststalen bout M8",
        "RVS-buis",
        "Verzinkt staal",
        "Verf RAL 7016",
    ]
    matched = engine.match_descriptions(
        pl.Series(descriptions), selectors.reference_from_knowledge()
    )
    found = dict(matched.select("description", "commodity").iter_rows())
    assert [found[d] for d in descriptions] == [
        "copper",
        "zinc",
        "aluminium",
        "brass",
        "steel",
        "tin",
        "nickel",
        "stainless-steel",
        "stainless-steel",
        "steel",  # the whole word "staal", not the start of "verzinkt"
        None,
    ]


def test_a_findings_explanation_names_a_source_for_every_step(demo, client_for):
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    alloyed = run.findings.exclude(component=F("commodity")).exclude(risk=None).first()
    page = html.unescape(
        client_for("company")
        .get(reverse("screening-finding", args=[alloyed.code]))
        .content.decode()
    )
    # bought as an alloy: the typical share names its source, and both commodities link to
    # their knowledge base pages
    assert "of the alloy) — source: Covenant" in page
    assert f'href="/knowledge/commodities/{alloyed.component}/"' in page
    assert f'href="/knowledge/commodities/{alloyed.commodity}/"' in page
    # the country and the likelihood lead to the country page; the risk's text is whole
    assert f'href="/knowledge/countries/{alloyed.country}/"' in page
    assert "how it follows from the governance of" in page
    assert alloyed.risk.description in page


def test_a_company_sees_and_forgets_what_the_screening_remembers(demo, client_for):
    client = client_for("company")
    odd = b"Artikel;Herkomst;Euro\nTin staven;Bolivai;100\nKoperbuis;Holland;50\n"
    _upload(client, demo, odd)
    upload = Upload.objects.latest("uploaded_at")
    services.upload_map_columns(
        upload=upload,
        user=upload.uploaded_by,
        header_map={"Artikel": "description", "Herkomst": "origin_country", "Euro": "spend"},
    )
    upload.refresh_from_db()
    services.upload_map_countries(
        upload=upload, user=upload.uploaded_by, country_map={"Bolivai": "BO"}
    )
    url = reverse("screening-remembered", args=[demo.slug])
    home = client.get(reverse("screening-home", args=[demo.slug])).content.decode()
    assert f'href="{url}"' in home
    page = html.unescape(client.get(url).content.decode())
    assert "Artikel" in page and "Bolivai" in page and "Bolivia (BO)" in page

    response = client.post(url, {"kind": "country", "key": "Bolivai"}, follow=True)
    assert "Forgotten: the next upload is read without it." in response.content.decode()
    organisation = upload.organisation
    assert "Bolivai" not in selectors.country_map_for(organisation)
    assert selectors.mapping_for(organisation)  # the columns are still remembered
    # the next upload asks again for the forgotten value
    _upload(client, demo, odd)
    assert Upload.objects.latest("uploaded_at").status == Upload.Status.NEEDS_COUNTRIES

    # a value that is not remembered is said so, and nothing changes
    response = client.post(url, {"kind": "word", "key": "nothing"}, follow=True)
    assert "“nothing” is not remembered for your company." in html.unescape(
        response.content.decode()
    )


def test_natural_stone_is_screened_for_a_stone_covenant(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    data = (
        "Omschrijving;Land van herkomst;Bedrag\n"
        "Zandsteen gevelplaat 3cm;India;1.000,00\n"
        "Belgisch hardsteen dorpel;België;500,00\n"
        "Natuursteen tegels;Nepal;250,00\n"
        "Graniet werkblad;;800,00\n"
        "Granietplaat gepolijst;;200,00\n"
        "Koperbuis 15mm;;100,00\n"
        "Granietlook tegel 60x60;Spanje;50,00\n"
    ).encode("cp1252")
    _upload(client, demo, data)
    upload = Upload.objects.latest("uploaded_at")
    assert [line["commodity"] for line in upload.preview] == [
        "sandstone",
        "limestone",
        "natural-stone",
        "granite",
        "granite",
        "copper",
        None,  # a ceramic tile that looks like granite is no granite
    ]
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    found = {(f.theme, f.commodity, f.country) for f in run.findings.all()}
    assert {
        ("child_labour", "sandstone", "IN"),
        ("forced_labour", "sandstone", "IN"),
        ("child_labour", "natural-stone", "NP"),
    } <= found
    assert not any(country == "BE" for _theme, _commodity, country in found)
    # granite without an origin has no production figures to spread over: the run says so
    # (copper without an origin is spread over world production, as ever)
    assert run.unplaced == [{"commodity": "granite", "lines": 2}]
    assert any(f.commodity == "copper" for f in run.findings.all())
    page = html.unescape(client.get(reverse("screening-run", args=[run.code])).content.decode())
    assert "Not screened, for want of a country of origin: granite (2 lines)." in page
    api = client.get(f"/api/screening/runs/{run.code}").json()
    assert api["unplaced"] == [{"commodity": "granite", "lines": 2}]


def test_a_total_row_is_not_counted_in_the_shares(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    data = (
        b"Omschrijving;Land van herkomst;Bedrag\n"
        b"Tin staven;Bolivia;1.000,00\n"
        b"Verf RAL 7016;;1.000,00\n"
        b"Totaal;;2.000,00\n"
    )
    _upload(client, demo, data)
    upload = Upload.objects.latest("uploaded_at")
    assert upload.report["total_rows"] == [4]
    page = html.unescape(
        client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    )
    assert "Rows that look like a total or subtotal are not counted" in page and "Rows: 4." in page
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    assert run.total_exposure == 2000  # the two purchases, not 4,000 with their total
    tin = run.findings.filter(commodity="tin", country="BO").first()
    assert tin.exposure_share == pytest.approx(0.5)


def test_large_counts_are_grouped_as_the_reader_writes_them(demo, client_for):
    client = client_for("company")
    data = b"Omschrijving;Bedrag\n" + b"".join(b"Tin staven %d;1\n" % i for i in range(1001))
    response = _upload(client, demo, data)
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "1.001 inkoopregels zijn ingelezen" in page
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,001 purchase lines were read" in page


def test_a_company_deletes_an_uploaded_file_with_its_runs(
    demo, client_for, django_capture_on_commit_callbacks
):
    client = client_for("company")
    _upload(client, demo, GOOD)
    upload = Upload.objects.latest("uploaded_at")
    _response, run = _run(client, upload, django_capture_on_commit_callbacks)
    finding = run.findings.order_by("rank").first()
    client.post(reverse("screening-adopt", args=[finding.code]))
    item = RiskItem.objects.get(finding=finding)
    stored, storage = upload.file.name, upload.file.storage
    assert storage.exists(stored)

    preview = client.get(reverse("screening-preview", args=[upload.code])).content.decode()
    delete = reverse("screening-upload-delete", args=[upload.code])
    assert f'href="{delete}">Delete this file</a>' in preview
    page = html.unescape(client.get(delete).content.decode())
    assert "deleted with its 1 run and that run's findings; this cannot be undone" in page
    assert "1 item of your risk register was adopted from these findings: it stays" in page
    # others may not: the secretariat reads the file but does not delete it
    assert client_for("secretariat").post(delete).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, follow=True)
    assert "inkoop.csv was deleted with its 1 run." in html.unescape(response.content.decode())
    assert not Upload.objects.filter(pk=upload.pk).exists()
    assert not Run.objects.filter(pk=run.pk).exists() and not storage.exists(stored)
    item.refresh_from_db()
    assert item.finding is None  # the register keeps the item


def test_the_mapping_form_shows_a_mapping_kept_before_columns_had_places():
    form = MappingForm(header=["Omschrijving", "", ""], initial_map={"": "spend"})
    assert [form.fields[f"col_{i}"].initial for i in range(3)] == ["description", "spend", ""]


def test_a_member_of_two_companies_says_which_company_a_list_is_for(
    demo, company, client_for, django_capture_on_commit_callbacks
):
    """Everything went to the first company, whose other members then saw the second's list."""
    from covenant.accounts.models import Role

    first = Organisation.objects.get(name="Staalbouw Noord B.V.")
    second = Organisation.objects.get(name="Aluminium Twente B.V.")
    account_services.role_grant(
        user=company, covenant=demo, kind=Role.Kind.COMPANY_MEMBER, organisation=second
    )
    client = client_for("company")
    url = reverse("screening-home", args=[demo.slug])
    before = Upload.objects.count()
    refused = client.post(url, {"file": SimpleUploadedFile("twente.csv", GOOD)})
    assert refused.status_code == 400 and Upload.objects.count() == before
    assert "For the company" in refused.content.decode()
    chosen = client.post(
        url, {"file": SimpleUploadedFile("twente.csv", GOOD), "organisation": str(second.code)}
    )
    assert chosen.status_code == 302
    assert Upload.objects.latest("uploaded_at").organisation == second
    # what is remembered is shown per company
    ColumnMapping.objects.create(organisation=second, header_map={"Waarde": "spend"})
    remembered = reverse("screening-remembered", args=[demo.slug])
    assert "Waarde" not in client.get(remembered).content.decode()  # the first company's
    page = client.get(remembered, {"company": str(second.code)}).content.decode()
    assert "Waarde" in page and "Remembered for Aluminium Twente B.V." in page
    forget = {"company": str(second.code), "kind": "column", "key": "Waarde"}
    assert client.post(remembered, forget)["Location"].endswith(f"?company={second.code}")
    assert "Waarde" not in ColumnMapping.objects.get(organisation=second).header_map
    # the API asks too, and lists the member's companies
    _token, plain = account_services.api_token_create(user=company, name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    runs = f"/api/covenants/{demo.slug}/screening/runs"
    body = json.dumps({"lines": [{"description": "Tin staven", "spend": 10}]})
    unsaid = api.post(runs, body, content_type="application/json")
    assert unsaid.status_code == 400 and str(first.code) in unsaid.json()["message"]
    with django_capture_on_commit_callbacks(execute=True):
        said = api.post(f"{runs}?organisation={second.code}", body, content_type="application/json")
    assert said.status_code == 201 and said.json()["organisation"] == second.name
    stranger = Organisation.objects.exclude(pk__in=[first.pk, second.pk]).first()
    before = Upload.objects.count()
    other = api.post(f"{runs}?organisation={stranger.code}", body, content_type="application/json")
    assert other.status_code == 400 and Upload.objects.count() == before


def test_a_findings_page_says_why_its_lines_cannot_be_shown(demo, client_for):
    """A stored file that no longer reads (changed, or refused by a stricter reader since the
    run) showed "0 of 2 lines shown" and nothing more."""
    run = Run.objects.get(organisation__name="Staalbouw Noord B.V.")
    finding = run.findings.order_by("rank").first()
    run.upload.file.save("inkoop.csv", ContentFile(b"Omschrijving;Bedrag\nTin;-5\n"))
    page = client_for("company").get(
        reverse("screening-finding", args=[finding.code]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "The lines cannot be shown from the stored file: Row 2, column “Bedrag”" in text
    assert ", ".join(map(str, finding.line_numbers[:3])) in text  # the rows, by number


def test_a_run_without_findings_says_why_and_that_it_proves_no_absence_of_risk(
    demo, company, client_for, django_capture_on_commit_callbacks
):
    organisation = Organisation.objects.get(name="Staalbouw Noord B.V.")
    upload = services.upload_create(
        covenant=demo,
        organisation=organisation,
        user=company,
        name="kenya.csv",
        data=b"Omschrijving;Land van herkomst;Bedrag\nTin staven;Kenya;100\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(upload=upload, user=company)
    run.refresh_from_db()
    assert run.status == Run.Status.DONE and run.finding_count == 0
    client = client_for("company")
    url = reverse("screening-run", args=[run.code])
    text = html.unescape(client.get(url).content.decode())
    # "No findings." read as "no risks"
    assert "No documented risk matches these purchases" in text
    assert "That is no proof that there is none" in text
    assert reverse("knowledge-home") in text
    filtered = html.unescape(client.get(url, {"theme": "child_labour"}).content.decode())
    assert "No findings match these filters." in filtered
    assert "No documented risk matches" not in filtered
    # a way back to every finding, where a filter is set
    assert f'<a href="{url}">All findings</a>' in filtered and "All findings" not in text
