"""Secretariat pages of the monitoring: indicators, figures of earlier years, the trend."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from covenant.accounts.access import Perm
from covenant.accounts.decorators import covenant_permission
from covenant.lib.forms import ModelFieldsForm, add_service_errors
from covenant.monitoring import selectors, services
from covenant.monitoring.models import Indicator


class IndicatorForm(ModelFieldsForm):
    model = Indicator
    model_fields = services.INDICATOR_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang_key = "en"
        self.fields["element"] = forms.ChoiceField(
            label=gettext_lazy("Policy element (for “policy element present”)"),
            required=False,
            choices=[("", "—")] + [(e["code"], e[lang_key]) for e in services.policy_elements()],
        )


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled-in template (.xlsx)"))


@covenant_permission(Perm.MONITORING_MANAGE)
def indicators(request, covenant):
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_save(covenant=covenant, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The indicator “%(name)s” was added.") % {"name": indicator.name_en}
            )
            return redirect("monitoring-indicators", slug=covenant.slug)
    return render(
        request,
        "monitoring/indicators.html",
        {
            "covenant": covenant,
            "indicators": covenant.indicators.all(),
            "form": form,
        },
    )


@covenant_permission(Perm.MONITORING_MANAGE)
def indicator_edit(request, covenant, pk: int):
    indicator = get_object_or_404(covenant.indicators, pk=pk)
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_save(covenant=covenant, indicator=indicator, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The indicator was saved."))
            return redirect("monitoring-indicators", slug=covenant.slug)
    return render(
        request,
        "monitoring/indicator_edit.html",
        {"covenant": covenant, "indicator": indicator, "form": form},
    )


@covenant_permission(Perm.MONITORING_MANAGE)
def history(request, covenant):
    if request.GET.get("template"):
        response = HttpResponse(
            services.history_template(covenant=covenant),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{covenant.slug}-history.xlsx"'
        return response
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            count = services.history_import(covenant=covenant, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("%(n)s figures were imported.") % {"n": count})
            return redirect("monitoring-trend", slug=covenant.slug)
    return render(
        request, "monitoring/history.html", {"covenant": covenant, "form": form, "errors": errors}
    )


@covenant_permission(Perm.MONITORING_FIGURES)
def trend(request, covenant):
    years, rows = selectors.figure_trend(covenant=covenant, fetched_by=request.user)
    return render(
        request,
        "monitoring/trend.html",
        {
            "covenant": covenant,
            "years": years,
            "rows": rows,
            "manage": request.access.has(Perm.MONITORING_MANAGE),
        },
    )
