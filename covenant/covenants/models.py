"""Covenants, their years, organisations (parties) and memberships."""

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django_countries.fields import CountryField


class Covenant(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ACTIVE = "active", _("active")
        ENDED = "ended", _("ended")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    number_of_years = models.PositiveSmallIntegerField(_("number of years"))
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("disclosure threshold"),
        default=3,
        help_text=_("No figure shown outside the secretariat may count fewer companies."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ACTIVE)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    secretariat_mfa_required = models.BooleanField(
        _("two-factor authentication required for the secretariat"), default=True
    )
    is_illustrative = models.BooleanField(_("illustrative demo data"), default=False)
    report_approvals_required = models.PositiveSmallIntegerField(
        _("approvals needed to publish the annual report"), default=1
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number_of_years__gte=1), name="covenant_has_years"
            ),
            models.CheckConstraint(
                condition=models.Q(disclosure_threshold__gte=1),
                name="covenant_threshold_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CovenantYear(models.Model):
    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="years")
    number = models.PositiveSmallIntegerField(_("year number"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("label"), max_length=40)

    class Meta:
        ordering = ["covenant", "number"]
        verbose_name = _("covenant year")
        verbose_name_plural = _("covenant years")
        constraints = [
            models.UniqueConstraint(fields=["covenant", "number"], name="year_unique_number"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return pgettext("covenant year", "Year %(number)s (%(label)s)") % {
            "number": self.number,
            "label": self.label,
        }


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("company")
        BRANCH_ORGANISATION = "branch", _("branch organisation")
        GOVERNMENT = "government", _("government")
        TRADE_UNION = "union", _("trade union")
        NGO = "ngo", _("NGO")
        KNOWLEDGE_INSTITUTE = "knowledge", _("knowledge institute")
        OTHER = "other", _("other")

    class SizeClass(models.TextChoices):
        UNKNOWN = "", _("unknown")
        MICRO = "micro", _("micro (fewer than 10 employees)")
        SMALL = "small", _("small (10 to 49 employees)")
        MEDIUM = "medium", _("medium (50 to 249 employees)")
        LARGE = "large", _("large (250 employees or more)")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    size_class = models.CharField(
        _("size by employees"), max_length=8, choices=SizeClass, blank=True, default=""
    )
    is_illustrative = models.BooleanField(_("illustrative demo data"), default=False)
    # The covenants in whose lists the organisation stands; a membership needs this first.
    covenants = models.ManyToManyField(Covenant, related_name="organisations", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def in_year(self, number: int) -> "MembershipQuerySet":
        """Memberships that are in force during covenant year `number`."""
        return self.filter(joined_in_year__lte=number).filter(
            models.Q(leaves_after_year__isnull=True) | models.Q(leaves_after_year__gte=number)
        )


class Membership(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    joined_in_year = models.PositiveSmallIntegerField(_("joined in year"))
    leaves_after_year = models.PositiveSmallIntegerField(
        _("leaves after year"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["covenant", "organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["covenant", "organisation"], name="membership_unique_party"
            ),
            models.CheckConstraint(
                condition=models.Q(leaves_after_year__isnull=True)
                | models.Q(leaves_after_year__gte=models.F("joined_in_year")),
                name="membership_leaves_after_joining",
            ),
        ]
        indexes = [
            # membership_list(covenant, year): members of one covenant in one year.
            models.Index(fields=["covenant", "joined_in_year"], name="membership_cov_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.covenant}"

    def is_member_in(self, number: int) -> bool:
        return self.joined_in_year <= number and (
            self.leaves_after_year is None or self.leaves_after_year >= number
        )
