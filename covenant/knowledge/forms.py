"""Forms of the knowledge base's curation; the rules (a source is required, shares add up to at
most 1, a risk concerns a commodity or a country) live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from covenant.knowledge.models import (
    Commodity,
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    ProductionShare,
    Source,
)
from covenant.knowledge.services import MSG_REMOVE_REASON, NewSource
from covenant.lib.forms import ModelFieldsForm


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Source) -> str:
        return str(obj)


class FactForm(ModelFieldsForm):
    """A fact's own fields, then its source: one from the list, or a new one."""

    source = SourceChoiceField(
        queryset=Source.objects.filter(is_current=True).order_by("publisher", "title"),
        required=False,
        label=_("Source"),
        help_text=_("Every fact names its source. Choose one, or give a new one below."),
    )
    new_source_publisher = forms.CharField(
        label=_("New source: publisher or author"), max_length=300, required=False
    )
    new_source_title = forms.CharField(label=_("New source: title"), max_length=300, required=False)
    new_source_year = forms.IntegerField(
        label=_("New source: year"), min_value=1900, max_value=2100, required=False
    )
    new_source_edition = forms.CharField(
        label=_("New source: edition"), max_length=200, required=False
    )
    new_source_url = forms.URLField(label=_("New source: link"), max_length=500, required=False)
    new_source_licence = forms.CharField(
        label=_("New source: licence or terms of use"),
        max_length=300,
        required=False,
        help_text=_(
            "E.g. “CC BY 4.0”, “public domain”, “all rights reserved”; for the secretariat's own "
            "observations, “own work”."
        ),
    )
    reason = forms.CharField(
        label=_("Why this change (kept in the history)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    SOURCE_FIELDS = (
        "source", "new_source_publisher", "new_source_title", "new_source_year",
        "new_source_edition", "new_source_url", "new_source_licence", "reason",
    )  # fmt: skip

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and instance.source_id:
            self.initial.setdefault("source", instance.source_id)
        # The fact's fields first, its source after them.
        order = [n for n in self.fields if n not in self.SOURCE_FIELDS] + list(self.SOURCE_FIELDS)
        self.order_fields(order)
        # Commodities by their name in the page's language
        for field in self.fields.values():
            if getattr(field, "queryset", None) is not None and field.queryset.model is Commodity:
                field.label_from_instance = lambda commodity: commodity.name

    def fact_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.model_fields}

    def source_args(self) -> dict:
        data = self.cleaned_data
        new_source = None
        if any(data.get(n) for n in self.SOURCE_FIELDS if n.startswith("new_source_")):
            new_source = NewSource(
                publisher=data.get("new_source_publisher") or "",
                title=data.get("new_source_title") or "",
                year=data.get("new_source_year"),
                edition=data.get("new_source_edition") or "",
                url=data.get("new_source_url") or "",
                licence=data.get("new_source_licence") or "",
            )
        source = data.get("source")
        return {
            "source": source if new_source is None else None,
            "new_source": new_source,
            "reason": data.get("reason") or "",
        }


class RiskForm(FactForm):
    model = DocumentedRisk
    model_fields = ("theme", "commodity", "country", "chain_stage", "severity", "description")
    widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ShareForm(FactForm):
    model = ProductionShare
    model_fields = (
        "commodity", "country", "chain_stage", "measure", "year", "value", "unit", "share",
        "is_estimate", "note",
    )  # fmt: skip


class CompositionForm(FactForm):
    model = Composition
    model_fields = ("alloy", "component", "share")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alloy"].queryset = Commodity.objects.exclude(
            kind__in=[Commodity.Kind.METAL, Commodity.Kind.ORE]
        ).order_by("name_en")


class SynonymForm(FactForm):
    model = CommoditySynonym
    model_fields = ("commodity", "text", "language")


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why remove this fact (kept in the history)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": MSG_REMOVE_REASON},
    )
