"""A model field for a short list of choice codes, queryable on SQLite and PostgreSQL alike."""

from django import forms
from django.db import models
from django.utils.text import capfirst


class ChoiceListField(models.CharField):
    """Stores a list of choice codes as ",a,b," so that `field__contains=",a,"` finds rows with a.

    The surrounding commas make the filter exact (no code matches inside another).
    """

    def __init__(self, *args, choices=None, **kwargs):
        self.item_choices = choices
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices"] = self.item_choices
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if isinstance(value, list):
            return value
        if not value:
            return []
        return [part for part in value.split(",") if part]

    def get_prep_value(self, value):
        if isinstance(value, str):  # a lookup value such as ",a,"
            return value
        value = [v for v in (value or []) if v]
        return f",{','.join(value)}," if value else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        if not self.blank and not value:
            raise forms.ValidationError(self.error_messages["blank"], code="blank")
        allowed = {str(code) for code, _label in (self.item_choices or [])}
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": ", ".join(unknown)},
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.item_choices,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )

    def labels(self, value) -> list[str]:
        mapping = dict(self.item_choices or [])
        return [str(mapping.get(v, v)) for v in value]
