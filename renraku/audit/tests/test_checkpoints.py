import io
import json

import pytest
from django.core.management import call_command

from renraku.accounts.models import Role
from renraku.audit.actions import record
from renraku.audit.models import AuditEntry
from renraku.testing import make_staff, make_user


def test_the_checkpoint_command_appends_the_head_and_prints_it(db, settings):
    for i in range(3):
        record("test.event", actor="tester", target=f"thing:{i}")
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    call_command("audit", "checkpoint", stdout=io.StringIO())
    printed = json.loads(out.getvalue())
    head = AuditEntry.objects.get(seq=3)
    assert (printed["seq"], printed["hash"]) == (3, head.hash) and printed["at"]
    lines = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0]) == printed


def test_the_daily_task_mails_the_checkpoint_to_active_auditors_only(people, org, smtp, settings):
    from renraku.monitoring.tasks import send_audit_checkpoint

    departed = make_user(make_staff(org, work_email="old.auditor@city.example"), Role.AUDITOR)
    departed.is_active = False
    departed.save(update_fields=["is_active"])
    record("test.event", actor="tester")
    head = AuditEntry.objects.order_by("-seq").first()

    send_audit_checkpoint.call_local()

    assert [rcpts for rcpts, _message in smtp.messages] == [[people.erin.email]]
    body = smtp.to(people.erin.email)[0].get_content()
    line = next(line for line in body.splitlines() if line.startswith("{"))
    assert json.loads(line)["seq"] == head.seq and json.loads(line)["hash"] == head.hash
    assert settings.AUDIT_CHECKPOINT_FILE.read_text().strip() == line
    sent = AuditEntry.objects.get(action="audit.checkpoint_sent")
    assert sent.detail["to"] == [people.erin.email] and sent.detail["seq"] == head.seq
    send_audit_checkpoint.call_local()  # a second worker host's schedule, the same morning
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    "line",
    [
        '{"seq": 1e400, "hash": "a", "at": "b"}',
        '{"seq": "3", "hash": "' + "0" * 64 + '", "at": "x"}',
        '{"seq": 3, "hash": "short", "at": "x"}',
        "[[[[[[[[[[" * 1000,
    ],
)
def test_a_damaged_checkpoint_line_is_said_to_be_damaged(tmp_path, line):
    from renraku.audit.checkpoints import BadCheckpointFile, read_checkpoints

    path = tmp_path / "checkpoints.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(BadCheckpointFile, match="line 1"):
        read_checkpoints(path)
