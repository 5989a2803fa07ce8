"""Pages of covenants: public pages, and the secretariat's management pages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from covenant.accounts.access import Perm
from covenant.accounts.decorators import covenant_permission, public
from covenant.activities import selectors as activity_selectors
from covenant.covenants import selectors, services
from covenant.covenants.forms import (
    CovenantSettingsForm,
    MembershipEditForm,
    MembershipForm,
    OrganisationForm,
    YearForm,
)
from covenant.covenants.models import Membership
from covenant.lib.forms import add_service_errors
from covenant.reports import selectors as report_selectors


@public
def covenant_list(request):
    return render(request, "covenants/covenant_list.html", {"covenants": selectors.covenant_list()})


@public
def covenant_detail(request, slug: str):
    covenant = selectors.covenant_get(slug=slug)
    years = selectors.covenant_year_list(covenant=covenant)
    current = selectors.covenant_current_year(
        covenant=covenant, years=years, today=timezone.localdate()
    )
    try:
        number = int(request.GET.get("year", current.number))
    except ValueError:
        number = current.number
    year = next((y for y in years if y.number == number), current)
    context = {
        "covenant": covenant,
        "years": years,
        "year": year,
        "groups": selectors.parties_by_kind(covenant=covenant, year=year.number),
        "changes": selectors.membership_changes(covenant=covenant),
        "public_activities": activity_selectors.activity_public_list(covenant=covenant).filter(
            start_date__gte=year.start, start_date__lte=year.end
        ),
        "reports": report_selectors.published_reports(covenant=covenant),
        "visits_this_year": activity_selectors.work_visit_counts(covenant=covenant).get(
            year.number, 0
        ),
    }
    template = "covenants/covenant_detail.html"
    if request.htmx:
        template += "#parties"
    return render(request, template, context)


@public
def organisation_detail(request, code):
    organisation = selectors.organisation_get_public(code=code)
    return render(request, "covenants/organisation_detail.html", {"organisation": organisation})


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_settings(request, covenant):
    form = CovenantSettingsForm(request.POST or None, instance=covenant)
    if request.method == "POST" and form.is_valid():
        try:
            services.covenant_update(covenant=covenant, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("covenants-manage-settings", slug=covenant.slug)
    return render(request, "covenants/manage_settings.html", {"covenant": covenant, "form": form})


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_years(request, covenant):
    if request.method == "POST":
        year = services.covenant_year_add(covenant=covenant)
        messages.success(request, _("Year %(number)s was added.") % {"number": year.number})
        return redirect("covenants-manage-years", slug=covenant.slug)
    years = selectors.covenant_year_list(covenant=covenant)
    return render(request, "covenants/manage_years.html", {"covenant": covenant, "years": years})


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_year_edit(request, covenant, number: int):
    year = get_object_or_404(covenant.years, number=number)
    form = YearForm(request.POST or None, instance=year)
    if request.method == "POST" and form.is_valid():
        try:
            services.covenant_year_update(year=year, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Year %(number)s was saved.") % {"number": number})
            return redirect("covenants-manage-years", slug=covenant.slug)
    return render(
        request,
        "covenants/manage_year_edit.html",
        {"covenant": covenant, "year": year, "form": form},
    )


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_organisations(request, covenant):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation, created = services.organisation_add(
                covenant=covenant, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, _("%(name)s was added.") % {"name": organisation})
            else:
                messages.info(
                    request,
                    _("%(name)s already existed on this instance and is now listed here too.")
                    % {"name": organisation},
                )
            return redirect("covenants-manage-organisations", slug=covenant.slug)
    organisations = selectors.organisation_list(covenant=covenant, fetched_by=request.user)
    return render(
        request,
        "covenants/manage_organisations.html",
        {"covenant": covenant, "organisations": organisations, "form": form},
    )


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_organisation_edit(request, covenant, code):
    organisation = get_object_or_404(
        selectors.organisation_list(covenant=covenant, fetched_by=request.user), code=code
    )
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": organisation})
            return redirect("covenants-manage-organisations", slug=covenant.slug)
    return render(
        request,
        "covenants/manage_organisation_edit.html",
        {"covenant": covenant, "organisation": organisation, "form": form},
    )


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_memberships(request, covenant):
    form = MembershipForm(request.POST or None, covenant=covenant)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_create(covenant=covenant, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is a member from year %(year)s.")
                % {"name": membership.organisation, "year": membership.joined_in_year},
            )
            return redirect("covenants-manage-memberships", slug=covenant.slug)
    return render(
        request,
        "covenants/manage_memberships.html",
        {
            "covenant": covenant,
            "memberships": selectors.membership_list(covenant=covenant),
            "form": form,
        },
    )


@covenant_permission(Perm.COVENANT_MANAGE)
def manage_membership_edit(request, covenant, code):
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "covenant"), covenant=covenant, code=code
    )
    form = MembershipEditForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(membership=membership, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            membership.refresh_from_db()
        else:
            messages.success(
                request,
                _("The membership of %(name)s was saved.") % {"name": membership.organisation},
            )
            return redirect("covenants-manage-memberships", slug=covenant.slug)
    return render(
        request,
        "covenants/manage_membership_edit.html",
        {"covenant": covenant, "membership": membership, "form": form},
    )
