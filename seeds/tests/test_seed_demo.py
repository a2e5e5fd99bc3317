import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

import seeds
from issues.models import SlaPolicy
from portal.orgs.models import (
    Department,
    DepartmentMembership,
    Enterprise,
    EnterpriseMembership,
    Pairing,
    Region,
    SupervisorScope,
)
from portal.orgs.validators import validate_credit_code
from projects.models import Project
from seeds import loader

MODELS = [
    Region,
    Department,
    Enterprise,
    EnterpriseMembership,
    DepartmentMembership,
    Pairing,
    SupervisorScope,
    Project,
    SlaPolicy,
    get_user_model(),
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "project commissioners": Project.commissioners.through.objects.count()
    }


@pytest.fixture
def seeded(seeded_city, db):
    """The demo city, seeded once for the module (conftest.seeded_city)."""


def test_running_twice_changes_nothing(seeded, capsys):
    first = counts()
    snapshot = list(Enterprise.objects.order_by("credit_code").values_list("credit_code", "name", "contact_phone"))
    call_command("seed_demo")
    assert counts() == first
    assert (
        list(Enterprise.objects.order_by("credit_code").values_list("credit_code", "name", "contact_phone")) == snapshot
    )
    tally = loader.load()
    assert sum(tally.created.values()) == 0
    assert sum(tally.updated.values()) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    for _role, username, password in seeds.DEMO_LOGINS:
        assert username in out and password in out


def test_sizes_fit_the_demo_city(seeded):
    assert 400 <= Enterprise.objects.count() <= 600
    kuiwen = Region.objects.get(code="370705")
    fangzi = Region.objects.get(code="370704")
    assert Enterprise.objects.filter(region__path__startswith=kuiwen.path).count() > 150
    assert Enterprise.objects.filter(region__path__startswith=fangzi.path).count() > 150
    assert Project.objects.filter(region=kuiwen).count() >= 15
    assert Project.objects.filter(region=fangzi).count() >= 15
    assert get_user_model().objects.filter(is_commissioner=True).count() >= 60
    for department in Department.objects.all():
        assert department.memberships.filter(kind=DepartmentMembership.Kind.HANDLER).exists(), department
    policy = SlaPolicy.objects.get(region__code="370700")
    assert (policy.assign_days, policy.answer_days, policy.working_days) == (1, 3, True)
    assert (policy.reminder_lead_hours, policy.auto_close_days, policy.evaluation_reminder_days) == (4, 7, 2)


def test_every_enterprise_has_a_valid_code_and_one_a_and_one_b(seeded):
    today = timezone.localdate()
    for enterprise in Enterprise.objects.prefetch_related("pairings"):
        validate_credit_code(enterprise.credit_code)
        active = [p for p in enterprise.pairings.all() if p.starts_on <= today and p.ends_on is None]
        assert sorted(p.role for p in active) == ["A", "B"], enterprise.name
        assert len({p.commissioner_id for p in active}) == 2


def test_regions(seeded):
    city = Region.objects.get(code="370700")
    assert city.level == Region.Level.CITY
    kuiwen = Region.objects.get(code="370705")
    assert kuiwen.parent == city and kuiwen.name == "奎文区"
    zone = Region.objects.get(name="高新区")
    assert zone.parent == city and zone.code.startswith("9")
    assert Region.objects.get(code="370705001").parent == kuiwen
    assert Region.objects.subtree(kuiwen).filter(level=Region.Level.TOWN).count() >= 3


def test_demo_logins_authenticate_with_their_roles(seeded):
    request = RequestFactory().post("/accounts/login/")
    users = {}
    for _role, username, password in seeds.DEMO_LOGINS:
        user = authenticate(request, username=username, password=password)
        assert user is not None, username
        assert user.real_name and user.phone
        users[username] = user

    qiye = users["qiye"]
    assert qiye.is_enterprise_user
    home = Enterprise.objects.get(memberships__user=qiye)
    assert home.name == "潍坊浩泰机械有限公司"
    assert Region.objects.get(code="370705").contains(home.region)

    zhuanyuan, backup = users["zhuanyuan"], users["zhuanyuan_b"]
    assert zhuanyuan.is_commissioner and backup.is_commissioner
    assert Pairing.objects.filter(enterprise=home, commissioner=zhuanyuan, role="A").exists()
    primary_of = set(Pairing.objects.filter(commissioner=zhuanyuan, role="A").values_list("enterprise", flat=True))
    backup_of = set(Pairing.objects.filter(commissioner=backup, role="B").values_list("enterprise", flat=True))
    assert len(primary_of) >= 20 and primary_of == backup_of
    assert zhuanyuan.department_memberships.filter(kind="commissioner").exists()

    assert users["jingban"].is_handler
    assert users["jingban"].department_memberships.get(kind="handler").department.name == "市人社局"

    scopes = {name: users[name].supervisor_scopes.get().region.code for name in ("dudao", "dudao_kw", "dudao_fz")}
    assert scopes == {"dudao": "370700", "dudao_kw": "370705", "dudao_fz": "370704"}
    assert all(users[name].is_supervisor for name in scopes)

    admin = users["admin"]
    assert admin.is_staff and admin.is_superuser
    for name, user in users.items():
        if name != "admin":
            assert not user.is_superuser, name


def test_every_demo_request_has_the_running_deadline_request_save_keeps(seeded):
    """The history is written with bulk_create, past Request.save: each request's current_due_at is set as
    save sets it, so the open ones are on 待办 and ordered by their deadline like those the portal files."""
    from issues.models import OPEN_STATUSES, Request

    requests = list(Request.objects.all())
    assert any(req.status in OPEN_STATUSES for req in requests)
    assert [req.pk for req in requests if req.current_due_at != req.running_due_at()] == []
