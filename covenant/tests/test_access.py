"""Every URL and every API operation, for every role and for anonymous.

Each view declares its policy next to it (covenant/accounts/decorators.py); this test
enumerates the URL patterns and API operations of the whole project, fails on any without a
declared policy, and asserts allowed or denied per role. The expectations below are written
independently of the access module, so a change to who may do what shows up here.
"""

from __future__ import annotations

import functools
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from covenant.accounts import services as account_services
from covenant.accounts.decorators import Policy
from covenant.accounts.models import Invitation, Role
from covenant.activities.models import Activity, Attachment
from covenant.api import api
from covenant.conftest import ROLES, user_for
from covenant.covenants.models import Membership, Organisation
from covenant.knowledge.models import Commodity, DocumentedRisk
from covenant.monitoring.models import Part
from covenant.reports.models import Report
from covenant.screening.models import Run
from covenant.urls import THIRD_PARTY_POLICIES

# Which roles of the metals covenant hold each permission. `outsider` holds a role in the
# other covenant only.
EXPECTED = {
    "covenants.internal:read": {"secretariat", "company", "stakeholder", "steering"},
    "covenants.covenant:write": {"secretariat"},
    "accounts.people:write": {"secretariat"},
    "activities.activities:read": {"secretariat", "company", "stakeholder", "steering"},
    "activities.activities:create": {"secretariat", "stakeholder"},
    "monitoring.figures:read": {"secretariat", "company", "stakeholder", "steering"},
    "monitoring.cycles:write": {"secretariat"},
    "monitoring.submissions:write": {"company"},
    "reports.drafts:read": {"secretariat", "steering"},
    "screening.runs:read": {"secretariat", "company"},
    "screening.runs:write": {"company"},
    "screening.sector:read": {"secretariat", "stakeholder", "steering"},
    # Held in any covenant of the user: the knowledge base's curation.
    "knowledge.facts:write": {"secretariat"},
}

A, F, N, L = "allowed", "forbidden", "not found", "login"
ALL_ROLES = ("secretariat", "stakeholder", "company", "steering", "outsider", "anonymous")
# Views whose outcome depends on the object: (the object used, outcome per role). The work
# visit is Global March's visit to Krommenhoek Metals: the demo company (Staalbouw Noord)
# was not visited and the demo stakeholder (CNV Internationaal) did not visit.
# The project is CNV Internationaal's (public; the demo stakeholder leads it).
EDITORS_OF_CNV_PROJECT = {
    "secretariat": A, "stakeholder": A, "company": F, "steering": F, "outsider": F, "anonymous": L,
}  # fmt: skip
OBJECT_EXPECTED = {
    "activities-detail": ("visit", {
        "secretariat": A, "stakeholder": N, "company": N, "steering": N, "outsider": N,
        "anonymous": N,
    }),
    "activities-attachment": ("visit_attachment", {
        "secretariat": A, "stakeholder": N, "company": N, "steering": N, "outsider": N,
        "anonymous": N,
    }),
    "activities-edit": ("project", EDITORS_OF_CNV_PROJECT),
    "activities-add-update": ("project", EDITORS_OF_CNV_PROJECT),
    "activities-counts": ("project", EDITORS_OF_CNV_PROJECT),
    "activities-attach": ("project", EDITORS_OF_CNV_PROJECT),
    "activities-interest": ("seeking_project", {
        "secretariat": F, "stakeholder": F, "company": A, "steering": F, "outsider": F,
        "anonymous": L,
    }),
    "activities-registrations": ("training", {
        "secretariat": A, "stakeholder": F, "company": F, "steering": F, "outsider": F,
        "anonymous": L,
    }),
    # A part of the demo company's own submission (Staalbouw Noord, year 5, open).
    "monitoring-part": ("own_part", {
        "secretariat": A, "company": A, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }),
    "monitoring-review": ("own_part", {
        "secretariat": A, "company": F, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }),
    "monitoring-reopen": ("own_part", {
        "secretariat": A, "company": F, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }),
    # The policy document and an answer's evidence of the demo company's own year-5 parts.
    **{name: (obj, {
        "secretariat": A, "company": A, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }) for name, obj in (("monitoring-document", "own_part"),
                         ("monitoring-evidence", "own_assessment"))},
    # Export (GET) of the demo company's own risk register of year 5.
    "monitoring-risk-register": ("own_risks", {
        "secretariat": A, "company": A, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }),
    # The published year-4 report is public; the year-5 draft is not.
    **{name: ("published_report", dict.fromkeys(ALL_ROLES, A))
       for name in ("reports-detail", "reports-figures")},
    "reports-pdf": ("published_report", dict.fromkeys(ALL_ROLES, A)),
    **{name: ("draft_report", {
        "secretariat": A, "steering": F, "stakeholder": N, "company": N, "outsider": N,
        "anonymous": L,
    }) for name in ("reports-summary", "reports-section", "reports-section-move",
                    "reports-request-approval", "reports-reopen", "reports-publish",
                    "reports-correct")},
    "reports-approve": ("draft_report", {
        "secretariat": F, "steering": A, "stakeholder": N, "company": N, "outsider": N,
        "anonymous": L,
    }),
    **{name: ("draft_report", {
        "secretariat": A, "steering": A, "stakeholder": N, "company": N, "outsider": N,
        "anonymous": L,
    }) for name in ("reports-comment", "reports-build-pdf")},
    # Another company's part (Tata Steel): the demo company must not see it.
    "monitoring-item-delete": ("other_part", {
        "secretariat": F, "company": N, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }),
    # The demo company's own risk register and action plan of year 5 (carried over, open).
    **{
        f"api:{name}": (obj, {
            "secretariat": A if name.endswith("_list") else F, "company": A,
            "stakeholder": N, "steering": N, "outsider": N, "anonymous": L,
        })
        for name, obj in [
            ("risk_list", "own_risks"), ("risk_create", "own_risks"),
            ("risk_update", "own_risks"), ("risk_delete", "own_risks"),
            ("action_list", "own_actions"), ("action_create", "own_actions"),
            ("action_update", "own_actions"), ("action_delete", "own_actions"),
        ]
    },
    # The API gives the year-5 draft only to the secretariat and the steering group.
    **{f"api:{name}": ("draft_report", {
        "secretariat": A, "steering": A, "stakeholder": N, "company": N, "outsider": N,
        "anonymous": N,
    }) for name in ("report_detail", "report_figures")},
    "api:activity_detail": ("visit", {
        "secretariat": A, "stakeholder": N, "company": N, "steering": N, "outsider": N,
        "anonymous": N,
    }),
    # The demo company's own screening (one completed run, see screening/demo.py): its members
    # and the secretariat read it, its members alone write; everyone else gets 404.
    **{name: (obj, {
        "secretariat": A, "company": A, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }) for name, obj in (("screening-home", "demo"), ("screening-preview", "own_upload"),
                         ("screening-run", "own_run"), ("screening-export", "own_run"),
                         ("screening-compare", "own_run"), ("screening-finding", "own_finding"),
                         ("api:screening_run_detail", "own_run"),
                         ("api:screening_finding_list", "own_run"))},
    **{name: (obj, {
        "secretariat": F, "company": A, "stakeholder": N, "steering": N, "outsider": N,
        "anonymous": L,
    }) for name, obj in (("screening-mapping", "own_upload"), ("screening-adopt", "own_finding"),
                         ("screening-countries", "own_upload"),
                         ("screening-synonym", "own_upload"),
                         ("screening-header-row", "own_upload"),
                         ("screening-upload-delete", "own_upload"),
                         ("screening-remembered", "demo"),
                         ("api:screening_upload_run", "demo"),
                         ("api:screening_lines_run", "demo"),
                         ("api:screening_upload_delete", "own_upload"))},
}  # fmt: skip


API_META_VIEWS = ("api-home", "api-root", "openapi-json", "openapi-view")


def iter_patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """Yield (route, pattern, name with its namespace) for every URL of the project."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_patterns(entry, prefix + str(entry.pattern), ns)
        else:
            yield prefix + str(entry.pattern), entry, f"{namespace}{entry.name}"


def policy_of(pattern: URLPattern) -> Policy | None:
    callback = pattern.callback
    policy = getattr(callback, "access_policy", None)
    if policy is not None:
        return policy
    if isinstance(callback, functools.partial):
        callback = callback.func
    module = getattr(callback, "__module__", "") or ""
    if hasattr(callback, "view_class"):
        module = callback.view_class.__module__
    for prefix, third in THIRD_PARTY_POLICIES.items():
        if module.startswith(prefix):
            return third
    return None


def project_patterns():
    return [
        (route, p, name)
        for route, p, name in iter_patterns(get_resolver())
        # API operations are checked one by one below, not as URL patterns.
        if not (route.startswith("api/") and p.name not in API_META_VIEWS)
    ]


def test_every_url_declares_a_policy():
    missing = [route for route, p, _name in project_patterns() if policy_of(p) is None]
    assert missing == [], f"URLs without a declared access policy: {missing}"


def test_every_api_operation_declares_a_policy():
    missing = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if getattr(operation.view_func, "access_policy", None) is None:
                    missing.append(f"{operation.methods} {path}")
    assert missing == [], f"API operations without a declared access policy: {missing}"


def _with_evidence(part: Part) -> Part:
    """Give the part's first answer an evidence file, and the company's policy a document."""
    answer = part.answers.first()
    answer.evidence.save("bewijs.pdf", ContentFile(b"%PDF-1.4 bewijs"))
    policy = Part.objects.get(cycle=part.cycle, organisation=part.organisation, kind="policy")
    policy.policy_document.save("beleid.pdf", ContentFile(b"%PDF-1.4 beleid"))
    return part


@pytest.fixture
def url_args(demo):
    """Real arguments for every URL parameter, per URL name (some depend on the user)."""
    tata = Organisation.objects.get(name="Tata Steel")
    membership = Membership.objects.get(covenant=demo, organisation=tata)
    company_role = Role.objects.get(covenant=demo, kind=Role.Kind.COMPANY_MEMBER)
    own_run = Run.objects.get(covenant=demo, organisation__name="Staalbouw Noord B.V.")
    invitation, token = account_services.invitation_create(
        covenant=demo, email="new.person@example.org", kind=Role.Kind.STEERING_GROUP
    )
    visit = Activity.objects.get(kind="work_visit", visited__name="Krommenhoek Metals")
    attachment = Attachment.objects.create(
        activity=visit,
        file=ContentFile(b"%PDF-1.4 test", name="notes.pdf"),
        name="notes.pdf",
        size=13,
        content_type="application/pdf",
    )
    return {
        "visit": visit,
        "visit_attachment": attachment,
        "project": Activity.objects.get(kind="project", organiser__name="CNV Internationaal"),
        "seeking_project": Activity.objects.get(kind="project", seeks_participants=True),
        "training": Activity.objects.filter(kind="training").first(),
        "own_part": Part.objects.get(
            cycle__year__number=5, organisation__name="Staalbouw Noord B.V.", kind="policy"
        ),
        "published_report": Report.objects.get(covenant=demo, year__number=4),
        "draft_report": Report.objects.get(covenant=demo, year__number=5),
        "own_assessment": _with_evidence(
            Part.objects.get(
                cycle__year__number=5,
                organisation__name="Staalbouw Noord B.V.",
                kind="self_assessment",
            )
        ),
        "own_risks": Part.objects.get(
            cycle__year__number=5,
            organisation__name="Staalbouw Noord B.V.",
            kind="risk_analysis",
        ),
        "own_actions": Part.objects.get(
            cycle__year__number=5, organisation__name="Staalbouw Noord B.V.", kind="action_plan"
        ),
        "other_part": Part.objects.get(
            cycle__year__number=4, organisation__name="Tata Steel", kind="risk_analysis"
        ),
        "demo": demo,
        "organisation": tata,
        "membership": membership,
        "role": company_role,
        "invitation": invitation,
        "invitation_token": token,
        "commodity": Commodity.objects.get(code="tin"),
        "own_upload": own_run.upload,
        "own_run": own_run,
        "own_finding": own_run.findings.order_by("rank").first(),
        "risk": DocumentedRisk.objects.filter(commodity__code="tin").first(),
    }


def kwargs_for(name: str, pattern: URLPattern, args: dict, user) -> dict:
    keys = set(pattern.pattern.converters)
    kwargs = {}
    if "slug" in keys:
        kwargs["slug"] = args["demo"].slug
    if "number" in keys:
        kwargs["number"] = 4
    if "pk" in keys:
        kwargs["pk"] = args["role"].pk
    if "token" in keys:
        kwargs["token"] = args["invitation_token"]
    if "lang" in keys:
        kwargs["lang"] = "nl"
    if "fmt" in keys:
        kwargs["fmt"] = "csv"
    if "direction" in keys:
        kwargs["direction"] = "up"
    if "pk" in keys and name.startswith("reports-"):
        kwargs["pk"] = args["draft_report"].sections.first().pk
    if "answer" in keys:
        kwargs["answer"] = args["own_assessment"].answers.exclude(evidence="").first().pk
    if "item" in keys:
        kwargs["item"] = args["other_part"].risks.first().code
    if "iso2" in keys:
        kwargs["iso2"] = "BO"
    if "fact_kind" in keys:
        kwargs["fact_kind"] = "risk"
    if "fact" in keys:
        kwargs["fact"] = args["risk"].pk
    if "code" in keys:
        if name in OBJECT_EXPECTED:
            kwargs["code"] = args[OBJECT_EXPECTED[name][0]].code
        elif name == "monitoring-figure":
            kwargs["code"] = "policy_published"
        elif name == "activities-register":
            kwargs["code"] = args["training"].code
        elif name.startswith("knowledge-"):
            kwargs["code"] = args["commodity"].code
        elif "membership" in name:
            kwargs["code"] = args["membership"].code
        elif "invitation" in name:
            kwargs["code"] = args["invitation"].code
        elif "token" in name:
            owner = user or user_for("secretariat")
            token, _plain = account_services.api_token_create(user=owner, name="access test")
            kwargs["code"] = token.code
        else:
            kwargs["code"] = args["organisation"].code
    unknown = keys - set(kwargs)
    assert not unknown, f"{name}: the access test has no value for {unknown}"
    return kwargs


def expected_outcome(policy: Policy, role: str, name: str = "") -> str:
    if policy.kind == "object":
        assert name in OBJECT_EXPECTED, f"add {name} to OBJECT_EXPECTED in this test"
        return OBJECT_EXPECTED[name][1][role]
    if policy.kind == "public":
        return "allowed"
    if role == "anonymous":
        return "login"
    if policy.kind == "authenticated":
        if policy.perm is None:
            return "allowed"
        # Logged in, and holding the permission in any covenant (else 403).
        assert policy.perm in EXPECTED, f"add {policy.perm} to EXPECTED in this test"
        return "allowed" if role in EXPECTED[policy.perm] else "forbidden"
    if policy.kind == "covenant":
        assert policy.perm in EXPECTED, f"add {policy.perm} to EXPECTED in this test"
        if role == "outsider":
            return "not found"
        return "allowed" if role in EXPECTED[policy.perm] else "forbidden"
    raise AssertionError(f"unknown policy {policy}")


def outcome_of(response) -> str:
    if response.status_code == 200:
        return "allowed"
    if response.status_code == 302:
        return "login" if "/accounts/login/" in response["Location"] else "allowed"
    return {403: "forbidden", 404: "not found", 410: "allowed"}.get(
        response.status_code, f"status {response.status_code}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_url_allows_or_denies_each_role_as_declared(role, url_args):
    user = user_for(role)
    client = Client()
    if user is not None:
        client.force_login(user)
    checked, wrong = 0, []
    for _route, pattern, name in project_patterns():
        policy = policy_of(pattern)
        if policy.kind == "third-party":
            continue
        url = reverse(name, kwargs=kwargs_for(name, pattern, url_args, user))
        response = client.get(url)
        if response.status_code == 405:  # a POST-only view: check it with an empty POST
            response = client.post(url)
        got = outcome_of(response)
        want = expected_outcome(policy, role, name)
        checked += 1
        if got != want:
            wrong.append(f"{url} ({policy}): expected {want}, got {got}")
    assert checked >= 15
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_third_party_pages_never_fail(role, url_args):
    client = Client()
    user = user_for(role)
    if user is not None:
        client.force_login(user)
    for _route, pattern, name in project_patterns():
        if policy_of(pattern).kind != "third-party" or pattern.pattern.regex.groups:
            continue
        response = client.get(reverse(name))
        assert response.status_code < 500, reverse(name)


API_BODIES = {
    "risk": {"theme": "child_labour", "commodity": "mica", "country": "IN",
             "chain_stage": "mining", "scale": 3, "scope": 3, "irremediable": 3, "likelihood": 2},
    "action": {"measure": "Audit of the mica supplier"},
    "screening_lines_run": {"lines": [{"description": "Tin staven", "origin_country": "BO",
                                       "spend": 1000}]},
}  # fmt: skip
# Operations that take a file (multipart) rather than JSON.
API_FILES = {"api:screening_upload_run": ("inkoop.csv", b"omschrijving;bedrag\nTin staven;1000\n")}


def api_call(name: str, url: str, args: dict) -> tuple[str, dict | None]:
    """Fill an API path with real values and give the body its operation needs."""
    url = url.replace("{slug}", args["demo"].slug).replace("{number}", "5")
    if "/knowledge/" in url:
        url = url.replace("{code}", args["commodity"].code).replace("{iso2}", "BO")
    body = None
    if "{code}" in url:
        obj = args[OBJECT_EXPECTED[name][0]]
        url = url.replace("{code}", str(obj.code))
        if "{risk_code}" in url:
            url = url.replace("{risk_code}", str(obj.risks.first().code))
        if "{action_code}" in url:
            url = url.replace("{action_code}", str(obj.actions.first().code))
    if name.endswith(("_create", "_update")):
        body = API_BODIES["risk" if "risk" in name else "action"]
    body = API_BODIES.get(name.removeprefix("api:"), body)
    assert "{" not in url, f"the access test has no value for a parameter of {url}"
    return url, body


def api_client_for(role: str) -> tuple[Client, dict]:
    user = user_for(role)
    if user is None:
        return Client(), {}
    _token, plain = account_services.api_token_create(user=user, name="access test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize("role", ROLES)
def test_each_api_operation_allows_or_denies_each_role_as_declared(role, url_args):
    client, headers = api_client_for(role)
    checked, wrong = 0, []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                policy = operation.view_func.access_policy
                name = f"api:{operation.view_func.__name__}"
                url, body = api_call(name, "/api" + prefix.rstrip("/") + path, url_args)
                for method in operation.methods:
                    if name in API_FILES:
                        upload = SimpleUploadedFile(*API_FILES[name], content_type="text/csv")
                        response = client.post(url, {"file": upload}, **headers)
                    else:
                        response = client.generic(
                            method,
                            url,
                            json.dumps(body) if body else "",
                            content_type="application/json",
                            **headers,
                        )
                    got = {200: A, 201: A, 204: A, 401: L, 403: F, 404: N}.get(
                        response.status_code, f"status {response.status_code}"
                    )
                    want = expected_outcome(policy, role, name)
                    checked += 1
                    if got != want:
                        wrong.append(f"{method} {url} ({policy}): expected {want}, got {got}")
    assert checked >= 4
    assert wrong == []


def test_an_invalid_api_token_is_refused_even_on_public_data(demo):
    response = Client().get("/api/covenants", HTTP_AUTHORIZATION="Bearer cov_not-a-token")
    assert response.status_code == 401


def test_the_open_invitation_used_by_this_test_is_open(url_args):
    assert Invitation.objects.get(pk=url_args["invitation"].pk).is_open
