"""What PostgreSQL gives one index for a query, in a test (a test database is small enough to be read whole or
by any index, so the choice among indexes says nothing there)."""

import re

from django.db import connection


def index_conditions(queryset, index: str) -> list[str]:
    """The ``Index Cond`` lines of the scans of ``index`` in the plan of ``queryset`` (its ids), with every
    other index of its table dropped (not those of constraints) and no whole-table read allowed. Run it inside
    the test's transaction, which puts the indexes back."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SELECT indexname FROM pg_indexes i WHERE tablename = %s AND indexname <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [queryset.model._meta.db_table, index],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    # "Bitmap Index Scan on <index>", "Index [Only] Scan using <index> on <table>"
    scans = [i for i, line in enumerate(plan) if re.search(rf"(Scan on|Scan using) {index}\b", line)]
    return [plan[i + 1].strip() for i in scans if i + 1 < len(plan) and "Index Cond" in plan[i + 1]]
