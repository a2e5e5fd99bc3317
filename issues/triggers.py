"""The database keeps each task's copy of its request's state (``Dispatch.request_status``).

Two triggers, on PostgreSQL and on SQLite alike:

- a task, when inserted or moved to another request, takes its request's current state;
- a request whose state changes hands the new state to all its tasks, in the same statement's transaction.

They live in the database rather than in ``Request.save`` because not every writer passes through it: a
``QuerySet.update(status=…)`` in a maintenance script or a test, a bulk load (``bench/scale.py`` writes
with COPY, ``seeds/history.py`` with ``bulk_create``), an operator's SQL. Installed by migration
``issues.0021_dispatch_request_status``. SQLite drops a table's triggers when a migration rebuilds the
table (its way of altering a column), so after every ``migrate`` ``ensure_triggers`` puts back the
SQLite ones that are missing; PostgreSQL keeps them through ``ALTER TABLE``.
"""

POSTGRESQL = [
    # FOR SHARE waits for a transaction that is changing the request's state, then reads the state it left
    """CREATE OR REPLACE FUNCTION issues_dispatch_take_request_status() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        found text;
    BEGIN
        SELECT status INTO found FROM issues_request WHERE id = NEW.request_id FOR SHARE;
        NEW.request_status := COALESCE(found, '');
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS dispatch_take_request_status ON issues_dispatch",
    """CREATE TRIGGER dispatch_take_request_status BEFORE INSERT OR UPDATE OF request_id ON issues_dispatch
    FOR EACH ROW EXECUTE FUNCTION issues_dispatch_take_request_status()""",
    """CREATE OR REPLACE FUNCTION issues_request_give_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE issues_dispatch SET request_status = NEW.status
        WHERE request_id = NEW.id AND request_status IS DISTINCT FROM NEW.status;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS request_give_status ON issues_request",
    """CREATE TRIGGER request_give_status AFTER UPDATE OF status ON issues_request
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION issues_request_give_status()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS request_give_status ON issues_request",
    "DROP FUNCTION IF EXISTS issues_request_give_status()",
    "DROP TRIGGER IF EXISTS dispatch_take_request_status ON issues_dispatch",
    "DROP FUNCTION IF EXISTS issues_dispatch_take_request_status()",
]

# SQLite cannot change NEW in a BEFORE trigger: the task is corrected just after it is written
_TAKE = (
    "UPDATE issues_dispatch SET request_status = "
    "COALESCE((SELECT status FROM issues_request WHERE id = NEW.request_id), '') WHERE id = NEW.id"
)
SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS dispatch_take_request_status AFTER INSERT ON issues_dispatch
    FOR EACH ROW BEGIN {_TAKE}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS dispatch_take_request_status_moved AFTER UPDATE OF request_id ON issues_dispatch
    FOR EACH ROW BEGIN {_TAKE}; END""",
    """CREATE TRIGGER IF NOT EXISTS request_give_status AFTER UPDATE OF status ON issues_request
    FOR EACH ROW WHEN OLD.status IS NOT NEW.status
    BEGIN UPDATE issues_dispatch SET request_status = NEW.status
    WHERE request_id = NEW.id AND request_status IS NOT NEW.status; END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS request_give_status",
    "DROP TRIGGER IF EXISTS dispatch_take_request_status_moved",
    "DROP TRIGGER IF EXISTS dispatch_take_request_status",
]

# the copy for the tasks already written: one pass over the tasks joined to their requests
FILL = (
    "UPDATE issues_dispatch SET request_status = issues_request.status FROM issues_request "
    "WHERE issues_request.id = issues_dispatch.request_id AND issues_dispatch.request_status <> issues_request.status"
)


def statements(vendor: str, *, drop: bool = False) -> list[str]:
    if vendor == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL
    if vendor == "sqlite":
        return SQLITE_DROP if drop else SQLITE
    raise NotImplementedError(f"no request-state triggers for {vendor}")


def ensure_triggers(using: str = "default", **kwargs) -> None:
    """post_migrate: the SQLite triggers a table rebuild dropped are made again (a no-op when present)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'issues_dispatch'")
        if cursor.fetchone() is None:
            return
        cursor.execute("PRAGMA table_info(issues_dispatch)")
        if "request_status" not in {row[1] for row in cursor.fetchall()}:
            return  # migrated to a state before the copy existed
        for sql in SQLITE:
            cursor.execute(sql)
