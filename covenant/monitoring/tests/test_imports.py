"""The two Excel imports of the monitoring (a company's risk register, the secretariat's
figures of earlier years) refuse, before reading any row: a file of another type, a file over
the upload limit, a workbook that unpacks to far more than it holds (a zip bomb), and a sheet
with more rows than one import takes."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from covenant.monitoring import services
from covenant.monitoring.models import HistoricFigure, Part

COLUMNS = services.RISK_COLUMNS
HISTORY = "/covenants/metaalsector/monitoring/history/"
UNPACKS = "This Excel file unpacks to far more data than it holds, so it was not read."
RISK_ROW = ["child_labour", "mica", "IN", "mining", 4, 3, 4, 2, "yes", "Mica in coatings"]


def own_risks() -> Part:
    return Part.objects.get(
        cycle__year__number=5, organisation__name="Staalbouw Noord B.V.", kind="risk_analysis"
    )


def workbook(title: str, rows, name: str) -> io.BytesIO:
    wb = Workbook()
    sheet = wb.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def zip_bomb(title: str, header: list, name: str, empty_rows: int = 2_000_000) -> io.BytesIO:
    """A real workbook whose sheet goes on with millions of empty rows: some kilobytes that
    unpack to megabytes, and that a reader would walk row by row."""
    plain = workbook(title, [header], name)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row/>" * empty_rows + b"</sheetData>")
            target.writestr(info.filename, data)
    out.seek(0)
    out.name = name
    return out


def oversize(name: str) -> io.BytesIO:
    """A file just over 1 MB that starts like an .xlsx."""
    buffer = io.BytesIO(b"PK\x03\x04" + b"\0" * (1024 * 1024))
    buffer.name = name
    return buffer


def import_register(client, upload) -> list[str]:
    """Post the file to the register import and return the messages then shown."""
    response = client.post(f"/parts/{own_risks().code}/register.xlsx", {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


def test_a_zip_bomb_register_is_refused_at_once_and_nothing_added(client_for):
    bomb = zip_bomb("risks", COLUMNS, "register.xlsx")
    assert len(bomb.getvalue()) < 100_000  # kilobytes on the wire...
    count = own_risks().risks.count()
    started = time.monotonic()
    assert import_register(client_for("company"), bomb) == [
        UNPACKS + " Copy its rows into a new workbook and upload that."
    ]
    assert time.monotonic() - started < 5  # refused, not read
    assert own_risks().risks.count() == count


def test_a_register_over_the_upload_limit_is_refused(client_for, settings):
    settings.ATTACHMENT_MAX_MB = 1
    count = own_risks().risks.count()
    assert import_register(client_for("company"), oversize("register.xlsx")) == [
        "The file is larger than 1 MB."
    ]
    assert own_risks().risks.count() == count


def test_a_register_of_another_type_is_refused(client_for):
    text_file = io.BytesIO(b"theme;commodity\nchild_labour;mica\n")
    text_file.name = "register.csv"
    assert import_register(client_for("company"), text_file) == [
        "This is not an Excel (.xlsx) file."
    ]


def test_a_register_with_more_rows_than_one_import_takes_is_refused(client_for):
    limit = services.MAX_REGISTER_ROWS
    upload = workbook("risks", [COLUMNS, *[RISK_ROW] * (limit + 1)], "register.xlsx")
    count = own_risks().risks.count()
    assert import_register(client_for("company"), upload) == [
        "The sheet has more than 5,000 rows (empty rows with formatting count too). "
        "Import at most 5,000 rows at a time."
    ]
    assert own_risks().risks.count() == count


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: zip_bomb("figures", services.HISTORY_HEADER, "history.xlsx"), UNPACKS),
        (lambda: oversize("history.xlsx"), "The file is larger than 1 MB."),
        (
            lambda: workbook(
                "figures",
                [services.HISTORY_HEADER, *[[1, "policy_published", 4, 8, None, ""]] * 5_001],
                "history.xlsx",
            ),
            "The sheet has more than 5,000 rows",
        ),
    ],
    ids=["zip bomb", "over the limit", "too many rows"],
)
def test_the_figures_of_earlier_years_refuse_the_same_files(client_for, settings, upload, message):
    settings.ATTACHMENT_MAX_MB = 1
    response = client_for("secretariat").post(HISTORY, {"file": upload()})
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors["file"])  # on the file field, the form shown again
    assert "Fix these rows" not in response.content.decode()
    assert not HistoricFigure.objects.exists()


def test_a_good_import_is_one_change_in_the_history(client_for):
    rows = [RISK_ROW, ["forced_labour", "cobalt", "CD", "mining", 4, 4, 4, 3, "no", ""]]
    count = own_risks().risks.count()
    upload = workbook("risks", [COLUMNS, *rows], "register.xlsx")
    assert import_register(client_for("company"), upload) == ["2 risks were added."]
    risks = own_risks()
    assert risks.risks.count() == count + 2
    assert risks.risks.filter(commodity="cobalt", prioritised=False).exists()
    event = risks.events.first()
    assert (event.action, event.note) == ("saved", "Imported from Excel: 2 risks")


def test_a_row_the_register_cannot_hold_is_named_and_nothing_added(client_for):
    count = own_risks().risks.count()
    upload = workbook(
        "risks", [COLUMNS, RISK_ROW, [*RISK_ROW[:1], "m" * 121, *RISK_ROW[2:]]], "register.xlsx"
    )
    [message] = import_register(client_for("company"), upload)
    assert message.startswith("Nothing was imported.")
    assert "Row 3: commodity: Ensure this value has at most 120 characters (it has 121)." in message
    assert own_risks().risks.count() == count
