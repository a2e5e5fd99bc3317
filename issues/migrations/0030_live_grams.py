"""An index of the characters and pairs (``portal_grams``, 0027) of the live requests' titles and
descriptions, led by their region, on PostgreSQL only (SQLite skips it, as 0025 does).

A short term that the requests' grams find too often for a page of ids (``issues.filters.short_term_ids``:
a common pair such as 用地, in 8% of the requests) is searched by the plain condition, and a supervisor's
live tabs were counted by reading every live request of the scope to compare its text: the province's
15,103, 21 ms of its counts at a million requests. The grams indexes of 0027 hold every request, so for
such a pair they return 84,000 entries each (29 ms). This one holds the live requests only, and with the
region as its first key (``btree_gin``, created by 0024) PostgreSQL reads the scope's matches alone: 1,218
for the province in 6.7 ms, 47 for a city in 0.4 ms. The live counts ask for it (``filters.live_grams``).

The predicate is the live states the queries name (``queues.LIVE_STATUSES``), so the index stays the size
of the live work (5 MB at a million requests, built in 1.3 s). Without ``fastupdate``, as 0025 and 0029.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

CREATE = [
    "CREATE INDEX IF NOT EXISTS req_live_grams ON issues_request USING gin "
    "(region_id, portal_grams(UPPER(title)), portal_grams(UPPER(description))) "
    "WITH (fastupdate = off) WHERE status IN ('submitted', 'in_progress', 'info_needed', 'answered')",
]
DROP = ["DROP INDEX IF EXISTS req_live_grams"]


class Migration(migrations.Migration):
    dependencies = [("issues", "0029_grams_without_pending_list")]
    operations = [on_postgresql(CREATE, DROP)]
