"""factory_boy factories for the core models, shared by every app's tests."""

import factory
from django.utils import timezone

from portal.accounts.models import User

from .models import Department, DepartmentMembership, Enterprise, EnterpriseMembership, Pairing, Region, SupervisorScope
from .validators import make_credit_code


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"用户{n}")
    # 137: apart from the 139 numbers the fixtures give the named users (conftest.py), whatever the order
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    password = factory.django.Password("Portal#2026")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"区{n}")
    level = Region.Level.DISTRICT


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    region = factory.SubFactory(RegionFactory)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"潍坊测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1000))
    region = factory.SubFactory(RegionFactory)
    contact_name = "联系人"
    contact_phone = factory.Sequence(lambda n: f"138{n:08d}")


def pair(enterprise: Enterprise, commissioner: User, role: str = "A") -> Pairing:
    return Pairing.objects.create(
        enterprise=enterprise, commissioner=commissioner, role=role, starts_on=timezone.localdate().replace(year=2020)
    )


def member(user: User, enterprise: Enterprise) -> EnterpriseMembership:
    return EnterpriseMembership.objects.create(user=user, enterprise=enterprise)


def handler_of(user: User, department: Department, kind: str = DepartmentMembership.Kind.HANDLER):
    return DepartmentMembership.objects.create(user=user, department=department, kind=kind)


def supervise(user: User, region: Region) -> SupervisorScope:
    return SupervisorScope.objects.create(user=user, region=region)
