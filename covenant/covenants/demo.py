"""The demo data set: the metals covenant of the seed and a small illustrative second covenant.

Loaded through the services, idempotently: running it twice changes nothing the second time.
Organisations the seed does not name are invented and marked illustrative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from covenant.accounts.models import Role, User
from covenant.accounts.services import role_grant
from covenant.covenants import services
from covenant.covenants.models import Covenant, Membership, Organisation

METALS_SLUG = "metaalsector"
STONE_SLUG = "natuursteen"
DEMO_PASSWORD = "covenant-demo"  # noqa: S105 - demo only; the command refuses to run with DEBUG off
# A fixed TOTP secret for the demo secretariat, so that a newcomer can log in (see README).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPCOVENANTDEMO2345"  # noqa: S105

K = Organisation.Kind

# (name, kind, country, size, illustrative, joined_in_year, leaves_after_year, website)
METALS_PARTIES = [
    ("Tata Steel", K.COMPANY, "NL", "large", False, 1, None, "https://www.tatasteelnederland.com"),
    ("Wuppermann Staal", K.COMPANY, "NL", "medium", False, 1, None, ""),
    ("Krommenhoek Metals", K.COMPANY, "NL", "small", False, 1, None, ""),
    ("Van Peperzeel", K.COMPANY, "NL", "medium", False, 1, 4, ""),
    ("E-MAX", K.COMPANY, "NL", "small", False, 1, 4, ""),
    ("Staalbouw Noord B.V.", K.COMPANY, "NL", "medium", True, 1, None, ""),
    ("Aluminium Twente B.V.", K.COMPANY, "NL", "large", True, 1, None, ""),
    ("Koperwerk Zeeland B.V.", K.COMPANY, "NL", "small", True, 1, None, ""),
    ("Precisie Metaal Brabant B.V.", K.COMPANY, "NL", "medium", True, 2, None, ""),
    ("RVS Techniek Gelderland B.V.", K.COMPANY, "NL", "small", True, 3, None, ""),
    ("Gieterij De Hoek B.V.", K.COMPANY, "NL", "micro", True, 3, None, ""),
    ("Metaalrecycling Rijnmond B.V.", K.COMPANY, "NL", "medium", True, 4, None, ""),
    (
        "CNV Internationaal",
        K.TRADE_UNION,
        "NL",
        "",
        False,
        1,
        None,
        "https://www.cnvinternationaal.nl",
    ),
    (
        "Global March Against Child Labour",
        K.NGO,
        "IN",
        "",
        False,
        1,
        None,
        "https://globalmarch.org",
    ),
    ("Branchevereniging Metaal Nederland", K.BRANCH_ORGANISATION, "NL", "", True, 1, None, ""),
    ("Ministerie van Buitenlandse Zaken (demo)", K.GOVERNMENT, "NL", "", True, 1, None, ""),
    ("Ministerie van Economische Zaken (demo)", K.GOVERNMENT, "NL", "", True, 1, None, ""),
]

STONE_PARTIES = [
    ("Steenhouwerij Voorbeeld B.V.", K.COMPANY, "NL", "small", True, 1, None, ""),
    ("Graniet Import Demo B.V.", K.COMPANY, "BE", "medium", True, 1, None, ""),
    ("Stichting Eerlijke Steen (demo)", K.NGO, "NL", "", True, 1, None, ""),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    covenant: str
    kind: str
    organisation: str | None


DEMO_USERS = [
    DemoUser(
        "secretariaat@example.org", "Sanne Secretariaat", METALS_SLUG, Role.Kind.SECRETARIAT, None
    ),
    DemoUser(
        "bedrijf@example.org",
        "Bram Bedrijf",
        METALS_SLUG,
        Role.Kind.COMPANY_MEMBER,
        "Staalbouw Noord B.V.",
    ),
    DemoUser(
        "stakeholder@example.org",
        "Sara Stakeholder",
        METALS_SLUG,
        Role.Kind.STAKEHOLDER_MEMBER,
        "CNV Internationaal",
    ),
    DemoUser(
        "stuurgroep@example.org", "Stefan Stuurgroep", METALS_SLUG, Role.Kind.STEERING_GROUP, None
    ),
    DemoUser(
        "natuursteen@example.org",
        "Nina Natuursteen",
        STONE_SLUG,
        Role.Kind.COMPANY_MEMBER,
        "Steenhouwerij Voorbeeld B.V.",
    ),
]


def _ensure_covenant(*, slug: str, **fields) -> tuple[Covenant, bool]:
    existing = Covenant.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    return services.covenant_create(slug=slug, **fields), True


def _ensure_parties(covenant: Covenant, parties) -> int:
    created = 0
    for name, kind, country, size, illustrative, joined, leaves, website in parties:
        organisation = Organisation.objects.filter(name__iexact=name).first()
        if organisation is None or not organisation.covenants.filter(pk=covenant.pk).exists():
            organisation, _ = services.organisation_add(
                covenant=covenant,
                name=name,
                kind=kind,
                country=country,
                website=website,
                size_class=size,
                is_illustrative=illustrative,
            )
        if not Membership.objects.filter(covenant=covenant, organisation=organisation).exists():
            services.membership_create(
                covenant=covenant,
                organisation=organisation,
                joined_in_year=joined,
                leaves_after_year=leaves,
            )
            created += 1
    return created


def _ensure_user(spec: DemoUser) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(spec.email, DEMO_PASSWORD, name=spec.name)
    covenant = Covenant.objects.get(slug=spec.covenant)
    organisation = Organisation.objects.get(name=spec.organisation) if spec.organisation else None
    if not Role.objects.filter(
        user=user, covenant=covenant, kind=spec.kind, organisation=organisation
    ).exists():
        role_grant(user=user, covenant=covenant, kind=spec.kind, organisation=organisation)
    return user


def _ensure_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def load(log: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Load the demo data; return how many covenants, memberships and users were created."""
    summary = {"covenants": 0, "memberships": 0, "users": 0}
    metals, created = _ensure_covenant(
        slug=METALS_SLUG,
        name="IMVO-convenant Metaalsector",
        sector="Metaal / Metals",
        description=(
            "Convenant voor internationaal maatschappelijk verantwoord ondernemen in de "
            "metaalsector: bedrijven, brancheorganisatie, overheid, vakbonden en ngo's werken "
            "vijf jaar samen aan due diligence in de keten."
        ),
        start_date=dt.date(2019, 7, 1),
        number_of_years=5,
    )
    summary["covenants"] += created
    stone, created = _ensure_covenant(
        slug=STONE_SLUG,
        name="Demo-convenant Natuursteen",
        sector="Natuursteen / Natural stone",
        description="Een klein, verzonnen convenant dat laat zien dat één site meerdere "
        "convenanten bevat.",
        start_date=dt.date(2023, 1, 1),
        number_of_years=3,
        is_illustrative=True,
        secretariat_mfa_required=False,
    )
    summary["covenants"] += created
    summary["memberships"] += _ensure_parties(metals, METALS_PARTIES)
    summary["memberships"] += _ensure_parties(stone, STONE_PARTIES)
    log(f"Covenants: {metals.name}, {stone.name}")
    for spec in DEMO_USERS:
        existed = User.objects.filter(email=spec.email).exists()
        user = _ensure_user(spec)
        summary["users"] += not existed
        if spec.kind == Role.Kind.SECRETARIAT:
            _ensure_totp(user)
    return summary
