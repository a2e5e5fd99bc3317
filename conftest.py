"""Recurring people and places for every test: a small city with two districts.

alice   enterprise user of acme (in Kuiwen)
bob     commissioner, A角 of acme; his unit is the Kuiwen commerce bureau
bert    commissioner, B角 of acme
carl    another commissioner, paired with an enterprise in Fangzi only
carol   handler of the city human-resources bureau
chris   handler of the Kuiwen housing bureau (another department)
dave    city supervisor; dora supervises Kuiwen; dan supervises Fangzi (sibling district)
admin   administrator
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from portal import celery_app
from portal.orgs import factories as f
from portal.orgs.models import DepartmentMembership, Region

# Tasks run inline in tests; the integration tests start a real worker themselves.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


@pytest.fixture
def english(client):
    """Pages and messages in English, for the tests that read their text
    (``pytest.mark.usefixtures("english")``)."""
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def city(db):
    return f.RegionFactory(code="370700", name="潍坊市", level=Region.Level.CITY)


@pytest.fixture
def kuiwen(city):
    return f.RegionFactory(code="370705", name="奎文区", parent=city)


@pytest.fixture
def fangzi(city):
    return f.RegionFactory(code="370704", name="坊子区", parent=city)


@pytest.fixture
def kuiwen_town(kuiwen):
    return f.RegionFactory(code="370705001", name="东关街道", parent=kuiwen, level=Region.Level.TOWN)


@pytest.fixture
def acme(kuiwen):
    return f.EnterpriseFactory(name="潍坊阿克米机械有限公司", region=kuiwen)


@pytest.fixture
def globex(fangzi):
    return f.EnterpriseFactory(name="坊子环球食品有限公司", region=fangzi)


@pytest.fixture
def hr_bureau(city):
    return f.DepartmentFactory(name="市人社局", region=city)


@pytest.fixture
def housing_bureau(kuiwen):
    return f.DepartmentFactory(name="奎文区住建局", region=kuiwen)


@pytest.fixture
def commerce_bureau(kuiwen):
    return f.DepartmentFactory(name="奎文区商务局", region=kuiwen)


@pytest.fixture
def alice(acme):
    user = f.UserFactory(username="alice", real_name="艾丽斯", phone="13900000001", is_enterprise_user=True)
    f.member(user, acme)
    return user


@pytest.fixture
def bob(acme, commerce_bureau):
    user = f.UserFactory(username="bob", real_name="鲍勃", phone="13900000002", is_commissioner=True)
    f.pair(acme, user, "A")
    f.handler_of(user, commerce_bureau, DepartmentMembership.Kind.COMMISSIONER)
    return user


@pytest.fixture
def bert(acme, commerce_bureau):
    user = f.UserFactory(username="bert", real_name="伯特", phone="13900000003", is_commissioner=True)
    f.pair(acme, user, "B")
    f.handler_of(user, commerce_bureau, DepartmentMembership.Kind.COMMISSIONER)
    return user


@pytest.fixture
def carl(globex):
    user = f.UserFactory(username="carl", real_name="卡尔", phone="13900000004", is_commissioner=True)
    f.pair(globex, user, "A")
    return user


@pytest.fixture
def carol(hr_bureau):
    user = f.UserFactory(username="carol", real_name="卡罗尔", phone="13900000005", is_handler=True)
    f.handler_of(user, hr_bureau)
    return user


@pytest.fixture
def chris(housing_bureau):
    user = f.UserFactory(username="chris", real_name="克里斯", phone="13900000006", is_handler=True)
    f.handler_of(user, housing_bureau)
    return user


@pytest.fixture
def dave(city):
    user = f.UserFactory(username="dave", real_name="戴夫", phone="13900000007", is_supervisor=True)
    f.supervise(user, city)
    return user


@pytest.fixture
def dora(kuiwen):
    user = f.UserFactory(username="dora", real_name="朵拉", phone="13900000008", is_supervisor=True)
    f.supervise(user, kuiwen)
    return user


@pytest.fixture
def dan(fangzi):
    user = f.UserFactory(username="dan", real_name="丹", phone="13900000009", is_supervisor=True)
    f.supervise(user, fangzi)
    return user


@pytest.fixture
def admin_user(db):
    return f.UserFactory(username="admin", real_name="管理员", phone="13900000010", is_staff=True, is_superuser=True)


def fast_and_quiet(media_root) -> dict:
    """The settings every test runs with: a fast password hash, tasks run at once, mail kept in memory, files
    under ``media_root``."""
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "CELERY_TASK_ALWAYS_EAGER": True,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PRIVATE_MEDIA_ROOT": media_root,
        "MEDIA_ROOT": media_root,
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }


@pytest.fixture(autouse=True)
def _statistics_read_afresh():
    """Each test reads the statistics of the grams its own data left (a process keeps what it read)."""
    from issues import filters

    filters.forget_shares()


@pytest.fixture(autouse=True)
def _reads_aside_closed():
    """A test that commits (a browser's, a live server's) may read beside its pages on a second connection
    (portal/aside.py): closed at its end, before the database is flushed or dropped."""
    yield
    from portal import aside

    aside.close()


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    celery_app.conf.task_always_eager = True  # whatever a previous test on this worker did
    for name, value in fast_and_quiet(tmp_path / "private").items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def seeded_city(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo city, seeded once for a module (a seed takes a quarter of a minute) inside a transaction
    rolled back after the module's last test, with the settings of every test. Each test's own transaction
    (``db``) is a savepoint inside it, so what a test writes is undone before the next one. A module using
    it holds no test with real commits (``transactional_db``)."""
    celery_app.conf.task_always_eager = True
    settings = fast_and_quiet(tmp_path_factory.mktemp("seeded") / "private")
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)
