"""The demo logins come from seeds; run_portal shows them through ``seed_demo --logins`` only."""

import io

from django.core.management import call_command

import seeds
from portal.accounts.management.commands.run_portal import Command as RunPortal


def test_it_prints_the_logins_without_touching_the_database():
    out = io.StringIO()
    call_command("seed_demo", "--logins", stdout=out)  # no db fixture: any query would fail the test
    for role, username, password in seeds.DEMO_LOGINS:
        assert role in out.getvalue() and username in out.getvalue() and password in out.getvalue()


def test_the_run_portal_banner_lists_the_demo_logins():
    out = io.StringIO()
    RunPortal(stdout=out)._print_banner("0.0.0.0", 8080)
    banner = out.getvalue()
    assert "http://127.0.0.1:8080/" in banner
    assert all(username in banner for _, username, _ in seeds.DEMO_LOGINS)
