"""Browser tests: Debian's Chromium driven by Playwright, against `renraku serve` (gunicorn,
as in production) running in its own process on the test database. The fixtures here are
registered once, by renraku/conftest.py."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections

from renraku.testing import database_url

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium reaches out to Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


def keep_screenshot(page, name: str, *, full_page: bool = True) -> None:
    """A picture of the page in test-results/ for a person to look at, when
    RENRAKU_SCREENSHOTS is set: encoding a full-page PNG costs CPU every run needs for
    the tests themselves, and nothing checks the pictures."""
    if os.environ.get("RENRAKU_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


# Playwright's sync API keeps an event loop running in this thread; Django would then
# refuse the test's own (synchronous, ordinary) database calls without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: str, *args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE):
    """`renraku serve --no-worker` on a free port of loopback, on `database` (a URL), once
    it answers /healthz; returns (process, base URL)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "renraku.cli", "serve", "--no-worker", "--port", str(port), *args],
        env={**os.environ, "RENRAKU_DATABASE_URL": database},
        stdout=stdout,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.stderr.read().decode()[-2000:] if process.stderr else ""
                raise RuntimeError(f"renraku serve did not start: {said}") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def server_url(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        url = database_url()
    process, base = start_server(url)
    yield base
    process.terminate()
    process.wait(timeout=10)
    with django_db_blocker.unblock():
        _wait_for_server_sessions_to_close()


def _wait_for_server_sessions_to_close():
    """PostgreSQL ends a backend a moment after its client exits; until it has, the test
    database cannot be dropped."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 10
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.1)
    finally:
        connection.close()  # this check's own session must not hold the database either


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (tools/ensure-chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url, committed_db, request):
    """A fresh phone-sized browser context (no cookies), at the server's address."""
    context = browser.new_context(
        base_url=server_url, locale="ja-JP", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    keep_screenshot(page, request.node.name)
    context.close()
    # Under Playwright's event loop Django gives this test its own connection (connections
    # are per context); close it, or the test database cannot be dropped at the end.
    connections.close_all()


def signed_in_page(browser, server_url, user):
    """A new browser context for `user`, signed in past two-factor without typing: the
    session is made server-side and handed over as its cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()
    page = browser.new_context(base_url=server_url, locale="ja-JP").new_page()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": server_url}]
    )
    return page


def assert_accessible(page, *, allow_impacts=("minor", "moderate")):
    """axe-core (bundled with axe-playwright-python, nothing fetched) over the page as it
    is now: no serious or critical violation of WCAG 2.1 A/AA."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] not in allow_impacts
    ]
    assert not serious, f"{page.url}: " + " | ".join(serious)
