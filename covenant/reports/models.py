"""Annual reports: assembled from the data, written, approved, published, never changed."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("awaiting approval")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    class PdfStatus(models.TextChoices):
        NONE = "", _("not built")
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="reports"
    )
    year = models.ForeignKey(
        "covenants.CovenantYear", on_delete=models.PROTECT, related_name="reports"
    )
    edition = models.PositiveSmallIntegerField(_("edition"), default=1)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_note_nl = models.TextField(_("correction note (Dutch)"), blank=True)
    correction_note_en = models.TextField(_("correction note (English)"), blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    summary_nl = models.TextField(_("summary (Dutch)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    # Everything the report shows from the data, frozen at approval (and so at publication).
    snapshot = models.JSONField(default=dict, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="reports/", blank=True)  # Dutch
    pdf_en = models.FileField(upload_to="reports/", blank=True)
    pdf_status = models.CharField(max_length=16, choices=PdfStatus, default="", blank=True)
    pdf_progress = models.PositiveSmallIntegerField(default=0)
    pdf_error = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["covenant", "-year__number", "-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "year", "edition"], name="report_edition_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.covenant} {self.year.label}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Section(models.Model):
    class Key(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction")
        COLLABORATION = "collaboration", _("Collaboration")
        KNOWLEDGE = "knowledge", _("Knowledge exchange")
        MONITORING = "monitoring", _("Monitoring")
        OUTLOOK = "outlook", _("Outlook")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20, choices=Key)
    order = models.PositiveSmallIntegerField(default=0)
    hidden = models.BooleanField(_("hidden"), default=False)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_nl = models.TextField(_("text (Dutch)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["report", "order"]
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="section_once")]

    def __str__(self) -> str:
        return self.title_en


class Comment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class Approval(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="approval_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.report}"
