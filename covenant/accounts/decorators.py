"""View decorators that enforce and declare each view's access policy.

Every URL of the project carries an `access_policy`; the access test enumerates the URL
patterns and fails on any view without one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from covenant.accounts.access import access_for


@dataclass(frozen=True)
class Policy:
    """Who may use a view: `public`, `authenticated`, or holders of `perm` in the covenant."""

    kind: str
    perm: str | None = None


def declare(policy: Policy):
    """Attach `policy` to a view or API operation without wrapping it."""

    def decorator(func):
        func.access_policy = policy
        return func

    return decorator


def public(view):
    """Anyone, logged in or not, may use the view."""
    return declare(Policy("public"))(view)


def authenticated(view):
    """Any logged-in user may use the view; others are sent to the login page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.access_policy = Policy("authenticated")
    return wrapper


def covenant_permission(perm: str):
    """Load the covenant named by the `slug` URL argument and require `perm` in it.

    Anonymous users go to the login page; users without any role in the covenant get 404
    (they must not learn what is there); members without `perm` get 403.
    """
    from covenant.covenants.models import Covenant

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            covenant = get_object_or_404(Covenant, slug=slug)
            access = access_for(request.user, covenant)
            if not access.is_member:
                raise Http404("No such covenant for this user.")
            if not access.has(perm):
                raise PermissionDenied
            request.covenant = covenant
            request.access = access
            return view(request, covenant, *args, **kwargs)

        wrapper.access_policy = Policy("covenant", perm)
        return wrapper

    return decorator


def object_scoped(view):
    """The view finds its object through a selector scoped to the user (404 when not visible).

    The access test holds the expected outcome per role for such views.
    """
    return declare(Policy("object"))(view)


def object_scoped_login(view):
    """Like `object_scoped`, for views that act on the object: anonymous users log in first."""
    wrapper = authenticated(view)
    wrapper.access_policy = Policy("object")
    return wrapper
