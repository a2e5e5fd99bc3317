"""SQL that only PostgreSQL runs, for migrations: trigram and grams indexes, their extensions and functions.
SQLite (the development default) has none of them and skips the statements."""

from django.db import migrations


def on_postgresql(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """A migration operation that executes ``forward`` (and ``backward`` when unapplied) one statement at a
    time on PostgreSQL, and nothing on other databases."""

    def statements(sqls):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            for sql in sqls:
                schema_editor.execute(sql)

        return run

    return migrations.RunPython(statements(forward), statements(backward))
