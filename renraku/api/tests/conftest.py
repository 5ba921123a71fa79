import json

import pytest

from renraku.accounts.models import ApiToken


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Delivery runs as the task is enqueued, so a test sees what reached people."""


@pytest.fixture
def api(client, django_capture_on_commit_callbacks):
    """Calls the API as an integration does: a Bearer token and a JSON body. Delivery
    (queued on commit) runs before the call returns."""

    class Api:
        def token(self, user, *scopes, name="防災システム"):
            _token, raw = ApiToken.issue(user, name, scopes=list(scopes) or None)
            return raw

        def get(self, path, raw, **extra):
            return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)

        def post(self, path, raw, body=None, *, key=None, **extra):
            if key is not None:
                extra["HTTP_IDEMPOTENCY_KEY"] = key
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(
                    path,
                    json.dumps(body or {}),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                    **extra,
                )

    return Api()
