"""Forms of people, invitations and tokens; the rules themselves live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from covenant.accounts.models import Role
from covenant.covenants.models import Covenant


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    kind = forms.ChoiceField(label=_("Role"), choices=Role.Kind.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
        help_text=_("Needed for company and stakeholder members: the organisation they act for."),
    )

    def __init__(self, *args, covenant: Covenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = covenant.organisations.order_by("name")


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, for example “ERP export”."),
    )
