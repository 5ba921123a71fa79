"""Checkpoints: the head of the chain (seq and hash), written down outside the database.

The key stops someone who owns only the database from rewriting the chain; it does not
stop them deleting its tail, and it does not stop someone who also holds the key. A
checkpoint does: once the auditors have the e-mail saying "#1234 was abc…", an entry up to
#1234 cannot be changed or removed without `renraku audit verify` saying so.
"""

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from .actions import record
from .models import GENESIS_HASH, AuditEntry

_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str

    def line(self) -> str:
        return json.dumps(asdict(self))


class BadCheckpointFile(ValueError):
    pass


def write_checkpoint(path: Path | None = None) -> Checkpoint:
    """Append the head of the chain to the checkpoint file (one JSON line) and return it."""
    head = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    checkpoint = Checkpoint(
        seq=head["seq"] if head else 0,
        hash=head["hash"] if head else GENESIS_HASH,
        at=timezone.localtime().isoformat(timespec="seconds"),
    )
    with open(path or settings.AUDIT_CHECKPOINT_FILE, "a", encoding="utf-8") as f:
        f.write(checkpoint.line() + "\n")
    return checkpoint


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in a file of JSON lines (blank lines and e-mail quoting's `> `
    are allowed, so an auditor can paste the lines from the e-mails)."""
    checkpoints = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip().lstrip(">").strip()
        if not line:
            continue
        try:
            value = json.loads(line)
            seq, digest = value["seq"], value["hash"]
            # Exactly what write_checkpoint writes; anything else (1e400, "12", a short
            # hash) is a damaged or forged line, said as such rather than a traceback.
            if type(seq) is not int or seq < 0 or not _HASH.fullmatch(str(digest)):
                raise ValueError
            checkpoints.append(Checkpoint(seq, digest, str(value["at"])))
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
            raise BadCheckpointFile(f"{path}, line {number}: not a checkpoint") from None
    return checkpoints


def send_checkpoint(to: list[str]) -> Checkpoint:
    """Write a checkpoint and e-mail it to `to` (the active auditors: who they are is
    accounts' to say), out of reach of whoever runs the server and its database; the
    sending is itself recorded in the log."""
    checkpoint = write_checkpoint()
    if to:
        # Straight to the mail server, not through the notices pipeline: the checkpoint
        # must reach the auditors when the queue, its workers or the pipeline's tables are
        # what failed (or were tampered with), and an auditor need not be in the directory.
        send_mail(
            _("renraku audit checkpoint #%(seq)s") % {"seq": checkpoint.seq},
            _(
                "The audit log's entry #%(seq)s has this hash. Keep this e-mail: "
                "`renraku audit verify --checkpoints FILE`, with the line below in FILE, "
                "shows whether any entry up to it was changed or removed since.\n\n%(line)s\n"
            )
            % {"seq": checkpoint.seq, "line": checkpoint.line()},
            None,
            to,
        )
    record(
        "audit.checkpoint_sent",
        target=f"audit:{checkpoint.seq}",
        detail={"seq": checkpoint.seq, "hash": checkpoint.hash, "to": to},
    )
    return checkpoint
