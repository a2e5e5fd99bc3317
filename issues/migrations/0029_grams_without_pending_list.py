"""The grams indexes of 0027 without ``fastupdate``, on PostgreSQL only (SQLite has none), as 0024 and 0025
build theirs.

Every change of a request writes a new version of its row, and each version adds the grams of its title and
description, a few hundred entries. With ``fastupdate`` a GIN index gathers them in a pending list that every
search reads through until VACUUM (or the writer that takes the list past ``gin_pending_list_limit``) merges
it. At a million requests 1,500 changed requests filled 640 pages of it, and reading an absent pair's ids
then took 3.4–4.1 ms instead of 0.06 ms. Without the list each entry goes into the index as the row is
written: updating 300 requests took 315–442 ms, against 232–296 ms with the list and 205–210 ms without the
grams indexes, about half a millisecond more a row version (docs/performance.md, "Chinese text search").

Turning the option off leaves the entries already pending in the list, so they are merged here.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

INDEXES = ("req_title_grams", "req_description_grams", "enterprise_name_grams")


class Migration(migrations.Migration):
    dependencies = [("issues", "0028_grams_parallel_unsafe")]
    operations = [
        on_postgresql(
            [f"ALTER INDEX {name} SET (fastupdate = off)" for name in INDEXES]
            + [f"SELECT gin_clean_pending_list('{name}'::regclass)" for name in INDEXES],
            [f"ALTER INDEX {name} SET (fastupdate = on)" for name in INDEXES],
        )
    ]
