"""Yearly monitoring: cycles, company submissions in four parts, reviews, indicators."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from covenant.lib.fields import ChoiceListField
from covenant.lib.taxonomy import ChainStage, Theme

OECD_STEPS = [
    (1, _("Embed responsible business conduct into policies and management systems")),
    (2, _("Identify and assess adverse impacts")),
    (3, _("Cease, prevent or mitigate adverse impacts")),
    (4, _("Track implementation and results")),
    (5, _("Communicate how impacts are addressed")),
    (6, _("Provide for or cooperate in remediation")),
]


class Questionnaire(models.Model):
    """A version of the self-assessment; answered assessments stay tied to their version."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(max_length=40)  # stable within a version, e.g. "1.2"
    step = models.PositiveSmallIntegerField(_("OECD step"), choices=OECD_STEPS)
    text_nl = models.TextField()
    text_en = models.TextField()
    # Five maturity levels 0-4: [{"nl": "...", "en": "..."}, ...]
    levels = models.JSONField()
    # The question of the previous version this one continues, for comparable scores.
    maps_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["questionnaire", "step", "key"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key")
        ]

    def __str__(self) -> str:
        return self.key


class Cycle(models.Model):
    """The monitoring of one covenant year."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="cycles"
    )
    year = models.OneToOneField(
        "covenants.CovenantYear", on_delete=models.CASCADE, related_name="cycle"
    )
    deadline = models.DateField(_("deadline"))
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT
    )
    target_score = models.PositiveSmallIntegerField(
        _("target score (%)"),
        default=80,
        help_text=_("Companies at or above this overall self-assessment score meet the target."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder this many days before the deadline"), default=14
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Figures frozen at closing: {indicator code: {"numerator":..,"denominator":..,"value":..}}
    frozen_figures = models.JSONField(default=dict, blank=True)
    # Raised on every change to what the cycle's dashboard is computed from (its parts, the
    # covenant's indicators and memberships, the member organisations, the numbers per
    # company; see monitoring/signals.py): the dashboard is cached under it.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["covenant", "year__number"]
        constraints = [
            # A percentage; services.cycle_open and cycle_update say so in words first.
            models.CheckConstraint(
                condition=models.Q(target_score__lte=100), name="cycle_target_score_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.covenant} – {self.year}"

    def save(self, *args, **kwargs):
        # data_version is only ever raised in the database (F() + 1): a save of a cycle loaded
        # earlier must not write an older value back over it.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "data_version"
            ]
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Part(models.Model):
    """One of the four parts of a company's submission for a cycle."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("IMVO policy")
        SELF_ASSESSMENT = "self_assessment", _("self-assessment")
        RISK_ANALYSIS = "risk_analysis", _("risk analysis")
        ACTION_PLAN = "action_plan", _("action plan")

    class Status(models.TextChoices):
        MISSING = "missing", _("missing")
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        NEEDS_IMPROVEMENT = "needs_improvement", _("needs improvement")

    DELIVERED = (Status.SUBMITTED, Status.ACCEPTED, Status.NEEDS_IMPROVEMENT)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="parts")
    organisation = models.ForeignKey(
        "covenants.Organisation", on_delete=models.PROTECT, related_name="monitoring_parts"
    )
    kind = models.CharField(_("part"), max_length=20, choices=Kind)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.MISSING)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    feedback = models.TextField(_("feedback of the secretariat"), blank=True)
    carried_over = models.BooleanField(_("carried over from last year"), default=False)
    # Policy: {"published": bool, "url": str, "date": "YYYY-MM-DD", "elements": [codes]}
    data = models.JSONField(default=dict, blank=True)
    policy_document = models.FileField(upload_to="monitoring/%Y/", blank=True)
    # Self-assessment: the overall score in percent, kept with the answers.
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "organisation__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organisation", "kind"], name="part_once_per_company"
            )
        ]
        indexes = [
            # indicator_figures(cycle): every part of a cycle by kind and status.
            models.Index(fields=["cycle", "kind", "status"], name="part_cycle_kind_status"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_kind_display()}"

    @property
    def is_delivered(self) -> bool:
        return self.status in self.DELIVERED


class PartEvent(models.Model):
    """The history of a part: every save, submission, review and reopening."""

    class Action(models.TextChoices):
        SAVED = "saved", _("saved as draft")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        NEEDS_IMPROVEMENT = "needs_improvement", _("needs improvement")
        REOPENED = "reopened", _("reopened")
        CONFIRMED = "confirmed", _("carried-over answers confirmed")
        # The note holds the label of the year it came from, e.g. "2022-2023".
        CARRIED_OVER = "carried_over", _("carried over from last year")

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.part} {self.action}"


class Answer(models.Model):
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    level = models.PositiveSmallIntegerField(_("level"))
    explanation = models.TextField(_("explanation"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="monitoring/evidence/%Y/", blank=True)

    class Meta:
        ordering = ["question__step", "question__key"]
        constraints = [
            models.UniqueConstraint(fields=["part", "question"], name="answer_once"),
            models.CheckConstraint(condition=models.Q(level__lte=4), name="answer_level_0_4"),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.level}"


class RiskItem(models.Model):
    """An adverse impact in the company's register (the risk analysis)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="risks")
    theme = models.CharField(_("theme"), max_length=32, choices=Theme)
    commodity = models.CharField(_("commodity"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    chain_stage = models.CharField(_("chain stage"), max_length=32, choices=ChainStage)
    scale = models.PositiveSmallIntegerField(_("scale (1-4)"))
    scope = models.PositiveSmallIntegerField(_("scope (1-4)"))
    irremediable = models.PositiveSmallIntegerField(_("irremediable character (1-4)"))
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1-4)"))
    prioritised = models.BooleanField(_("prioritised"), default=False)
    reason = models.TextField(_("reason for the priority"), blank=True)
    themes_extra = ChoiceListField(_("related themes"), choices=Theme.choices)
    finding = models.ForeignKey(
        "screening.Finding",
        verbose_name=_("screening finding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="register_items",
    )

    class Meta:
        ordering = ["-prioritised", "theme"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    scale__gte=1,
                    scale__lte=4,
                    scope__gte=1,
                    scope__lte=4,
                    irremediable__gte=1,
                    irremediable__lte=4,
                    likelihood__gte=1,
                    likelihood__lte=4,
                ),
                name="risk_scores_1_4",
            ),
            # a finding adopted twice at once (a double click) is one item
            models.UniqueConstraint(
                fields=["part", "finding"],
                condition=models.Q(finding__isnull=False),
                name="risk_finding_once_per_part",
                violation_error_message=_("This finding is in the risk register already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_theme_display()} {self.commodity} {self.country}"

    @property
    def severity(self) -> int:
        """The highest of scale, scope and irremediable character (OECD: severity)."""
        return max(self.scale, self.scope, self.irremediable)


class Action(models.Model):
    """A measure of the action plan, against a prioritised risk."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    class Leverage(models.TextChoices):
        OWN = "own", _("own operations")
        SUPPLIERS = "suppliers", _("with suppliers")
        PARTIES = "parties", _("with other covenant parties")
        PROJECT = "project", _("in a collective project")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="actions")
    risk = models.ForeignKey(
        RiskItem,
        verbose_name=_("risk"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    measure = models.TextField(_("measure"))
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PLANNED)
    progress = models.TextField(_("progress notes"), blank=True)
    leverage = models.CharField(_("leverage"), max_length=16, choices=Leverage, blank=True)
    project = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("collective project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        limit_choices_to={"kind": "project"},
    )

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.measure[:60]


class Indicator(models.Model):
    """A figure of the yearly monitoring, set by the secretariat without code."""

    class Measure(models.TextChoices):
        DELIVERED = "delivered", _("part delivered")
        ON_TIME = "on_time", _("part delivered before the deadline")
        ACCEPTED = "accepted", _("part accepted")
        POLICY_PUBLISHED = "policy_published", _("IMVO policy published")
        POLICY_ELEMENT = "policy_element", _("policy element present")
        SCORE_AT_TARGET = "score_at_target", _("self-assessment score at or above the target")
        AVERAGE_SCORE = "average_score", _("average self-assessment score")

    class Population(models.TextChoices):
        MEMBERS_END = "members_end", _("all member companies at the end of the year")
        MONITORED = "monitored", _("companies monitored in the cycle (members all year)")

    class Weight(models.TextChoices):
        HEAD = "head", _("by head (each company counts once)")
        EMPLOYEES = "employees", _("weighted by employees")
        TURNOVER = "turnover", _("weighted by turnover")
        VOLUME = "volume", _("weighted by volume")

    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    measure = models.CharField(_("what counts"), max_length=20, choices=Measure)
    part_kind = models.CharField(_("part"), max_length=20, choices=Part.Kind, blank=True)
    element = models.CharField(_("policy element"), max_length=40, blank=True)
    step = models.PositiveSmallIntegerField(
        _("OECD step (empty: overall)"), choices=OECD_STEPS, null=True, blank=True
    )
    population = models.CharField(_("over"), max_length=16, choices=Population)
    weight = models.CharField(_("counted"), max_length=16, choices=Weight, default=Weight.HEAD)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("shown"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["covenant", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["covenant", "code"], name="indicator_code")]

    def __str__(self) -> str:
        return self.name_en


class CompanyFigures(models.Model):
    """Numbers recorded per company and cycle, for weighted indicators."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="company_figures")
    organisation = models.ForeignKey("covenants.Organisation", on_delete=models.CASCADE)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    turnover = models.DecimalField(
        _("turnover (EUR million)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    volume = models.DecimalField(
        _("volume (tonnes)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organisation"], name="figures_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.cycle}"


class HistoricFigure(models.Model):
    """A figure of a year before the covenant used the app, imported from a spreadsheet."""

    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="historic_figures"
    )
    year_number = models.PositiveSmallIntegerField(_("year"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="history")
    numerator = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "year_number", "indicator"], name="historic_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year_number}"


class SizeRule(models.Model):
    """A lighter requirement for some size classes, e.g. evidence only from large companies."""

    class Rule(models.TextChoices):
        EVIDENCE_ABOVE_LEVEL_1 = (
            "evidence_above_1",
            _("evidence required for self-assessment answers above level 1"),
        )

    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="size_rules"
    )
    rule = models.CharField(max_length=32, choices=Rule)
    size_classes = models.CharField(
        _("for size classes"),
        max_length=100,
        help_text=_("Comma-separated: micro, small, medium, large."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["covenant", "rule"], name="size_rule_once")]

    def __str__(self) -> str:
        return self.rule
