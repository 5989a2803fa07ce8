"""The risk knowledge base: commodities, their names and HS codes, compositions of alloys,
production shares per country and chain stage, documented risks, and the source of each.

Every fact names its source (a NOT NULL foreign key; the services refuse a missing one with a
clear message). A source has editions: loading a newer one adds it beside the old one, which
stays (is_current False) so that facts resting on it keep their provenance.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from covenant.lib.taxonomy import ChainStage, Theme

MSG_RISK_NEEDS_SUBJECT = _("A documented risk concerns a commodity, a country, or both.")
MSG_NOT_ITS_OWN_COMPONENT = _("An alloy cannot be its own component.")


class Source(models.Model):
    """A publication that facts rest on: one edition of a series (a data release, a list)."""

    series = models.SlugField(
        _("series"),
        max_length=80,
        help_text=_("Editions of the same publication share a series."),
    )
    publisher = models.CharField(_("publisher"), max_length=300)
    title = models.CharField(_("title"), max_length=300)
    edition = models.CharField(_("edition"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=300, blank=True)
    short_name = models.CharField(
        _("short citation"), max_length=120, blank=True, help_text=_("E.g. “USGS MCS 2025”.")
    )
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    is_current = models.BooleanField(_("current edition"), default=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["publisher", "title", "-year"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["series", "edition"], name="source_edition_once"),
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(is_current=True),
                name="source_one_current_edition",
            ),
        ]

    def __str__(self) -> str:
        edition = f", {self.edition}" if self.edition else ""
        return f"{self.publisher}, {self.title}{edition} ({self.year})"

    @property
    def citation(self) -> str:
        """The short form shown next to each fact; the sources page gives the full one."""
        return self.short_name or f"{self.publisher}, {self.title} ({self.year})"


def name_in_language(name_nl: str, name_en: str) -> str:
    """Of a commodity's two names, the one of the active language: the Dutch one in Dutch
    (when there is one), the English one otherwise."""
    return name_nl if (get_language() or "").startswith("nl") and name_nl else name_en


class Commodity(models.Model):
    class Kind(models.TextChoices):
        ORE = "ore", _("ore")
        METAL = "metal", _("metal")
        ALLOY = "alloy", _("alloy")
        SEMI_FINISHED = "semi_finished", _("semi-finished product")
        MINERAL = "mineral", _("mineral")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        """The name in the active language: Dutch in Dutch, English otherwise."""
        return name_in_language(self.name_nl, self.name_en)

    @property
    def heading(self) -> str:
        """The name with a capital, as a title or a list begins it ("IJzer", Dutch's IJ)."""
        name = self.name
        if name[:2].lower() == "ij":
            return "IJ" + name[2:]
        return name[:1].upper() + name[1:]


class CommoditySynonym(models.Model):
    class Language(models.TextChoices):
        DUTCH = "nl", _("Dutch")
        ENGLISH = "en", _("English")
        OTHER = "", _("any language")

    commodity = models.ForeignKey(
        Commodity, verbose_name=_("commodity"), on_delete=models.CASCADE, related_name="synonyms"
    )
    text = models.CharField(_("name or synonym"), max_length=120)
    language = models.CharField(_("language"), max_length=2, choices=Language, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="synonyms"
    )

    class Meta:
        ordering = ["text"]
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [
            models.UniqueConstraint(
                Lower("text"),
                "commodity",
                name="synonym_once_per_commodity",
                violation_error_message=_("This commodity has this synonym already."),
            )
        ]

    def __str__(self) -> str:
        return self.text


class HsCode(models.Model):
    """A Harmonized System heading or subheading, kept as text (leading zeros matter)."""

    code = models.CharField(
        _("HS code"),
        max_length=10,
        validators=[RegexValidator(r"^\d{2,10}$", _("An HS code is 2 to 10 digits."))],
    )
    description = models.TextField(_("description"))
    commodity = models.ForeignKey(
        Commodity,
        verbose_name=_("commodity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hs_codes",
    )
    mapping_note = models.CharField(_("mapping as given"), max_length=200, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="hs_codes"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="hs_code_once_per_source")
        ]
        indexes = [models.Index(fields=["code"], name="hs_code_code")]

    def __str__(self) -> str:
        return self.code


class Composition(models.Model):
    """A typical share of a component in an alloy (stainless steel: chromium 0.18)."""

    alloy = models.ForeignKey(
        Commodity, verbose_name=_("alloy"), on_delete=models.CASCADE, related_name="components"
    )
    component = models.ForeignKey(
        Commodity,
        verbose_name=_("component"),
        on_delete=models.PROTECT,
        related_name="used_in",
    )
    share = models.FloatField(
        _("typical share (0 to 1)"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="compositions"
    )

    class Meta:
        ordering = ["alloy", "-share"]
        verbose_name = _("composition")
        verbose_name_plural = _("compositions")
        constraints = [
            models.UniqueConstraint(
                fields=["alloy", "component", "source"],
                name="composition_once_per_source",
                violation_error_message=_("This source gives this component already."),
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=1), name="composition_share_0_1"
            ),
            models.CheckConstraint(
                condition=~Q(alloy=models.F("component")), name="composition_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alloy}: {self.component} {self.share:.2f}"

    @property
    def percent(self) -> float:
        return self.share * 100

    def clean(self):
        if self.alloy_id and self.alloy_id == self.component_id:
            raise ValidationError({"component": MSG_NOT_ITS_OWN_COMPONENT})


class ProductionShare(models.Model):
    """A country's production of a commodity at one chain stage in one year, and its share of
    the world total of the same measure. A blank value is withheld or unknown, never zero."""

    commodity = models.ForeignKey(
        Commodity,
        verbose_name=_("commodity"),
        on_delete=models.CASCADE,
        related_name="production",
    )
    country = CountryField(_("country"))
    chain_stage = models.CharField(_("chain stage"), max_length=32, choices=ChainStage)
    measure = models.CharField(
        _("measure"),
        max_length=200,
        blank=True,
        help_text=_("What the source measures, e.g. “Mine production, tin content”."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    share = models.FloatField(
        _("share of world production (0 to 1)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    is_estimate = models.BooleanField(_("estimated"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="production"
    )

    class Meta:
        ordering = ["commodity", "chain_stage", "measure", "-year", "-share"]
        verbose_name = _("production share")
        verbose_name_plural = _("production shares")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "commodity", "country", "chain_stage", "measure", "year"],
                name="production_once_per_source",
                violation_error_message=_(
                    "This source gives this country's production for this year already."
                ),
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | (Q(share__gte=0) & Q(share__lte=1)),
                name="production_share_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "commodity"], name="production_country"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} {self.country} {self.chain_stage} {self.year}"

    @property
    def percent(self) -> float | None:
        return None if self.share is None else self.share * 100


# Descriptions a loader writes, read in the reader's language: each is filled with the fact's
# own commodity, country and theme (`DocumentedRisk.wording` names one).
RISK_WORDINGS = {
    "ilab": gettext_noop(
        "%(commodity)s from %(country)s is on the ILAB List of Goods Produced by Child Labor or "
        "Forced Labor for %(theme)s."
    ),
    "ilab_forced_child": gettext_noop(
        "%(commodity)s from %(country)s is on the ILAB List of Goods Produced by Child Labor or "
        "Forced Labor for %(theme)s. The list names forced child labour too."
    ),
}


class DocumentedRisk(models.Model):
    """A risk documented by a source, for a commodity, a country, or a commodity in a country."""

    class Severity(models.IntegerChoices):
        LOW = 1, _("low")
        MEDIUM = 2, _("medium")
        HIGH = 3, _("high")
        VERY_HIGH = 4, _("very high")

    theme = models.CharField(_("theme"), max_length=32, choices=Theme)
    commodity = models.ForeignKey(
        Commodity,
        verbose_name=_("commodity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="risks",
    )
    country = CountryField(_("country"), blank=True)
    chain_stage = models.CharField(_("chain stage"), max_length=32, choices=ChainStage)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity)
    description = models.TextField(_("description"))
    # blank: the description as written; else the key of a wording in RISK_WORDINGS that the
    # loader wrote it by, shown in the reader's language (a curator's correction clears it)
    wording = models.CharField(_("wording"), max_length=32, blank=True, editable=False)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="risks"
    )

    class Meta:
        ordering = ["-severity", "theme"]
        verbose_name = _("documented risk")
        verbose_name_plural = _("documented risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(commodity__isnull=False) | ~Q(country=""),
                name="risk_has_commodity_or_country",
                violation_error_message=MSG_RISK_NEEDS_SUBJECT,
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=4), name="risk_severity_1_4"
            ),
        ]
        indexes = [models.Index(fields=["country"], name="risk_country")]

    def __str__(self) -> str:
        return f"{self.get_theme_display()}: {self.commodity or ''} {self.country or ''}".strip()

    @property
    def text(self) -> str:
        """The description as written; in another language than the loader's English (ILAB's
        list), its wording in the reader's language, with the commodity's name for the good's."""
        message = RISK_WORDINGS.get(self.wording)
        english = (get_language() or "en").startswith("en")
        if message is None or english or self.commodity is None or not self.country:
            return self.description
        return gettext(message) % {
            "commodity": self.commodity.name,
            "country": self.country.name,
            "theme": self.get_theme_display(),
        }


class GovernanceEstimate(models.Model):
    """A country's governance estimate for one year (World Bank WGI, about −2.5 weak to +2.5
    strong): the screening's country likelihood rests on rule of law and control of
    corruption. A missing estimate is not stored."""

    class Indicator(models.TextChoices):
        RULE_OF_LAW = "rl", _("rule of law")
        CONTROL_OF_CORRUPTION = "cc", _("control of corruption")

    country = CountryField(_("country"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    indicator = models.CharField(_("indicator"), max_length=2, choices=Indicator)
    estimate = models.FloatField(_("estimate"))
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="governance"
    )

    class Meta:
        ordering = ["country", "-year", "indicator"]
        verbose_name = _("governance estimate")
        verbose_name_plural = _("governance estimates")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "country", "year", "indicator"],
                name="governance_once_per_source",
                violation_error_message=_(
                    "This source gives this country's estimate for this year already."
                ),
            ),
        ]
        # The country page reads one country's estimates.
        indexes = [models.Index(fields=["country"], name="governance_country")]

    def __str__(self) -> str:
        return f"{self.country} {self.indicator} {self.year}: {self.estimate}"


class FactChange(models.Model):
    """One change of a fact by a curator: who, when, and the fields before and after."""

    class Kind(models.TextChoices):
        RISK = "risk", _("documented risk")
        SHARE = "share", _("production share")
        COMPOSITION = "composition", _("composition")
        SYNONYM = "synonym", _("synonym")

    class Action(models.TextChoices):
        CREATED = "created", _("added")
        CHANGED = "changed", _("corrected")
        REMOVED = "removed", _("removed")

    fact_kind = models.CharField(max_length=16, choices=Kind)
    fact_id = models.PositiveBigIntegerField()
    commodity = models.ForeignKey(
        Commodity, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    country = CountryField(blank=True)
    action = models.CharField(max_length=16, choices=Action)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["fact_kind", "fact_id"], name="fact_change_fact")]

    def __str__(self) -> str:
        return f"{self.fact_kind} {self.fact_id} {self.action}"

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        """Return (field, before, after) for every field whose value differs."""
        names = list(dict.fromkeys([*self.before, *self.after]))
        return [
            (name, self.before.get(name), self.after.get(name))
            for name in names
            if self.before.get(name) != self.after.get(name)
        ]
