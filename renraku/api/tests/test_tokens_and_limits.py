import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from renraku.accounts.models import ApiToken
from renraku.api import actions
from renraku.audit.models import AuditEntry


def create(*args) -> str:
    out = io.StringIO()
    call_command("token", "create", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_line_gives_a_token_its_scopes(api, people):
    bob = people.bob.username
    both = create("--user", bob, "--name", "防災", "--scope", "alerts", "--scope", "directory")
    listed = create("--user", bob, "--name", "ポータル", "--scope", "directory,bulletin")
    plain = create("--user", bob, "--name", "人事")
    scopes = {t.name: t.scopes for t in ApiToken.objects.all()}
    assert scopes == {
        "防災": ["alerts", "directory"],
        "ポータル": ["bulletin", "directory"],
        "人事": ["directory"],  # as every token was before scopes
    }
    assert api.get("/api/v1/alerts/1", both).status_code == 404  # in: no such alert
    assert api.get("/api/v1/alerts/1", listed).status_code == 403
    assert api.get("/api/v1/alerts/1", plain).status_code == 403
    assert api.get("/api/v1/org/summary", plain).status_code == 200
    [made] = AuditEntry.objects.filter(action="accounts.token_created", detail__name="防災")
    assert made.detail["scopes"] == ["alerts", "directory"]
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    assert "alerts,directory" in out.getvalue()


def test_an_unknown_scope_makes_no_token(people):
    with pytest.raises(CommandError, match="unknown scope: send"):
        create("--user", people.bob.username, "--name", "x", "--scope", "send")
    assert not ApiToken.objects.exists()


def test_a_token_with_only_the_alerts_scope_cannot_read_the_directory(api, people):
    raw = api.token(people.bob, "alerts")
    response = api.get("/api/v1/staff", raw, data={"q": "あおき"})
    assert response.status_code == 403
    assert response.json()["scope"] == "directory"


def test_revoked_and_expired_tokens_cannot_send(api, people):
    _expired, old = ApiToken.issue(
        people.bob, "old", timezone.now() - dt.timedelta(days=1), scopes=["alerts"]
    )
    token, revoked = ApiToken.issue(people.bob, "revoked", scopes=["alerts"])
    call_command("token", "revoke", token.hint, stdout=io.StringIO())
    for raw in (old, revoked, "rk_nope"):
        assert api.post("/api/v1/alerts", raw, {"title": "x"}, key="k").status_code == 401
        assert api.get("/api/v1/alerts/1", raw).status_code == 401


def test_every_use_of_a_token_is_audited(api, people):
    raw = api.token(people.bob, "directory")
    api.get("/api/v1/staff", raw, data={"q": "あおき"})
    api.get("/api/v1/alerts/1", raw)
    uses = AuditEntry.objects.filter(action="api.used").order_by("seq")
    assert [(u.detail["method"], u.detail["path"], u.detail["status"]) for u in uses] == [
        ("GET", "/api/v1/staff", 200),
        ("GET", "/api/v1/alerts/1", 403),
    ]
    assert {u.actor_user_id for u in uses} == {people.bob.pk}
    assert "あおき" not in str([u.detail for u in uses])  # who was searched for is not kept


@pytest.fixture
def one_minute(monkeypatch):
    """Every request in the same clock minute, however slowly the test runs."""
    fixed = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(actions, "timezone", SimpleNamespace(now=lambda: fixed))
    return fixed


def test_a_token_over_its_rate_is_told_when_to_come_back(api, people, settings, one_minute):
    settings.API_RATE_PER_MINUTE = 3
    raw = api.token(people.bob, "directory")
    codes = [api.get("/api/v1/org/summary", raw).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = api.get("/api/v1/org/summary", raw)
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    # another token has its own count
    assert api.get("/api/v1/org/summary", api.token(people.bob)).status_code == 200
    # the first refusal is audited, not each one after it
    statuses = [
        e.detail["status"]
        for e in AuditEntry.objects.filter(action="api.used", detail__token="防災システム")
    ]
    assert sorted(statuses) == [200, 200, 200, 200, 429]


def test_the_count_starts_again_each_minute(people):
    token, _raw = ApiToken.issue(people.bob, "x")
    now = timezone.now().replace(second=59, microsecond=0)
    assert actions.count_request(token, now)[0] == 1
    assert actions.count_request(token, now) == (2, 1)
    assert actions.count_request(token, now + dt.timedelta(seconds=2)) == (1, 59)
