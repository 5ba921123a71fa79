"""Where a request's time goes: `python benchmarks/profile_web.py --requests 100`.

For the pages the crowd benchmarks measure (the floor GET and POST, a post's first open,
a booking), on a scratch SQLite database, through Django's own WSGI handler and the whole
middleware (no server, no network): each request made `--requests` times under cProfile,
each by a different signed-in person (so every open is a first open, every booking new),
after a warm-up. Prints one JSON object per page: CPU ms per request; the cumulative ms
per request of the parts that matter (session, user, CSRF, each middleware's hooks, the
view, templates, the database); the functions that cost most themselves; and each SQL
statement of one request with its time. Profiling slows Python code about 1.5–2×: compare
the parts with each other and with the floor, not with the benchmarks' figures.
"""

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._load import CSRF  # noqa: E402
from benchmarks._setup import make_staff, scratch_django, signed_in  # noqa: E402

# (label, file fragment, function name): summed cumulative time per request.
PARTS = [
    ("whole request", "django/core/handlers/base.py", "get_response"),
    ("session: load and decode", "sessions/backends/db.py", "load"),
    ("session: save (when changed)", "sessions/backends/db.py", "save"),
    ("user: get_user (query + hash check)", "contrib/auth/__init__.py", "get_user"),
    ("CSRF: process_view", "middleware/csrf.py", "process_view"),
    ("CSRF: process_response", "middleware/csrf.py", "process_response"),
    ("locale: process_request", "middleware/locale.py", "process_request"),
    ("locale: process_response", "middleware/locale.py", "process_response"),
    ("security: process_request", "middleware/security.py", "process_request"),
    ("security: process_response", "middleware/security.py", "process_response"),
    ("CSP: process_response", "csp/middleware.py", "process_response"),
    ("whitenoise: __call__", "whitenoise/middleware.py", "__call__"),
    ("common: process_request", "middleware/common.py", "process_request"),
    ("common: process_response", "middleware/common.py", "process_response"),
    ("OTP middleware: __call__", "django_otp/middleware.py", "__call__"),
    ("OTP: _verify_user", "django_otp/middleware.py", "_verify_user"),
    ("API token middleware", "accounts/middleware.py", "__call__"),
    ("messages: process_response", "messages/middleware.py", "process_response"),
    ("clickjacking: process_response", "middleware/clickjacking.py", "process_response"),
    ("htmx: __call__", "django_htmx/middleware.py", "__call__"),
    ("URL resolving", "django/urls/resolvers.py", "resolve"),
    ("view: post_page", "bulletin/", "post_page"),
    ("view: book", "dialogues/views.py", "book"),
    ("view: floor", "web/floor.py", "floor"),
    ("record 既読 (record_read)", "bulletin/", "record_read"),
    ("booking (actions.book)", "dialogues/actions.py", "book"),
    ("booking form (is_valid)", "django/forms/forms.py", "is_valid"),
    ("audit record", "audit/actions.py", "record"),
    ("notify.invite", "dialogues/notify.py", "invite"),
    ("templates: render", "django/template/base.py", "render"),
    ("templates: get_template", "django/template/loader.py", "get_template"),
    ("templates: forms' widgets", "django/forms/boundfield.py", "as_widget"),
    ("templates: forms' field templates", "django/forms/boundfield.py", "__str__"),
    ("templates: {% url %} and reverse()", "django/urls/base.py", "reverse"),
    ("templates: {% static %}", "django/templatetags/static.py", "render"),
    ("templates: {% cache %} fragments", "django/templatetags/cache.py", "render"),
    ("templates: {% translate %}, {% blocktranslate %}", "django/templatetags/i18n.py", "render"),
    ("templates: dates formatted", "django/utils/dateformat.py", "format"),
    ("templates: {% csrf_token %} (get_token)", "django/middleware/csrf.py", "get_token"),
    ("context processors", "django/template/context.py", "bind_template"),
    ("translations (gettext)", "django/utils/translation/trans_real.py", "gettext"),
    ("database: execute (all queries)", "django/db/backends/utils.py", "_execute"),
    ("database: sqlite3 execute", "django/db/backends/sqlite3/base.py", "execute"),
    ("database: commit", "django/db/backends/base/base.py", "commit"),
    ("ORM: compile SQL", "django/db/models/sql/compiler.py", "as_sql"),
    ("ORM: build model instances", "django/db/models/base.py", "from_db"),
    ("signing (HMAC)", "django/utils/crypto.py", "salted_hmac"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100, help="profiled, per page")
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--pages", default="floor_get,post,floor_post,book")
    args = parser.parse_args()
    scratch_django()
    import os

    os.environ["RENRAKU_BENCHMARK_FLOOR"] = "1"
    from django.urls import clear_url_caches

    import renraku.urls  # noqa: F401  (routed now, with the floor)

    clear_url_caches()
    world = build(args.staff)
    pages = {
        "floor_get": lambda cookie: ("GET", "/_floor/", cookie, None, 200),
        "post": lambda cookie: ("GET", f"/bulletin/{world['post']}/", cookie, None, 200),
        "floor_post": lambda cookie: ("POST", "/_floor/", cookie, {}, 200),
        "book": lambda cookie: (
            "POST",
            f"/dialogues/slots/{world['slot']}/book/",
            cookie,
            {"topic": "防災訓練について話したいです。", "members": ""},
            302,
        ),
    }
    cookies = iter(world["cookies"])
    report = {}
    for name in args.pages.split(","):
        report[name] = profile(pages[name], cookies, args.requests)
    print(json.dumps(report, ensure_ascii=False, indent=1))


def build(n: int) -> dict:
    from django.utils import timezone

    from renraku.bulletin import actions as bulletin
    from renraku.dialogues import actions as dialogues
    from renraku.dialogues.models import Host, Kind
    from renraku.directory.models import Staff

    make_staff(n + 1)
    staff = list(Staff.objects.order_by("pk").values_list("pk", "employee_number"))
    host = Host.objects.create(staff_id=staff[0][0])
    slot = dialogues.add_slot(
        kind=Kind.objects.get(code="lunch"),
        host=host,
        start=timezone.now() + dt.timedelta(days=7),
        seats=500,
    )
    users = signed_in(staff[1:])
    author = bulletin.system_author()
    post = bulletin.save_draft(
        author,
        title="【全職員】台風接近に伴う勤務体制について",
        body="台風の接近に伴い、本日の勤務体制を次のとおりとします。" * 20,
        audience={"all": True},
        authorised=True,
    )
    post = bulletin.publish(post)
    return {"post": post.pk, "slot": slot.pk, "cookies": [c for _u, c in users]}


def call(handler, method, path, cookie, form, expected):
    from django.test.client import FakePayload
    from django.utils.http import urlencode

    body = urlencode(form or {}).encode()
    cookie = f"{cookie}; csrftoken={CSRF}" if method == "POST" else cookie
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_X_CSRFTOKEN": CSRF,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": FakePayload(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    statuses = []
    chunks = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    status = int(statuses[0].split()[0])
    if status != expected:
        raise SystemExit(f"{method} {path}: {statuses[0]}, expected {expected}")


def profile(page, cookies, n: int) -> dict:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    handler = WSGIHandler()
    for _ in range(5):  # templates compiled, caches filled, connection open
        call(handler, *page(next(cookies)))
    sql = []

    def timed(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql.append((round((time.perf_counter() - started) * 1000, 3), statement[:300]))

    with connection.execute_wrapper(timed):
        call(handler, *page(next(cookies)))

    timings = []
    for _ in range(n):  # without the profiler: what a request costs here
        started = time.process_time()
        call(handler, *page(next(cookies)))
        timings.append((time.process_time() - started) * 1000)
    profiler = cProfile.Profile()
    for _ in range(n):
        arguments = page(next(cookies))
        profiler.enable()
        call(handler, *arguments)
        profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    return {
        "cpu_ms_per_request": round(sorted(timings)[len(timings) // 2], 2),
        "queries": len(sql),
        "query_ms": round(sum(t for t, _q in sql), 2),
        "parts_cum_ms_per_request_profiled": parts(stats, n),
        "self_ms_per_request_by_package_profiled": by_package(stats, n),
        "top_self_ms_per_request_profiled": top(stats, n, 25),
        "ours_cum_ms_per_request_profiled": ours(stats, n, 25),
        "sql": sql,
    }


# Several functions of that name, none inside another: summed.
SUMMED = {
    "ORM: compile SQL",
    "ORM: build model instances",
    "templates: {% translate %}, {% blocktranslate %}",
}


def parts(stats, n: int) -> dict:
    """Each part's cumulative time: the outermost of the functions that match (a render
    inside a render is not counted twice), or their sum for SUMMED."""
    found = {}
    for label, fragment, name in PARTS:
        times = [
            ct
            for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
            if function == name and fragment in filename
        ]
        total = sum(times) if label in SUMMED else max(times, default=0)
        if total:
            found[label] = round(total * 1000 / n, 3)
    return found


# Where a function's own time counts, by the first fragment its file's path contains.
PACKAGES = [
    ("ORM: queries built, compiled, rows made into objects", "django/db/models/"),
    ("database driver and backend (SQLite's C code too)", "django/db/backends/"),
    ("templates", "django/template/"),
    ("forms", "django/forms/"),
    ("sessions, auth, messages", "django/contrib/"),
    ("middleware (Django's)", "django/middleware/"),
    ("URL resolving", "django/urls/"),
    ("request, response, handlers", "django/http/"),
    ("request, response, handlers", "django/core/handlers/"),
    ("translation, signing, other utils", "django/utils/"),
    ("other Django", "django/"),
    ("renraku's own code", "renraku/"),
    ("CSP, whitenoise, OTP, htmx", "site-packages/"),
    ("Python's standard library", "/lib/python3"),
]


def by_package(stats, n: int) -> dict:
    totals: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if filename == "~":  # built-ins: the SQLite driver's calls are most of them
            label = "built-ins (sqlite3 execute, str, dict …)"
        else:
            label = next((lb for lb, part in PACKAGES if part in filename), "other")
        totals[label] = totals.get(label, 0) + tt
    return {
        label: round(total * 1000 / n, 2)
        for label, total in sorted(totals.items(), key=lambda item: -item[1])
    }


def ours(stats, n: int, count: int) -> list:
    """renraku's functions and templates by cumulative time: which of our parts cost."""
    rows = [
        (f"{Path(filename).parent.name}/{Path(filename).name}:{line}:{function}", ct, nc)
        for (filename, line, function), (_cc, nc, _tt, ct, _callers) in stats.stats.items()
        if "/renraku/" in filename and "/benchmarks/" not in filename
    ]
    rows.sort(key=lambda row: -row[1])
    return [[name, round(ct * 1000 / n, 3), nc] for name, ct, nc in rows[:count]]


def top(stats, n: int, count: int) -> list:
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return [
        [
            f"{Path(filename).parent.name}/{Path(filename).name}:{line}:{function}",
            round(tt * 1000 / n, 3),
            nc,
        ]
        for (filename, line, function), (_cc, nc, tt, _ct, _callers) in rows
    ]


if __name__ == "__main__":
    main()
