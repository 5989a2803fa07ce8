"""Benchmark: the secretariat's monitoring dashboard and a company's page, 200 companies × 5 years.

Builds the covenant in a throw-away PostgreSQL database (BENCH_PG_ADMIN, default the local
server as user postgres), serves the app with gunicorn, and measures under 16 concurrent
clients the dashboard, a company's "my submission" page and a trivial page of the same app (the
reference), in interleaved rounds (trivial, dashboard, company, trivial, …; `--rounds`) whose
latencies are pooled per page, so that every page sees the same load on a noisy machine.
Prints p50/p95 of each and their ratio; the last line is one JSON object.
Goal: dashboard p95 ≤ 3 × the trivial page's p95. The dashboard is cached until its data
changes; `cold_dashboard_ms` is one uncached render, measured in-process. The dashboard shows
the submissions matrix 50 companies per page, like the secretariat sees it.

    .venv/bin/python bench/monitoring_dashboard.py [--companies 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._harness import (  # noqa: E402
    ROOT,
    bench_env,
    fresh_database,
    load,
    load_interleaved,
    server,
)

DB = "covenant_bench_monitoring"


def build(companies: int) -> dict:
    """Create the covenant with full submissions; return the session cookies to use."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from covenant.accounts.models import Role, User
    from covenant.covenants import services as cov
    from covenant.covenants.models import Membership, Organisation
    from covenant.monitoring import services as mon
    from covenant.monitoring.models import Answer, Cycle, Part, RiskItem

    covenant = cov.covenant_create(
        name="Bench",
        slug="bench",
        sector="Metal",
        start_date=dt.date(2019, 7, 1),
        number_of_years=5,
        secretariat_mfa_required=False,
    )
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Company {i:04d}", kind="company", size_class="medium")
        for i in range(companies)
    )
    covenant.organisations.add(*orgs)
    Membership.objects.bulk_create(
        Membership(covenant=covenant, organisation=o, joined_in_year=1) for o in orgs
    )
    questionnaire = mon.questionnaire_load_standard()
    questions = list(questionnaire.questions.all())
    now = timezone.now()
    for year in covenant.years.order_by("number"):
        cycle = Cycle.objects.create(
            covenant=covenant,
            year=year,
            deadline=year.end + dt.timedelta(days=90),
            questionnaire=questionnaire,
        )
        parts = []
        for i, org in enumerate(orgs):
            for kind in Part.Kind:
                score = Decimal(40 + (i * 7 + year.number * 3) % 55)
                parts.append(
                    Part(
                        cycle=cycle,
                        organisation=org,
                        kind=kind,
                        status=Part.Status.ACCEPTED,
                        submitted_at=now,
                        score=score if kind == "self_assessment" else None,
                        data={
                            "published": True,
                            "url": "https://example.org",
                            "elements": ["commitment", "suppliers"],
                            "step_scores": {str(s): float(score) for s in range(1, 7)},
                        }
                        if kind in ("policy", "self_assessment")
                        else {},
                    )
                )
        Part.objects.bulk_create(parts, batch_size=2000)
        assessments = Part.objects.filter(cycle=cycle, kind="self_assessment")
        Answer.objects.bulk_create(
            (Answer(part=p, question=q, level=2) for p in assessments for q in questions),
            batch_size=5000,
        )
        RiskItem.objects.bulk_create(
            (
                RiskItem(
                    part=p,
                    theme="child_labour",
                    chain_stage="mining",
                    scale=3,
                    scope=3,
                    irremediable=3,
                    likelihood=2,
                )
                for p in Part.objects.filter(cycle=cycle, kind="risk_analysis")
            ),
            batch_size=5000,
        )
        if year.number < 5:
            mon.cycle_close(cycle=cycle, user=None)
    mon.indicators_install_standard(covenant=covenant)
    secretariat = User.objects.create_user("sec@bench.test", "x" * 12)
    Role.objects.create(user=secretariat, covenant=covenant, kind="secretariat")
    company = User.objects.create_user("co@bench.test", "x" * 12)
    Role.objects.create(user=company, covenant=covenant, kind="company", organisation=orgs[0])

    def cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(secretariat)
    import time

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        assert (
            client.get("/covenants/bench/monitoring/5/", HTTP_HOST="127.0.0.1").status_code == 200
        )
    return {
        "secretariat": cookie(secretariat),
        "company": cookie(company),
        "queries_dashboard": len(ctx.captured_queries),
        "cold_ms": (time.perf_counter() - start) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--per-client", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    env = bench_env(DB)
    with fresh_database(DB):
        for command in (["migrate"], ["collectstatic", "--no-input"]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True
            )
        os.environ.update(env)
        print(f"building {args.companies} companies × 5 years …", flush=True)
        built = build(args.companies)
        with server(env) as port:
            load(port, "/", "", clients=4, per_client=3)  # warm up
            load(port, "/covenants/bench/monitoring/5/", built["secretariat"], 4, 2)
            measured = load_interleaved(
                port,
                {
                    "trivial": ("/", ""),
                    "dashboard": ("/covenants/bench/monitoring/5/", built["secretariat"]),
                    "company": ("/covenants/bench/monitoring/mine/", built["company"]),
                },
                rounds=args.rounds,
                per_client=args.per_client,
            )
    trivial, dashboard, company = (measured[k] for k in ("trivial", "dashboard", "company"))
    for name, r in (("trivial", trivial), ("dashboard", dashboard), ("company", company)):
        print(f"{name:<10} p50 {r['p50']:8.1f} ms   p95 {r['p95']:8.1f} ms   (n={r['n']})")
    figures = {
        "companies": args.companies,
        "p50_dashboard_ms": round(dashboard["p50"], 1),
        "p95_dashboard_ms": round(dashboard["p95"], 1),
        "p95_company_ms": round(company["p95"], 1),
        "p95_trivial_ms": round(trivial["p95"], 1),
        "ratio": round(dashboard["p95"] / trivial["p95"], 2),
        "ratio_company": round(company["p95"] / trivial["p95"], 2),
        "queries_dashboard": built["queries_dashboard"],
        # One uncached render in-process (the first view after the data changed).
        "cold_dashboard_ms": round(built["cold_ms"], 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
