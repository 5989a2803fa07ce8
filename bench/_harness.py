"""Shared pieces of the benchmarks: a throw-away PostgreSQL database, a gunicorn server, and a
load generator that reports percentiles. Every benchmark measures its reference in the same run."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def bench_env(db_name: str) -> dict[str, str]:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return {
        **os.environ,
        "DATABASE_URL": f"{base}/{db_name}",
        "DJANGO_SETTINGS_MODULE": "covenant.settings",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_CONN_MAX_AGE": "60",
    }


@contextlib.contextmanager
def fresh_database(db_name: str):
    """Create an empty PostgreSQL database for the run and drop it afterwards."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        yield
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(env: dict[str, str], workers: int = 2):
    """Run the app under gunicorn on a free local port; yield the port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "covenant.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def percentiles(latencies: list[float]) -> dict:
    latencies = sorted(latencies)
    return {
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "n": len(latencies),
        "latencies": latencies,
    }


def load_interleaved(
    port: int,
    pages: dict[str, tuple[str, str]],
    rounds: int,
    clients: int = 16,
    per_client: int = 4,
) -> dict[str, dict]:
    """Load each page (name → (path, cookie)) in turn, `rounds` times over, and pool each page's
    latencies: every page sees the same spread of load on a noisy machine."""
    pooled: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for name, (path, cookie) in pages.items():
            pooled[name] += load(port, path, cookie, clients, per_client)["latencies"]
    return {name: percentiles(latencies) for name, latencies in pooled.items()}


def load(port: int, path: str, cookie: str, clients: int = 16, per_client: int = 10) -> dict:
    """Send `clients` × `per_client` GET requests concurrently; return latency percentiles."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(per_client):
            start = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append(f"{path}: {response.status}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"requests failed: {errors[:3]}")
    return percentiles(latencies)
