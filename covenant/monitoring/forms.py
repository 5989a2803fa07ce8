"""Forms of the yearly monitoring; the rules themselves live in services."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from covenant.covenants.forms import DateInput
from covenant.lib.forms import ModelFieldsForm
from covenant.monitoring.models import Action, RiskItem
from covenant.monitoring.services import REMINDER_DAYS_MAX


def _lang() -> str:
    return "nl" if (get_language() or "nl").startswith("nl") else "en"


class CycleSettingsForm(forms.Form):
    """The settings of a cycle the secretariat can change while it is open; the ranges are
    checked by services.cycle_update (the inputs only hint them to the browser)."""

    deadline = forms.DateField(
        label=_("Deadline"),
        widget=DateInput(),
        help_text=_(
            "Moving the deadline does not change which parts are late: that was recorded when "
            "each part was submitted. Companies with parts still to deliver get a new reminder "
            "before the new deadline."
        ),
    )
    target_score = forms.IntegerField(
        label=_("Target score (%)"),
        initial=80,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
    )
    reminder_days = forms.IntegerField(
        label=_("Reminder (days before the deadline)"),
        initial=14,
        widget=forms.NumberInput(attrs={"min": 0, "max": REMINDER_DAYS_MAX}),
        help_text=_(
            "Companies with parts still to deliver get an e-mail this many days before the "
            "deadline."
        ),
    )


class CycleOpenForm(CycleSettingsForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire version"),
        queryset=None,
        empty_label=None,
        help_text=_("Answers of last year carry over to the questions the new version maps."),
    )
    field_order = ["year", "deadline", "target_score", "reminder_days", "questionnaire"]

    def __init__(self, *args, years, **kwargs):
        from covenant.monitoring.models import Questionnaire

        super().__init__(*args, **kwargs)
        # Opening, nothing was submitted yet: the settings form's note on lateness is moot.
        self.fields["deadline"].help_text = ""
        self.fields["year"].choices = [(y.number, f"{y.number} ({y.label})") for y in years]
        versions = Questionnaire.objects.order_by("-version", "code")
        self.fields["questionnaire"].queryset = versions
        self.fields["questionnaire"].initial = versions.first()


class CycleCloseForm(forms.Form):
    closed_on = forms.DateField(
        label=_("Closing date"),
        widget=DateInput(),
        help_text=_("Today or an earlier day, not a day to come."),
    )


class PolicyForm(forms.Form):
    published = forms.BooleanField(label=_("Our IMVO policy is published"), required=False)
    url = forms.URLField(label=_("Link to the policy"), required=False, assume_scheme="https")
    date = forms.DateField(label=_("Date of the policy"), required=False, widget=DateInput())
    document = forms.FileField(label=_("Or upload the document (PDF or DOCX)"), required=False)
    elements = forms.MultipleChoiceField(
        label=_("What the policy covers"), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, elements, **kwargs):
        super().__init__(*args, **kwargs)
        lang = _lang()
        self.fields["elements"].choices = [(e["code"], e[lang]) for e in elements]


class AssessmentForm(forms.Form):
    """One radio group of maturity levels 0-4 per question, with explanation and evidence."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, questions, answers, **kwargs):
        super().__init__(*args, **kwargs)
        lang = _lang()
        self.questions = questions
        for q in questions:
            answer = answers.get(q.pk)
            self.fields[f"level_{q.key}"] = forms.TypedChoiceField(
                label=f"{q.key} {getattr(q, 'text_' + lang)}",
                choices=[(i, f"{i} – {lvl[lang]}") for i, lvl in enumerate(q.levels)],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                initial=answer.level if answer else None,
            )
            self.fields[f"explanation_{q.key}"] = forms.CharField(
                label=_("Explanation (optional)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.explanation if answer else "",
            )
            self.fields[f"evidence_{q.key}"] = forms.FileField(
                label=_("Evidence (optional)"), required=False
            )

    def rows(self):
        for q in self.questions:
            yield q, self[f"level_{q.key}"], self[f"explanation_{q.key}"], self[f"evidence_{q.key}"]

    def answers(self) -> dict[str, dict]:
        return {
            q.key: {
                "level": self.cleaned_data.get(f"level_{q.key}"),
                "explanation": self.cleaned_data.get(f"explanation_{q.key}", ""),
                "evidence": self.cleaned_data.get(f"evidence_{q.key}"),
            }
            for q in self.questions
            if self.cleaned_data.get(f"level_{q.key}") not in (None, "")
        }


class RiskForm(ModelFieldsForm):
    model = RiskItem
    model_fields = ("theme", "commodity", "country", "chain_stage", "scale", "scope",
                    "irremediable", "likelihood", "prioritised", "reason")  # fmt: skip
    widgets = {"reason": forms.Textarea(attrs={"rows": 2})}
    # The part's version when a risk was opened for a change (empty when adding one).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:
            self.initial["version"] = version
        for name in ("scale", "scope", "irremediable", "likelihood"):
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                coerce=int,
                choices=[(i, str(i)) for i in range(1, 5)],
            )
        self.fields["country"].help_text = _("Two-letter ISO code, for example BO.")


class ActionForm(ModelFieldsForm):
    model = Action
    model_fields = ("risk", "measure", "owner", "due_date", "status", "progress", "leverage",
                    "project")  # fmt: skip
    widgets = {
        "measure": forms.Textarea(attrs={"rows": 2}),
        "progress": forms.Textarea(attrs={"rows": 2}),
        "due_date": DateInput(),
    }

    # The part's version when a measure was opened for a change (empty when adding one).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, risks, projects, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:
            self.initial["version"] = version
        self.fields["risk"].queryset = risks
        self.fields["project"].queryset = projects


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("improve", _("Needs improvement"))],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Feedback to the company"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2})
    )
