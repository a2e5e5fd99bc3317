"""An index of the characters and pairs (``portal_grams``, 0027) of the tasks' copy of their request's title
and description (0024), led by the department, on PostgreSQL only (SQLite skips it, as 0024 does).

A department's search for a term of one or two characters has no trigram to read (0024's index serves the
longer ones), so it compared the text of each of the department's tasks: the province's busiest department
has 3,994, spread over 3,634 table pages (9.4 ms for 用地 at a million requests). With the department as
the first key (``btree_gin``, created by 0024) PostgreSQL reads the department's matches alone: its 340
tasks that hold 用地. The department queue's short search asks for it (``issues.filters.task_text_matches``).
Built in about a minute at a million requests (121 MB for 1,142,332 tasks). Without ``fastupdate``, as 0029.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

CREATE = [
    "CREATE INDEX IF NOT EXISTS dispatch_department_text_grams ON issues_dispatch USING gin "
    "(department_id, portal_grams(UPPER(request_title)), portal_grams(UPPER(request_description))) "
    "WITH (fastupdate = off)",
]
DROP = ["DROP INDEX IF EXISTS dispatch_department_text_grams"]


class Migration(migrations.Migration):
    dependencies = [("issues", "0031_open_submitted_index")]
    operations = [on_postgresql(CREATE, DROP)]
