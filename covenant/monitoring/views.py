"""Pages of the yearly monitoring: cycles and figures, the company's parts, reviews."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from covenant.accounts.access import Perm, access_for
from covenant.accounts.decorators import covenant_permission, object_scoped_login
from covenant.accounts.models import Role
from covenant.activities.models import Activity
from covenant.lib.forms import add_service_errors
from covenant.lib.spreadsheet import xlsx_bytes
from covenant.monitoring import charts, selectors, services
from covenant.monitoring.forms import (
    ActionForm,
    AssessmentForm,
    CycleCloseForm,
    CycleOpenForm,
    PolicyForm,
    ReopenForm,
    ReviewForm,
    RiskForm,
)
from covenant.monitoring.models import OECD_STEPS, Action, Part, RiskItem


@covenant_permission(Perm.MONITORING_FIGURES)
def cycles(request, covenant):
    cycle_list = list(selectors.cycle_list(covenant=covenant))
    manage = request.access.has(Perm.MONITORING_MANAGE)
    form = None
    if manage:
        services.questionnaire_load_standard()  # the standard version is always there
        taken = {c.year_id for c in cycle_list}
        free = [y for y in covenant.years.order_by("number") if y.pk not in taken]
        form = CycleOpenForm(request.POST or None, years=free)
        if request.method == "POST" and form.is_valid():
            year = covenant.years.get(number=form.cleaned_data["year"])
            try:
                services.cycle_open(
                    covenant=covenant,
                    year=year,
                    deadline=form.cleaned_data["deadline"],
                    questionnaire=form.cleaned_data["questionnaire"],
                    target_score=form.cleaned_data["target_score"],
                    reminder_days=form.cleaned_data["reminder_days"],
                    user=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("The monitoring of year %(n)s is open.") % {"n": year.number}
                )
                return redirect("monitoring-dashboard", slug=covenant.slug, number=year.number)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "monitoring/cycles.html",
        {
            "covenant": covenant,
            "cycles": cycle_list,
            "form": form,
            "manage": manage,
            "is_company": request.access.has(Perm.MONITORING_SUBMIT),
        },
        status=400 if form is not None and form.errors else 200,
    )


MATRIX_PAGE_SIZE = 50  # rows of the submissions matrix per page
FIGURE_NAMES_ALL = 15  # up to this many companies are all named next to a figure;
FIGURE_NAMES_SHOWN = 10  # beyond it, this many, and the rest on the figure's page


def _matrix_choices() -> list[tuple[str, str]]:
    return [
        ("all", _("all companies")),
        ("to_review", _("with a part to review")),
        ("needs_improvement", _("with a part that needs improvement")),
        ("not_delivered", _("with a part not delivered")),
        ("late", _("with a part delivered late")),
    ]


def _dashboard_context(request, covenant, cycle, manage: bool, today, show: str, page) -> dict:
    figures = selectors.figure_list(cycle=cycle, fetched_by=request.user)
    context = {
        "covenant": covenant,
        "cycle": cycle,
        "figures": figures,
        "manage": manage,
        "population": selectors.cycle_population(cycle=cycle),
    }
    if manage:
        matrix = selectors.status_matrix(cycle=cycle)
        names = {org.pk: org.name for org, _m, _p in matrix}
        for row in figures:
            ids = row.organisation_ids
            named = ids if len(ids) <= FIGURE_NAMES_ALL else ids[:FIGURE_NAMES_SHOWN]
            row.companies = [names.get(pk, "?") for pk in named]
            row.more = len(ids) - len(named)
        shown = selectors.matrix_filter(matrix, show)
        paginator = Paginator(shown, MATRIX_PAGE_SIZE)
        rows = paginator.get_page(page)
        context.update(
            {
                "matrix": rows,
                "matrix_total": len(matrix),
                "show": show,
                "show_choices": _matrix_choices(),
                "kinds": Part.Kind.choices,
                "overdue": [
                    (org, part)
                    for org, _monitored, parts in matrix
                    for part in parts.values()
                    if part is not None and not part.is_delivered and today > cycle.deadline
                ],
            }
        )
    return context


@covenant_permission(Perm.MONITORING_FIGURES)
def dashboard(request, covenant, number: int):
    cycle = selectors.cycle_get(covenant=covenant, number=number)
    manage = request.access.has(Perm.MONITORING_MANAGE)
    today = timezone.localdate()
    show = request.GET.get("show", "all")
    show = show if show in selectors.MATRIX_FILTERS else "all"
    page = request.GET.get("page", "1")
    page = page if page.isdigit() else "1"
    # The figures and the matrix are the same for every viewer of one kind until the data
    # changes: they are rendered once and cached under a fingerprint of what they rest on.
    # The kind holds both what decides the page (managing: the matrix and names) and what
    # decides the figures' disclosure (being of the secretariat, see selectors.figure_list).
    kind = f"{int(manage)}{int(request.access.has_kind(Role.Kind.SECRETARIAT))}:" + (
        f"{show}:{page}" if manage else ""
    )
    fingerprint = ":".join(
        [selectors.cycle_stamp(cycle=cycle), get_language() or "", kind, str(today)]
    )
    key = f"monitoring-dashboard:{cycle.pk}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
    cache = caches["dashboards"]
    body = cache.get(key)
    if body is None:
        body = render_to_string(
            "monitoring/_dashboard_body.html",
            _dashboard_context(request, covenant, cycle, manage, today, show, page),
            request=request,
        )
        cache.set(key, body, 3600)
    context = {"covenant": covenant, "cycle": cycle, "manage": manage, "body": body}
    return render(request, "monitoring/dashboard.html", context)


@covenant_permission(Perm.MONITORING_MANAGE)
def figure_companies(request, covenant, number: int, code: str):
    """The companies counted in one figure of the cycle (the secretariat only)."""
    cycle = selectors.cycle_get(covenant=covenant, number=number)
    figures = selectors.figure_list(cycle=cycle, fetched_by=request.user)
    row = next((r for r in figures if r.indicator.code == code), None)
    if row is None:
        raise Http404
    counted = set(row.organisation_ids)
    matrix = selectors.status_matrix(cycle=cycle)
    return render(
        request,
        "monitoring/figure.html",
        {
            "covenant": covenant,
            "cycle": cycle,
            "row": row,
            "counted": [org for org, _m, _p in matrix if org.pk in counted],
            "others": [org for org, _m, _p in matrix if org.pk not in counted],
        },
    )


@covenant_permission(Perm.MONITORING_MANAGE)
def export(request, covenant, number: int):
    cycle = selectors.cycle_get(covenant=covenant, number=number)
    figures = selectors.figure_list(cycle=cycle, fetched_by=request.user)
    matrix = selectors.status_matrix(cycle=cycle)
    names = {org.pk: org.name for org, _m, _p in matrix}
    figure_rows = [[_("Indicator"), _("Numerator"), _("Denominator"), _("Value"), _("Companies")]]
    for row in figures:
        f = row.figure
        figure_rows.append(
            [
                row.name,
                f.numerator,
                f.denominator,
                f.value,
                ", ".join(names.get(pk, "?") for pk in row.organisation_ids),
            ]
        )
    status_rows = [[_("Company"), _("Monitored"), *[str(label) for _v, label in Part.Kind.choices]]]
    for org, monitored, parts in matrix:
        status_rows.append(
            [
                org.name,
                _("yes") if monitored else _("joined this year"),
                *[p.get_status_display() if p else "—" for p in parts.values()],
            ]
        )
    body = xlsx_bytes({_("Figures"): figure_rows, _("Status"): status_rows})
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{covenant.slug}-monitoring-{cycle.year.label}.xlsx"'
    )
    return response


@covenant_permission(Perm.MONITORING_MANAGE)
def close(request, covenant, number: int):
    """Close the cycle in two steps: a page saying what closing does and what is still open,
    with the closing date, then its POST."""
    cycle = selectors.cycle_get(covenant=covenant, number=number)
    if cycle.is_closed:
        messages.info(request, services.MSG_CLOSED_ALREADY)
        return redirect("monitoring-dashboard", slug=covenant.slug, number=number)
    form = CycleCloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_close(
                cycle=cycle, user=request.user, closed_on=form.cleaned_data["closed_on"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The monitoring of year %(n)s is closed and its figures are frozen.")
                % {"n": number},
            )
            return redirect("monitoring-dashboard", slug=covenant.slug, number=number)
    return render(
        request,
        "monitoring/close.html",
        {
            "covenant": covenant,
            "cycle": cycle,
            "form": form,
            "open_work": selectors.cycle_open_work(cycle=cycle),
        },
        status=400 if form.errors else 200,
    )


@covenant_permission(Perm.MONITORING_SUBMIT)
def my_submission(request, covenant):
    access = request.access
    companies = [r.organisation for r in access.roles if r.kind == "company" and r.organisation]
    cycle_list = list(selectors.cycle_list(covenant=covenant))
    for c in cycle_list:
        c.covenant = covenant  # the instance already loaded, not one query more
    number = request.GET.get("year")
    cycle = next((c for c in cycle_list if str(c.year.number) == number), None)
    if cycle is None:
        open_cycles = [c for c in cycle_list if not c.is_closed]
        cycle = (open_cycles or cycle_list or [None])[-1]
    parts = []
    if cycle is not None:
        parts = list(selectors.part_list(cycle=cycle, fetched_by=request.user).order_by("kind"))
        order = list(Part.Kind)
        parts.sort(key=lambda p: order.index(p.kind))
    return render(
        request,
        "monitoring/my_submission.html",
        {
            "covenant": covenant,
            "cycle": cycle,
            "cycles": cycle_list,
            "parts": parts,
            "companies": companies,
            "today": timezone.localdate(),
        },
    )


def can_edit_part(part: Part, user) -> bool:
    """Return whether the user may change the part now (its own company, while open)."""
    return _can_edit(part, user)


def _can_edit(part: Part, user) -> bool:
    """Return whether the user is a member of the part's company and the services let the
    company change the part now (the same rule refuses the API and screening adoption)."""
    access = access_for(user, part.cycle.covenant)
    own = any(
        r.kind == "company" and r.organisation_id == part.organisation_id for r in access.roles
    )
    return own and access.has(Perm.MONITORING_SUBMIT) and services.part_is_editable(part=part)


def _item_of(part: Part, code: str | None):
    """Return the part's risk or measure with this code, or None when there is none."""
    items = {Part.Kind.RISK_ANALYSIS: part.risks, Part.Kind.ACTION_PLAN: part.actions}
    if not code or part.kind not in items:
        return None
    try:
        return items[part.kind].filter(code=uuid.UUID(code)).first()
    except ValueError:
        return None


def _risk_form(part: Part, data=None, item: RiskItem | None = None) -> RiskForm:
    """Return the form to add a risk, or to change `item` (with the part's version)."""
    return RiskForm(data, instance=item, version=part.version if item else None)


def _action_form(part: Part, data=None, item: Action | None = None) -> ActionForm:
    """Return the form to add a measure, or to change `item` (with the part's version)."""
    return ActionForm(
        data,
        instance=item,
        version=part.version if item else None,
        risks=selectors.measure_risk_choices(part=part, keep=item.risk_id if item else None),
        projects=Activity.objects.filter(covenant=part.cycle.covenant, kind="project"),
    )


def _part_context(request, part: Part, form=None, editing=None) -> dict:
    access = access_for(request.user, part.cycle.covenant)
    manage = access.has(Perm.MONITORING_MANAGE)
    editable = _can_edit(part, request.user)
    context = {
        "part": part,
        "cycle": part.cycle,
        "covenant": part.cycle.covenant,
        "editable": editable,
        "editing": editing if editable else None,
        "manage": manage,
        "events": part.events.select_related("user")[:50],
        "review_form": ReviewForm() if manage and part.status == Part.Status.SUBMITTED else None,
        "reopen_form": ReopenForm() if manage and part.cycle.is_closed else None,
        "evidence_required": services.evidence_required(part),
    }
    if part.kind == Part.Kind.POLICY:
        elements = services.policy_elements()
        initial = {**part.data, "version": part.version}
        context["form"] = form or PolicyForm(initial=initial, elements=elements)
        labels = {e["code"]: e for e in elements}
        context["element_labels"] = [
            labels[c] for c in part.data.get("elements", []) if c in labels
        ]
    elif part.kind == Part.Kind.SELF_ASSESSMENT:
        questions = list(part.cycle.questionnaire.questions.all())
        answers = {a.question_id: a for a in part.answers.all()}
        context["form"] = form or AssessmentForm(
            initial={"version": part.version}, questions=questions, answers=answers
        )
        names = dict(OECD_STEPS)
        context["step_scores"] = [
            (int(step), names.get(int(step), ""), score)
            for step, score in sorted(part.data.get("step_scores", {}).items())
        ]
        context["answers"] = list(part.answers.select_related("question"))
        context["history"] = selectors.score_history(part=part)
        context["peers"] = selectors.peer_scores(part=part)
        context["score_chart"] = charts.score_chart(
            context["history"], context["peers"], part.cycle.target_score
        )
    elif part.kind == Part.Kind.RISK_ANALYSIS:
        context["risks"] = list(part.risks.select_related("finding"))
        context["form"] = form or _risk_form(part, item=editing)
        context["matrix"] = selectors.risk_matrix(part=part)
        context["matrix_chart"] = charts.risk_matrix_chart(context["matrix"])
    elif part.kind == Part.Kind.ACTION_PLAN:
        context["actions"] = list(part.actions.select_related("risk", "project"))
        context["form"] = form or _action_form(part, item=editing)
    return context


@object_scoped_login
def part_detail(request, code):
    """A part: read, or changed by its company (`?edit=<item code>` opens a risk or measure
    in the form; the form posts it back as `item`)."""
    part = selectors.part_get(code=code, fetched_by=request.user)
    form = None
    posted = request.method == "POST"
    editing = _item_of(part, request.POST.get("item") if posted else request.GET.get("edit"))
    if posted:
        if not _can_edit(part, request.user):
            raise PermissionDenied
        if request.POST.get("item") and editing is None:  # removed by someone meanwhile
            messages.error(request, services.MSG_STALE)
            return redirect("monitoring-part", code=part.code)
        form = _handle_part_post(request, part, editing)
        if form is None:
            return redirect("monitoring-part", code=part.code)
    return render(
        request,
        "monitoring/part.html",
        _part_context(request, part, form=form, editing=editing),
        status=400 if form is not None and form.errors else 200,
    )


def _handle_part_post(request, part: Part, item=None):
    """Save (or submit) the part from the POST, changing `item` when given; return the form
    to show again with its errors, or None when done (what happened is in the messages)."""
    user = request.user
    submit = "submit" in request.POST
    form = None
    try:
        if part.kind == Part.Kind.POLICY:
            form = PolicyForm(request.POST, request.FILES, elements=services.policy_elements())
            if not form.is_valid():
                return form
            data = form.cleaned_data
            services.policy_save(
                part=part,
                user=user,
                published=data["published"],
                url=data["url"],
                date=data["date"],
                elements=data["elements"],
                document=data.get("document"),
                expected_version=data.get("version"),
            )
        elif part.kind == Part.Kind.SELF_ASSESSMENT:
            questions = list(part.cycle.questionnaire.questions.all())
            form = AssessmentForm(request.POST, request.FILES, questions=questions, answers={})
            if not form.is_valid():
                return form
            services.assessment_save(
                part=part,
                user=user,
                answers=form.answers(),
                expected_version=form.cleaned_data.get("version"),
            )
        elif part.kind == Part.Kind.RISK_ANALYSIS and not submit:
            form = _risk_form(part, request.POST, item)
            if not form.is_valid():
                return form
            fields = dict(form.cleaned_data)
            version = fields.pop("version")
            services.risk_save(part=part, user=user, risk=item, expected_version=version, **fields)
        elif part.kind == Part.Kind.ACTION_PLAN and not submit:
            form = _action_form(part, request.POST, item)
            if not form.is_valid():
                return form
            fields = dict(form.cleaned_data)
            version = fields.pop("version")
            services.action_save(
                part=part, user=user, action=item, expected_version=version, **fields
            )
        if submit:
            services.part_submit(part=part, user=user)
            messages.success(
                request, _("Your %(part)s was submitted.") % {"part": part.get_kind_display()}
            )
        else:
            messages.success(request, _("Saved as a draft."))
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            # A problem with a field (a file of the wrong type, a missing reason): show the
            # form again as it was filled in, with the message on that field.
            add_service_errors(form, exc)
            return form
        # A problem with the part as a whole (someone else saved it, incomplete on submit).
        messages.error(request, " ".join(exc.messages))
    return None


@object_scoped_login
@require_POST
def part_review(request, code):
    part = selectors.part_get(code=code, fetched_by=request.user)
    if not access_for(request.user, part.cycle.covenant).has(Perm.MONITORING_MANAGE):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.part_review(
                part=part,
                user=request.user,
                accepted=form.cleaned_data["decision"] == "accept",
                feedback=form.cleaned_data["feedback"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The review was saved and the company informed."))
    else:
        messages.error(request, _("Choose accept or needs improvement."))
    return redirect("monitoring-part", code=part.code)


@object_scoped_login
@require_POST
def part_reopen(request, code):
    part = selectors.part_get(code=code, fetched_by=request.user)
    if not access_for(request.user, part.cycle.covenant).has(Perm.MONITORING_MANAGE):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        services.part_reopen(part=part, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The part was reopened for the company."))
    else:
        messages.error(request, _("Give the reason for reopening."))
    return redirect("monitoring-part", code=part.code)


@object_scoped_login
@require_POST
def item_delete(request, code, item):
    part = selectors.part_get(code=code, fetched_by=request.user)
    if not _can_edit(part, request.user):
        raise PermissionDenied
    try:
        if part.kind == Part.Kind.RISK_ANALYSIS:
            services.risk_delete(
                part=part, risk=get_object_or_404(part.risks, code=item), user=request.user
            )
        elif part.kind == Part.Kind.ACTION_PLAN:
            services.action_delete(
                part=part, action=get_object_or_404(part.actions, code=item), user=request.user
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Removed."))
    return redirect("monitoring-part", code=part.code)


@object_scoped_login
def part_file(request, code, answer: int = 0):
    """Serve a part's policy document or an answer's evidence to those who may see the part."""
    part = selectors.part_get(code=code, fetched_by=request.user)
    file = get_object_or_404(part.answers, pk=answer).evidence if answer else part.policy_document
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])
