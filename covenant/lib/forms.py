"""Helpers shared by forms."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ModelFieldsForm(forms.Form):
    """A plain form with the fields (labels, widgets, choices) of `model_fields` of `model`.

    Unlike a ModelForm it validates nothing against the database: the service does, with its
    own messages, so the rule and its message live in one place.
    """

    model = None
    model_fields: tuple[str, ...] = ()
    widgets: dict = {}

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", forms.model_to_dict(instance, fields=self.model_fields))
        super().__init__(*args, **kwargs)
        model_form_fields = forms.fields_for_model(
            self.model, fields=self.model_fields, widgets=self.widgets
        )
        self.fields = {**model_form_fields, **self.fields}
