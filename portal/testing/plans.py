"""What PostgreSQL gives one index for a query, in a test (a test database is small enough to be read whole or
by any index, so the choice among indexes says nothing there)."""

import re

from django.db import connection


def plan_with(queryset, index: str, keep: tuple[str, ...] = (), *, sorting: bool = True) -> list[str]:
    """The plan of ``queryset`` (its ids) with every other index of its table dropped (not those of
    constraints, nor those named in ``keep``) and no whole-table read allowed; with ``sorting`` False, no
    sort either where an index can give the order. Run it inside the test's transaction, which puts the
    indexes back."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorting:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(
            "SELECT indexname FROM pg_indexes i WHERE tablename = %s AND indexname <> ALL(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [queryset.model._meta.db_table, [index, *keep]],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"EXPLAIN {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def index_conditions(queryset, index: str, keep: tuple[str, ...] = ()) -> list[str]:
    """The ``Index Cond`` lines of the scans of ``index`` in the plan of ``queryset`` (``plan_with``)."""
    plan = plan_with(queryset, index, keep)
    # "Bitmap Index Scan on <index>", "Index [Only] Scan using <index> on <table>"
    scans = [i for i, line in enumerate(plan) if re.search(rf"(Scan on|Scan using) {index}\b", line)]
    return [plan[i + 1].strip() for i in scans if i + 1 < len(plan) and "Index Cond" in plan[i + 1]]
