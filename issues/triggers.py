"""The database keeps each task's copy of its request's state (``Dispatch.request_status``) and of its
request's title and description (``Dispatch.request_title``, ``Dispatch.request_description``).

For each copy, on PostgreSQL and on SQLite alike:

- a task, when inserted or moved to another request, takes its request's current state (its text);
- a request whose state (title or description) changes hands it to all its tasks, in the same statement's
  transaction.

That is two triggers a copy on PostgreSQL and three on SQLite, where the insert and the move are two.
Nothing in the portal writes a copy itself: a writer that does (a fill, a test) is trusted to write the
request's value.

They live in the database rather than in ``Request.save`` because not every writer passes through it: a
``QuerySet.update(status=…)`` in a maintenance script or a test, a bulk load (``bench/scale.py`` writes
with COPY, ``seeds/history.py`` with ``bulk_create``), an operator's SQL. Installed by migration
``issues.0021_dispatch_request_status``. SQLite drops a table's triggers when a migration rebuilds the
table (its way of altering a column), so after every ``migrate`` ``ensure_triggers`` puts back the
SQLite ones that are missing; PostgreSQL keeps them through ``ALTER TABLE``. The text's triggers were
installed later, by ``issues.0024_dispatch_request_text``: ``statements(vendor, copy=TEXT)``.

SQLite rebuilds a table under a new name and refuses the rename while a trigger on the other table names
it ("error in trigger …: no such table"): a migration that adds, removes or alters a column of the
requests or of the tasks runs ``migrations.RunPython(triggers.sqlite_off, triggers.sqlite_on)`` before it
and ``sqlite_on`` after it (a no-op on PostgreSQL), as 0024 does.
"""

STATUS = "status"
TEXT = "text"

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


# the text's copy: the department queue's search finds its tasks' matches by the task index of department and
# text (issues.0024) instead of reading each task's request
TEXT_POSTGRESQL = [
    # FOR SHARE, as for the state: a task inserted while its request's text is being changed takes the new text
    """CREATE OR REPLACE FUNCTION issues_dispatch_take_request_text() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        found record;
    BEGIN
        SELECT title, description INTO found FROM issues_request WHERE id = NEW.request_id FOR SHARE;
        NEW.request_title := COALESCE(found.title, '');
        NEW.request_description := COALESCE(found.description, '');
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS dispatch_take_request_text ON issues_dispatch",
    """CREATE TRIGGER dispatch_take_request_text BEFORE INSERT OR UPDATE OF request_id ON issues_dispatch
    FOR EACH ROW EXECUTE FUNCTION issues_dispatch_take_request_text()""",
    """CREATE OR REPLACE FUNCTION issues_request_give_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE issues_dispatch SET request_title = NEW.title, request_description = NEW.description
        WHERE request_id = NEW.id
          AND (request_title IS DISTINCT FROM NEW.title OR request_description IS DISTINCT FROM NEW.description);
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS request_give_text ON issues_request",
    """CREATE TRIGGER request_give_text AFTER UPDATE OF title, description ON issues_request
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION issues_request_give_text()""",
]

TEXT_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS request_give_text ON issues_request",
    "DROP FUNCTION IF EXISTS issues_request_give_text()",
    "DROP TRIGGER IF EXISTS dispatch_take_request_text ON issues_dispatch",
    "DROP FUNCTION IF EXISTS issues_dispatch_take_request_text()",
]

_TAKE_TEXT = (
    "UPDATE issues_dispatch SET "
    "request_title = COALESCE((SELECT title FROM issues_request WHERE id = NEW.request_id), ''), "
    "request_description = COALESCE((SELECT description FROM issues_request WHERE id = NEW.request_id), '') "
    "WHERE id = NEW.id"
)
TEXT_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS dispatch_take_request_text AFTER INSERT ON issues_dispatch
    FOR EACH ROW BEGIN {_TAKE_TEXT}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS dispatch_take_request_text_moved AFTER UPDATE OF request_id ON issues_dispatch
    FOR EACH ROW BEGIN {_TAKE_TEXT}; END""",
    """CREATE TRIGGER IF NOT EXISTS request_give_text AFTER UPDATE OF title, description ON issues_request
    FOR EACH ROW WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
    BEGIN UPDATE issues_dispatch SET request_title = NEW.title, request_description = NEW.description
    WHERE request_id = NEW.id
      AND (request_title IS NOT NEW.title OR request_description IS NOT NEW.description); END""",
]

TEXT_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS request_give_text",
    "DROP TRIGGER IF EXISTS dispatch_take_request_text_moved",
    "DROP TRIGGER IF EXISTS dispatch_take_request_text",
]

TEXT_FILL = (
    "UPDATE issues_dispatch SET request_title = issues_request.title, request_description = issues_request.description "
    "FROM issues_request WHERE issues_request.id = issues_dispatch.request_id "
    "AND (issues_dispatch.request_title <> issues_request.title "
    "OR issues_dispatch.request_description <> issues_request.description)"
)

_STATEMENTS = {
    (STATUS, "postgresql"): (POSTGRESQL, POSTGRESQL_DROP),
    (STATUS, "sqlite"): (SQLITE, SQLITE_DROP),
    (TEXT, "postgresql"): (TEXT_POSTGRESQL, TEXT_POSTGRESQL_DROP),
    (TEXT, "sqlite"): (TEXT_SQLITE, TEXT_SQLITE_DROP),
}
# the column each copy's SQLite triggers need: a database migrated to before it has no such triggers yet
_SQLITE_COLUMN = {STATUS: "request_status", TEXT: "request_title"}


def statements(vendor: str, *, drop: bool = False, copy: str = STATUS) -> list[str]:
    """The triggers of one copy (``STATUS`` or ``TEXT``) on ``vendor``, or the statements that drop them."""
    try:
        install, remove = _STATEMENTS[copy, vendor]
    except KeyError:
        raise NotImplementedError(f"no {copy} copy triggers for {vendor}") from None
    return remove if drop else install


def sqlite_off(apps, schema_editor) -> None:
    """A migration's step before SQLite rebuilds the requests' or the tasks' table: every copy's triggers off."""
    if schema_editor.connection.vendor == "sqlite":
        for copy in _SQLITE_COLUMN:
            for sql in statements("sqlite", drop=True, copy=copy):
                schema_editor.execute(sql)


def sqlite_on(apps, schema_editor) -> None:
    """A migration's step after such a rebuild: the triggers of every copy whose column exists, back on."""
    ensure_triggers(schema_editor.connection.alias)


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
        columns = {row[1] for row in cursor.fetchall()}
        for copy, column in _SQLITE_COLUMN.items():
            if column in columns:  # else migrated to a state before the copy existed
                for sql in statements("sqlite", copy=copy):
                    cursor.execute(sql)
