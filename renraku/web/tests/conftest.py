# The browser fixtures (Chromium, `renraku serve` on the test database, a phone-sized page)
# are registered once, in renraku/conftest.py, for every app's browser tests: a session
# fixture registered in two places would start a second Chromium and a second server.
# The helpers live in browsing.py; these names stay importable from here.
from .browsing import (  # noqa: F401
    CHROMIUM,
    SCREENSHOTS,
    assert_accessible,
    signed_in_page,
    start_server,
)
