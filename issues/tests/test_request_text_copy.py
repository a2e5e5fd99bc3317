"""Each task's copy of its request's title and description (Dispatch.request_title, request_description, kept
by issues/triggers.py): equal to the request's text after every way a task is written or a text changes, put
right by the migration's fill, and what the department queue's search matches, through one index led by the
department on PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services, triggers
from issues.models import Dispatch, Request, Status
from portal.testing.plans import index_conditions

from .factories import bulk_co_task, co_dispatch, dispatched, lead_dispatch, make_request

pytestmark = pytest.mark.django_db
TEXT_INDEX = "dispatch_department_text_trgm"
GRAMS_INDEX = "dispatch_department_text_grams"


def stale_copies() -> list[int]:
    """Every task whose copy differs from its request's text."""
    return list(
        Dispatch.objects.filter(
            ~Q(request_title=F("request__title")) | ~Q(request_description=F("request__description"))
        ).values_list("pk", flat=True)
    )


def copies(req: Request) -> set[tuple[str, str]]:
    return set(Dispatch.objects.filter(request=req).values_list("request_title", "request_description"))


def test_every_task_takes_its_requests_text_when_dispatched_co_handled_or_dispatched_again(
    acme, alice, bob, hr_bureau, housing_bureau, carol
):
    req = make_request(acme, alice, title="厂房环评审批", description="项目环评材料已提交，等待审批。")
    req = dispatched(req, bob, hr_bureau, co=[housing_bureau])
    assert copies(req) == {("厂房环评审批", "项目环评材料已提交，等待审批。")}
    assert co_dispatch(req, housing_bureau).pk != lead_dispatch(req).pk

    services.dispatch_return(dispatch_id=lead_dispatch(req).pk, actor=carol, reason="应由住建部门主办")
    req = dispatched(req, bob, housing_bureau)  # a new task, for another department
    assert Dispatch.objects.filter(request=req).count() == 3
    assert copies(req) == {("厂房环评审批", "项目环评材料已提交，等待审批。")}
    assert stale_copies() == []


def test_a_changed_text_reaches_every_task_whoever_writes_it(acme, alice, bob, hr_bureau, housing_bureau):
    req = make_request(acme, alice, title="旧标题", description="旧描述")
    req = dispatched(req, bob, hr_bureau, co=[housing_bureau])
    stale_task = lead_dispatch(req)  # read before the change

    Request.objects.filter(pk=req.pk).update(title="新标题")  # a maintenance script's bulk update
    assert copies(req) == {("新标题", "旧描述")}
    req.refresh_from_db()
    req.description = "新描述"
    req.save()  # the admin's whole-row save
    assert copies(req) == {("新标题", "新描述")}

    stale_task.save()  # a whole-row save of a task read before the change does not bring the old text back
    assert copies(req) == {("新标题", "新描述")}
    assert stale_copies() == []


def test_a_bulk_load_or_a_moved_task_takes_the_text_of_its_request(acme, alice, bob, hr_bureau):
    req = dispatched(make_request(acme, alice, title="第一件"), bob, hr_bureau)
    other = make_request(acme, alice, title="另一件", description="另一件的描述")
    bulk_co_task(other, hr_bureau, bob)  # a writer that does not name the copy
    assert copies(other) == {("另一件", "另一件的描述")}

    Dispatch.objects.filter(request=other).update(request=req)  # a task moved to another request
    assert copies(req) == {("第一件", req.description)}
    assert stale_copies() == []


def test_the_migrations_fill_puts_right_every_copy_already_written(acme, alice, bob, hr_bureau):
    first = dispatched(make_request(acme, alice, title="第一件", description="甲"), bob, hr_bureau)
    second = dispatched(make_request(acme, alice, title="第二件", description="乙"), bob, hr_bureau)
    Dispatch.objects.update(request_title="", request_description="")  # the tasks before the copy existed
    assert len(stale_copies()) == 2
    with connection.cursor() as cursor:
        cursor.execute(triggers.TEXT_FILL)
    assert (copies(first), copies(second)) == ({("第一件", "甲")}, {("第二件", "乙")})


def _status_copy(req: Request) -> str:
    with connection.cursor() as cursor:  # raw: the model's columns may not exist at the migration asked
        cursor.execute("SELECT request_status FROM issues_dispatch WHERE request_id = %s", [req.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth_keeping_both_copies(acme, alice, bob, hr_bureau):
    """Back to 0023 and forward again: on SQLite both remove and add the columns by rebuilding the tasks'
    table, which it refuses while the triggers on the requests name it (triggers.sqlite_off / sqlite_on)."""
    req = dispatched(make_request(acme, alice, title="迁移前的诉求"), bob, hr_bureau)
    executor = MigrationExecutor(connection)
    latest = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "issues"]
    executor.migrate([("issues", "0023_live_index_carries_the_id")])
    with connection.cursor() as cursor:
        columns = {col.name for col in connection.introspection.get_table_description(cursor, "issues_dispatch")}
    assert "request_title" not in columns
    Request.objects.filter(pk=req.pk).update(status=Status.ANSWERED)
    assert _status_copy(req) == Status.ANSWERED  # the state's triggers are back on

    MigrationExecutor(connection).migrate(latest)
    assert copies(req) == {("迁移前的诉求", req.description)}  # filled
    Request.objects.filter(pk=req.pk).update(title="迁移后改名", status=Status.CLOSED)
    assert copies(req) == {("迁移后改名", req.description)} and _status_copy(req) == Status.CLOSED


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops a table's triggers when it rebuilds it")
def test_it_puts_back_the_sqlite_text_triggers_a_table_rebuild_dropped(acme, alice, bob, hr_bureau):
    with connection.cursor() as cursor:
        for sql in triggers.statements("sqlite", drop=True, copy=triggers.TEXT):
            cursor.execute(sql)
    triggers.ensure_triggers()
    req = dispatched(make_request(acme, alice, title="重建之后"), bob, hr_bureau)
    assert copies(req) == {("重建之后", req.description)}
    Request.objects.filter(pk=req.pk).update(title="改过的标题")
    assert copies(req) == {("改过的标题", req.description)}


def test_an_unknown_copy_or_database_has_no_triggers():
    with pytest.raises(NotImplementedError):
        triggers.statements("oracle", copy=triggers.TEXT)
    with pytest.raises(NotImplementedError):
        triggers.statements("postgresql", copy="category")


# ---------------------------------------------------------------------------------------------
# the department queue's search, on the copy


def searched(client, text: str) -> list[int]:
    response = client.get(reverse("issues:department_queue"), {"q": text, "tab": "all"})
    assert response.status_code == 200
    return [task.request_id for task in response.context["page"]]


def test_the_department_search_finds_the_text_as_it_is_now_and_only_the_departments_tasks(
    client, acme, alice, bob, carol, hr_bureau, housing_bureau
):
    ours = dispatched(make_request(acme, alice, title="用工补贴", description="申请稳岗补贴"), bob, hr_bureau)
    theirs = dispatched(make_request(acme, alice, title="用工补贴", description="申请稳岗补贴"), bob, housing_bureau)
    client.force_login(carol)  # a handler of hr; housing's task has the same text
    assert searched(client, "稳岗") == [ours.pk]
    assert searched(client, "用工补贴") == [ours.pk]
    assert theirs.pk not in searched(client, "补贴")

    Request.objects.filter(pk=ours.pk).update(title="厂房环评审批")  # corrected after it was dispatched
    assert searched(client, "环评") == [ours.pk]
    assert searched(client, "用工补贴") == []
    assert searched(client, acme.name) == [ours.pk]  # the enterprise's name, from the request


def test_the_department_search_finds_latin_text_in_any_case_and_a_work_order_number(
    client, acme, alice, bob, carol, hr_bureau
):
    latin = dispatched(make_request(acme, alice, title="ERP系统接入", description="需对接MES平台"), bob, hr_bureau)
    hotline = dispatched(make_request(acme, alice, title="来电反映道路积水"), bob, hr_bureau)
    Request.objects.filter(pk=hotline.pk).update(work_order_number="GD202612020001")
    client.force_login(carol)
    assert searched(client, "erp") == [latin.pk] == searched(client, "mes平台")
    assert searched(client, "GD202612020001") == [hotline.pk]  # exactly, on the request
    assert searched(client, "GD2026") == []


@pytest.mark.parametrize("term", ["环评", "环评审批", "erp"])
def test_the_department_search_reads_the_copy_not_the_requests_text(client, acme, alice, bob, carol, hr_bureau, term):
    """A term of any length: on PostgreSQL a short one by the grams of the copy (migration 0032), a longer
    one by its trigrams (0024)."""
    dispatched(make_request(acme, alice, title="厂房环评审批", description="ERP系统"), bob, hr_bureau)
    client.force_login(carol)
    client.get(reverse("issues:department_queue"))  # the first request of a session stores its language
    with CaptureQueriesContext(connection) as ctx:
        assert len(searched(client, term)) == 1
    matching = [q["sql"] for q in ctx.captured_queries if "LIKE" in q["sql"] or "portal_grams" in q["sql"]]
    finding = [sql for sql in matching if '"request_title"' in sql]
    assert len(finding) == 1 and '"issues_request"."title"' not in finding[0]
    assert all('"issues_request"."title"' not in sql for sql in matching)
    short = connection.vendor == "postgresql" and len(term) <= 2
    assert ("portal_grams" in finding[0]) is short and ("LIKE" in finding[0]) is not short


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the grams index is PostgreSQL's")
def test_a_short_term_reads_the_departments_grams_alone(acme, alice, bob, hr_bureau):
    """dispatch_department_text_grams (migration 0032) can take both halves of a short search: the department
    (one or several) and the term's gram in the title or the description (which of them PostgreSQL takes for
    the whole search depends on the numbers of rows: the province's plan is in docs/performance.md)."""
    from issues.filters import task_text_matches

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [GRAMS_INDEX])
        assert "fastupdate=off" in cursor.fetchone()[0]
    dispatched(make_request(acme, alice, title="厂房环评审批"), bob, hr_bureau)
    for department in ([hr_bureau.pk], [hr_bureau.pk, -1]):
        conditions = index_conditions(Dispatch.objects.filter(department_id__any=department), GRAMS_INDEX)
        assert conditions and all("department_id" in c for c in conditions), conditions
    conditions = index_conditions(Dispatch.objects.filter(task_text_matches("环评")), GRAMS_INDEX)
    assert len(conditions) == 2 and all("portal_grams" in c for c in conditions), conditions


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_postgresql_can_find_the_departments_matches_by_one_index_of_department_and_text(acme, alice, bob, hr_bureau):
    """The index takes both halves of the search: the department (one, an equality, or several) and the text.
    The department's id must be a ``bigint`` for it (portal/lookups.py); which of its indexes PostgreSQL takes
    for the whole search depends on the numbers of rows (the province's plan is in docs/performance.md)."""
    from issues.filters import in_text

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dispatch_department_text_trgm'")
        assert "fastupdate=off" in cursor.fetchone()[0]  # no pending list for every search to read through
    dispatched(make_request(acme, alice, title="厂房环评审批"), bob, hr_bureau)
    for department in ([hr_bureau.pk], [hr_bureau.pk, -1]):
        conditions = index_conditions(Dispatch.objects.filter(department_id__any=department), TEXT_INDEX)
        assert conditions and all("department_id" in c for c in conditions), conditions
    conditions = index_conditions(
        Dispatch.objects.filter(in_text("环评审批", "request_title", "request_description")), TEXT_INDEX
    )  # a term of three characters or more: a shorter one has no trigram, and is checked on the rows found
    assert len(conditions) == 2 and all("upper(" in c and "~~" in c for c in conditions), conditions
