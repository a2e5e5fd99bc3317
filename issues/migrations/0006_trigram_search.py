"""Trigram (pg_trgm) GIN indexes for the queues' text search, on PostgreSQL only.

``icontains`` on title, description and enterprise name becomes ``UPPER(col) LIKE UPPER(%q%)``; the
indexes are on ``UPPER(col)`` so PostgreSQL serves those from the index. SQLite (development) skips
this migration's SQL: its lists are small enough to scan.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS req_title_trgm ON issues_request USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS req_description_trgm ON issues_request USING gin (UPPER(description) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS enterprise_name_trgm ON orgs_enterprise USING gin (UPPER(name) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS req_title_trgm",
    "DROP INDEX IF EXISTS req_description_trgm",
    "DROP INDEX IF EXISTS enterprise_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("issues", "0005_fill_current_due_at"), ("orgs", "0001_initial")]
    operations = [on_postgresql(CREATE, DROP)]
