"""tools/check-backup, end to end: a nightly pg_dump of a small ward restores and checks out
with the audit key it was written with, and is refused with any other key.

PostgreSQL only: the script restores `pg_dump --format=custom` files with pg_restore.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from renraku.audit.keys import audit_key
from renraku.audit.models import AuditEntry
from renraku.directory.actions import reveal_personal_contact
from renraku.directory.queries import org_summary
from renraku.testing import database_url, make_org, make_people

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "check-backup"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="tools/check-backup restores pg_dump files: run with RENRAKU_DATABASE_URL=postgres://…",
)


def pg_bin() -> str:
    """The client tools of the server's own major version (as .ci/run finds PG_BIN), else
    those on PATH: a pg_dump older than the server refuses to dump it."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    matching = Path(f"/usr/lib/postgresql/{major}/bin")
    if (matching / "pg_dump").exists():
        return str(matching)
    found = shutil.which("pg_dump")
    if found is None:
        pytest.skip("no pg_dump (Debian: postgresql-client)")
    return str(Path(found).parent)


def nightly_backup(tmp_path: Path) -> tuple[Path, str]:
    """pg_dump of the test database as the guide's nightly job takes it."""
    bin_dir = pg_bin()
    dump = tmp_path / "renraku.dump"
    subprocess.run(  # noqa: S603  (our own paths and the test database's URL)
        [f"{bin_dir}/pg_dump", "--format=custom", f"--file={dump}", database_url()],
        check=True,
        capture_output=True,
    )
    return dump, bin_dir


def check_backup(dump: Path, key: Path, bin_dir: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(SCRIPT), str(dump), str(key), database_url()],
        env={**os.environ, "PG_BIN": bin_dir},
        capture_output=True,
        text=True,
        timeout=600,
    )


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["renraku_check_%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def ward_with_an_audit_trail(committed_db):
    people = make_people(make_org())
    call_command("account", "role", people.alice.username, role="sender")
    reveal_personal_contact(people.dave, people.alice.staff, reason="安否確認")
    call_command("account", "role", people.alice.username, role="staff")
    return people


def test_a_good_backup_restores_and_every_check_passes(ward_with_an_audit_trail, tmp_path):
    dump, bin_dir = nightly_backup(tmp_path)
    key = tmp_path / "audit.key"
    key.write_bytes(audit_key())

    result = check_backup(dump, key, bin_dir)

    assert result.returncode == 0, result.stdout + result.stderr
    verdict = result.stdout.strip()
    assert verdict.startswith("check-backup: OK:")
    assert "migrations current" in verdict
    assert f"audit chain intact ({AuditEntry.objects.count()} entries)" in verdict
    assert f"{org_summary()['staff']} staff" in verdict
    assert scratch_databases() == []  # the restored copy of everyone's data is gone


def test_a_backup_checked_with_the_wrong_audit_key_fails_naming_the_audit(
    ward_with_an_audit_trail, tmp_path
):
    dump, bin_dir = nightly_backup(tmp_path)
    wrong = tmp_path / "not-the-audit.key"
    wrong.write_text("a key nobody wrote the log with\n")

    result = check_backup(dump, wrong, bin_dir)

    assert result.returncode == 1
    verdict = result.stdout.strip()
    assert verdict.startswith("check-backup: FAILED (audit):")
    assert "audit chain broken at entry #1" in verdict
    assert "migrations current" in verdict  # the other checks still ran and passed
    assert scratch_databases() == []
