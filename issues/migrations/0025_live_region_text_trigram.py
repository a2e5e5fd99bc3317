"""A trigram (pg_trgm) GIN index of the live requests (open or answered) led by their region, on PostgreSQL
only (SQLite skips it, as 0006 and 0018 do).

A supervisor's text search counts its live tabs over the scope's live requests, and on 全部 most urgent
first reads its running ones for the page (``queues.PagedByIds``). Both read each of the scope's live
requests to compare the text: a city's 2,543 for a common word (环评审批, 209 matches), about 5,000
buffers for the counts and 3,000 for the page. With the region as one more key (``btree_gin``, created by
0024), PostgreSQL intersects the scope's entries with the word's trigrams and reads only the matches: the
counts 2,900 buffers, the page 870 (docs/performance.md). The predicate is the live states the queries
name, so the index is a few percent of the requests and stays the size of the live work.

Without ``fastupdate``: a GIN index otherwise gathers new entries in a pending list that every search reads
through until VACUUM merges it. The live requests change all day (a reminder sweep rewrote thousands), and
with 3,718 entries pending (404 pages) a city's search took 101 ms instead of 39. Each entry now goes into
the index as its row is written, which for the live requests' small index costs little.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS req_live_region_text_trgm ON issues_request USING gin "
    "(region_id, UPPER(title) gin_trgm_ops, UPPER(description) gin_trgm_ops) "
    "WITH (fastupdate = off) WHERE status IN ('submitted', 'in_progress', 'info_needed', 'answered')",
]
DROP = ["DROP INDEX IF EXISTS req_live_region_text_trgm"]


class Migration(migrations.Migration):
    dependencies = [("issues", "0024_dispatch_request_text")]
    operations = [on_postgresql(CREATE, DROP)]
