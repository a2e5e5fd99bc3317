"""A synthetic province for measurements (``manage.py generate_scale``).

Ten cities with real-looking division codes (``3701xx`` … ``3710xx``), twelve districts each, city and
district departments, enterprises with valid unified social credit codes, an A角 and a B角 commissioner
per enterprise, and years of requests with the whole lifecycle behind them: dispatches (lead and
co-handling), answers, evaluations with reopens, timeline events, yellow and red cards for missed
deadlines, in-app notifications of the last weeks and key projects with this year's half-monthly
progress reports and site visits. The state mix follows age: old
requests are closed (a few withdrawn, a few still open and long overdue), the last days' are still
being dispatched and answered.
Every dispatched request also gets its stored working hours to dispatch and to answer
(``supervision.models.RequestTiming``), counted with the portal's own clock on its PRC calendar exactly
as the beat job ``timings_refresh`` counts them.

Rows are made with plain arithmetic (deadlines skip weekends, not the holiday calendar) from one
``random.Random(seed)`` in a fixed order, so the same ``seed`` and ``until`` give the same rows. On
PostgreSQL they are loaded with ``COPY`` (psycopg 3) into tables whose secondary indexes are dropped
for the load and built again afterwards; elsewhere (SQLite, the development database) with
``executemany``. Ids are assigned here, after the largest id already in each table.
"""

import json
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max

from issues.clock import working_time_between
from issues.deadlines import work_calendar
from issues.models import (
    Card,
    Category,
    Dispatch,
    Evaluation,
    Request,
    RequestEvent,
    Visit,
)
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.orgs import listing
from portal.orgs.models import (
    Department,
    DepartmentMembership,
    Enterprise,
    EnterpriseMembership,
    Industry,
    Pairing,
    Region,
    SupervisorScope,
)
from portal.orgs.validators import make_credit_code
from projects.models import ProgressReport, Project, period_of
from supervision.models import RequestTiming

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CHUNK = 20_000  # requests generated and loaded per round
PASSWORD = "Scale@2026"  # of the scale-* logins the benchmark signs in with

# (code, name, relative size): ten cities of a province
CITIES = [
    ("370100", "济南市", 1.5),
    ("370200", "青岛市", 1.7),
    ("370300", "淄博市", 0.9),
    ("370400", "枣庄市", 0.6),
    ("370500", "东营市", 0.6),
    ("370600", "烟台市", 1.3),
    ("370700", "潍坊市", 1.3),
    ("370800", "济宁市", 1.0),
    ("370900", "泰安市", 0.6),
    ("371000", "威海市", 0.5),
]
DISTRICT_NAMES = [
    "中心城区",
    "东城区",
    "西城区",
    "南湖区",
    "北山区",
    "高新区",
    "经济开发区",
    "滨海区",
    "临港区",
    "河东县",
    "河西县",
    "山阳县",
]
CITY_DEPARTMENTS = [
    "发展和改革委员会",
    "工业和信息化局",
    "科学技术局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "商务局",
    "市场监督管理局",
    "行政审批服务局",
    "地方金融监督管理局",
    "税务局",
    "供电公司",
    "应急管理局",
    "农业农村局",
]
DISTRICT_DEPARTMENTS = [
    "发展和改革局",
    "工业和信息化局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境分局",
    "住房和城乡建设局",
    "市场监督管理局",
    "行政审批服务局",
    "税务局",
    "营商环境服务中心",
]
NAME_HEADS = "华鲁潍海泰恒瑞盛鑫宏达兴隆昌源丰金银锦润晨安康永佳新天"
NAME_TAILS = ["机械", "化工", "食品", "纺织", "电子", "物流", "建材", "医药", "农业", "科技", "能源", "汽车零部件"]
SUBJECTS = [
    ("用地", "项目用地指标迟迟未落实，影响开工"),
    ("环评审批", "环评审批材料已提交两个月，仍未出具批复"),
    ("电力增容", "新增生产线需要电力增容，申请后一直排队"),
    ("用工招聘", "技术工人招聘困难，希望协助对接职业院校"),
    ("融资贷款", "流动资金紧张，希望协调银行续贷"),
    ("税费减免", "对研发费用加计扣除政策适用有疑问"),
    ("施工许可", "施工许可证办理环节多，需要协调"),
    ("道路配套", "厂区门前道路尚未硬化，大车通行困难"),
    ("天然气供应", "冬季天然气供应不足，影响生产"),
    ("出口退税", "出口退税到账慢，资金周转困难"),
    ("人才公寓", "引进人才住房保障政策如何申请"),
    ("消防验收", "新建厂房消防验收排期较晚"),
]
# (share, status) by age of the request; see _lifecycle
FRESH = [(0.45, "submitted"), (0.40, "in_progress"), (0.04, "info_needed"), (0.08, "answered"), (0.03, "withdrawn")]
WEEK = [
    (0.04, "submitted"),
    (0.40, "in_progress"),
    (0.04, "info_needed"),
    (0.30, "answered"),
    (0.19, "closed"),
    (0.03, "withdrawn"),
]
MONTH = [(0.05, "in_progress"), (0.01, "info_needed"), (0.08, "answered"), (0.83, "closed"), (0.03, "withdrawn")]
OLD = [(0.004, "in_progress"), (0.966, "closed"), (0.03, "withdrawn")]
SCORES = {"satisfied": 100, "basically": 80, "dissatisfied": 0}


def _pick(rng: random.Random, mix: list[tuple[float, str]]) -> str:
    roll = rng.random()
    for share, value in mix:
        roll -= share
        if roll < 0:
            return value
    return mix[-1][1]


def _working(moment: datetime, days: int) -> datetime:
    """``days`` weekdays after ``moment`` (weekends skipped; holidays are not, for synthetic data)."""
    while days:
        moment += DAY
        if moment.weekday() < 5:
            days -= 1
    return moment


# ---------------------------------------------------------------------------------------------
# writing rows


class Sink:
    """Rows of one table in the order of ``columns``; the other columns get the field's default."""

    def __init__(self, model, columns: list[str], anchor: datetime):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        rest = [c for c in fields if c not in columns]
        self.columns = [*columns, *rest]
        self.tail = tuple(_default(fields[c], anchor) for c in rest)
        self.rows: list[tuple] = []
        self.next_id = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.total = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add(self, *values) -> None:
        self.rows.append(values + self.tail)


def _default(f, anchor: datetime):
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return anchor
    value = f.get_default()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if value is None and not f.null and f.get_internal_type() == "BooleanField":
        return False
    return value


def _flush(sink: Sink, writer: "Writer | None" = None) -> None:
    """Load the rows gathered so far: with ``writer``, in the background while the next are made."""
    if not sink.rows:
        return
    columns = ", ".join(connection.ops.quote_name(c) for c in sink.columns)
    if connection.vendor == "postgresql":
        payload = "".join(["\t".join(map(_text, row)) + "\n" for row in sink.rows]).encode()
        statement = f"COPY {sink.table} ({columns}) FROM STDIN"
        if writer is not None:
            writer.put(statement, payload)
        else:
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                copy.write(payload)
    else:
        marks = ", ".join(["%s"] * len(sink.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {sink.table} ({columns}) VALUES ({marks})", [_adapt(row) for row in sink.rows]
            )
    sink.total += len(sink.rows)
    sink.rows = []


class Writer:
    """One thread that runs the COPYs on the command's own database connection (same transaction) while
    the main thread makes the next round of rows: PostgreSQL's work and the generator's overlap on two
    cores. The main thread does not touch the database until ``close``; an error is raised there."""

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection  # psycopg 3: a connection may be used from another thread
        self.queue: queue.Queue = queue.Queue(maxsize=12)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="scale-copy", daemon=True)
        self.thread.start()

    def put(self, statement: str, payload: bytes) -> None:
        if self.error is not None:
            self.close()
        self.queue.put((statement, payload))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain after a failure
            try:
                with self.raw.cursor() as cursor, cursor.copy(item[0]) as copy:
                    copy.write(item[1])
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                self.error = error

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


def _text(value) -> str:
    """One value in COPY's text format (the generated strings hold no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _adapt(row: tuple) -> tuple:
    ops = connection.ops
    return tuple(
        ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        for v in row
    )


BIG_TABLES = (Request, Dispatch, RequestEvent, Evaluation, Card, Notification, RequestTiming)


def _drop_indexes() -> list[str]:
    """Drop the secondary indexes of the big tables (PostgreSQL); returns the statements that rebuild them."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in BIG_TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def _rebuild_indexes(definitions: list[str], progress, vacuum_follows: bool = False) -> None:
    """Build the dropped indexes again and analyse the tables (the big ones only when no VACUUM ANALYZE
    follows: reading them twice costs a few seconds a million requests)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")  # B-tree builds use both cores
        for i, definition in enumerate(definitions, 1):
            cursor.execute(definition)
            progress(f"indexes {i}/{len(definitions)}")
        for model in (() if vacuum_follows else BIG_TABLES) + (User, Enterprise, EnterpriseMembership, Pairing):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _reset_sequences(models) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


# ---------------------------------------------------------------------------------------------
# the province


@dataclass
class Province:
    cities: list[int] = field(default_factory=list)
    city_weights: list[float] = field(default_factory=list)
    districts: dict[int, list[int]] = field(default_factory=dict)  # city id -> district ids
    city_of: dict[int, int] = field(default_factory=dict)  # district id -> city id
    city_departments: dict[int, list[int]] = field(default_factory=dict)
    district_departments: dict[int, list[int]] = field(default_factory=dict)
    handlers: dict[int, int] = field(default_factory=dict)  # department id -> handler user id
    commissioner_unit: dict[int, int] = field(default_factory=dict)  # commissioner -> department id
    # (enterprise id, region id, A commissioner id, member user id)
    enterprises: list[tuple[int, int, int, int]] = field(default_factory=list)
    enterprises_by_city: dict[int, list[int]] = field(default_factory=dict)  # indexes into enterprises
    projects: dict[int, list[int]] = field(default_factory=dict)  # region id -> project ids
    categories: list[int] = field(default_factory=list)
    history: dict = field(default_factory=dict)  # table -> rows of the projects' reports and visits


class Progress:
    """One line on stderr, rewritten in place: what is being loaded and how far it is."""

    def __init__(self, stream=None, total: int = 0):
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.started = time.perf_counter()

    def __call__(self, what: str, done: int | None = None) -> None:
        elapsed = time.perf_counter() - self.started
        if done is not None and self.total:
            width = 30
            filled = int(width * done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            line = f"[{bar}] {done:,}/{self.total:,} {what}  {elapsed:5.0f}s"
        else:
            line = f"{what}  {elapsed:5.0f}s"
        self.stream.write("\r" + line.ljust(79))
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _user(sink: Sink, username: str, real_name: str, password: str, anchor: datetime, **roles) -> int:
    pk = sink.new_id()
    sink.add(
        pk,
        username,
        real_name,
        password,
        anchor,
        True,
        roles.get("is_enterprise_user", False),
        roles.get("is_commissioner", False),
        roles.get("is_handler", False),
        roles.get("is_supervisor", False),
    )
    return pk


USER_COLUMNS = [
    "id",
    "username",
    "real_name",
    "password",
    "date_joined",
    "is_active",
    "is_enterprise_user",
    "is_commissioner",
    "is_handler",
    "is_supervisor",
]


REPORT_GRACE_DAYS = 3  # ProjectPolicy's default: a half-month's report is late after these days
STALLED_EVERY, MISSING_EVERY, LATE_EVERY = 9, 11, 7


class ProjectHistory:
    """This year's half-monthly progress reports of a key project (a few filed late, some projects missing
    the last one, one in nine stalled for months, none for completed projects) and its A角's weekly site
    visits (one week in six missed), as ``seeds/project_history.py`` makes them for the demo."""

    def __init__(self, anchor: datetime):
        self.today = anchor.date()
        self.year_start = self.today.replace(month=1, day=1)
        self.reports = Sink(
            ProgressReport,
            [
                "id",
                "project_id",
                "period_start",
                "period_end",
                "progress",
                "investment",
                "stage",
                "problems",
                "filed_by_id",
                "filed_at",
                "on_time",
            ],
            anchor,
        )
        self.visits = Sink(
            Visit,
            ["id", "commissioner_id", "enterprise_id", "project_id", "visited_on", "people_met", "notes", "created_at"],
            anchor,
        )
        # the half-months of this year whose report is due by now (the grace days of the last are over)
        self.periods = []
        start = self.year_start
        while True:
            first, last = period_of(start)
            if last + timedelta(days=REPORT_GRACE_DAYS) >= self.today:
                break
            self.periods.append((first, last))
            start = last + DAY

    def project(self, rng, index: int, pk: int, enterprise: int, commissioner: int, stage: str, planned: int):
        """Write the project's reports and visits; returns its stage_changed_on, reports_from,
        reported_through and last_progress_on."""
        today = self.today
        stalled = index % STALLED_EVERY == 4 and stage != Project.Stage.COMPLETED
        periods = [] if stage == Project.Stage.COMPLETED else list(self.periods)
        if stalled:
            periods = [period for period in periods if period[1] < today - 90 * DAY]
        elif index % MISSING_EVERY == 2 and periods:
            periods = periods[:-1]
        changed = today - timedelta(days=rng.randint(100, 400) if stalled else rng.randint(5, 300))
        per_period = planned // max(len(periods), 1)
        filed_days = []
        for number, (first, last) in enumerate(periods):
            late = number > 0 and number % LATE_EVERY == index % LATE_EVERY
            grace = REPORT_GRACE_DAYS
            filed_on = min(today, last + timedelta(days=grace + rng.randint(1, 6) if late else rng.randint(0, grace)))
            filed_days.append(min(last + timedelta(days=grace), today))
            self.reports.add(
                self.reports.new_id(),
                pk,
                first,
                last,
                "按计划推进，本期完成现场施工和设备安装。",
                per_period,
                stage,
                "" if rng.random() < 0.8 else "配套电力线路尚未接入",
                commissioner,
                datetime(filed_on.year, filed_on.month, filed_on.day, 16, tzinfo=SHANGHAI),
                not late,
            )
        last_progress = max([changed, *filed_days])
        if stalled:
            last_progress = min(last_progress, today - 100 * DAY)
            changed = min(changed, last_progress)
        if not stalled and stage != Project.Stage.COMPLETED:
            week = self.year_start - timedelta(days=self.year_start.weekday())
            while week + timedelta(days=7) <= today:
                if rng.randrange(6):
                    visited = max(week + timedelta(days=rng.randint(0, 4)), self.year_start)
                    self.visits.add(
                        self.visits.new_id(),
                        commissioner,
                        enterprise,
                        pk,
                        visited,
                        "项目负责人",
                        "查看现场进度，了解项目推进中的困难。",
                        datetime(visited.year, visited.month, visited.day, 17, tzinfo=SHANGHAI),
                    )
                week += timedelta(days=7)
        return changed, self.year_start, periods[-1][1] if periods else None, last_progress


def build_province(
    rng: random.Random, enterprises: int, anchor: datetime, progress, history_rng: random.Random | None = None
) -> Province:
    """Regions, departments, people, enterprises, pairings and projects with their reports and visits
    (small tables). ``history_rng`` makes the projects' history, so the requests stay those of ``rng``."""
    history_rng = history_rng or random.Random(0)
    p = Province(categories=list(Category.objects.order_by("pk").values_list("pk", flat=True)))
    password = make_password(PASSWORD)
    users = Sink(User, USER_COLUMNS, anchor)
    supervisors = []
    province_supervisor = _user(users, "scale-province", "省级督导", password, anchor, is_supervisor=True)
    depts = Sink(Department, ["id", "name", "short_name", "region_id", "is_active"], anchor)
    regions = []
    for order, (code, name, _weight) in enumerate(CITIES):
        city = Region(code=code, name=name, level=Region.Level.CITY, sort_order=order)
        city.path = f"/{code}/"
        regions.append(city)
    Region.objects.bulk_create(regions)
    for city, (_code, name, weight) in zip(regions, CITIES, strict=True):
        p.cities.append(city.pk)
        p.city_weights.append(weight)
        p.city_departments[city.pk] = [depts.new_id() for _ in CITY_DEPARTMENTS]
        for pk, dept in zip(p.city_departments[city.pk], CITY_DEPARTMENTS, strict=True):
            depts.add(pk, f"{name[:-1]}{dept}", dept[:8], city.pk, True)
        supervisors.append(
            (_user(users, f"scale-city-{city.code}", f"{name}督导", password, anchor, is_supervisor=True), city.pk)
        )
        districts = []
        for j, district_name in enumerate(DISTRICT_NAMES):
            code = f"{city.code[:4]}{j + 2:02d}"
            districts.append(
                Region(
                    code=code,
                    name=f"{name[:-1]}{district_name}",
                    level=Region.Level.DISTRICT,
                    parent=city,
                    path=f"{city.path}{code}/",
                    sort_order=j,
                )
            )
        Region.objects.bulk_create(districts)
        p.districts[city.pk] = [d.pk for d in districts]
        for d in districts:
            p.city_of[d.pk] = city.pk
            p.district_departments[d.pk] = [depts.new_id() for _ in DISTRICT_DEPARTMENTS]
            for pk, dept in zip(p.district_departments[d.pk], DISTRICT_DEPARTMENTS, strict=True):
                depts.add(pk, f"{d.name}{dept}", dept[:8], d.pk, True)
            supervisors.append(
                (_user(users, f"scale-district-{d.code}", f"{d.name}督导", password, anchor, is_supervisor=True), d.pk)
            )
    _flush(depts)
    progress("regions and departments")

    members = Sink(DepartmentMembership, ["id", "user_id", "department_id", "kind"], anchor)
    every_department = [d for ds in (*p.city_departments.values(), *p.district_departments.values()) for d in ds]
    for dept in every_department:
        handler = _user(users, f"scale-handler-{dept}", f"经办人{dept}", password, anchor, is_handler=True)
        p.handlers[dept] = handler
        members.add(members.new_id(), handler, dept, DepartmentMembership.Kind.HANDLER)

    # enterprises: spread over the cities by weight, then evenly over each city's districts
    weights = [w / sum(p.city_weights) for w in p.city_weights]
    counts = [int(enterprises * w) for w in weights]
    counts[0] += enterprises - sum(counts)
    firms = Sink(Enterprise, ["id", "name", "credit_code", "region_id", "industry", "size", "contact_name"], anchor)
    memberships = Sink(EnterpriseMembership, ["id", "user_id", "enterprise_id"], anchor)
    pairings = Sink(Pairing, ["id", "enterprise_id", "commissioner_id", "role", "starts_on"], anchor)
    industries = [value for value in Industry.values]
    sizes = ["micro", "small", "small", "small", "medium", "large"]
    since = (anchor - 5 * 365 * DAY).date()
    number = 0
    codes = dict(Region.objects.filter(level=Region.Level.DISTRICT).values_list("pk", "code"))
    for city_pk, count in zip(p.cities, counts, strict=True):
        p.enterprises_by_city[city_pk] = []
        districts = p.districts[city_pk]
        per_district = [
            count // len(districts) + (1 if i < count % len(districts) else 0) for i in range(len(districts))
        ]
        for district_pk, n in zip(districts, per_district, strict=True):
            # one commissioner per 50 enterprises, each the A角 of 50 and the B角 of 50
            unit = p.district_departments[district_pk][-1]
            commissioners = []
            for k in range(max(1, (n + 49) // 50)):
                pk = _user(
                    users,
                    f"scale-commissioner-{district_pk}-{k}",
                    f"专员{district_pk}-{k}",
                    password,
                    anchor,
                    is_commissioner=True,
                )
                commissioners.append(pk)
                p.commissioner_unit[pk] = unit
                members.add(members.new_id(), pk, unit, DepartmentMembership.Kind.COMMISSIONER)
            code = codes[district_pk]
            for i in range(n):
                pk = firms.new_id()
                name = f"{rng.choice(NAME_HEADS)}{rng.choice(NAME_HEADS)}{rng.choice(NAME_TAILS)}有限公司{number}"
                firms.add(
                    pk,
                    name,
                    make_credit_code(number, code),
                    district_pk,
                    rng.choice(industries),
                    rng.choice(sizes),
                    "联系人",
                )
                owner = _user(
                    users, f"scale-enterprise-{number}", f"企业用户{number}", password, anchor, is_enterprise_user=True
                )
                memberships.add(memberships.new_id(), owner, pk)
                a = commissioners[i // 50 % len(commissioners)]
                b = commissioners[(i // 50 + 1) % len(commissioners)]
                pairings.add(pairings.new_id(), pk, a, "A", since)
                if b != a:
                    pairings.add(pairings.new_id(), pk, b, "B", since)
                p.enterprises_by_city[city_pk].append(len(p.enterprises))
                p.enterprises.append((pk, district_pk, a, owner))
                number += 1
            if len(users.rows) > CHUNK:
                for sink in (users, firms, memberships, members, pairings):
                    _flush(sink)
                progress(f"enterprises {number:,}/{enterprises:,}")
    for sink in (users, firms, memberships, members, pairings):
        _flush(sink)
    SupervisorScope.objects.bulk_create(
        [SupervisorScope(user_id=province_supervisor, region_id=c) for c in p.cities]
        + [SupervisorScope(user_id=u, region_id=r) for u, r in supervisors]
    )
    # key projects: a few per district, with the district's commissioners, and this year's history
    projects = Sink(
        Project,
        [
            "id",
            "name",
            "region_id",
            "enterprise_id",
            "stage",
            "level",
            "total_investment",
            "planned_investment",
            "completed_investment",
            "stage_changed_on",
            "reports_from",
            "reported_through",
            "last_progress_on",
        ],
        anchor,
    )
    through = Project.commissioners.through
    links = Sink(through, ["id", "project_id", "commissioner_id"], anchor)
    history = ProjectHistory(anchor)
    stages = [value for value in Project.Stage.values]
    for index in range(0, len(p.enterprises), 100):
        enterprise_pk, region_pk, commissioner, _owner = p.enterprises[index]
        pk = projects.new_id()
        stage = rng.choice(stages)
        total = rng.randint(1, 500) * 1000
        planned = total // 4
        dates = history.project(history_rng, index // 100, pk, enterprise_pk, commissioner, stage, planned)
        name = f"重点项目{index // 100}号"
        projects.add(pk, name, region_pk, enterprise_pk, stage, "city", total, planned, planned // 2, *dates)
        links.add(links.new_id(), pk, commissioner)
        p.projects.setdefault(region_pk, []).append(pk)
    _flush(projects)
    _flush(links)
    _flush(history.reports)
    _flush(history.visits)
    p.history = {"projects_progressreport": history.reports.total, "issues_visit": history.visits.total}
    _reset_sequences(
        [User, Department, Enterprise, EnterpriseMembership, DepartmentMembership, Pairing, Project, through]
        + [ProgressReport, Visit]
    )
    progress(f"province: {len(p.enterprises):,} enterprises, {users.total:,} people")
    return p


# ---------------------------------------------------------------------------------------------
# requests and everything that hangs off them


class Tables:
    def __init__(self, anchor: datetime, calendar):
        self.calendar = calendar  # the working hours of the timings are counted on the portal's calendar
        self.requests = Sink(
            Request,
            [
                "id",
                "enterprise_id",
                "region_id",
                "project_id",
                "category_id",
                "title",
                "description",
                "source",
                "status",
                "created_by_id",
                "commissioner_id",
                "lead_department_id",
                "submitted_at",
                "assign_due_at",
                "answer_due_at",
                "original_answer_due_at",
                "assigned_at",
                "assigned_on_time",
                "answered_at",
                "answered_on_time",
                "info_needed_since",
                "closed_at",
                "close_reason",
                "outcome",
                "verdict",
                "satisfaction_score",
                "reopen_count",
                "assign_remind_at",
                "answer_remind_at",
                "evaluate_remind_at",
                "current_due_at",
                "updated_at",
            ],
            anchor,
        )
        self.dispatches = Sink(
            Dispatch,
            [
                "id",
                "request_id",
                "department_id",
                "role",
                "status",
                "round",
                "dispatched_by_id",
                "dispatched_at",
                "answer_due_at",
                "accepted_at",
                "accepted_by_id",
                "answered_at",
                "answered_by_id",
                "outcome",
                "answer",
                "request_status",
                "request_title",
                "request_description",
            ],
            anchor,
        )
        self.events = Sink(
            RequestEvent,
            [
                "id",
                "request_id",
                "dispatch_id",
                "actor_id",
                "action",
                "from_status",
                "to_status",
                "comment",
                "created_at",
            ],
            anchor,
        )
        self.evaluations = Sink(
            Evaluation, ["id", "request_id", "author_id", "verdict", "score", "comment", "round", "created_at"], anchor
        )
        self.cards = Sink(
            Card, ["id", "request_id", "unit_id", "region_id", "kind", "round", "issued_at", "reason"], anchor
        )
        self.notifications = Sink(
            Notification, ["id", "user_id", "kind", "title", "body", "url", "urgent", "created_at", "read_at"], anchor
        )

        self.timings = Sink(
            RequestTiming, ["request_id", "assigned_at", "answered_at", "dispatch_hours", "answer_hours"], anchor
        )

    def all(self) -> list[Sink]:
        return [
            self.requests,
            self.dispatches,
            self.events,
            self.evaluations,
            self.cards,
            self.notifications,
            self.timings,
        ]


def _submitted_at(rng: random.Random, anchor: datetime, span_days: int) -> datetime:
    # more requests lately (growth), most on working days in office hours
    age = span_days * (1 - rng.random() ** 0.8)
    moment = anchor - timedelta(days=age)
    if moment.weekday() >= 5 and rng.random() < 0.8:
        moment -= DAY * (moment.weekday() - 4)
    moment = moment.replace(
        hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
    )
    return min(moment, anchor - timedelta(minutes=rng.randint(5, 600)))


def _request(t: Tables, p: Province, rng: random.Random, number: int, anchor: datetime, span_days: int) -> None:
    city_index = _weighted_city(rng, p)
    enterprise_pk, region_pk, commissioner, owner = p.enterprises[
        rng.choice(p.enterprises_by_city[p.cities[city_index]])
    ]
    submitted = _submitted_at(rng, anchor, span_days)
    age = anchor - submitted
    mix = FRESH if age < 2 * DAY else WEEK if age < 8 * DAY else MONTH if age < 31 * DAY else OLD
    status = _pick(rng, mix)
    category = rng.choice(p.categories)
    subject, detail = SUBJECTS[rng.randrange(len(SUBJECTS))]
    project = rng.choice(p.projects[region_pk]) if region_pk in p.projects and rng.random() < 0.03 else None
    source = "hotline" if rng.random() < 0.15 else "visit" if rng.random() < 0.1 else "portal"
    assign_due, answer_due = _working(submitted, 1), _working(submitted, 3)
    title, description = f"关于{subject}的诉求（{number}）", f"{detail}，恳请协调解决。"
    pk = t.requests.new_id()
    ev = t.events
    ev.add(ev.new_id(), pk, None, owner, "submit", "", "submitted", "", submitted)
    state = {
        "assigned_at": None,
        "assigned_on_time": None,
        "answered_at": None,
        "answered_on_time": None,
        "info_needed_since": None,
        "closed_at": None,
        "close_reason": "",
        "outcome": "",
        "verdict": "",
        "score": None,
        "reopen_count": 0,
        "lead": None,
        "evaluate_remind_at": None,
        "text": (title, description),  # the tasks' copy of it
    }
    if status == "withdrawn":
        state["closed_at"] = min(anchor, submitted + timedelta(hours=rng.uniform(1, 48)))
        ev.add(ev.new_id(), pk, None, owner, "withdraw", "submitted", "withdrawn", "问题已自行解决", state["closed_at"])
    elif status == "info_needed":
        state["info_needed_since"] = min(anchor, submitted + timedelta(hours=rng.uniform(0.5, 6)))
        ev.add(
            ev.new_id(),
            pk,
            None,
            commissioner,
            "ask_info",
            "submitted",
            "info_needed",
            "请补充营业执照和项目备案材料",
            state["info_needed_since"],
        )
    elif status != "submitted":
        _handle(t, p, rng, pk, status, submitted, assign_due, answer_due, anchor, region_pk, commissioner, owner, state)
    current = assign_due if status == "submitted" else answer_due if status in ("in_progress", "info_needed") else None
    t.requests.add(
        pk,
        enterprise_pk,
        region_pk,
        project,
        category,
        title,
        description,
        source,
        status,
        owner,
        commissioner,
        state["lead"],
        submitted,
        assign_due,
        answer_due,
        answer_due,
        state["assigned_at"],
        state["assigned_on_time"],
        state["answered_at"],
        state["answered_on_time"],
        state["info_needed_since"],
        state["closed_at"],
        state["close_reason"],
        state["outcome"],
        state["verdict"],
        state["score"],
        state["reopen_count"],
        assign_due - 4 * HOUR,
        answer_due - 4 * HOUR,
        state["evaluate_remind_at"],
        current,
        state["closed_at"] or state["answered_at"] or submitted,
    )
    if state["assigned_at"] is not None:
        _timing(t, pk, submitted, state["assigned_at"], state["answered_at"])
    if anchor - submitted < 30 * DAY:
        t.notifications.add(
            t.notifications.new_id(),
            owner,
            "request_submitted",
            f"诉求已受理：关于{subject}的诉求",
            "",
            f"/requests/{pk}/",
            False,
            submitted,
            submitted + HOUR if rng.random() < 0.8 else None,
        )


def _timing(t: Tables, pk: int, submitted: datetime, assigned: datetime, answered: datetime | None) -> None:
    """The stored working hours, as ``supervision.services.timings_refresh`` counts them (hours to two
    places), so the dashboards' averages are there from the start and the beat job finds nothing stale."""
    dispatch_hours = working_time_between(submitted, assigned, t.calendar).total_seconds() / 3600
    answer_hours = working_time_between(submitted, answered, t.calendar).total_seconds() / 3600 if answered else None
    t.timings.add(
        pk,
        assigned,
        answered,
        round(dispatch_hours, 2),
        None if answer_hours is None else round(answer_hours, 2),
    )


def _weighted_city(rng: random.Random, p: Province) -> int:
    roll = rng.random() * sum(p.city_weights)
    for i, weight in enumerate(p.city_weights):
        roll -= weight
        if roll < 0:
            return i
    return len(p.city_weights) - 1


def _handle(
    t: Tables, p, rng, pk, status, submitted, assign_due, answer_due, anchor, region_pk, commissioner, owner, state
):
    """Dispatch, accept, answer, evaluate (with reopens), close: the events of a request that got past 待分解."""
    ev = t.events
    assigned = min(anchor, submitted + timedelta(hours=min(40.0, rng.expovariate(1 / 5) + 0.2)))
    state["assigned_at"], state["assigned_on_time"] = assigned, assigned <= assign_due
    city = p.city_of[region_pk]
    lead = rng.choice(p.district_departments[region_pk] if rng.random() < 0.7 else p.city_departments[city])
    state["lead"] = lead
    handler = p.handlers[lead]
    if not state["assigned_on_time"]:
        t.cards.add(
            t.cards.new_id(), pk, p.commissioner_unit[commissioner], region_pk, "yellow", 0, assign_due, "超期未分解"
        )
        ev.add(ev.new_id(), pk, None, None, "yellow_card", "", "", "", assign_due)
    co = rng.choice(p.city_departments[city]) if rng.random() < 0.1 else None
    rounds = 1 + (status in ("answered", "closed") and rng.random() < 0.08)
    moment = assigned
    for round_ in range(rounds):
        dispatch = t.dispatches.new_id()
        accepted = min(anchor, moment + timedelta(hours=rng.uniform(0.2, 6)))
        done = status in ("answered", "closed") or round_ < rounds - 1
        answered = min(anchor, accepted + timedelta(hours=min(200.0, rng.expovariate(1 / 25) + 1))) if done else None
        outcome = (
            ("resolved" if rng.random() < 0.8 else "planned" if rng.random() < 0.75 else "not_now") if done else ""
        )
        dstatus = "answered" if done else "accepted"
        t.dispatches.add(
            dispatch,
            pk,
            lead,
            "lead",
            dstatus,
            round_,
            commissioner,
            moment,
            answer_due,
            accepted,
            handler,
            answered,
            handler if done else None,
            outcome,
            "已协调相关科室办理，具体情况如下。" if done else "",
            status,  # the copies of the request's state and text (the load runs without the triggers that keep them)
            *state["text"],
        )
        ev.add(
            ev.new_id(),
            pk,
            dispatch,
            commissioner,
            "dispatch" if round_ == 0 else "reassign",
            "submitted" if round_ == 0 else "in_progress",
            "in_progress",
            "请按期办理",
            moment,
        )
        ev.add(ev.new_id(), pk, dispatch, handler, "accept", "in_progress", "in_progress", "", accepted)
        if co is not None and round_ == 0:
            t.dispatches.add(
                t.dispatches.new_id(),
                pk,
                co,
                "co",
                "answered" if done else "accepted",
                0,
                commissioner,
                moment,
                answer_due,
                accepted,
                p.handlers[co],
                answered,
                p.handlers[co] if done else None,
                "",
                "协办意见：同意。" if done else "",
                status,
                *state["text"],
            )
        if not done:
            break
        ev.add(ev.new_id(), pk, dispatch, handler, "answer", "in_progress", "answered", "", answered)
        state["answered_at"], state["outcome"] = answered, outcome
        if round_ == 0:
            state["answered_on_time"] = answered <= answer_due
            if not state["answered_on_time"]:
                t.cards.add(t.cards.new_id(), pk, lead, region_pk, "red", 0, answer_due, "超期未答复")
                ev.add(ev.new_id(), pk, None, None, "red_card", "", "", "", answer_due)
        if round_ < rounds - 1:  # dissatisfied: back to the department
            moment = min(anchor, answered + timedelta(hours=rng.uniform(2, 48)))
            t.evaluations.add(
                t.evaluations.new_id(), pk, owner, "dissatisfied", 0, "答复未解决实际问题", round_, moment
            )
            ev.add(ev.new_id(), pk, None, owner, "reopen", "answered", "in_progress", "答复未解决实际问题", moment)
            state["reopen_count"] += 1
    if status == "answered":
        state["evaluate_remind_at"] = _working(state["answered_at"], 2)
    elif status == "closed":
        if rng.random() < 0.82:
            verdict = _pick(rng, [(0.76, "satisfied"), (0.18, "basically"), (0.06, "dissatisfied")])
            closed = min(anchor, state["answered_at"] + timedelta(hours=rng.uniform(1, 96)))
            t.evaluations.add(
                t.evaluations.new_id(), pk, owner, verdict, SCORES[verdict], "", state["reopen_count"], closed
            )
            ev.add(ev.new_id(), pk, None, owner, "evaluate", "answered", "closed", "", closed)
            state.update(verdict=verdict, score=SCORES[verdict], close_reason="evaluated")
        else:
            closed = min(anchor, state["answered_at"] + 7 * DAY)
            ev.add(ev.new_id(), pk, None, None, "close_unevaluated", "answered", "closed", "", closed)
            state["close_reason"] = "not_evaluated"
        state["closed_at"] = closed
        state["evaluate_remind_at"] = _working(state["answered_at"], 2)


@dataclass
class Result:
    anchor: datetime
    seed: int
    counts: dict
    seconds: float


def generate(
    *, enterprises: int, requests: int, years: int = 3, seed: int = 133, until: date | None = None, stream=None
) -> Result:
    """Build the province and ``requests`` requests submitted over ``years`` years up to ``until``."""
    until = until or datetime.now(SHANGHAI).date()
    anchor = datetime(until.year, until.month, until.day, 12, tzinfo=SHANGHAI)
    rng = random.Random(seed)
    progress = Progress(stream, total=requests)
    started = time.perf_counter()
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block  # VACUUM needs no transaction
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if cursor.fetchone()[0]:  # every id is made here: skip the foreign-key triggers of the load
                    cursor.execute("SET LOCAL session_replication_role = replica")
        p = build_province(rng, enterprises, anchor, progress, history_rng=random.Random(f"projects-{seed}"))
        listing.changed()  # the regions and departments were copied in, without their signals
        progress.started = started
        definitions = _drop_indexes()
        t = Tables(anchor, work_calendar())
        span_days = years * 365
        writer = Writer() if connection.vendor == "postgresql" else None
        try:
            for number in range(requests):
                _request(t, p, rng, number, anchor, span_days)
                if len(t.requests.rows) == CHUNK or number == requests - 1:
                    for sink in t.all():
                        _flush(sink, writer)
                    progress("requests", number + 1)
        finally:
            if writer is not None:
                writer.close()
        _reset_sequences([s.model for s in t.all() if s.model is not RequestTiming])  # keyed by the request
        _rebuild_indexes(definitions, lambda what: progress(what, requests), vacuum_follows=vacuum)
    if vacuum:  # visibility map: index-only scans
        progress("vacuum", requests)
        with connection.cursor() as cursor:
            for model in BIG_TABLES:
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    progress.done()
    counts = {**{s.table: s.total for s in t.all()}, **p.history}
    return Result(anchor=anchor, seed=seed, counts=counts, seconds=round(time.perf_counter() - started, 1))
