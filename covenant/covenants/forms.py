"""Forms of the secretariat's covenant pages; the rules themselves live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from covenant.covenants.models import Covenant, CovenantYear, Membership, Organisation
from covenant.lib.forms import ModelFieldsForm


class DateInput(forms.DateInput):
    input_type = "date"


class CovenantSettingsForm(forms.ModelForm):
    class Meta:
        model = Covenant
        fields = [
            "name",
            "sector",
            "description",
            "disclosure_threshold",
            "status",
            "successor",
            "secretariat_mfa_required",
            "report_approvals_required",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = Covenant.objects.exclude(pk=self.instance.pk)


class YearForm(ModelFieldsForm):
    model = CovenantYear
    model_fields = ("label", "start", "end")
    widgets = {"start": DateInput(), "end": DateInput()}


class OrganisationForm(ModelFieldsForm):
    model = Organisation
    model_fields = ("name", "kind", "country", "website", "size_class", "is_illustrative")


class MembershipForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    joined_in_year = forms.IntegerField(label=_("Joined in year"), min_value=1)
    leaves_after_year = forms.IntegerField(
        label=_("Leaves after year"),
        min_value=1,
        required=False,
        help_text=_("Leave empty while the membership continues."),
    )

    def __init__(self, *args, covenant: Covenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = covenant.organisations.exclude(
            memberships__covenant=covenant
        ).order_by("name")


class MembershipEditForm(ModelFieldsForm):
    model = Membership
    model_fields = ("joined_in_year", "leaves_after_year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaves_after_year"].help_text = _(
            "Leave empty while the membership continues."
        )
