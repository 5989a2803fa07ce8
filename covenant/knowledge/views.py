"""Pages of the risk knowledge base: search, commodities, countries, sources (everyone logged
in), and the curation of facts with their history (the secretariat of any covenant)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from covenant.accounts.access import Perm
from covenant.accounts.decorators import Policy, authenticated
from covenant.knowledge import selectors, services
from covenant.knowledge.forms import (
    CompositionForm,
    RemoveForm,
    RiskForm,
    ShareForm,
    SynonymForm,
)
from covenant.knowledge.models import Commodity, FactChange
from covenant.lib.countries import country_label
from covenant.lib.forms import add_service_errors

K = FactChange.Kind
# kind → (form, create service, update service and its keyword for the fact)
CURATION = {
    K.RISK: (RiskForm, services.documented_risk_create, services.documented_risk_update, "risk"),
    K.SHARE: (
        ShareForm, services.production_share_create, services.production_share_update,
        "production_share",
    ),
    K.COMPOSITION: (
        CompositionForm, services.composition_create, services.composition_update, "composition",
    ),
    K.SYNONYM: (SynonymForm, services.synonym_create, services.synonym_update, "synonym"),
}  # fmt: skip


def curator(view):
    """Any logged-in user reaches the view; only curators (`KNOWLEDGE_CURATE` in any of
    their covenants: the secretariat) use it, others get 403."""

    @functools.wraps(view)
    def check(request, *args, **kwargs):
        if not selectors.can_curate(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper = authenticated(check)
    wrapper.access_policy = Policy("authenticated", Perm.KNOWLEDGE_CURATE)
    return wrapper


@authenticated
def home(request):
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "hits": selectors.commodity_search(query) if query else None,
        # in the page's language's alphabet (the names are English-sorted in the database)
        "commodities": sorted(selectors.commodity_list(), key=lambda c: c.name.casefold()),
        "can_curate": selectors.can_curate(request.user),
    }
    template = "knowledge/home.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@authenticated
def commodity(request, code):
    item = selectors.commodity_get(code=code)
    can_curate = selectors.can_curate(request.user)
    context = {
        "facts": selectors.commodity_facts(commodity=item),
        "commodity": item,
        "can_curate": can_curate,
        "changes": selectors.changes_of_commodity(commodity=item) if can_curate else [],
    }
    return render(request, "knowledge/commodity.html", context)


@authenticated
def country(request, iso2):
    code, name = selectors.country_get(iso2=iso2)
    if code != iso2:
        return redirect("knowledge-country", iso2=code)
    can_curate = selectors.can_curate(request.user)
    context = {
        "code": code,
        "name": name,
        "label": country_label(code),
        "governance": selectors.governance_of_country(iso2=code),
        "production": selectors.production_of_country(iso2=code),
        "risks": list(selectors.risks_of_country(iso2=code)),
        "can_curate": can_curate,
        "changes": selectors.changes_of_country(iso2=code) if can_curate else [],
    }
    return render(request, "knowledge/country.html", context)


@authenticated
def sources(request):
    return render(request, "knowledge/sources.html", {"sources": selectors.source_list()})


def _initial(request, kind: str) -> dict:
    """Prefill a new fact from the page it was started on (?commodity=tin&country=BO)."""
    initial = {}
    code = request.GET.get("commodity") or request.GET.get("alloy")
    found = Commodity.objects.filter(code=code).first() if code else None
    if found is not None:
        initial["alloy" if kind == K.COMPOSITION else "commodity"] = found.pk
    country_code = request.GET.get("country", "")[:2].upper()
    if country_code:
        initial["country"] = country_code
    return initial


def _back_to(fact):
    commodity = getattr(fact, "commodity", None) or getattr(fact, "alloy", None)
    if commodity is not None:
        return redirect("knowledge-commodity", code=commodity.code)
    return redirect("knowledge-country", iso2=str(fact.country))


@curator
def fact_new(request, fact_kind):
    if fact_kind not in CURATION:
        raise Http404
    form_class, create, _update, _keyword = CURATION[fact_kind]
    form = form_class(request.POST or None, initial=_initial(request, fact_kind))
    if request.method == "POST" and form.is_valid():
        try:
            fact = create(user=request.user, **form.source_args(), **form.fact_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The fact was added with its source."))
            return _back_to(fact)
    return render(
        request,
        "knowledge/fact_form.html",
        {"form": form, "kind_label": K(fact_kind).label, "fact": None, "history": []},
    )


@curator
def fact_edit(request, fact_kind, fact):
    item = selectors.fact_get(kind=fact_kind, pk=fact)
    form_class, _create, update, keyword = CURATION[fact_kind]
    form = form_class(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            update(
                **{keyword: item},
                user=request.user,
                **form.source_args(),
                **form.fact_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The correction was saved; the history keeps both."))
            return _back_to(item)
    context = {
        "form": form,
        "kind_label": K(fact_kind).label,
        "fact": item,
        "fact_kind": fact_kind,
        "history": list(selectors.fact_history(kind=fact_kind, pk=item.pk)),
    }
    return render(request, "knowledge/fact_form.html", context)


@curator
def fact_remove(request, fact_kind, fact):
    """Confirm, with a reason, and remove a wrong fact; the history keeps it."""
    item = selectors.fact_get(kind=fact_kind, pk=fact)
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        back = _back_to(item)
        try:
            services.fact_remove(
                kind=fact_kind, fact=item, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The fact was removed; the history keeps it."))
            return back
    context = {
        "form": form,
        "kind_label": K(fact_kind).label,
        "fact": item,
        "fact_kind": fact_kind,
        "used_by": selectors.fact_use(kind=fact_kind, fact=item, fetched_by=request.user),
        "leaves_alloy_bare": selectors.leaves_alloy_bare(kind=fact_kind, fact=item),
        "in_words": selectors.fact_in_words(
            kind=fact_kind, fact=item, order=CURATION[fact_kind][0].model_fields
        ),
    }
    return render(
        request, "knowledge/fact_remove.html", context, status=400 if form.errors else 200
    )
