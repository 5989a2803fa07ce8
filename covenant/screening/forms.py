from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from covenant.lib.countries import country_label
from covenant.screening import engine
from covenant.screening.services import FIELD_LABELS


class UploadForm(forms.Form):
    """The purchase list, and for a member of several companies which company it is for."""

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(companies) > 1:
            self.fields["organisation"] = forms.ChoiceField(
                label=_("For the company"),
                choices=[("", "—")] + [(str(c.code), c.name) for c in companies],
            )
            self.order_fields(["organisation", "file"])

    file = forms.FileField(
        allow_empty_file=True,  # the engine says "The file is empty."
        label=_("Purchase list (CSV or Excel .xlsx)"),
        help_text=_(
            "One purchase line per row: a description or HS code, and a spend or quantity; "
            "supplier, supplier country and country of origin where known."
        ),
    )


class MappingForm(forms.Form):
    """One choice per column of the file: which of the engine's fields it holds."""

    def __init__(
        self,
        *args,
        header: list[str],
        initial_map: dict[str, str],
        samples: list[list[str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not used —")), *FIELD_LABELS.items()]
        self.columns = []
        initial_map = dict(initial_map)
        if "" in initial_map:  # kept before columns had places: the first without a name
            first = next((i for i, name in enumerate(header) if not name.strip()), None)
            if first is not None:
                initial_map.setdefault(engine.column_key(header, first), initial_map[""])
        for i, name in enumerate(header):
            key = f"col_{i}"
            column = engine.column_key(header, i)
            values = samples[i] if samples and i < len(samples) else None
            self.fields[key] = forms.ChoiceField(
                label=name.strip()
                if column == name.strip()
                # a column without a name, or one of two of the same name: by its place too
                else _("%(name)s (column %(n)s)") % {"name": name.strip(), "n": i + 1}
                if name.strip()
                else _("(column %(n)s)") % {"n": i + 1},
                choices=choices,
                required=False,
                # a column the engine knows by its name shows what it is read as
                initial=initial_map[column]
                if column in initial_map
                else engine.header_field(name) or "",
                help_text=_("For example: %(values)s") % {"values": " · ".join(values)}
                if values
                else "",
            )
            self.columns.append((key, column))

    def header_map(self) -> dict[str, str]:
        """{column key (`engine.column_key`): field, "" for a column not used}."""
        return {column: self.cleaned_data.get(key, "") for key, column in self.columns}


def _cells_shown(cells: list[str], limit: int = 6) -> str:
    """A row's first filled cells, each cut short: enough to know the row by."""
    filled = [Truncator(cell.strip()).chars(40) for cell in cells if cell.strip()]
    return " · ".join(filled[:limit]) + (" · …" if len(filled) > limit else "")


class HeaderRowForm(forms.Form):
    """Which of the file's first rows holds the column names (a title above them can be taken
    for the header)."""

    row = forms.TypedChoiceField(
        label=_("Which row holds the column names?"),
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, rows: list[tuple[int, list[str]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["row"].choices = [
            (
                number,
                _("Row %(n)s: %(cells)s")
                % {
                    "n": number,
                    "cells": _cells_shown(cells),
                },
            )
            for number, cells in rows
        ]


NO_COUNTRY = "-"  # the choice for a value such as "EU" or "diverse"


class CountryMapForm(forms.Form):
    """One choice per country value the engine did not know: which country it means."""

    def __init__(self, *args, unknown: list[dict], **kwargs):
        from django_countries import countries

        super().__init__(*args, **kwargs)
        first = [
            ("", _("— choose a country —")),
            (NO_COUNTRY, _("no single country (origin unknown)")),
        ]
        every = list(countries)
        self.values = []
        for i, item in enumerate(unknown):
            key = f"country_{i}"
            suggestions = item.get("suggestions") or []
            regions = item.get("regions") or []  # none in uploads read by earlier versions
            # the close matches on top of the list, as a keyboard reaches them first
            close = [(c, countries.name(c)) for c in suggestions]
            self.fields[key] = forms.ChoiceField(
                label=item["value"],
                choices=[*first, (_("Close matches"), close), (_("All countries"), every)]
                if close
                else [*first, *every],
                initial=item.get("preselect") or "",
            )
            if suggestions:  # the close matches, read with the choice (countries.html)
                self.fields[key].widget.attrs["aria-describedby"] = f"id_{key}_close"
            self.fields[key].item = {
                **item,
                "region_names": [country_label(c) for c in suggestions if c in regions],
                "suggestion_names": [country_label(c) for c in suggestions if c not in regions],
            }
            self.values.append((key, item))

    def country_map(self) -> dict[str, str]:
        """{value: ISO-2}, with "" for a value that names no single country."""
        return {
            item["value"]: "" if self.cleaned_data[key] == NO_COUNTRY else self.cleaned_data[key]
            for key, item in self.values
        }


class SynonymForm(forms.Form):
    """A word of the company's own for a commodity, taught from the preview's unmatched lines."""

    text = forms.CharField(
        label=_("Word in your descriptions"),
        max_length=120,
        help_text=_("For example “glimmer”; end it in * for every word that starts so."),
    )
    commodity = forms.ChoiceField(label=_("means"))

    def __init__(self, *args, commodities: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commodity"].choices = [
            ("", _("— choose a commodity —")),
            *sorted(commodities.items(), key=lambda item: item[1].lower()),
        ]

    def commodity_label(self) -> str:
        return dict(self.fields["commodity"].choices).get(self.cleaned_data["commodity"], "")
