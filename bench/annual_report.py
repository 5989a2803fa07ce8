"""Benchmark: the annual report of a covenant of 200 companies with full monitoring and
activities. Measures in one run the HTML report page, the PDF build end to end (assembling the
view, rendering the charts, typesetting) and a bare typst compile of the same generated
document (the reference). A report's charts are rendered (as SVG) when its figures are frozen
at approval, so the PDF build of an approved report typesets only. Prints each and the ratio
PDF build ÷ bare compile (goal ≤ 2); the last line is one JSON object.

    .venv/bin/python bench/annual_report.py [--companies 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._harness import ROOT, bench_env, fresh_database  # noqa: E402

DB = "covenant_bench_report"


def add_activities(covenant, orgs) -> None:
    from covenant.activities import services as act

    year = covenant.years.get(number=4)
    for i in range(10):
        project = act.activity_create(
            covenant=covenant,
            kind="project",
            title=f"Project {i}",
            start_date=year.start,
            organiser=orgs[i],
            participants=orgs[i + 1 : i + 4],
            themes=["child_labour"],
            countries=["IN"],
            results="Resultaten " * 20,
            lessons="Lessen " * 10,
            status="running",
        )
        act.project_update_add(
            activity=project, date=year.start + dt.timedelta(days=30), text="Voortgang", author=None
        )
    for i in range(8):
        session = act.activity_create(
            covenant=covenant,
            kind="session",
            title=f"Kennissessie {i}",
            start_date=year.start + dt.timedelta(days=20 * i),
        )
        act.participant_counts_set(activity=session, counts={"companies": (12, 3)})
    for i in range(4):
        training = act.activity_create(
            covenant=covenant,
            kind="training",
            title=f"Training {i}",
            start_date=year.start + dt.timedelta(days=40 * i),
            capacity=30,
            registration_open=True,
        )
        for j in range(20):
            act.training_register(
                activity=training,
                name=f"P{j}",
                organisation_name="X",
                email=f"p{i}-{j}@bench.test",
                consent=True,
                send_email=False,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = bench_env(DB)
    with fresh_database(DB):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        os.environ.update(env)
        os.environ["DEBUG"] = "true"  # in-process: static files without collectstatic
        print(f"building {args.companies} companies with monitoring and activities …", flush=True)
        from bench.monitoring_dashboard import build

        build(args.companies)
        from django.test import Client

        from covenant.accounts.models import Role, User
        from covenant.covenants.models import Covenant, Organisation
        from covenant.reports import rendering, services
        from covenant.reports.models import Report
        from covenant.reports.pdf import build_pdf, typst_source
        from covenant.reports.presentation import report_view

        covenant = Covenant.objects.get(slug="bench")
        add_activities(covenant, list(Organisation.objects.filter(kind="company")[:20]))
        report = services.report_create(covenant=covenant, year=covenant.years.get(number=4))
        services.report_request_approval(report=report)
        steering = User.objects.create_user("sg@bench.test", "x" * 12)
        Role.objects.create(user=steering, covenant=covenant, kind="steering")
        services.report_approve(report=report, user=steering)
        services.report_publish(report=report, build_pdf=False)
        report.refresh_from_db()

        client = Client()
        url = f"/reports/{report.code}/?lang=nl"
        client.get(url, HTTP_HOST="127.0.0.1")
        html = []
        for _ in range(args.runs * 4):
            start = time.perf_counter()
            assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200
            html.append(time.perf_counter() - start)

        build_pdf(report_view(report, "nl"))  # start the chart engine once, as a worker has
        pdf_times, typst_times, pages = [], [], 0
        for _ in range(args.runs):
            rendering._svg.cache_clear()
            start = time.perf_counter()
            fresh = Report.objects.select_related("covenant", "year").get(pk=report.pk)
            view = report_view(fresh, "nl")
            pdf, source = build_pdf(view)
            pdf_times.append(time.perf_counter() - start)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        import typst

        with tempfile.TemporaryDirectory() as tmp:
            files = {}
            for name, svg in view.charts.items():
                (Path(tmp) / f"chart-{name}.svg").write_text(svg, encoding="utf-8")
                files[name] = f"chart-{name}.svg"
            main_file = Path(tmp) / "report.typ"
            main_file.write_text(typst_source(view, files), encoding="utf-8")
            for _ in range(args.runs):
                start = time.perf_counter()
                typst.compile(str(main_file), root=tmp)
                typst_times.append(time.perf_counter() - start)
    html_ms = statistics.median(html) * 1000
    pdf_s = statistics.median(pdf_times)
    typst_s = statistics.median(typst_times)
    print(f"HTML report page   {html_ms:8.1f} ms (median of {len(html)})")
    print(f"PDF build, e2e     {pdf_s:8.3f} s  (median of {len(pdf_times)}, {pages} pages)")
    print(f"bare typst compile {typst_s:8.3f} s  (median of {len(typst_times)})")
    print(
        json.dumps(
            {
                "companies": args.companies,
                "html_ms": round(html_ms, 1),
                "pdf_s": round(pdf_s, 3),
                "typst_s": round(typst_s, 3),
                "ratio": round(pdf_s / typst_s, 2),
                "pages": pages,
            }
        )
    )


if __name__ == "__main__":
    main()
