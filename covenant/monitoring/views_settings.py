"""Secretariat pages of the monitoring: a cycle's settings, indicators, figures of earlier
years, the trend."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from covenant.accounts.access import Perm
from covenant.accounts.decorators import covenant_permission, object_scoped_login
from covenant.covenants.models import Organisation
from covenant.lib.forms import ModelFieldsForm, add_service_errors
from covenant.monitoring import selectors, services
from covenant.monitoring import selectors as monitoring_selectors
from covenant.monitoring.forms import CycleSettingsForm
from covenant.monitoring.models import Indicator, Part, SizeRule
from covenant.monitoring.views import can_edit_part


class IndicatorForm(ModelFieldsForm):
    model = Indicator
    model_fields = services.INDICATOR_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang_key = "en" if (get_language() or "nl").startswith("en") else "nl"
        self.fields["element"] = forms.ChoiceField(
            label=gettext_lazy("Policy element (for “policy element present”)"),
            required=False,
            choices=[("", "—")] + [(e["code"], e[lang_key]) for e in services.policy_elements()],
        )


@covenant_permission(Perm.MONITORING_MANAGE)
def cycle_settings(request, covenant, number: int):
    """The deadline, target score and reminder days of a cycle, changed while it is open."""
    cycle = monitoring_selectors.cycle_get(covenant=covenant, number=number)
    current = {
        "deadline": cycle.deadline,
        "target_score": cycle.target_score,
        "reminder_days": cycle.reminder_days,
    }
    form = CycleSettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The settings of the cycle were saved."))
            return redirect("monitoring-dashboard", slug=covenant.slug, number=number)
    return render(
        request,
        "monitoring/cycle_settings.html",
        {"covenant": covenant, "cycle": cycle, "form": form},
        status=400 if form.errors else 200,
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
            if hasattr(exc, "error_dict"):  # the file as a whole: its type, size, or rows
                add_service_errors(form, exc)
            else:
                errors = exc.messages
        else:
            messages.success(request, _("%(n)s figures were imported.") % {"n": count})
            return redirect("monitoring-trend", slug=covenant.slug)
    return render(
        request,
        "monitoring/history.html",
        {"covenant": covenant, "form": form, "errors": errors},
        status=400 if errors or form.errors else 200,
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


class RiskImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Risk register (.xlsx)"))


@object_scoped_login
def risk_register(request, code):
    """Export a risk register to Excel, or import one (the company, while it may edit)."""
    part = monitoring_selectors.part_get(code=code, fetched_by=request.user)
    if part.kind != Part.Kind.RISK_ANALYSIS:
        raise Http404
    if request.method == "GET":
        response = HttpResponse(
            services.risk_register_xlsx(part=part),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="risk-register-{part.cycle.year.label}.xlsx"'
        )
        return response
    if not can_edit_part(part, request.user):
        raise PermissionDenied
    form = RiskImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an Excel file."))
    else:
        try:
            count = services.risk_register_import(
                part=part, user=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            if isinstance(exc, services.RowErrors):
                messages.error(
                    request,
                    _("Nothing was imported. Fix these rows and upload the file again:")
                    + " "
                    + " ".join(exc.messages),
                )
            else:  # the part is locked, or the file as a whole: its type, size, columns
                messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)s risks were added.") % {"n": count})
    return redirect("monitoring-part", code=part.code)


@covenant_permission(Perm.MONITORING_MANAGE)
def size_rules(request, covenant):
    """Lighter requirements by size class: evidence for answers above level 1."""
    rule = covenant.size_rules.filter(rule=SizeRule.Rule.EVIDENCE_ABOVE_LEVEL_1).first()
    current = [c for c in (rule.size_classes.split(",") if rule else []) if c]
    form = SizeRuleForm(request.POST or None, initial={"size_classes": current})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["size_classes"]
        if chosen:
            SizeRule.objects.update_or_create(
                covenant=covenant,
                rule=SizeRule.Rule.EVIDENCE_ABOVE_LEVEL_1,
                defaults={"size_classes": ",".join(chosen)},
            )
        else:
            covenant.size_rules.filter(rule=SizeRule.Rule.EVIDENCE_ABOVE_LEVEL_1).delete()
        messages.success(request, _("The requirements were saved."))
        return redirect("monitoring-indicators", slug=covenant.slug)
    return redirect("monitoring-indicators", slug=covenant.slug)


class SizeRuleForm(forms.Form):
    size_classes = forms.MultipleChoiceField(
        label=gettext_lazy("Evidence required for self-assessment answers above level 1 from"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(v, label) for v, label in Organisation.SizeClass.choices if v],
    )


@covenant_permission(Perm.MONITORING_MANAGE)
def company_figures(request, covenant, number: int):
    """The numbers per company (employees, turnover, volume) that weighted indicators use."""
    from decimal import Decimal, InvalidOperation

    cycle = monitoring_selectors.cycle_get(covenant=covenant, number=number)
    population = monitoring_selectors.cycle_population(cycle=cycle)
    current = {f.organisation_id: f for f in cycle.company_figures.all()}
    errors = []
    if request.method == "POST":
        rows = []
        for org in population.members_end:
            values = {}
            for name, kind in (("employees", int), ("turnover", Decimal), ("volume", Decimal)):
                raw = request.POST.get(f"{name}-{org.pk}", "").strip().replace(",", ".")
                try:
                    values[name] = kind(raw) if raw else None
                except (ValueError, InvalidOperation):
                    errors.append(_("%(org)s: “%(v)s” is not a number.") % {"org": org, "v": raw})
            rows.append((org, values))
        if not errors:
            try:
                with transaction.atomic():
                    for org, values in rows:
                        services.company_figures_set(cycle=cycle, organisation=org, **values)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("The numbers were saved."))
                return redirect("monitoring-company-figures", slug=covenant.slug, number=number)
    rows = [(org, current.get(org.pk)) for org in population.members_end]
    return render(
        request,
        "monitoring/company_figures.html",
        {
            "covenant": covenant,
            "cycle": cycle,
            "rows": rows,
            "errors": errors,
            "post": request.POST if request.method == "POST" else None,
        },
    )
