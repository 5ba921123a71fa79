"""One-tap answer tokens never reach the server's logs: the token in /a/<token>/ lets
whoever reads it answer for that person."""

import contextlib
import datetime
import logging
import subprocess
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from renraku.broadcast.links import token_for
from renraku.testing import database_url
from renraku.web.accesslog import RedactingLogger, RedactTokens
from renraku.web.tests.conftest import start_server

TOKEN = "42:1uAbCd:Zx9-secretsignature_Q"


def _access_line(path: str, referer: str = "-") -> str:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone)",
    }
    request = SimpleNamespace(headers=[("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=0.01))
    # gunicorn's default format, plus the raw header and environ forms a site may log.
    line = Config().access_log_format % atoms
    return " ".join([line, atoms["U"], atoms["{referer}i"], atoms["{raw_uri}e"]])


def test_answer_link_token_is_hidden_in_the_access_line():
    line = _access_line(f"/a/{TOKEN}/")
    assert TOKEN not in line
    assert '"GET /a/…/ HTTP/1.1" 200 1234' in line


def test_voice_hook_token_is_hidden_but_its_step_kept():
    line = _access_line(f"/hooks/voice/{TOKEN}/?step=answer")
    assert TOKEN not in line
    assert "/hooks/voice/…/?step=answer" in line


def test_the_answer_pages_files_do_not_leak_the_token_through_their_referer():
    line = _access_line("/static/web/renraku.css", referer=f"https://renraku.example/a/{TOKEN}/")
    assert TOKEN not in line
    assert "https://renraku.example/a/…/" in line


def test_other_paths_are_logged_as_they_are():
    for path in ("/admin/", "/alerts/12/", "/static/admin/js/core.js", "/directory/?q=a/b"):
        assert f"GET {path} HTTP/1.1" in _access_line(path)


def test_djangos_not_found_warning_hides_the_token():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/a/{TOKEN}/",), None
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == "Not Found: /a/…/"


@pytest.fixture
def served_log(committed_db, django_db_blocker, tmp_path):
    """`renraku serve` on a free port with everything it prints kept in a file."""
    with django_db_blocker.unblock():
        url = database_url()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        try:
            process, base = start_server(
                url, "--workers", "1", stdout=out, stderr=subprocess.STDOUT
            )
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}{log.read_text()}") from None
    yield base, log
    process.terminate()
    process.wait(timeout=10)


def test_renraku_serve_logs_answer_requests_without_their_token(served_log):
    base, log = served_log
    # A genuine signature (for a recipient that does not exist: Django logs its 404 too).
    token = token_for(987654)
    for path, referer in ((f"/a/{token}/", ""), ("/static/web/renraku.css", f"{base}/a/{token}/")):
        request = urllib.request.Request(base + path, headers={"Referer": referer})  # noqa: S310
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5).close()  # noqa: S310
    deadline = time.monotonic() + 10
    while log.read_text().count("GET /") < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert '"GET /a/…/ HTTP/1.1" 404' in text
    assert f'"{base}/a/…/"' in text  # the stylesheet's Referer
    assert "Not Found: /a/…/" in text
    assert token not in text
    assert token.split(":")[-1] not in text
