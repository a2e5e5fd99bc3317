"""Each task carries a copy of its request's title and description, kept by triggers (issues/triggers.py), and
on PostgreSQL one trigram (GIN) index of the task's department and that text.

The department queue's search looked for its matches by reading the request of each of the department's
tasks: a province's busiest department has about 3,800, and at about 5.5 µs a probe that was 23 ms for every
search, whatever the word. The new index holds the department as one more key (``btree_gin``, a trusted
extension like ``pg_trgm``), so PostgreSQL intersects the department's entries with the word's trigrams and
reads only the tasks that match. Without ``fastupdate``, as 0025 explains: every change of a request's state
rewrites its tasks (the state's copy), and a pending list of new entries would be read through by every
search until VACUUM.

The copy of the tasks already written is one ``UPDATE … FROM`` joined to the requests, and the index is built
after it. On PostgreSQL the whole migration is one transaction, as 0021: the triggers exist before the copy is
taken, and no change of text falls between the two. SQLite gets the copy and its triggers but no index; it
adds the columns by building the table anew, so the triggers are taken off for that and put back after
(``triggers.sqlite_off``, ``sqlite_on``).

On PostgreSQL the migration holds the tasks' table locked from the new columns to the index: on a province's
1.14 million tasks about two and a half minutes, during which no task is read or written (docs/operations.md,
"Upgrading").
"""

from django.db import migrations, models

from issues import triggers

INDEX = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS dispatch_department_text_trgm ON issues_dispatch USING gin "
    "(department_id, UPPER(request_title) gin_trgm_ops, UPPER(request_description) gin_trgm_ops) "
    "WITH (fastupdate = off)",
]
INDEX_DROP = ["DROP INDEX IF EXISTS dispatch_department_text_trgm"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        triggers.sqlite_on(apps, schema_editor)  # the state's and the text's
    else:
        for sql in triggers.statements(vendor, copy=triggers.TEXT):
            schema_editor.execute(sql)
    schema_editor.execute(triggers.TEXT_FILL)
    if vendor == "postgresql":
        for sql in INDEX:
            schema_editor.execute(sql)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in INDEX_DROP:
            schema_editor.execute(sql)
    if vendor == "sqlite":
        triggers.sqlite_off(apps, schema_editor)  # for the columns' removal; back on after it
    else:
        for sql in triggers.statements(vendor, drop=True, copy=triggers.TEXT):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0023_live_index_carries_the_id"),
    ]

    operations = [
        migrations.RunPython(triggers.sqlite_off, triggers.sqlite_on),
        migrations.AddField(
            model_name="dispatch",
            name="request_title",
            field=models.CharField(
                db_default="", default="", editable=False, max_length=100, verbose_name="request title"
            ),
        ),
        migrations.AddField(
            model_name="dispatch",
            name="request_description",
            field=models.TextField(db_default="", default="", editable=False, verbose_name="request description"),
        ),
        migrations.RunPython(install, remove),
    ]
