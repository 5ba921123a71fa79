import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone

from renraku.accounts.models import ApiToken


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_made_on_the_command_line_reads_the_api(client, people):
    out = io.StringIO()
    call_command(
        "token", "create", "--user", people.bob.username, "--name", "防災システム", stdout=out
    )
    raw = out.getvalue().strip()
    assert raw.startswith("rk_")
    assert not ApiToken.objects.filter(digest=raw).exists()  # only the digest is stored
    response = client.get("/api/v1/staff", {"q": "あおき"}, **bearer(raw))
    assert response.status_code == 200
    [alice] = response.json()["results"]
    assert alice["name"] == "青木 愛"
    assert "personal_mobile" not in alice and "090-1111-2222" not in response.text
    assert client.get("/api/v1/org/summary", **bearer(raw)).json()["staff"] == 5


def test_unknown_expired_and_revoked_tokens_are_refused(client, people):
    assert client.get("/api/v1/org/summary", **bearer("rk_nope")).status_code == 401
    _expired, raw_expired = ApiToken.issue(people.bob, "old", timezone.now() - dt.timedelta(days=1))
    assert client.get("/api/v1/org/summary", **bearer(raw_expired)).status_code == 401
    token, raw = ApiToken.issue(people.bob, "revoked")
    call_command("token", "revoke", token.hint, stdout=io.StringIO())
    assert client.get("/api/v1/org/summary", **bearer(raw)).status_code == 401


def test_the_api_without_a_token_asks_for_one(client, people):
    assert client.get("/api/v1/org/summary").status_code == 401


def test_a_token_of_someone_who_left_stops_working(client, people):
    _token, raw = ApiToken.issue(people.mallory, "old integration")
    assert client.get("/api/v1/org/summary", **bearer(raw)).status_code == 401
