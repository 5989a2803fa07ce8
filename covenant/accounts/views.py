"""Pages of accounts: home, people of a covenant, invitations and API tokens."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from covenant.accounts import selectors, services
from covenant.accounts.access import Perm
from covenant.accounts.decorators import authenticated, covenant_permission, public
from covenant.accounts.forms import AcceptInvitationForm, ApiTokenForm, InvitationForm
from covenant.accounts.models import User
from covenant.lib.forms import add_service_errors


@authenticated
def home(request):
    covenants = [
        {"covenant": covenant, "roles": roles, "perms": selectors.permissions_of_roles(roles)}
        for covenant, roles in selectors.roles_by_covenant(user=request.user).items()
    ]
    return render(request, "accounts/home.html", {"covenants": covenants, "Perm": Perm})


@covenant_permission(Perm.PEOPLE_MANAGE)
def people(request, covenant):
    form = InvitationForm(request.POST or None, covenant=covenant)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                covenant=covenant, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts-people", slug=covenant.slug)
    context = {
        "covenant": covenant,
        "roles": selectors.role_list(covenant=covenant, fetched_by=request.user),
        "invitations": selectors.invitation_list(covenant=covenant, fetched_by=request.user)[:50],
        "form": form,
    }
    return render(request, "accounts/people.html", context)


@covenant_permission(Perm.PEOPLE_MANAGE)
@require_POST
def role_revoke(request, covenant, pk: int):
    role = selectors.role_get(covenant=covenant, pk=pk, fetched_by=request.user)
    if role.user_id == request.user.pk and role.kind == role.Kind.SECRETARIAT:
        messages.error(request, _("You cannot take away your own secretariat role."))
    else:
        services.role_revoke(role=role)
        messages.success(request, _("The role of %(user)s was removed.") % {"user": role.user})
    return redirect("accounts-people", slug=covenant.slug)


@covenant_permission(Perm.PEOPLE_MANAGE)
@require_POST
def invitation_cancel(request, covenant, code):
    invitation = get_object_or_404(
        selectors.invitation_list(covenant=covenant, fetched_by=request.user), code=code
    )
    services.invitation_cancel(invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("accounts-people", slug=covenant.slug)


@public
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_get_open(token=token)
    except ValidationError as exc:
        return render(
            request, "accounts/invitation_invalid.html", {"error": exc.messages[0]}, status=410
        )
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=user)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return redirect("accounts-home")
            messages.success(
                request, _("Welcome to %(covenant)s.") % {"covenant": invitation.covenant}
            )
            return redirect("accounts-home")
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "form": None}
        )
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = None if has_account else AcceptInvitationForm(request.POST or None)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            new_user = services.invitation_accept_new_user(
                token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome to %(covenant)s.") % {"covenant": invitation.covenant}
            )
            return redirect("accounts-home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
    )


@authenticated
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_token_list(user=request.user)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@authenticated
@require_POST
def api_token_revoke(request, code):
    token = get_object_or_404(selectors.api_token_list(user=request.user), code=code)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts-api-tokens")
