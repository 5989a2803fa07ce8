"""The one access module: what may this user see and do in this covenant.

Roles are rows (user, covenant, kind, organisation). Each kind grants a set of permission
strings; pages and API tokens check the same strings. Selectors of confidential data call
`organisation_ids_visible_to` so that scoping is written once, in the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from covenant.accounts.models import Role

if TYPE_CHECKING:
    from covenant.covenants.models import Covenant


class Perm:
    """Permission strings, shared by pages and the API."""

    COVENANT_VIEW = "covenants.internal:read"  # the members' area of a covenant
    COVENANT_MANAGE = "covenants.covenant:write"  # years, organisations, memberships, settings
    PEOPLE_MANAGE = "accounts.people:write"  # invitations and roles
    ACTIVITIES_READ = "activities.activities:read"  # the activity overview and calendar
    ACTIVITIES_CREATE = "activities.activities:create"  # record an activity (own or any)
    ACTIVITIES_WRITE_ALL = "activities.activities:write"  # edit every activity
    ACTIVITIES_INTEREST = "activities.interest:write"  # express interest in a project
    MONITORING_FIGURES = "monitoring.figures:read"  # the year's figures (disclosure applies)
    MONITORING_MANAGE = "monitoring.cycles:write"  # cycles, indicators, reviews, closing
    MONITORING_SUBMIT = "monitoring.submissions:write"  # the own company's submission
    REPORTS_DRAFTS = "reports.drafts:read"  # annual report drafts
    REPORTS_MANAGE = "reports.reports:write"  # write, publish and correct annual reports
    REPORTS_APPROVE = "reports.approvals:write"  # comment on and approve a draft
    KNOWLEDGE_CURATE = "knowledge.facts:write"  # curate the risk knowledge base (any covenant)
    SCREENING_READ = "screening.runs:read"  # a company's screening runs (own, or all)
    SCREENING_RUN = "screening.runs:write"  # upload purchase lists, run, adopt findings
    SCREENING_SECTOR = "screening.sector:read"  # the sector risk map (no company named)


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.Kind.SECRETARIAT: frozenset(
        {
            Perm.COVENANT_VIEW,
            Perm.COVENANT_MANAGE,
            Perm.PEOPLE_MANAGE,
            Perm.ACTIVITIES_READ,
            Perm.ACTIVITIES_CREATE,
            Perm.ACTIVITIES_WRITE_ALL,
            Perm.MONITORING_FIGURES,
            Perm.MONITORING_MANAGE,
            Perm.REPORTS_DRAFTS,
            Perm.REPORTS_MANAGE,
            Perm.KNOWLEDGE_CURATE,
            Perm.SCREENING_READ,
            Perm.SCREENING_SECTOR,
        }
    ),
    Role.Kind.COMPANY_MEMBER: frozenset(
        {
            Perm.COVENANT_VIEW,
            Perm.ACTIVITIES_READ,
            Perm.ACTIVITIES_INTEREST,
            Perm.MONITORING_FIGURES,
            Perm.MONITORING_SUBMIT,
            Perm.SCREENING_READ,
            Perm.SCREENING_RUN,
        }
    ),
    Role.Kind.STAKEHOLDER_MEMBER: frozenset(
        {
            Perm.COVENANT_VIEW,
            Perm.ACTIVITIES_READ,
            Perm.ACTIVITIES_CREATE,
            Perm.MONITORING_FIGURES,
            Perm.SCREENING_SECTOR,
        }
    ),
    Role.Kind.STEERING_GROUP: frozenset(
        {
            Perm.COVENANT_VIEW,
            Perm.ACTIVITIES_READ,
            Perm.MONITORING_FIGURES,
            Perm.REPORTS_DRAFTS,
            Perm.REPORTS_APPROVE,
            Perm.SCREENING_SECTOR,
        }
    ),
}


@dataclass(frozen=True)
class Access:
    """What one user may do in one covenant, computed once per request."""

    roles: tuple[Role, ...]
    permissions: frozenset[str]

    @property
    def is_member(self) -> bool:
        return bool(self.roles)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(r.organisation_id for r in self.roles if r.organisation_id)

    def has(self, perm: str) -> bool:
        return perm in self.permissions

    def has_kind(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.roles)


NO_ACCESS = Access(roles=(), permissions=frozenset())


def roles_of(user, covenant: Covenant) -> list[Role]:
    """Return the user's roles in the covenant (none for anonymous or inactive users)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return list(Role.objects.filter(user=user, covenant=covenant).select_related("organisation"))


def access_for(user, covenant: Covenant) -> Access:
    """Return the user's Access in the covenant; cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return NO_ACCESS
    cache = user.__dict__.setdefault("_covenant_access", {})
    if covenant.pk not in cache:
        roles = tuple(roles_of(user, covenant))
        perms = (
            frozenset().union(*(ROLE_PERMISSIONS[r.kind] for r in roles)) if roles else frozenset()
        )
        cache[covenant.pk] = Access(roles=roles, permissions=perms)
    return cache[covenant.pk]


def can(user, perm: str, covenant: Covenant) -> bool:
    """Return whether the user holds `perm` in the covenant."""
    return access_for(user, covenant).has(perm)


def covenant_ids_of(user) -> QuerySet:
    """Return the ids of the covenants in which the user has any role."""
    return Role.objects.filter(user=user).values("covenant_id")


def organisation_ids_visible_to(*, user, covenant: Covenant) -> set[int] | None:
    """Return the ids of organisations whose confidential data the user may see.

    None means all organisations of the covenant (the secretariat); an empty set, none.
    """
    access = access_for(user, covenant)
    if access.has_kind(Role.Kind.SECRETARIAT):
        return None
    return {r.organisation_id for r in access.roles if r.kind == Role.Kind.COMPANY_MEMBER}
