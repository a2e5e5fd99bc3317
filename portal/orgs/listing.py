"""The regions and the active departments as plain rows, kept by each process between requests.

A province has about 1,400 departments, and the work lists' filter and bulk-dispatch forms list them
on every page (and the regions, whose SLA policies set the rows' reminder lead times): reading the
rows and writing their ``<option>``s took about 10 ms a page. A process
keeps them, with what is derived from them (labels, rendered options), under the token of
``OrgRevision`` they were read with. Each page reads the token (one single-row query) and reads the
rows again only when it has changed. Every change to a region or a department changes the token in
its own transaction (signals on save and delete; bulk writers call ``changed()``), so a page that
sees the new token also sees the new rows (or newer ones, read later), and a rolled-back change
leaves the old token. The apps above keep rows of their own with the listing the same way (``derived``):
the models they read are ``watch``ed, so that a change to them changes the token too (the requests'
categories and SLA policies, issues/apps.py).
"""

import uuid
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from django.utils.functional import cached_property

from portal.statements import Statement

from .models import Department, OrgRevision, Region


class DepartmentRow(NamedTuple):
    pk: int
    name: str
    region_id: int
    region_name: str
    region_path: str


class RegionRow(NamedTuple):
    pk: int
    code: str
    name: str
    level: str
    path: str


class Listing:
    """The regions (by path) and the active departments in their usual order (region path, then name) of
    ``token``, each read when first used (an enterprise's list needs no departments)."""

    def __init__(self, token: uuid.UUID | None):
        self.token = token
        self._derived: dict = {}

    @cached_property
    def regions(self) -> tuple[RegionRow, ...]:
        rows = Region.objects.order_by("path").values_list("pk", "code", "name", "level", "path")
        return tuple(RegionRow(*row) for row in rows)

    @cached_property
    def departments(self) -> tuple[DepartmentRow, ...]:
        rows = (
            Department.objects.filter(is_active=True)
            .order_by("region__path", "name")
            .values_list("pk", "name", "region_id", "region__name", "region__path")
        )
        return tuple(DepartmentRow(*row) for row in rows)

    def derived(self, key, make: Callable):
        """``make()``, computed once per listing and kept with it (``key`` names what it is)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = make()
            return value

    def within(self, paths: tuple[str, ...] | None) -> tuple[DepartmentRow, ...]:
        """The departments of the regions under ``paths`` (all of them for ``None``)."""
        if paths is None:
            return self.departments
        return self.derived(
            ("within", paths), lambda: tuple(d for d in self.departments if d.region_path.startswith(paths))
        )

    def regions_within(self, paths: tuple[str, ...] | None, towns: bool = True) -> tuple[RegionRow, ...]:
        """The regions under ``paths`` (all of them for ``None``), without the towns unless ``towns``."""

        def make():
            return tuple(
                r
                for r in self.regions
                if (towns or r.level != Region.Level.TOWN) and (paths is None or r.path.startswith(paths))
            )

        return self.derived(("regions", paths, towns), make)

    def region_paths(self) -> tuple[tuple[int, str], ...]:
        """(id, path) of every region: what ``issues.deadlines.policies_by_region`` reads."""
        return self.derived("paths", lambda: tuple((r.pk, r.path) for r in self.regions))

    def label_of(self, row: DepartmentRow) -> str:
        """The name, with the region where the same name is used in several regions ("人社局")."""
        names = self.derived("names", lambda: Counter(d.name for d in self.departments))
        return f"{row.name}（{row.region_name}）" if names[row.name] > 1 else row.name


_kept: Listing | None = None


# the token's query, compiled once (portal/statements.py): every list page asks it
_TOKEN = Statement(lambda: OrgRevision.objects.filter(key=1).order_by("key").values_list("token")[:1], ((), ()))


def current() -> Listing:
    """The listing of the current token: the kept one, or read now (and kept) when the token changed."""
    global _kept
    found = _TOKEN.rows()
    token = found[0][0] if found else None
    kept = _kept
    if kept is not None and token is not None and kept.token == token:
        return kept
    listing = Listing(token)
    if token is not None:  # no revision row (a flushed database): read every time until one is written
        _kept = listing
    return listing


def watch(model) -> None:
    """Saving or deleting a ``model`` row changes the token: for a model whose rows are kept with the
    listing (``Listing.derived``). Its bulk writers call ``changed()``."""
    from django.db.models.signals import post_delete, post_save

    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(changed, sender=model, dispatch_uid=f"orgs-listing-{model._meta.label}-{name}")


def changed(**_signal) -> None:
    """Give the regions and departments a new token, in the current transaction."""
    token = uuid.uuid4()
    if not OrgRevision.objects.filter(key=1).update(token=token):
        OrgRevision.objects.get_or_create(key=1, defaults={"token": token})
