"""API of accounts: who the caller is and what roles it acts with."""

from ninja import Router, Schema, Status

from covenant.accounts.decorators import Policy, declare
from covenant.accounts.models import Role

router = Router(tags=["accounts"])


class RoleOut(Schema):
    covenant: str
    role: str
    organisation: str | None


class MeOut(Schema):
    email: str
    name: str
    roles: list[RoleOut]


class MessageOut(Schema):
    message: str


@router.get("/me", response={200: MeOut, 401: MessageOut}, summary="The caller and its roles")
@declare(Policy("authenticated"))
def me(request):
    user = request.auth
    if not user.is_authenticated:
        return Status(401, {"message": "Authentication required: send a personal API token."})
    roles = Role.objects.filter(user=user).select_related("covenant", "organisation")
    return {
        "email": user.email,
        "name": user.name,
        "roles": [
            {
                "covenant": r.covenant.slug,
                "role": r.kind,
                "organisation": r.organisation.name if r.organisation_id else None,
            }
            for r in roles
        ],
    }
