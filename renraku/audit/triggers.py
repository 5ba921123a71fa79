"""The SQL that makes the database itself refuse UPDATE and DELETE on the audit log.

Used by migration 0002, and by the test suite, which must lift them to empty the table
between tests that commit.
"""

_INSTALL = {
    "sqlite": [
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    ],
    "postgresql": [
        """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;""",
        """CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
           FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
        """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
           FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
    ],
}
_REMOVE = {
    "sqlite": ["DROP TRIGGER audit_no_update;", "DROP TRIGGER audit_no_delete;"],
    "postgresql": [
        "DROP TRIGGER audit_no_truncate ON audit_auditentry;",
        "DROP TRIGGER audit_no_change ON audit_auditentry;",
        "DROP FUNCTION audit_refuse_change();",
    ],
}


def install(connection):
    _run(connection, _INSTALL[connection.vendor])


def remove(connection):
    _run(connection, _REMOVE[connection.vendor])


def _run(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
