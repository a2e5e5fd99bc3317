"""Small queries of a fixed shape, compiled once per process and database.

Every page runs a few small queries whose SQL is the same each time but for a value or two (the user's
id, today's date): the bell's unread count, the listing's token, a commissioner's paired ids, a
supervisor's region paths. Django builds and compiles each anew: 0.3–0.9 ms of Python apiece, against
0.2–0.3 ms for PostgreSQL to answer it. A ``Statement`` builds its queryset twice, with two sets of
sample values, and keeps the compiled SQL when both give the same text and the parameters that differ
are exactly the samples, each in one place; afterwards a call only puts its values in those places.
When they are not (a backend that turns a value into something else, as SQLite does a date), the
queryset is built and compiled on every call, as Django would.

From the compiled SQL the rows come as the database driver gives them, without Django's field
converters: for ids, text, counts, dates and UUIDs of PostgreSQL, the values Django gives too."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet


class Statement:
    """``build(*values)`` → a queryset whose SQL depends on ``values`` only through its parameters.
    ``samples``: two tuples of values of the kinds ``build`` takes, unlike any value it writes itself."""

    def __init__(self, build: Callable[..., QuerySet], samples: tuple[Sequence, Sequence]):
        self.build = build
        self.samples = samples
        self._compiled: dict[str, tuple[str, list, list[tuple[int, int]]] | None] = {}

    def rows(self, *values: Any, using: str = "default") -> list[tuple]:
        """The rows of ``build(*values)`` (a ``values_list`` queryset): from the compiled SQL, or where there
        is none from the queryset itself."""
        compiled = self._compiled_for(using)
        if compiled is None:
            return [tuple(row) for row in self.build(*values).using(using)]
        with connections[using].cursor() as cursor:
            cursor.execute(*self._filled(compiled, values))
            return cursor.fetchall()

    def _compiled_for(self, using: str):
        vendor = connections[using].vendor
        key = f"{using}:{vendor}"
        if key not in self._compiled:
            self._compiled[key] = self._template(using) if vendor == "postgresql" else None
        return self._compiled[key]

    @staticmethod
    def _filled(compiled, values) -> tuple[str, list]:
        sql, template, places = compiled
        params = list(template)
        for at, which in places:
            params[at] = values[which]
        return sql, params

    def _template(self, using: str):
        first, second = self.samples
        sql, params = _compiled(self.build(*first), using)
        other_sql, other_params = _compiled(self.build(*second), using)
        if sql != other_sql or len(params) != len(other_params):
            return None
        places = []
        for at, (one, other) in enumerate(zip(params, other_params, strict=True)):
            if _same(one, other):
                continue  # a value the queryset writes itself
            which = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if _same(one, a) and _same(other, b)]
            if len(which) != 1:
                return None
            places.append((at, which[0]))
        return sql, params, places


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _compiled(queryset: QuerySet, using: str) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    return sql, list(params)
