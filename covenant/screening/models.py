"""Screening of a company's purchase list: the uploaded file, each run of the engine on it,
and the findings of a run (one row per explained chain), with the column mapping a company
gave for headers the engine did not recognise.

Uploaded files live under MEDIA_ROOT (`screening/…`) and no URL serves them: they are
confidential to the company and the secretariat, and only the engine reads them.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from covenant.lib.taxonomy import Theme

MAX_FINDING_LINES = 500  # purchase line numbers kept per finding (the count is kept in full)


class ColumnMapping(models.Model):
    """How a company's purchase files name the engine's fields: {header in the file: field}.
    Remembered per company and used for its next upload."""

    organisation = models.OneToOneField(
        "covenants.Organisation", on_delete=models.CASCADE, related_name="screening_mapping"
    )
    header_map = models.JSONField(default=dict, blank=True)
    # Country values the engine does not know, as the company mapped them: {value: ISO-2}.
    country_map = models.JSONField(default=dict, blank=True)
    # The company's own words for commodities: {text in lower case: commodity code}.
    synonyms = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organisation}: {self.header_map}"


class Upload(models.Model):
    """A purchase list as uploaded, with what the engine understood of it."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", _("columns to map")
        NEEDS_COUNTRIES = "needs_countries", _("countries to map")
        READY = "ready", _("ready to run")

    class Source(models.TextChoices):
        FILE = "file", _("uploaded file")
        API_LINES = "api_lines", _("lines sent through the API")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="screening_uploads"
    )
    organisation = models.ForeignKey(
        "covenants.Organisation", on_delete=models.CASCADE, related_name="screening_uploads"
    )
    file = models.FileField(upload_to="screening/%Y/")
    name = models.CharField(_("file name"), max_length=255)
    # API lines are kept as a CSV file (header row 1): lines[i] of the request is row i + 2
    source = models.CharField(max_length=16, choices=Source, default=Source.FILE)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status, default=Status.READY)
    header = models.JSONField(default=list, blank=True)  # the file's header row
    header_map = models.JSONField(default=dict, blank=True)  # the mapping used to read it
    # the row (from 1) with the column names, where the user said so; else found by reading
    header_row = models.PositiveSmallIntegerField(null=True, blank=True)
    country_map = models.JSONField(default=dict, blank=True)  # {country value: ISO-2} used
    report = models.JSONField(default=dict, blank=True)  # engine ReadReport.as_dict()
    preview = models.JSONField(default=list, blank=True)  # first lines as understood
    unmatched = models.JSONField(default=list, blank=True)  # first unmatched lines
    unmatched_count = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def mappings(self) -> dict:
        """The column and country mappings it is read with now (a run keeps a copy)."""
        return {
            "header_map": self.header_map,
            "country_map": self.country_map,
            "header_row": self.header_row,
        }

    def sender_numbers(self, rows: list[int]) -> list[int]:
        """Rows of the kept file as its sender counts them: the rows themselves for a file
        (header row 1), indices in the request's `lines` (from 0, as JSON and the API's
        validation errors count) for API lines."""
        if self.source == self.Source.API_LINES:
            return [row - 2 for row in rows]
        return rows


class Run(models.Model):
    """One screening of an upload against the knowledge base of that moment."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="runs")
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="screening_runs"
    )
    organisation = models.ForeignKey(
        "covenants.Organisation", on_delete=models.CASCADE, related_name="screening_runs"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    error = models.TextField(blank=True)  # in English; `error_text` for the reader's language
    # a problem of the file as {"message": template, "params": {...}}, translated when shown
    error_message = models.JSONField(null=True, blank=True)
    # the upload's column and country mappings when the run was started: the run and its
    # explanations read the file with these, whatever is mapped afterwards; and, under
    # "rows", how its findings number the lines (ROWS_AS_IN_FILE, or absent for runs stored
    # before rows above a header were counted)
    read_with = models.JSONField(default=dict, blank=True)
    ROWS_AS_IN_FILE = "as_in_file"
    lines = models.PositiveIntegerField(default=0)
    matched_lines = models.PositiveIntegerField(default=0)
    total_exposure = models.FloatField(default=0)
    # lines of commodities without production figures that name no country of origin: nothing
    # says where they come from, so they give no finding ([{"commodity", "lines"}])
    unplaced = models.JSONField(default=list, blank=True)
    finding_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # when the run last reported progress (its worker reports every few seconds)
    progress_at = models.DateTimeField(null=True, blank=True)

    # a run reports progress at each of its steps, seconds apart: one running this long
    # without a report was left by a worker that stopped
    STALE_AFTER = dt.timedelta(hours=1)
    # a queued run waits for a worker (a restart, a queue of runs); a day on, the worker is
    # gone or lost the task (taken up, then stopped before the run's first step)
    QUEUED_STALE_AFTER = dt.timedelta(days=1)
    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="run_org_created")]
        constraints = [
            # a double click or an API retry starts one run, not two
            models.UniqueConstraint(
                fields=["upload"],
                condition=models.Q(status__in=["queued", "running"]),
                name="run_one_unfinished_per_upload",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stale(self) -> bool:
        """Running without a progress report for longer than a run takes, or queued for a
        day: its worker stopped (django-tasks does not take a task up again that a worker
        had started)."""
        now = timezone.now()
        if self.status == self.Status.QUEUED:
            return self.created_at < now - self.QUEUED_STALE_AFTER
        since = self.progress_at or self.started_at or self.created_at
        return self.status == self.Status.RUNNING and since < now - self.STALE_AFTER

    @property
    def error_text(self) -> str:
        """Why the run failed, in the active language where it was the file's problem."""
        from covenant.screening.engine import fill_message

        if self.error_message:
            message = self.error_message
            return fill_message(message["message"], message.get("params"), translate=True)
        return self.error

    @property
    def header_map(self) -> dict:
        return self.read_with.get("header_map", self.upload.header_map)

    @property
    def country_map(self) -> dict:
        return self.read_with.get("country_map", self.upload.country_map)

    @property
    def header_row(self) -> int | None:
        return self.read_with.get("header_row")  # runs before it could be chosen found it


class Finding(models.Model):
    """One explained chain: purchase lines → commodity → component → producing country (share,
    source) → documented risk (source), with its score and rank in the run."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="findings")
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    theme = models.CharField(_("theme"), max_length=32, choices=Theme)
    commodity = models.CharField(_("commodity"), max_length=40)  # the component's code
    component = models.CharField(_("bought as"), max_length=40)  # the purchased commodity
    component_share = models.FloatField(default=1)  # the component's share of the alloy
    country = models.CharField(_("country"), max_length=2, blank=True)
    stage = models.CharField(_("chain stage"), max_length=32, blank=True)  # blank: stated origin
    origin_known = models.BooleanField(default=False)
    severity = models.PositiveSmallIntegerField(_("severity"))
    likelihood = models.FloatField(_("likelihood"))
    exposure = models.FloatField(_("exposure"))
    exposure_share = models.FloatField(_("share of exposure"))
    production_share = models.FloatField(null=True, blank=True)
    risk = models.ForeignKey(
        "knowledge.DocumentedRisk",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screening_findings",
    )
    risk_source = models.ForeignKey(
        "knowledge.Source", on_delete=models.PROTECT, related_name="screening_risk_findings"
    )
    production_source = models.ForeignKey(
        "knowledge.Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_production_findings",
    )
    line_count = models.PositiveIntegerField(default=0)
    line_numbers = models.JSONField(default=list, blank=True)  # capped at MAX_FINDING_LINES

    class Meta:
        ordering = ["run", "rank"]
        indexes = [models.Index(fields=["run", "rank"], name="finding_run_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.get_theme_display()} {self.commodity} {self.country}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a finding across runs (for comparing a run with the previous)."""
        return (self.theme, self.commodity, self.country, self.stage)

    @property
    def lines_truncated(self) -> bool:
        return self.line_count > len(self.line_numbers)
