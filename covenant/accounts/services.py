"""Writes of roles, invitations and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from covenant.accounts.models import ApiToken, Invitation, Role, User, hash_secret
from covenant.covenants.models import Covenant, Organisation

MSG_ALREADY_HAS_ROLE = _("%(email)s already has this role in this covenant.")
MSG_ALREADY_INVITED = _("%(email)s already has an open invitation for this role.")
MSG_ORGANISATION_REQUIRED = _("Choose the organisation this person acts for.")
MSG_ORGANISATION_NOT_ALLOWED = _("This role is not tied to an organisation.")
MSG_ORGANISATION_NOT_LISTED = _("%(name)s is not an organisation of this covenant.")
MSG_COMPANY_ROLE_NEEDS_COMPANY = _("A company member acts for a company.")
MSG_STAKEHOLDER_ROLE_NEEDS_STAKEHOLDER = _(
    "A stakeholder member acts for an organisation that is not a company."
)
MSG_INVITATION_UNKNOWN = _("This invitation link is not valid. Ask the secretariat for a new one.")
MSG_INVITATION_EXPIRED = _("This invitation has expired. Ask the secretariat for a new one.")
MSG_INVITATION_USED = _("This invitation has already been used. Log in with your e-mail address.")
MSG_INVITATION_CANCELLED = _("This invitation was withdrawn by the secretariat.")
MSG_INVITATION_OTHER_USER = _(
    "This invitation is for %(email)s, but you are logged in as someone else. "
    "Log out and open the link again."
)
MSG_ACCOUNT_EXISTS = _(
    "An account with this e-mail address exists. Log in to accept the invitation."
)


def _check_role_organisation(covenant: Covenant, kind: str, organisation: Organisation | None):
    if kind in Role.KINDS_WITH_ORGANISATION:
        if organisation is None:
            raise ValidationError({"organisation": MSG_ORGANISATION_REQUIRED})
        if not organisation.covenants.filter(pk=covenant.pk).exists():
            raise ValidationError(
                {"organisation": MSG_ORGANISATION_NOT_LISTED % {"name": organisation.name}}
            )
        is_company = organisation.kind == Organisation.Kind.COMPANY
        if kind == Role.Kind.COMPANY_MEMBER and not is_company:
            raise ValidationError({"organisation": MSG_COMPANY_ROLE_NEEDS_COMPANY})
        if kind == Role.Kind.STAKEHOLDER_MEMBER and is_company:
            raise ValidationError({"organisation": MSG_STAKEHOLDER_ROLE_NEEDS_STAKEHOLDER})
    elif organisation is not None and kind == Role.Kind.SECRETARIAT:
        raise ValidationError({"organisation": MSG_ORGANISATION_NOT_ALLOWED})


def _role_exists(*, email: str, covenant: Covenant, kind: str, organisation) -> bool:
    return Role.objects.filter(
        user__email__iexact=email, covenant=covenant, kind=kind, organisation=organisation
    ).exists()


@transaction.atomic
def role_grant(
    *, user: User, covenant: Covenant, kind: str, organisation: Organisation | None = None
) -> Role:
    """Give the user a role in the covenant."""
    _check_role_organisation(covenant, kind, organisation)
    if _role_exists(email=user.email, covenant=covenant, kind=kind, organisation=organisation):
        raise ValidationError({"email": MSG_ALREADY_HAS_ROLE % {"email": user.email}})
    role = Role(user=user, covenant=covenant, kind=kind, organisation=organisation)
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def role_revoke(*, role: Role) -> None:
    """Take a role away; the account stays."""
    role.delete()


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("accounts-invitation", args=[token])
    context = {"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    send_mail(
        subject=str(_("Invitation to %(covenant)s") % {"covenant": invitation.covenant.name}),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *,
    covenant: Covenant,
    email: str,
    kind: str,
    organisation: Organisation | None = None,
    invited_by: User | None = None,
) -> tuple[Invitation, str]:
    """Invite an e-mail address to a role; returns the invitation and the secret link token.

    The e-mail with the link is sent once the transaction commits.
    """
    email = email.strip().lower()
    _check_role_organisation(covenant, kind, organisation)
    if kind not in Role.KINDS_WITH_ORGANISATION and kind != Role.Kind.STEERING_GROUP:
        organisation = None
    if _role_exists(email=email, covenant=covenant, kind=kind, organisation=organisation):
        raise ValidationError({"email": MSG_ALREADY_HAS_ROLE % {"email": email}})
    open_invitations = Invitation.objects.filter(
        covenant=covenant,
        email__iexact=email,
        kind=kind,
        organisation=organisation,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if open_invitations.exists():
        raise ValidationError({"email": MSG_ALREADY_INVITED % {"email": email}})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        covenant=covenant,
        email=email,
        kind=kind,
        organisation=organisation,
        invited_by=invited_by,
        token_hash=hash_secret(token),
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(lambda: _send_invitation(invitation, token))
    return invitation, token


@transaction.atomic
def invitation_cancel(*, invitation: Invitation) -> None:
    """Withdraw an invitation that has not been accepted."""
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])


def invitation_get_open(*, token: str) -> Invitation:
    """Return the open invitation for this link token or raise ValidationError saying why not."""
    invitation = (
        Invitation.objects.select_related("covenant", "organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None:
        raise ValidationError(MSG_INVITATION_UNKNOWN)
    if invitation.accepted_at is not None:
        raise ValidationError(MSG_INVITATION_USED)
    if invitation.cancelled_at is not None:
        raise ValidationError(MSG_INVITATION_CANCELLED)
    if invitation.expires_at <= timezone.now():
        raise ValidationError(MSG_INVITATION_EXPIRED)
    return invitation


def _accept(invitation: Invitation, user: User) -> Role:
    if _role_exists(
        email=user.email,
        covenant=invitation.covenant,
        kind=invitation.kind,
        organisation=invitation.organisation,
    ):
        role = Role.objects.get(
            user=user,
            covenant=invitation.covenant,
            kind=invitation.kind,
            organisation=invitation.organisation,
        )
    else:
        role = role_grant(
            user=user,
            covenant=invitation.covenant,
            kind=invitation.kind,
            organisation=invitation.organisation,
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return role


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Role:
    """Accept an invitation as the logged-in user whose e-mail it was sent to."""
    invitation = invitation_get_open(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(MSG_INVITATION_USED)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(MSG_INVITATION_OTHER_USER % {"email": invitation.email})
    return _accept(invitation, user)


@transaction.atomic
def invitation_accept_new_user(*, token: str, name: str, password: str) -> User:
    """Create the account for an invited e-mail address with this password and accept."""
    invitation = invitation_get_open(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(MSG_INVITATION_USED)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(MSG_ACCOUNT_EXISTS)
    user = User(email=invitation.email, name=name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    _accept(invitation, user)
    return user


TOKEN_PREFIX = "cov_"  # noqa: S105 - a visible prefix, not a secret


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the plain token is returned once and stored only hashed."""
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name, so you know where it is used.")})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), prefix=plain[:10], token_hash=hash_secret(plain))
    token.full_clean()
    token.save()
    return token, plain


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke a token: it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_user(*, plain: str) -> User | None:
    """Return the active user of a valid, unrevoked token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
