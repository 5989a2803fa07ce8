"""Forms of activities; the rules themselves live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from covenant.activities.models import Activity, ParticipantCount
from covenant.covenants.forms import DateInput
from covenant.covenants.models import Organisation
from covenant.lib.forms import ModelFieldsForm

COMMON = (
    "title", "description", "start_date", "end_date", "start_time", "location", "organiser",
    "partners_outside", "themes", "chain_stages", "countries", "commodities", "is_public",
)  # fmt: skip
FIELDS_BY_KIND = {
    Activity.Kind.PROJECT: (
        *COMMON, "status", "goals", "results", "lessons", "shared_inside", "shared_outside",
        "seeks_participants", "seeking_note",
    ),
    Activity.Kind.KNOWLEDGE_SESSION: (*COMMON, "format", "speakers", "summary"),
    Activity.Kind.ROUND_TABLE: (*COMMON, "format", "speakers", "summary"),
    Activity.Kind.TRAINING: (
        *COMMON, "format", "speakers", "summary", "capacity", "registration_open",
        "evaluation_score",
    ),
    Activity.Kind.WORK_VISIT: (
        "title", "start_date", "organiser", "visited", "purpose", "findings", "follow_up",
    ),
}  # fmt: skip
WITH_PARTICIPANTS = {k for k in Activity.Kind if k != Activity.Kind.WORK_VISIT}


class TimeInput(forms.TimeInput):
    input_type = "time"


def activity_form_class(kind: str) -> type[ModelFieldsForm]:
    """Return the form class for an activity of this kind."""

    class ActivityForm(ModelFieldsForm):
        model = Activity
        model_fields = FIELDS_BY_KIND[kind]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start_time": TimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "partners_outside": forms.Textarea(attrs={"rows": 2}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "results": forms.Textarea(attrs={"rows": 3}),
            "lessons": forms.Textarea(attrs={"rows": 3}),
            "shared_inside": forms.Textarea(attrs={"rows": 2}),
            "shared_outside": forms.Textarea(attrs={"rows": 2}),
            "speakers": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 3}),
        }
        version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        def __init__(self, *args, covenant, organisers=None, instance=None, **kwargs):
            super().__init__(*args, instance=instance, **kwargs)
            parties = covenant.organisations.order_by("name")
            organiser = self.fields["organiser"]
            if organisers is not None:  # a stakeholder records what its organisation runs
                organiser.queryset = organisers
                organiser.required = True
                organiser.empty_label = None
                organiser.help_text = ""
            else:
                organiser.queryset = parties
            if kind == Activity.Kind.WORK_VISIT:
                organiser.label = _("Visiting organisation (NGO or trade union)")
                organiser.help_text = ""
                organiser.required = True
                self.fields["start_date"].label = _("Date of the visit")
                organiser.queryset = organiser.queryset.exclude(kind=Organisation.Kind.COMPANY)
                self.fields["visited"].queryset = parties.filter(kind=Organisation.Kind.COMPANY)
                self.fields["visited"].required = True
            if kind in WITH_PARTICIPANTS:
                self.fields["participants"] = forms.ModelMultipleChoiceField(
                    label=_("Participating parties"),
                    queryset=parties,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
                if instance is not None:
                    self.initial["participants"] = list(instance.participants.all())
            if instance is not None:
                self.initial["version"] = instance.version
            if "countries" in self.fields:
                self.fields["countries"].help_text = _(
                    "Hold Ctrl (Cmd on a Mac) to choose more than one."
                )
                self.fields["countries"].widget.attrs["size"] = 8

    return ActivityForm


class ProjectUpdateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))


class InterestForm(forms.Form):
    """A message to the project, and for a member of several companies which one is
    interested."""

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.companies = list(companies)
        if len(self.companies) > 1:
            self.fields["organisation"] = forms.ChoiceField(
                label=_("Company"),
                choices=[("", "—")] + [(str(c.code), c.name) for c in self.companies],
                error_messages={"required": _("Say which of your companies is interested.")},
            )
            self.order_fields(["organisation", "message"])

    def company(self):
        """The company that is interested (valid form only)."""
        chosen = self.cleaned_data.get("organisation")
        return next((c for c in self.companies if str(c.code) == chosen), self.companies[0])

    message = forms.CharField(
        label=_("Message to the project (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        help_text=_("PDF, Word, Excel, PowerPoint, PNG or JPEG."),
    )


class CountsForm(forms.Form):
    """Participants per group, from inside and from outside the covenant."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            label = ParticipantCount.Group(row.group).label
            self.fields[f"{row.group}_inside"] = forms.IntegerField(
                label=_("%(group)s from inside") % {"group": label},
                min_value=0,
                initial=row.inside,
            )
            self.fields[f"{row.group}_outside"] = forms.IntegerField(
                label=_("%(group)s from outside") % {"group": label},
                min_value=0,
                initial=row.outside,
            )

    def counts(self) -> dict[str, tuple[int, int]]:
        return {
            group: (self.cleaned_data[f"{group}_inside"], self.cleaned_data[f"{group}_outside"])
            for group in ParticipantCount.Group
        }


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    consent = forms.BooleanField(
        label=_("I agree that my details are kept for this training and its evaluation."),
        required=False,
    )
    # A honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
