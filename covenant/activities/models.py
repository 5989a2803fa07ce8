"""Collective activities: projects, knowledge sessions, round tables, trainings, work visits."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from covenant.lib.fields import ChoiceListField
from covenant.lib.taxonomy import ChainStage, Theme


class Activity(models.Model):
    """One activity of a covenant. Fields that belong to one kind only are blank for others."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("collective project")
        KNOWLEDGE_SESSION = "session", _("knowledge session")
        ROUND_TABLE = "round_table", _("round table")
        TRAINING = "training", _("training")
        WORK_VISIT = "work_visit", _("work visit")

    class Status(models.TextChoices):
        IDEA = "idea", _("idea")
        PREPARATION = "preparation", _("in preparation")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        STOPPED = "stopped", _("stopped")

    class Format(models.TextChoices):
        ONLINE = "online", _("online")
        IN_PERSON = "in_person", _("in person")
        HYBRID = "hybrid", _("hybrid")

    # Kinds that go into the calendar feed.
    CALENDAR_KINDS = (Kind.KNOWLEDGE_SESSION, Kind.ROUND_TABLE, Kind.TRAINING)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        "covenants.Organisation",
        verbose_name=_("organiser or lead party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities_organised",
        help_text=_("Leave empty when the secretariat organises it."),
    )
    participants = models.ManyToManyField(
        "covenants.Organisation",
        verbose_name=_("participating parties"),
        blank=True,
        related_name="activities",
    )
    partners_outside = models.TextField(_("partners outside the covenant"), blank=True)
    themes = ChoiceListField(_("themes"), choices=Theme.choices)
    chain_stages = ChoiceListField(_("chain stages"), choices=ChainStage.choices)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    commodities = models.CharField(
        _("commodities"), max_length=300, blank=True, help_text=_("For example: tin, mica.")
    )
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown on the covenant's public page.")
    )
    is_illustrative = models.BooleanField(_("illustrative demo data"), default=False)

    # Collective projects
    status = models.CharField(_("status"), max_length=16, choices=Status, blank=True)
    goals = models.TextField(_("goals"), blank=True)
    results = models.TextField(_("results"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    shared_inside = models.TextField(_("results shared inside the covenant with"), blank=True)
    shared_outside = models.TextField(_("results shared outside the covenant with"), blank=True)
    seeks_participants = models.BooleanField(_("seeks more participants"), default=False)
    seeking_note = models.CharField(_("whom the project seeks"), max_length=300, blank=True)

    # Knowledge sessions, round tables and trainings
    format = models.CharField(_("format"), max_length=16, choices=Format, blank=True)
    speakers = models.TextField(_("speakers"), blank=True)
    summary = models.TextField(_("summary and take-aways"), blank=True)

    # Trainings
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration_open = models.BooleanField(_("registration open"), default=False)
    evaluation_score = models.DecimalField(
        _("evaluation score (1 to 10)"), max_digits=3, decimal_places=1, null=True, blank=True
    )

    # Work visits: organiser visits `visited`.
    visited = models.ForeignKey(
        "covenants.Organisation",
        verbose_name=_("visited company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_received",
    )
    purpose = models.TextField(_("purpose"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["start_date", "title"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="work_visit") | models.Q(is_public=False),
                name="work_visit_never_public",
            ),
        ]
        indexes = [
            # activity_list(covenant, year range, kind): the overview and the calendar.
            models.Index(fields=["covenant", "start_date"], name="activity_cov_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def theme_labels(self) -> list[str]:
        return Activity._meta.get_field("themes").labels(self.themes)

    @property
    def chain_stage_labels(self) -> list[str]:
        return Activity._meta.get_field("chain_stages").labels(self.chain_stages)


class ProjectUpdate(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:40]}"


class ProjectInterest(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="interests")
    organisation = models.ForeignKey("covenants.Organisation", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "organisation"], name="interest_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class ParticipantCount(models.Model):
    class Group(models.TextChoices):
        COMPANIES = "companies", _("companies")
        NGOS = "ngos", _("NGOs")
        UNIONS = "unions", _("trade unions")
        GOVERNMENT = "government", _("ministries and government")
        EXPERTS = "experts", _("experts")
        BRANCH = "branch", _("branch organisation")
        OTHER = "other", _("others")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="counts")
    group = models.CharField(_("participants"), max_length=16, choices=Group)
    inside = models.PositiveIntegerField(_("from inside the covenant"), default=0)
    outside = models.PositiveIntegerField(_("from outside the covenant"), default=0)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        ordering = ["group"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "group"], name="count_once_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.inside} + {self.outside}"


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=150)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    from_inside = models.BooleanField(_("from a party of the covenant"), default=False)
    status = models.CharField(max_length=16, choices=Status, default=Status.CONFIRMED)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    is_illustrative = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint("activity", Lower("email"), name="registration_once_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_name})"


class Attachment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="activities/%Y/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name
