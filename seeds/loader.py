"""Write the demo city's organisation to the database.

Every row is matched on a natural key (region code, department region + name,
credit code, username, pairing enterprise + commissioner + role …), so loading
twice leaves the database as it was. All random choices come from one generator
seeded with a fixed number, so every run builds the same rows.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from issues.models import SlaPolicy
from portal.orgs import listing
from portal.orgs.models import (
    Department,
    DepartmentMembership,
    Enterprise,
    EnterpriseMembership,
    Pairing,
    Region,
    SupervisorScope,
)
from projects.models import Leader, Project, ProjectPairing

from . import DEMO_PASSWORD, people
from . import departments as dept_data
from . import enterprises as ent_data
from . import projects as project_data
from . import regions as region_data
from .names import person_name

SEED = 2026
PAIRING_START = datetime.date(2024, 1, 1)
SLA_DEFAULTS = {
    "assign_days": 1,
    "answer_days": 3,
    "working_days": True,
    "reminder_lead_hours": 4,
    "auto_close_days": 7,
    "evaluation_reminder_days": 2,
}


@dataclass
class Tally:
    """Rows in the seed per model, and how many of them this run created or changed."""

    total: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def add(self, label, total, created, updated):
        self.total[label] = self.total.get(label, 0) + total
        self.created[label] = self.created.get(label, 0) + created
        self.updated[label] = self.updated.get(label, 0) + updated


def sync(model, keys, rows, tally: Tally, label: str, create_defaults=None):
    """Create the rows that are missing and update the ones that differ; return {key: instance}.

    ``rows`` are dicts of attribute names (foreign keys as ``*_id``) and must be unique on ``keys``;
    ``create_defaults`` are set on new rows only.
    """
    first = keys[0]
    existing = {
        tuple(getattr(obj, k) for k in keys): obj
        for obj in model.objects.filter(**{f"{first}__in": {row[first] for row in rows}})
    }
    result, to_create, to_update, changed_fields = {}, [], [], set()
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in result:
            raise ValueError(f"duplicate {model.__name__} in the seed: {key}")
        obj = existing.get(key)
        if obj is None:
            obj = model(**row, **(create_defaults or {}))
            to_create.append(obj)
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, row[name])
            if changed:
                to_update.append(obj)
                changed_fields.update(changed)
        result[key] = obj
    if to_create:
        model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
    tally.add(label, len(rows), len(to_create), len(to_update))
    return result


def load_regions(tally: Tally) -> dict[str, Region]:
    by_code = {region.code: region for region in Region.objects.all()}
    created = updated = 0
    for order, (code, name, level, parent_code) in enumerate(region_data.all_regions()):
        parent = by_code[parent_code] if parent_code else None
        region = by_code.get(code)
        if region is None:
            region = Region(code=code)
            created += 1
        elif (region.name, region.level, region.parent_id, region.sort_order) == (
            name,
            level,
            parent.pk if parent else None,
            order,
        ):
            continue
        else:
            updated += 1
        region.name, region.level, region.parent, region.sort_order = name, level, parent, order
        region.save()  # save() maintains the path of the region and its subtree
        by_code[code] = region
    tally.add("regions", len(region_data.all_regions()), created, updated)
    return by_code


def load_departments(regions, tally: Tally) -> dict[tuple[str, str], Department]:
    names = {code: region.name for code, region in regions.items()}
    rows = [
        {"region_id": regions[code].pk, "name": name, "short_name": short, "is_active": True}
        for code, name, short in dept_data.all_departments(names, region_data.TOWNS)
    ]
    synced = sync(Department, ("region_id", "name"), rows, tally, "departments")
    listing.changed()  # written in bulk, without their signals
    code_of = {region.pk: code for code, region in regions.items()}
    return {(code_of[region_id], name): dept for (region_id, name), dept in synced.items()}


def _district_departments(departments, district_code):
    """The bureaus of a district and the street offices of its towns."""
    towns = {code for code, _name, parent in region_data.TOWNS if parent == district_code}
    return [dept for (code, _name), dept in departments.items() if code == district_code or code in towns]


def build_people(rng, departments, enterprise_rows):
    """Plan every demo user with units, scopes, memberships and pairings (no database access)."""
    users = {}  # username -> fields (with "unit", "scope" kept aside below)
    units, scopes, members, pairings = [], [], [], []

    for username, spec in people.MAIN_USERS.items():
        fields = {k: v for k, v in spec.items() if k not in ("unit", "scope")}
        users[username] = fields
        if "unit" in spec:
            kind = "commissioner" if spec.get("is_commissioner") else "handler"
            units.append((username, departments[spec["unit"]], kind))
        if "scope" in spec:
            scopes.append((username, spec["scope"]))

    # Generated commissioners, grouped in pools per district (city cadres cover the rest).
    pools: dict[str, list[str]] = {}
    n = 0
    for district, size in people.COMMISSIONER_POOLS.items():
        if district == region_data.CITY_CODE:
            unit_choices = [departments[(district, name)] for name, _short in dept_data.CITY_DEPARTMENTS]
        else:
            unit_choices = _district_departments(departments, district)
        for i in range(size):
            n += 1
            username = f"zy{n:03d}"
            users[username] = {
                "real_name": person_name(rng),
                "phone": people.commissioner_phone(n),
                "is_commissioner": True,
            }
            units.append((username, unit_choices[i % len(unit_choices)], "commissioner"))
            pools.setdefault(district, []).append(username)

    # Handlers: one or two per department; jingban already covers the city HR bureau.
    n = 0
    for dept in departments.values():
        taken = sum(1 for _u, d, kind in units if d is dept and kind == "handler")
        for _ in range(max(rng.choice((1, 1, 2)) - taken, 0 if taken else 1)):
            n += 1
            username = f"jb{n:03d}"
            users[username] = {"real_name": person_name(rng), "phone": people.handler_phone(n), "is_handler": True}
            units.append((username, dept, "handler"))

    # Pairings: zhuanyuan / zhuanyuan_b look after 浩泰 and twenty more 奎文区 enterprises.
    home = [row for row in enterprise_rows if row["name"] == ent_data.HOME_ENTERPRISE]
    kuiwen = [row for row in enterprise_rows if row["district"] == "370705" and row not in home]
    home_group = home + kuiwen[: people.HOME_PAIRINGS]
    for row in home_group:
        pairings.append((row["credit_code"], "zhuanyuan", "A"))
        pairings.append((row["credit_code"], "zhuanyuan_b", "B"))
    home_codes = {row["credit_code"] for row in home_group}
    counters: dict[str, int] = {}
    for row in enterprise_rows:
        if row["credit_code"] in home_codes:
            continue
        pool_key = row["district"] if row["district"] in pools else region_data.CITY_CODE
        pool = pools[pool_key]
        i = counters.get(pool_key, 0)
        counters[pool_key] = i + 1
        pairings.append((row["credit_code"], pool[i % len(pool)], "A"))
        pairings.append((row["credit_code"], pool[(i + 1) % len(pool)], "B"))

    # Enterprise users: qiye for 浩泰, then one user for every tenth other enterprise.
    members.append(("qiye", home[0]["credit_code"], "办公室主任"))
    home[0]["contact_name"] = users["qiye"]["real_name"]
    home[0]["contact_phone"] = users["qiye"]["phone"]
    others = [row for row in enterprise_rows if row not in home]
    for n, row in enumerate(others[:: people.ENTERPRISE_USERS_EVERY], start=1):
        username = f"qy{n:03d}"
        phone = people.enterprise_user_phone(n)
        users[username] = {"real_name": row["contact_name"], "phone": phone, "is_enterprise_user": True}
        row["contact_phone"] = phone
        members.append((username, row["credit_code"], rng.choice(ent_data.CONTACT_TITLES)))

    return users, units, scopes, members, pairings, pools


def load_users(users: dict, tally: Tally):
    User = get_user_model()
    rows = []
    for username, spec in users.items():
        rows.append(
            {
                "username": username,
                "real_name": spec["real_name"],
                "phone": spec["phone"],
                "is_active": True,
                "is_staff": spec.get("is_staff", False),
                "is_superuser": spec.get("is_superuser", False),
                "is_enterprise_user": spec.get("is_enterprise_user", False),
                "is_commissioner": spec.get("is_commissioner", False),
                "is_handler": spec.get("is_handler", False),
                "is_supervisor": spec.get("is_supervisor", False),
            }
        )
    # Hashing is slow: hash the shared demo password once and give every new account the same hash.
    password = make_password(DEMO_PASSWORD)
    synced = sync(User, ("username",), rows, tally, "users", create_defaults={"password": password})
    # Accounts that exist without a usable password get the demo password; others keep theirs.
    User.objects.filter(username__in=users).filter(Q(password="") | Q(password__startswith="!")).update(
        password=password
    )
    return {username: user for (username,), user in synced.items()}


@transaction.atomic
def load() -> Tally:
    rng = random.Random(SEED)
    tally = Tally()

    regions = load_regions(tally)
    departments = load_departments(regions, tally)

    enterprise_rows = ent_data.generate(rng)
    project_rows = project_data.generate(rng)
    users, units, scopes, members, pairings, pools = build_people(rng, departments, enterprise_rows)

    def region_of(row):
        return regions[row["town"] or row["district"]].pk

    enterprises = sync(
        Enterprise,
        ("credit_code",),
        [
            {
                "credit_code": row["credit_code"],
                "name": row["name"],
                "region_id": region_of(row),
                "industry": row["industry"],
                "size": row["size"],
                "address": row["address"],
                "contact_name": row["contact_name"],
                "contact_phone": row["contact_phone"],
                "legal_representative": row["legal_representative"],
            }
            for row in enterprise_rows
        ],
        tally,
        "enterprises",
    )
    enterprise_by_code = {code: obj for (code,), obj in enterprises.items()}
    enterprise_by_name = {obj.name: obj for obj in enterprise_by_code.values()}

    accounts = load_users(users, tally)

    sync(
        DepartmentMembership,
        ("user_id", "department_id", "kind"),
        [{"user_id": accounts[username].pk, "department_id": dept.pk, "kind": kind} for username, dept, kind in units],
        tally,
        "department memberships",
    )
    sync(
        SupervisorScope,
        ("user_id", "region_id"),
        [{"user_id": accounts[username].pk, "region_id": regions[code].pk} for username, code in scopes],
        tally,
        "supervisor scopes",
    )
    sync(
        EnterpriseMembership,
        ("user_id", "enterprise_id"),
        [
            {"user_id": accounts[username].pk, "enterprise_id": enterprise_by_code[code].pk, "title": title}
            for username, code, title in members
        ],
        tally,
        "enterprise memberships",
    )
    sync(
        Pairing,
        ("enterprise_id", "commissioner_id", "role"),
        [
            {
                "enterprise_id": enterprise_by_code[code].pk,
                "commissioner_id": accounts[username].pk,
                "role": role,
                "starts_on": PAIRING_START,
                "ends_on": None,
            }
            for code, username, role in pairings
        ],
        tally,
        "pairings",
    )

    load_projects(rng, project_rows, regions, enterprise_by_name, accounts, pools, pairings, tally)

    _policy, created = SlaPolicy.objects.update_or_create(region=regions[region_data.CITY_CODE], defaults=SLA_DEFAULTS)
    tally.add("133 policies", 1, int(created), 0)
    return tally


def load_projects(rng, project_rows, regions, enterprise_by_name, accounts, pools, pairings, tally):
    commissioners_of = {}
    for code, username, _role in pairings:
        commissioners_of.setdefault(code, []).append(username)
    rows, wanted = [], {}
    for row in project_rows:
        enterprise = enterprise_by_name.get(row["enterprise_name"]) if row["enterprise_name"] else None
        key = (regions[row["district"]].pk, row["name"])
        name, _sep, title = row["leader"].partition("（")
        leader, _created = Leader.objects.get_or_create(region_id=key[0], name=name, title=title.rstrip("）"))
        rows.append(
            {
                "region_id": key[0],
                "name": row["name"],
                "enterprise_id": enterprise.pk if enterprise else None,
                "stage": row["stage"],
                "level": row["level"],
                "total_investment": row["total_investment"],
                "planned_investment": row["planned_investment"],
                "completed_investment": row["completed_investment"],
                "leader_id": leader.pk,
            }
        )
        if enterprise is not None:
            names = commissioners_of[enterprise.credit_code]
        else:
            pool = pools.get(row["district"], pools[region_data.CITY_CODE])
            names = rng.sample(pool, 2)
        wanted[key] = [accounts[name] for name in names]
    synced = sync(Project, ("region_id", "name"), rows, tally, "projects")
    for key, project in synced.items():
        for role, user in zip("AB", wanted[key], strict=False):  # A角 then B角, written once
            ProjectPairing.objects.get_or_create(project=project, commissioner=user, defaults={"role": role})
