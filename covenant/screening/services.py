"""Writes of the screening: uploading a purchase list (checked whole before anything is
saved), remembering a company's column mapping, starting and executing a run (in the
background), and adopting a finding into the company's risk register."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from covenant.covenants.models import Covenant, Organisation
from covenant.monitoring import services as monitoring_services
from covenant.monitoring.models import Cycle, Part, RiskItem
from covenant.screening import engine, rmi, selectors
from covenant.screening.models import MAX_FINDING_LINES, ColumnMapping, Finding, Run, Upload

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIX = ".xlsx"
ACCEPTED = (*CSV_SUFFIXES, XLSX_SUFFIX)
PREVIEW_LINES = 20
DUPLICATES_SHOWN = 10  # rows named of the lines that repeat another
UNMATCHED_KEPT = 200
XLSX_MAX_RATIO = 100  # an .xlsx that unpacks to more than 100 × its size is refused
RUN_FAILED = gettext_noop(
    "The screening stopped on an error of the platform; it has been logged. Start the run "
    "again; if it stops again, tell the secretariat."
)
RUN_INTERRUPTED = gettext_noop(
    "The run stopped before it finished (the platform may have restarted). Start it again."
)
RUN_FILE_GONE = gettext_noop(
    "The stored file of this upload cannot be read any more; upload the purchase list again."
)
XLSX_UNREADABLE = gettext_noop("This Excel file cannot be read: %(error)s")
FIELD_LABELS = {field: gettext_lazy(name) for field, name in engine.FIELD_NAMES.items()}


def max_bytes() -> int:
    return int(float(settings.SCREENING_MAX_MB) * 1024 * 1024)


# Reading a file ----------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def open_xlsx(data: bytes):
    """A calamine workbook of an .xlsx, refusing password-protected, old .xls, damaged and
    zip-bomb files with a PurchaseFileError."""
    from python_calamine import CalamineWorkbook

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise engine.PurchaseFileError(
            gettext_noop(
                "This workbook is password-protected or in the old .xls format: save it as "
                ".xlsx without a password, or as CSV."
            )
        )
    if not data.startswith(b"PK\x03\x04"):
        raise engine.PurchaseFileError(gettext_noop("This file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise engine.PurchaseFileError(
            gettext_noop("This Excel file is damaged and cannot be read.")
        ) from exc
    if unpacked > max(len(data) * XLSX_MAX_RATIO, 1 << 20) or unpacked > 20 * max_bytes():
        raise engine.PurchaseFileError(
            gettext_noop(
                "This Excel file unpacks to far more data than it holds; save it as CSV instead."
            )
        )
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own errors for damaged or protected files
        raise engine.PurchaseFileError(XLSX_UNREADABLE, error=str(exc)) from exc


def _is_table(rows: list[list]) -> bool:
    """A sheet that holds a table: one of its first filled rows (below a title, if any) has
    two or more cells, and a row follows it (a sheet of notes or a title page has neither)."""
    filled = [row for row in rows if any(str(cell).strip() for cell in row)]
    wide = [
        i
        for i, row in enumerate(filled[: engine.PREAMBLE_LINES])
        if sum(1 for cell in row if str(cell).strip()) >= 2
    ]
    return bool(wide) and wide[0] + 1 < len(filled)


def _without_empty_columns(rows: list[list]) -> list[list]:
    """The rows without the empty columns left of the table (Excel's column A often is)."""
    filled = [
        next(i for i, cell in enumerate(row) if str(cell).strip())
        for row in rows
        if any(str(cell).strip() for cell in row)
    ]
    start = min(filled, default=0)
    return [row[start:] for row in rows] if start else rows


def _amounts_with_point(rows: list[list]) -> None:
    """Rewrite in place the amounts a column holds as text with a decimal comma ("1.500,00",
    as some ERP systems export them) with a point, as the workbook's number cells are read."""
    width = max((len(row) for row in rows), default=0)
    for column in range(width):
        texts = {row[column] for row in rows if column < len(row) and isinstance(row[column], str)}
        fixed = engine.with_decimal_point(texts)
        if not fixed:
            continue
        for row in rows:
            if column < len(row) and isinstance(row[column], str) and row[column] in fixed:
                row[column] = fixed[row[column]]


def xlsx_to_csv(data: bytes) -> bytes:
    """The first sheet of an .xlsx workbook that holds a table (else its first sheet), as
    CSV (UTF-8, comma-separated, decimal point)."""
    workbook = open_xlsx(data)
    try:
        first = None
        for index in range(len(workbook.sheet_names)):
            # empty rows above the table kept, so that rows are numbered as in Excel
            rows = _without_empty_columns(
                workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
            )
            first = rows if first is None else first
            if _is_table(rows):
                break
        else:
            rows = first or []
    except Exception as exc:  # calamine raises its own errors for damaged or protected files
        raise engine.PurchaseFileError(XLSX_UNREADABLE, error=str(exc)) from exc
    _amounts_with_point(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _is_xlsx(name: str) -> bool:
    return Path(name).suffix.lower() == XLSX_SUFFIX


def rmi_template(name: str, data: bytes, country_map: dict | None = None) -> rmi.RmiResult | None:
    """The RMI reporting template (CMRT/EMRT) this upload is, recognised by its sheet names,
    its countries read with the company's `country_map` first; None for any other file.
    Raises PurchaseFileError for an unreadable template."""
    if not _is_xlsx(name):
        return None
    if not rmi.looks_like_rmi(list(open_xlsx(data).sheet_names)):
        return None
    return rmi.read_rmi_template(data, engine.country_resolver(country_map))


def as_csv(name: str, data: bytes, country_map: dict | None = None) -> bytes:
    """The upload as a purchase CSV: an RMI template becomes one line per smelter."""
    if not _is_xlsx(name):
        return data
    template = rmi_template(name, data, country_map)
    return rmi.rmi_to_csv(template) if template else xlsx_to_csv(data)


def _read_options(
    name: str, header_map: dict, country_map: dict | None = None, header_row: int | None = None
) -> dict:
    options: dict = {
        "header_map": header_map or None,
        "country_map": country_map or None,
        "header_row": header_row,
    }
    if _is_xlsx(name):
        options["decimal_comma"] = False  # cells hold numbers, written with a point
    return options


def header_of(
    payload: bytes, header_map: dict | None = None, header_row: int | None = None
) -> list[str]:
    """The header row of a CSV file (for the mapping page); [] if it cannot be read."""
    rows = engine.first_rows(payload, 1, header_map, header_row)
    return [h.strip() for h in rows[0]] if rows else []


@dataclass
class TopOfFile:
    """What the mapping page shows of a stored file: the first few distinct values of each
    column in the header's order (columns without a name kept apart), and the filled rows at
    the top as (row number, cells) with the number of the one read as the header now (for
    the user to say which row holds the column names)."""

    samples: list[list[str]] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    header_row: int | None = None


def top_of_file(upload: Upload, limit: int = 3) -> TopOfFile:
    """The top of the stored file, read (and a workbook converted, and decoded) once; empty if
    the file cannot be read."""
    with upload.file.open("rb") as handle:
        data = handle.read()
    try:
        payload = as_csv(upload.name, data)
    except engine.PurchaseFileError:  # an unreadable workbook
        return TopOfFile()
    del data
    rows, header_row, table = engine.top_of_table(payload, 50, upload.header_map, upload.header_row)
    samples: list[list[str]] = [[] for _cell in table[0]] if table else []
    for row in table[1:]:
        for column, value in zip(samples, row, strict=False):
            value = value.strip()
            if value and value not in column and len(column) < limit:
                column.append(value)
    return TopOfFile(samples=samples, rows=rows, header_row=header_row)


def _is_header_problem(exc: engine.PurchaseFileError) -> bool:
    """The engine did not find the columns it needs: a column mapping can fix that."""
    return exc.template in (
        engine.NO_MATERIAL_COLUMN,
        engine.NO_AMOUNT_COLUMN,
        engine.DOUBLE_FIELD,
    )


def _file_error(exc: engine.PurchaseFileError) -> ValidationError:
    """The file's problem on the "file" field, in the active (the request's) language."""
    return ValidationError({"file": exc.translated()})


def _check_upload(name: str, size: int) -> None:
    if Path(name).suffix.lower() not in ACCEPTED:
        raise ValidationError(
            {"file": _("Upload a CSV file or an Excel workbook (.xlsx).")}, code="type"
        )
    if size > max_bytes():
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": settings.SCREENING_MAX_MB}},
            code="size",
        )


def _waiting(status: str, error: engine.PurchaseFileError, header: list[str], **report) -> dict:
    """What an upload keeps of a read that stopped before its lines (columns or countries to
    map): the why and the header, and no lines of an earlier read."""
    return {
        "status": status,
        "report": {"error": error.as_dict(), **report},
        "header": header,
        "preview": [],
        "unmatched": [],
        "unmatched_count": 0,
        "lines": 0,
    }


def _understand(
    name: str,
    payload: bytes,
    header_map: dict,
    template: rmi.RmiResult | None = None,
    country_map: dict | None = None,
    synonyms: dict | None = None,
    header_row: int | None = None,
) -> dict:
    """Read and check the whole file; return what the upload keeps of it (for an RMI template,
    its smelters under report["rmi"]). Country values the engine does not know (and
    `country_map` does not cover) give status "needs countries" with the values, their first
    row and close matches under report["unknown_countries"] (the engine's message under
    report["error"], as {"message", "params"}). Raises PurchaseFileError."""
    try:
        lines, report = engine.read_purchase_csv(
            payload, **_read_options(name, header_map, country_map, header_row)
        )
    except engine.UnknownCountries as exc:
        return _waiting(
            Upload.Status.NEEDS_COUNTRIES,
            exc,
            header_of(payload, header_map, header_row),
            unknown_countries=exc.unknown,
        )
    frame = lines.collect()
    matched = engine.match_commodities(
        frame.select("line", "description", "hs_code", "origin_country"),
        selectors.reference_from_knowledge(company_synonyms=synonyms),
    )
    unmatched = matched.filter(pl.col("commodity").is_null()).drop(
        "commodity", "matched_by", "matched_on"
    )
    report_dict = report.as_dict()
    # the rows the screening leaves out of the total, as it does: unlinked, no HS code, a total
    totals = unmatched.filter(
        pl.col("hs_code").is_null(), pl.col("description").str.contains(engine.TOTAL_ROW)
    )
    if totals.height:
        report_dict["total_rows"] = totals["line"].head(DUPLICATES_SHOWN).to_list()
    if template is not None:  # its warnings name repeated smelters by the template's rows
        report_dict["duplicates"] = 0
    elif report.duplicates:  # the rows that repeat an earlier one, to show (upload time only)
        values = [c for c in frame.columns if c != "line"]
        repeats = frame.filter(~pl.struct(values).is_first_distinct())
        report_dict["duplicate_rows"] = repeats["line"].head(DUPLICATES_SHOWN).to_list()
    if template is not None:
        report_dict["rmi"] = template.as_dict()
        # screened with unknown origin until the company says which country each one means
        if template.unknown_countries:
            report_dict["unknown_countries"] = template.unknown_countries
    return {
        "report": report_dict,
        # the first lines as read, each with the commodity it was linked to (or None)
        "preview": pl.concat(
            [frame.head(PREVIEW_LINES), matched.head(PREVIEW_LINES).select("commodity")],
            how="horizontal",
        ).to_dicts(),
        "unmatched": unmatched.head(UNMATCHED_KEPT).to_dicts(),
        "unmatched_count": unmatched.height,
        "lines": frame.height,
        "header": report.header,
        "status": Upload.Status.READY,
    }


def _understand_or_wait(
    name: str,
    payload: bytes,
    header_map: dict,
    template: rmi.RmiResult | None,
    country_map: dict | None,
    synonyms: dict | None,
    header_row: int | None,
) -> dict:
    """`_understand`, or, where the engine did not find the columns it needs, what an upload
    waiting for its column mapping keeps (status "needs mapping" with the header as read).
    Raises PurchaseFileError for any other problem of the file."""
    try:
        return _understand(name, payload, header_map, template, country_map, synonyms, header_row)
    except engine.PurchaseFileError as exc:
        if not _is_header_problem(exc):
            raise
        header = header_of(payload, header_map, header_row)
        return _waiting(Upload.Status.NEEDS_MAPPING, exc, header)


def upload_create(
    *,
    covenant: Covenant,
    organisation: Organisation,
    user,
    name: str,
    data: bytes,
    source: str = Upload.Source.FILE,
    header_row: int | None = None,
) -> Upload:
    """Check a purchase list whole and keep it with what was understood of it.

    Any problem of the file raises ValidationError on "file" and saves nothing. A file whose
    headers the engine does not recognise (and the company's remembered mapping does not
    cover) is kept with status "needs mapping", for the mapping page. `header_row` (from 1)
    says which row holds the column names, where a title above them is not recognised.
    """
    if not selectors.can_run(user, covenant, organisation.pk):
        raise PermissionDenied
    return upload_store(
        covenant=covenant,
        organisation=organisation,
        user=user,
        name=name,
        data=data,
        source=source,
        header_row=header_row,
    )


def upload_store(
    *,
    covenant: Covenant,
    organisation: Organisation,
    user,
    name: str,
    data: bytes,
    source: str = Upload.Source.FILE,
    header_row: int | None = None,
) -> Upload:
    """`upload_create` without the check that `user` may screen for the company: for the demo
    loader, which stores purchase lists of companies that have no demo user."""
    _check_upload(name, len(data))
    # before columns had places, a column without a name was remembered by the key "": its
    # place was another file's
    header_map = {k: f for k, f in selectors.mapping_for(organisation).items() if k.strip()}
    country_map = selectors.country_map_for(organisation)
    try:
        template = rmi_template(name, data, country_map)
        if template is not None:
            if header_row is not None:
                raise ValidationError({"file": NO_HEADER_ROW_IN_RMI})
            header_map = {}  # the template's lines carry the engine's own headers
        if source == Upload.Source.API_LINES:
            header_map = {}  # so do the lines sent as JSON
        payload = rmi.rmi_to_csv(template) if template else as_csv(name, data)
        if any(f == "" for f in header_map.values()):  # remembered from files of two columns
            header_map = engine.settle_not_used(
                header_of(payload, header_map, header_row), header_map
            )
        fields = _understand_or_wait(
            name,
            payload,
            header_map,
            template,
            country_map,
            selectors.company_synonyms_for(organisation),
            header_row,
        )
    except engine.PurchaseFileError as exc:
        raise _file_error(exc) from exc
    upload = Upload(
        covenant=covenant,
        organisation=organisation,
        name=Path(name).name[:255],
        source=source,
        size=len(data),
        header_map=header_map,
        header_row=header_row,
        country_map=country_map,
        uploaded_by=user,
        **fields,
    )
    with transaction.atomic():
        upload.file.save(Path(name).name, ContentFile(data), save=False)
        upload.save()
    return upload


def upload_delete(*, upload: Upload, user) -> int:
    """Delete an uploaded purchase list (a wrong file, or one the company no longer wants
    kept): its stored file, its runs and their findings. Items of the risk register adopted
    from a finding stay, without their link. Returns how many runs went with it."""
    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    runs = upload.runs.count()
    with transaction.atomic():
        stored = upload.file.name
        upload.delete()
        transaction.on_commit(lambda: upload.file.storage.delete(stored))
    return runs


def upload_map_columns(*, upload: Upload, user, header_map: dict[str, str]) -> Upload:
    """Read the upload again with `header_map` ({column key: field}, the key a column's name
    or, for a column without one, its place: `engine.column_key`; a field of "" leaves the
    column out); on success remember the mapping of named columns for the company's next
    uploads. Raises ValidationError (nothing changes)."""
    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    # "not used" is kept only where the column's name alone would have it read
    names = {engine.column_key(upload.header, i): name for i, name in enumerate(upload.header)}
    header_map = {
        key: f for key, f in header_map.items() if f or engine.header_field(names.get(key, key))
    }
    chosen_fields = [f for f in header_map.values() if f]
    unknown = set(chosen_fields) - set(FIELD_LABELS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    doubled = {f for f in chosen_fields if chosen_fields.count(f) > 1}
    if doubled:
        raise ValidationError(
            _("Each field can come from one column only: %(f)s.")
            % {"f": ", ".join(str(FIELD_LABELS[f]) for f in sorted(doubled))}
        )
    # the two things a screening needs, said as choices on the page before the file is read
    # (a column left alone is read by its name, as without a mapping)
    chosen = set(chosen_fields) | {
        engine.header_field(name)
        for index, name in enumerate(upload.header)
        if engine.column_key(upload.header, index) not in header_map
    }
    missing = []
    if not chosen & {"description", "hs_code"}:
        missing.append(
            _("choose “%(a)s” or “%(b)s” for the column that names the material")
            % {"a": FIELD_LABELS["description"], "b": FIELD_LABELS["hs_code"]}
        )
    if not chosen & {"spend", "quantity"}:
        missing.append(
            _("choose “%(a)s” or “%(b)s” for the column with the amounts")
            % {"a": FIELD_LABELS["spend"], "b": FIELD_LABELS["quantity"]}
        )
    if missing:
        raise ValidationError(capfirst("; ".join(missing)) + ".")
    fields = _reread(upload, header_map=header_map)
    with transaction.atomic():
        _save_read(upload, fields, header_map=header_map)
        # a column without a name is known by its place in this file only
        named = {h: f for h, f in header_map.items() if not engine.is_place_key(h)}
        _remember(upload, user, header_map=named)
    return upload


NO_HEADER_ROW_IN_RMI = gettext_lazy(
    "An RMI template is read by its own layout; it has no header row to choose."
)


def upload_choose_header_row(*, upload: Upload, user, row: int) -> Upload:
    """Read the upload again with its column names on `row` (from 1, as a spreadsheet numbers
    rows): for a title the engine took for the header. Columns it still does not recognise
    leave the upload to be mapped, now with that row's names. Not remembered for the
    company: the next file is looked at afresh (and a mapping of these names finds the row).
    Raises ValidationError (nothing changes)."""
    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    with upload.file.open("rb") as handle:
        data = handle.read()
    try:
        if rmi_template(upload.name, data, upload.country_map) is not None:
            raise ValidationError(NO_HEADER_ROW_IN_RMI)
        fields = _understand_or_wait(
            upload.name,
            as_csv(upload.name, data),
            upload.header_map,
            None,
            upload.country_map,
            selectors.company_synonyms_for(upload.organisation),
            row,
        )
    except engine.PurchaseFileError as exc:
        raise ValidationError(exc.translated()) from exc
    _save_read(upload, fields, header_row=row)
    return upload


def _reread(
    upload: Upload,
    *,
    header_map: dict | None = None,
    country_map: dict | None = None,
    synonyms: dict | None = None,
    header_row: int | None = None,
) -> dict:
    """Read the stored upload again, with the mappings given or else those it was read with
    (and the company's own words); return what `_understand` gives. Raises ValidationError."""
    with upload.file.open("rb") as handle:
        data = handle.read()
    country_map = upload.country_map if country_map is None else country_map
    template = rmi_template(upload.name, data, country_map)
    payload = rmi.rmi_to_csv(template) if template else as_csv(upload.name, data)
    try:
        return _understand(
            upload.name,
            payload,
            upload.header_map if header_map is None else header_map,
            template,
            country_map,
            selectors.company_synonyms_for(upload.organisation) if synonyms is None else synonyms,
            upload.header_row if header_row is None else header_row,
        )
    except engine.PurchaseFileError as exc:
        raise ValidationError(exc.translated()) from exc


def _save_read(upload: Upload, fields: dict, **maps) -> None:
    for name, value in {**fields, **maps}.items():
        setattr(upload, name, value)
    upload.save()


def _remember(
    upload: Upload,
    user,
    *,
    header_map: dict | None = None,
    country_map: dict | None = None,
    synonyms: dict | None = None,
) -> None:
    """Keep the company's mapping for its next uploads: the header map as given, country
    values and words added to those it has."""
    # under a row lock: two colleagues adding words at once both keep theirs
    remembered, _created = ColumnMapping.objects.select_for_update().get_or_create(
        organisation=upload.organisation
    )
    if header_map is not None:
        remembered.header_map = header_map
    remembered.country_map = {**remembered.country_map, **(country_map or {})}
    remembered.synonyms = {**remembered.synonyms, **(synonyms or {})}
    remembered.updated_by = user
    remembered.save()


REMEMBERED_FIELDS = {"column": "header_map", "country": "country_map", "word": "synonyms"}


def remembered_forget(*, covenant: Covenant, organisation: Organisation, user, kind: str, key: str):
    """Forget one of the company's remembered choices: a column mapping ("column", by its
    header), a country value ("country") or a word of its own ("word"). Uploads read before
    keep how they were read; the next ones are read without it. Raises ValidationError."""
    if not selectors.can_run(user, covenant, organisation.pk):
        raise PermissionDenied
    field = REMEMBERED_FIELDS.get(kind)
    if field is None:
        raise ValidationError(_("Unknown kind of remembered choice."))
    with transaction.atomic():
        remembered = (
            ColumnMapping.objects.select_for_update().filter(organisation=organisation).first()
        )
        values = dict(getattr(remembered, field)) if remembered else {}
        if key not in values:
            raise ValidationError(_("“%(key)s” is not remembered for your company.") % {"key": key})
        del values[key]
        setattr(remembered, field, values)
        remembered.updated_by = user
        remembered.save()


def upload_map_countries(*, upload: Upload, user, country_map: dict[str, str]) -> Upload:
    """Read the upload again with `country_map` ({value as written: ISO-2 code, or "" for a
    value that names no single country}) added to the company's remembered country mapping;
    on success remember it for the company's next uploads. Raises ValidationError (nothing
    changes)."""
    from django_countries import countries

    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    known = set(dict(countries))
    wrong = sorted(code for code in country_map.values() if code and code not in known)
    if wrong:
        raise ValidationError(_("Unknown country code: %(c)s.") % {"c": ", ".join(wrong)})
    merged = {**upload.country_map, **country_map}
    fields = _reread(upload, country_map=merged)
    with transaction.atomic():
        _save_read(upload, fields, country_map=merged)
        _remember(upload, user, country_map=country_map)
    return upload


def synonym_add(*, upload: Upload, user, text: str, commodity: str) -> tuple[Upload, int]:
    """Teach the screening a word of the company's own for a commodity ("glimmer" → mica; end
    it in * for a prefix), remember it for the company's screenings, and read the upload again
    with it. Returns the upload and how many of its lines the word now links. Raises
    ValidationError (nothing changes) for an empty word, an unknown commodity, or a word the
    knowledge base already uses for a commodity."""
    from covenant.knowledge.models import Commodity

    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    prefix = text.strip().endswith("*")
    # as the engine compares words: letters and digits, anything else a space
    words = " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())
    if len(words.replace(" ", "")) < 2:
        raise ValidationError({"text": _("Give a word of at least two letters.")})
    text = words + ("*" if prefix else "")
    if not Commodity.objects.filter(code=commodity).exists():
        raise ValidationError({"commodity": _("Choose a commodity.")})
    meaning = selectors.synonym_meaning(text)  # "zink*" (a prefix) is not "zink" (a word)
    if meaning:
        raise ValidationError(
            {
                "text": _("“%(text)s” already means %(commodity)s in the knowledge base.")
                % {"text": text, "commodity": selectors.commodity_names().get(meaning, meaning)}
            }
        )
    synonyms = {**selectors.company_synonyms_for(upload.organisation), text: commodity}
    fields = _reread(upload, synonyms=synonyms)
    linked = upload.unmatched_count - fields.get("unmatched_count", upload.unmatched_count)
    with transaction.atomic():
        _save_read(upload, fields)
        _remember(upload, user, synonyms={text: commodity})
    return upload, linked


def lines_to_csv(lines: list[dict]) -> bytes:
    """JSON purchase lines (the engine's field names) as a CSV file."""
    if not lines:
        raise ValidationError({"file": _("Send at least one purchase line.")})
    fields = [f for f in FIELD_LABELS if any(f in line for line in lines)]
    unknown = {k for line in lines for k in line} - set(FIELD_LABELS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for line in lines:
        writer.writerow([_cell(line.get(f)) for f in fields])
    return out.getvalue().encode("utf-8")


def purchase_lines(*, run: Run, numbers: list[int]) -> list[dict]:
    """The run's purchase lines with these numbers, as the engine read them for the run (with
    the mappings of that moment: a later mapping may number a template's lines otherwise).
    Raises PurchaseFileError when the stored file no longer reads (gone, or refused by a
    stricter reader than the one that ran it)."""
    if not numbers:
        return []
    upload = run.upload
    try:
        with upload.file.open("rb") as handle:
            payload = as_csv(upload.name, handle.read(), run.country_map)
    except OSError as exc:
        raise engine.PurchaseFileError(RUN_FILE_GONE) from exc
    lines, report = engine.read_purchase_csv(
        payload,
        **_read_options(upload.name, run.header_map, run.country_map, run.header_row),
    )
    # a run stored before the rows above the header were counted numbered the header row 1
    # (blank lines above it were dropped): its numbers are the file's less those lines
    shift = 0 if run.read_with.get("rows") == Run.ROWS_AS_IN_FILE else report.lines_above
    wanted = [n + shift for n in numbers]
    found = lines.filter(pl.col("line").is_in(wanted)).with_columns(pl.col("line") - shift)
    return found.sort("line").collect().to_dicts()


# Runs -------------------------------------------------------------------------------------


def run_start(*, upload: Upload, user) -> Run:
    """Queue a run of the upload; the task `run_screening` executes it after the commit.
    While a run of the upload is queued or running, that run is returned (a double click or
    an API retry starts one run)."""
    from covenant.screening.tasks import run_screening

    if not selectors.can_run(user, upload.covenant, upload.organisation_id):
        raise PermissionDenied
    if upload.status != Upload.Status.READY:
        raise ValidationError(
            _("Map the file's columns before running the screening.")
            if upload.status == Upload.Status.NEEDS_MAPPING
            else _("Say which country each unknown country value means before running.")
        )
    for waiting in upload.runs.filter(status__in=Run.UNFINISHED):
        run_fail_if_stale(waiting)
    try:
        with transaction.atomic():
            run = Run.objects.create(
                upload=upload,
                covenant=upload.covenant,
                organisation=upload.organisation,
                created_by=user,
                lines=upload.lines,
                read_with=upload.mappings,
            )
    except IntegrityError:
        # a run of the upload is under way (a double click, an API retry): that one, or the
        # latest where it has ended since (a worker quicker than this request)
        return upload.runs.filter(status__in=Run.UNFINISHED).first() or upload.runs.first()

    def enqueue() -> None:
        try:
            run_screening.enqueue(run.pk)
        except Exception:  # the task database refused it: the run says so, not "queued"
            logger.exception("Screening run %s could not be queued", run.code)
            message = engine.PurchaseFileError(RUN_FAILED)
            Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(
                status=Run.Status.FAILED,
                progress=100,
                finished_at=timezone.now(),
                error=message.message,
                error_message=message.as_dict(),
            )

    transaction.on_commit(enqueue)
    return run


def run_fail_if_stale(run: Run) -> Run:
    """Mark a run failed that has been running without a progress report for longer than a
    run takes, or queued for a day (its worker stopped: a restart, a deploy), so that the
    page stops waiting and it can be started again."""
    if run.is_stale:
        Run.objects.filter(pk=run.pk, status=run.status).update(
            status=Run.Status.FAILED,
            progress=100,
            finished_at=timezone.now(),
            error=engine.fill_message(RUN_INTERRUPTED, {}),
            error_message={"message": RUN_INTERRUPTED, "params": {}},
        )
        run.refresh_from_db()
    return run


class _RunTakenAway(Exception):
    """The run was marked failed (stopped) while this worker was still at it."""


def _progress(run: Run, status: str, progress: int, **fields) -> None:
    """Report progress, while the run is still queued or running: a run marked failed as
    stopped is not finished over. Raises _RunTakenAway then."""
    updated = Run.objects.filter(pk=run.pk, status__in=Run.UNFINISHED).update(
        status=status, progress=progress, progress_at=timezone.now(), **fields
    )
    if not updated:
        raise _RunTakenAway


def _source_ids(raw: str | None) -> tuple[int | None, int | None]:
    if not raw:
        return None, None
    source, _sep, item = str(raw).partition("/")
    return int(source), (int(item) if item else None)


def _findings(run: Run, result: engine.ScreeningResult, offset: int = 0) -> list[Finding]:
    """The result's findings as rows to store; `offset` is added to their line numbers
    (the lines of an RMI template's mines come after its smelters')."""
    from covenant.knowledge.models import DocumentedRisk

    rows = result.findings.to_dicts()
    risk_ids = {_source_ids(r["risk_source"])[1] for r in rows}
    existing = set(DocumentedRisk.objects.filter(pk__in=risk_ids).values_list("pk", flat=True))
    findings = []
    for row in rows:
        risk_source, risk_id = _source_ids(row["risk_source"])
        production_source, _ = _source_ids(row["production_source"])
        lines = [n + offset for n in result.lines_for(row)]
        findings.append(
            Finding(
                run=run,
                rank=row["rank"],
                score=row["score"],
                theme=row["theme"],
                commodity=row["commodity"],
                component=row["original_commodity"] or row["commodity"],
                component_share=row["component_share"] if row["component_share"] is not None else 1,
                country=row["country"] or "",
                stage=row["stage"] or "",
                origin_known=bool(row["origin_known"]),
                severity=row["severity"],
                likelihood=row["likelihood"],
                exposure=row["exposure"],
                exposure_share=row["exposure_share"],
                production_share=row["production_share"],
                risk_id=risk_id if risk_id in existing else None,
                risk_source_id=risk_source,
                production_source_id=production_source,
                line_count=len(lines),
                line_numbers=lines,  # all of them, until `_merged` caps them
            )
        )
    return findings


def _unplaced(results: list[engine.ScreeningResult], reference: engine.Reference) -> list[dict]:
    """The matched lines that cannot be placed in any country: no country of origin, and no
    production figures for their commodity or its components to spread them over (natural
    stone, for one). Per commodity, most lines first."""
    produced = reference.production.select(pl.col("commodity").unique())
    placed = pl.concat(
        [
            produced,
            reference.compositions.join(
                produced.rename({"commodity": "component"}), on="component", how="semi"
            ).select("commodity"),
        ]
    )["commodity"]
    frames = [r.keys.select("commodity", "origin_country", "line_count") for r in results]
    unplaced = (
        pl.concat(frames)
        .filter(pl.col("origin_country").is_null(), ~pl.col("commodity").is_in(placed.implode()))
        .group_by("commodity")
        .agg(lines=pl.col("line_count").sum())
        .sort(["lines", "commodity"], descending=[True, False])
    )
    return unplaced.to_dicts()


def _merged(findings: list[Finding]) -> list[Finding]:
    """One finding per chain that reads the same (theme, purchased commodity, component,
    country, stage, stated or estimated origin, risk): lines whose origin differs only at
    another stage (an RMI template's smelters in different countries, each with its mining
    spread over world production) would otherwise show as identical rows. Their exposure and
    score add up and their lines join; line numbers are capped at MAX_FINDING_LINES."""
    by_chain: dict[tuple, Finding] = {}
    for f in findings:
        chain = (
            f.theme, f.component, f.commodity, f.component_share, f.country, f.stage,
            f.origin_known, f.risk_id, f.risk_source_id, f.production_source_id,
            f.production_share, f.severity, f.likelihood,
        )  # fmt: skip
        kept = by_chain.setdefault(chain, f)
        if kept is not f:
            kept.score += f.score
            kept.exposure += f.exposure
            kept.exposure_share += f.exposure_share
            kept.line_numbers = sorted(set(kept.line_numbers) | set(f.line_numbers))
            kept.line_count = len(kept.line_numbers)
            kept.rank = min(kept.rank, f.rank)
    for f in by_chain.values():
        f.line_numbers = f.line_numbers[:MAX_FINDING_LINES]
    return list(by_chain.values())


def _screen_template(
    template: rmi.RmiResult, reference: engine.Reference, options: dict
) -> list[tuple[engine.ScreeningResult, int]]:
    """Screen an RMI template: its smelters at the smelting stage, with their mining spread
    over world production except for the metals whose mines the template names; those mines
    at the mining stage (their smelting is the smelters'). Returns (result, line offset) per
    part, smelters first."""
    parts = {stage: (payload, offset) for stage, payload, offset in rmi.screening_parts(template)}
    screened, mined = {}, []
    if rmi.MINING_STAGE in parts:
        payload, offset = parts[rmi.MINING_STAGE]
        result = engine.screen_csv(
            payload, reference, origin_stage=rmi.MINING_STAGE, stated_elsewhere=True, **options
        )
        screened[rmi.MINING_STAGE] = (result, offset)
        mined = result.exposures["commodity"].drop_nulls().unique().to_list()
    if rmi.SMELTING_STAGE in parts:
        payload, offset = parts[rmi.SMELTING_STAGE]
        result = engine.screen_csv(
            payload,
            reference,
            origin_stage=rmi.SMELTING_STAGE,
            stated_elsewhere=mined,
            **options,
        )
        screened[rmi.SMELTING_STAGE] = (result, offset)
        if rmi.MINING_STAGE in screened:
            # the mines' shares of the whole template, as the smelters' are: of their total
            mines, _offset = screened[rmi.MINING_STAGE]
            factor = mines.total_exposure / result.total_exposure if result.total_exposure else 1
            mines.findings = mines.findings.with_columns(
                pl.col("exposure_share") * factor, pl.col("score") * factor
            )
            mines.total_exposure = result.total_exposure
    return sorted(screened.values(), key=lambda part: part[1])


def run_execute(run: Run) -> Run:
    """Screen the run's upload against the knowledge base and store the findings. A failure
    marks the run failed with its message and stores no findings."""
    upload = run.upload
    try:
        _progress(
            run, Run.Status.RUNNING, 10, started_at=timezone.now(), error="", error_message=None
        )
        reference = selectors.reference_from_knowledge(
            company_synonyms=selectors.company_synonyms_for(run.organisation)
        )
        _progress(run, Run.Status.RUNNING, 30)
        with upload.file.open("rb") as handle:
            data = handle.read()
        template = rmi_template(upload.name, data, run.country_map)
        options = _read_options(upload.name, run.header_map, run.country_map, run.header_row)
        if template is not None:
            screened = _screen_template(template, reference, options)
        else:
            payload = xlsx_to_csv(data) if _is_xlsx(upload.name) else data
            screened = [(engine.screen_csv(payload, reference, **options), 0)]
        results = [result for result, _offset in screened]
        findings = _merged(
            [f for result, offset in screened for f in _findings(run, result, offset)]
        )
        _progress(run, Run.Status.RUNNING, 70)
        findings.sort(key=lambda f: (-f.score, f.rank))  # stable: the smelters' first on a tie
        for rank, finding in enumerate(findings, start=1):
            finding.rank = rank
        with transaction.atomic():
            Finding.objects.filter(run=run).delete()
            Finding.objects.bulk_create(findings, batch_size=500)
            _progress(
                run,
                Run.Status.DONE,
                100,
                read_with={**run.read_with, "rows": Run.ROWS_AS_IN_FILE},
                finished_at=timezone.now(),
                lines=sum(r.lines for r in results),
                matched_lines=sum(r.matched_lines for r in results),
                # each stage carries the whole exposure: the first part's is the total
                total_exposure=results[0].total_exposure,
                unplaced=_unplaced(results, reference),
                finding_count=len(findings),
            )
    except _RunTakenAway:  # marked failed meanwhile: its findings are not stored
        pass
    except Exception as exc:  # the run records every failure; nothing half-saved
        # the file's problem is kept as its message and parameters, shown in the reader's
        # language (Run.error_text); any other failure is logged with its trace, and the user
        # is told what they can do (its text may hold the server's paths)
        failure = exc
        if not isinstance(exc, engine.PurchaseFileError):
            logger.exception("Screening run %s failed", run.code)
            failure = engine.PurchaseFileError(
                RUN_FILE_GONE if isinstance(exc, OSError) else RUN_FAILED
            )
        with contextlib.suppress(_RunTakenAway):  # failed as stopped meanwhile: it says so
            _progress(
                run,
                Run.Status.FAILED,
                100,
                finished_at=timezone.now(),
                error=engine.fill_message(failure.template, failure.params)[:2000],
                error_message=failure.as_dict(),
            )
    run.refresh_from_db()
    return run


# Adopting a finding -----------------------------------------------------------------------

MSG_NO_OPEN_CYCLE = gettext_lazy("There is no open monitoring cycle to add the risk to.")
MSG_NOT_MONITORED = gettext_lazy(
    "Your company has no risk analysis in the monitoring of %(year)s: a company that joined "
    "during the year is monitored from the next year on."
)


def risk_part_for(*, covenant: Covenant, organisation: Organisation) -> Part:
    """The company's risk analysis of the latest open monitoring year. Raises
    ValidationError when no cycle is open or the company has no risk analysis in it."""
    cycle = (
        Cycle.objects.filter(covenant=covenant, closed_at__isnull=True)
        .select_related("year")
        .order_by("-year__number")
        .first()
    )
    if cycle is None:
        raise ValidationError(MSG_NO_OPEN_CYCLE)
    part = Part.objects.filter(
        cycle=cycle, organisation=organisation, kind=Part.Kind.RISK_ANALYSIS
    ).first()
    if part is None:
        raise ValidationError(MSG_NOT_MONITORED % {"year": cycle.year.label})
    return part


def likelihood_1_4(likelihood: float) -> int:
    """The engine's likelihood (0-1) on the register's scale of 1 to 4."""
    return min(4, max(1, int(likelihood * 4 + 0.999)))


def finding_adopt(*, finding: Finding, user) -> RiskItem:
    """Add the finding to the company's risk register (the risk analysis of the latest open
    year) through the monitoring service; the register item records the finding."""
    run = finding.run
    if not selectors.can_run(user, run.covenant, run.organisation_id):
        raise PermissionDenied
    part = risk_part_for(covenant=run.covenant, organisation=run.organisation)
    if part.risks.filter(finding=finding).exists():
        raise ValidationError(_("This finding is in the risk register already."))
    from covenant.knowledge.models import Commodity, name_in_language

    stage = finding.stage or (finding.risk.chain_stage if finding.risk else "mining")
    both = Commodity.objects.filter(code=finding.commodity).values_list(
        "name_nl", "name_en"
    ).first() or (finding.commodity, finding.commodity)  # its Dutch and English names
    commodity = name_in_language(*both)
    # the same risk from an earlier run (or entered by hand) is not added twice, whatever
    # the language its commodity was written in
    names = Q(commodity__iexact=finding.commodity)
    for name in both:
        names |= Q(commodity__iexact=name)
    if part.risks.filter(
        names, theme=finding.theme, country=finding.country, chain_stage=stage
    ).exists():
        raise ValidationError(
            _(
                "The risk register has this risk already (same theme, commodity, country and "
                "chain stage); change it there if this screening says more."
            )
        )
    try:
        return monitoring_services.risk_save(
            part=part,
            user=user,
            theme=finding.theme,
            commodity=commodity,
            country=finding.country,
            chain_stage=stage,
            scale=finding.severity,
            scope=finding.severity,
            irremediable=finding.severity,
            likelihood=likelihood_1_4(finding.likelihood),
            finding=finding,
        )
    except IntegrityError as exc:  # adopted by another request between the check and here
        raise ValidationError(_("This finding is in the risk register already.")) from exc
