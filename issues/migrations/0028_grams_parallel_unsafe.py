"""``portal_grams`` (0027) declared ``PARALLEL UNSAFE``, on PostgreSQL only: a query that names it runs in one
process.

Its queries read a short term's matches from the grams indexes: a few posting lists, under a millisecond.
Declared expensive (``COST 10000``) and estimated at thousands of rows for a pair outside the statistics,
they looked large enough to PostgreSQL to start a parallel worker, and starting it took 7–9 ms of the
10 ms a supervisor's read of an absent pair took at a million requests; alone, the read takes 0.06 ms.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql


class Migration(migrations.Migration):
    dependencies = [("issues", "0027_short_term_grams")]
    operations = [
        on_postgresql(
            ["ALTER FUNCTION portal_grams(text) PARALLEL UNSAFE"], ["ALTER FUNCTION portal_grams(text) PARALLEL SAFE"]
        )
    ]
