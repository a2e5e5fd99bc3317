"""A trigram (pg_trgm) GIN index of the title and description of the requests that are not closed, on
PostgreSQL only (SQLite skips it, as 0006).

A search over a large scope counts its live tabs and 已撤回 over these rows. With the whole table's
trigram indexes alone, a common word (环评审批: 83,000 of a province's million) costs a bitmap of every
match in the province for each of those counts; this index holds 4 % of the rows (open, answered,
withdrawn), so the same bitmap is 3,700 entries. Closed requests, nearly all of them, are not in it and
cost it nothing once closed.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

CREATE = [
    "CREATE INDEX IF NOT EXISTS req_unclosed_text_trgm ON issues_request "
    "USING gin (UPPER(title) gin_trgm_ops, UPPER(description) gin_trgm_ops) WHERE NOT (status = 'closed')",
]
DROP = ["DROP INDEX IF EXISTS req_unclosed_text_trgm"]


class Migration(migrations.Migration):
    dependencies = [("issues", "0017_request_open_project_index")]
    operations = [on_postgresql(CREATE, DROP)]
