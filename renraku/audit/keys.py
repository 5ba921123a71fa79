"""The secret that keys the audit chain, kept outside the database.

Whoever owns the database can rewrite an entry and recompute every later hash; with an
HMAC they cannot, unless they also hold this key. So it lives in the environment
(RENRAKU_AUDIT_KEY) or a file only the app's user reads, never in a table. Back it up
apart from the database: without it the chain can no longer be verified.
"""

import functools
import os
import secrets
from pathlib import Path

from django.conf import settings


def audit_key() -> bytes:
    return _load(settings.AUDIT_KEY, Path(settings.AUDIT_KEY_FILE))


@functools.cache
def _load(from_environment: str, path: Path) -> bytes:
    if from_environment:
        return from_environment.encode()
    if not path.exists():
        _create(path)
    return path.read_text().strip().encode()


def _create(path: Path) -> None:
    """Write a new key, readable by our user only. Two processes starting together must
    not each make one (half the log would then be keyed with a key nobody kept): the key
    is written in full under a temporary name and linked into place, which only one can.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process was first; its key is the key
    finally:
        temporary.unlink()
