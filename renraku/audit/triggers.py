"""The SQL that makes the database itself refuse to change the audit log: no UPDATE, no
DELETE, and no INSERT but the next entry.

The last one matters on SQLite, whose `INSERT OR REPLACE` deletes the row it replaces
without firing DELETE triggers: refusing any insert whose seq is not max(seq) + 1, or whose
id is taken, stops it. (PostgreSQL's `ON CONFLICT DO UPDATE` is an UPDATE and is refused.)

Used by migrations 0002 and 0003, and by the test suite, which must lift them to empty the
table between tests that commit. `remove` drops whatever of them is there, so it also
undoes the smaller set that migration 0002 installed before 0003.
"""

_INSTALL = {
    "sqlite": [
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
        """CREATE TRIGGER audit_only_next BEFORE INSERT ON audit_auditentry
           WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_auditentry)
             OR EXISTS (SELECT 1 FROM audit_auditentry WHERE id = NEW.id)
           BEGIN SELECT RAISE(ABORT, 'the audit log takes only its next entry'); END;""",
    ],
    "postgresql": [
        """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;""",
        """CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
           FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
        """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
           FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
        # An integrity error, like a taken seq, so a writer that lost a race reads the
        # tail again (audit.actions.record) instead of failing the action it records.
        """CREATE FUNCTION audit_refuse_out_of_turn() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.seq IS DISTINCT FROM
                (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_auditentry) THEN
               RAISE EXCEPTION 'the audit log takes only its next entry'
                 USING ERRCODE = 'integrity_constraint_violation';
             END IF;
             RETURN NEW;
           END; $$;""",
        """CREATE TRIGGER audit_only_next BEFORE INSERT ON audit_auditentry
           FOR EACH ROW EXECUTE FUNCTION audit_refuse_out_of_turn();""",
    ],
}
_REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_no_update;",
        "DROP TRIGGER IF EXISTS audit_no_delete;",
        "DROP TRIGGER IF EXISTS audit_only_next;",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditentry;",
        "DROP TRIGGER IF EXISTS audit_no_change ON audit_auditentry;",
        "DROP TRIGGER IF EXISTS audit_only_next ON audit_auditentry;",
        "DROP FUNCTION IF EXISTS audit_refuse_change();",
        "DROP FUNCTION IF EXISTS audit_refuse_out_of_turn();",
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
