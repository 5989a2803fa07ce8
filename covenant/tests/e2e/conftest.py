"""Fixtures and helpers shared by the browser tests (Debian's Chromium driven by Playwright).

Each test gets a fresh database with the demo data, served by pytest-django's `live_server`
(`site`), and fresh browser contexts (`new_page`, `page`); the browser itself is started
once per test module (`browser`).

`audit(page, name)` saves a full-page screenshot to `test-artifacts/screens/<name>.png` and
fails on serious or critical axe-core violations. `login(page, role)` logs in through the
real forms, with the TOTP code for the secretariat.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Locator, Page, Response, expect, sync_playwright

from covenant.accounts.management.commands.demo_logins import current_totp_code
from covenant.conftest import ROLE_EMAILS
from covenant.covenants import demo as demo_data
from covenant.demo import load_all

ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
FAILING_IMPACTS = {"serious", "critical"}

METALS = f"/covenants/{demo_data.METALS_SLUG}"
MANAGE = f"{METALS}/manage"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread, so Django refuses database
    # calls from the test (and from pytest-django's flush) without this switch.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, transactional_db) -> str:
    """The live server's URL, with the demo data loaded."""
    load_all()
    return live_server.url


@pytest.fixture
def new_page(browser: Browser, site: str):
    """Return a function that opens a page in a fresh browser context (no cookies)."""
    contexts = []
    errors: list[str] = []

    def make(language: str | None = None) -> Page:
        context = browser.new_context(base_url=site, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("response", lambda r: _check_subresource(r, errors))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "Errors in the browser:\n" + "\n".join(errors)


def _check_subresource(response: Response, errors: list[str]) -> None:
    """Record a style sheet, script or image of the site that failed to load."""
    request = response.request
    if (
        response.status >= 400
        and request.resource_type in {"stylesheet", "script", "image", "font"}
        and not request.url.endswith("/favicon.ico")
    ):
        errors.append(f"{request.url}: HTTP {response.status}")


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


# --- helpers --------------------------------------------------------------------------------


def audit(page: Page, name: str) -> None:
    """Save a screenshot of the page and fail on serious or critical axe-core violations."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True)
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    failing = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}  {node['html'][:160]}" for node in v["nodes"])
        for v in failing
    ]
    assert not failing, f"axe-core on {name} ({page.url}):\n" + "\n".join(report)


def submit(button: Locator) -> None:
    """Click a submit button and wait for the page it leads to."""
    with button.page.expect_navigation():
        button.click()


def heading(page: Page) -> Locator:
    return page.locator("main h1")


def messages(page: Page) -> Locator:
    return page.locator("main .messages")


def _wait_for_fresh_totp_window() -> None:
    # A TOTP code is valid only in its 30-second window: do not start just before its end.
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.2)


def login(page: Page, role: str, *, check: bool = False) -> None:
    """Log in through allauth's forms, with the TOTP code when the role needs it.

    With `check`, the login page and the two-factor page are audited on the way.
    """
    cache.clear()  # allauth refuses a TOTP code that was used before in its window
    page.goto("/accounts/login/")
    if check:
        audit(page, "login")
    form = page.locator("main form").filter(has=page.locator("input[name=login]"))
    form.locator("input[name=login]").fill(ROLE_EMAILS[role])
    form.locator("input[name=password]").fill(demo_data.DEMO_PASSWORD)
    submit(form.locator("button[type=submit]"))
    if page.url.endswith("/accounts/2fa/authenticate/"):
        if check:
            audit(page, "login-two-factor")
        _wait_for_fresh_totp_window()
        form = page.locator("main form").filter(has=page.locator("input[name=code]"))
        form.locator("input[name=code]").fill(current_totp_code())
        submit(form.locator("button[type=submit]:not([form])"))
    expect(page).to_have_url(re.compile(r"/home/$"))
