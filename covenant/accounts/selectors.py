"""Reads of a user's roles, invitations and tokens."""

from __future__ import annotations

from collections import OrderedDict

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from covenant.accounts.access import ROLE_PERMISSIONS, Perm, can
from covenant.accounts.models import ApiToken, Invitation, Role, User
from covenant.covenants.models import Covenant


def roles_by_covenant(*, user: User) -> OrderedDict[Covenant, list[Role]]:
    """Return the user's roles grouped by covenant, covenants by name."""
    groups: OrderedDict[Covenant, list[Role]] = OrderedDict()
    roles = Role.objects.filter(user=user).select_related("covenant", "organisation")
    for role in roles.order_by("covenant__name", "kind"):
        groups.setdefault(role.covenant, []).append(role)
    return groups


def permissions_of_roles(roles: list[Role]) -> frozenset[str]:
    """Return the union of the permissions the roles grant."""
    return frozenset().union(*(ROLE_PERMISSIONS[r.kind] for r in roles)) if roles else frozenset()


def role_list(*, covenant: Covenant, fetched_by: User) -> QuerySet[Role]:
    """Return the roles in the covenant, for those who manage its people."""
    if not can(fetched_by, Perm.PEOPLE_MANAGE, covenant):
        return Role.objects.none()
    return (
        Role.objects.filter(covenant=covenant)
        .select_related("user", "organisation")
        .order_by("kind", "user__email")
    )


def role_get(*, covenant: Covenant, pk: int, fetched_by: User) -> Role:
    """Return one role of the covenant for those who manage its people, or raise 404."""
    return get_object_or_404(role_list(covenant=covenant, fetched_by=fetched_by), pk=pk)


def invitation_list(*, covenant: Covenant, fetched_by: User) -> QuerySet[Invitation]:
    """Return the invitations of the covenant, newest first, for those who manage its people."""
    if not can(fetched_by, Perm.PEOPLE_MANAGE, covenant):
        return Invitation.objects.none()
    return Invitation.objects.filter(covenant=covenant).select_related("organisation", "invited_by")


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """Return the user's own API tokens, newest first."""
    return ApiToken.objects.filter(user=user)
