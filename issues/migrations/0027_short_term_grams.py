"""An index of the single characters and character pairs of the requests' titles, descriptions and the
enterprises' names, on PostgreSQL only (SQLite skips it, as 0006 does), for searches of one or two
characters.

A trigram needs three characters of the term, so ``LIKE '%氢能%'`` gets nothing from the trigram indexes of
0006, and many Chinese words are two characters long. A common one is found quickly by walking the newest
requests until a page matches; a rare or absent one read every request of the scope: 8.2 s for the
province's supervisor at a million requests, 2.9 s for a city's.

``portal_grams(text)`` lists the distinct characters and distinct pairs of adjacent characters of a text,
so a term of one or two characters is in a text exactly when it is one of its grams: ``portal_grams(UPPER
(title)) @> ARRAY[UPPER(term)]`` holds for the same rows as ``title ILIKE '%term%'`` (``UPPER`` as the
trigram indexes and Django's ``icontains`` use it). Its declared cost is high, so PostgreSQL asks the index
for it and never works it out row by row on the table. The work lists take a short term's matching ids from
these indexes first (``issues.filters.short_term_ids``) and, when they are few, page through those ids.

Built with ``fastupdate`` (the default), which 0029 turns off: each new version of a row (every change of
state) adds its grams, and in a pending list they were read through by every short search until VACUUM
merged them (docs/performance.md, "Chinese text search"). 0028 declares the function ``PARALLEL UNSAFE``.
"""

from django.db import migrations

from portal.migration_sql import on_postgresql

FUNCTION = r"""
CREATE OR REPLACE FUNCTION portal_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
        SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
    ) AS grams
$$
"""

CREATE = [
    FUNCTION,
    "CREATE INDEX IF NOT EXISTS req_title_grams ON issues_request USING gin (portal_grams(UPPER(title)))",
    "CREATE INDEX IF NOT EXISTS req_description_grams ON issues_request USING gin (portal_grams(UPPER(description)))",
    "CREATE INDEX IF NOT EXISTS enterprise_name_grams ON orgs_enterprise USING gin (portal_grams(UPPER(name)))",
]
DROP = [
    "DROP INDEX IF EXISTS enterprise_name_grams",
    "DROP INDEX IF EXISTS req_description_grams",
    "DROP INDEX IF EXISTS req_title_grams",
    "DROP FUNCTION IF EXISTS portal_grams(text)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0026_running_due_index"),
        ("orgs", "0001_initial"),
    ]
    operations = [on_postgresql(CREATE, DROP)]
