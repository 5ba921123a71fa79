# The browser tests' fixtures (Chromium, `renraku serve` on the test database, a phone-sized
# page), shared with renraku/web/tests rather than written twice.
from renraku.web.tests.conftest import browser, page, server_url  # noqa: F401
