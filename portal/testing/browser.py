"""pytest plugin for browser journeys: Playwright driving Debian's Chromium.

Loaded for every run through ``-p portal.testing.browser`` in pyproject.toml.
Playwright's own browser download is not used (government networks and CI have
no access to it); Debian's ``chromium`` package is launched headless instead.

Write browser tests as::

    @pytest.mark.browser
    def test_it_lands_alice_on_her_requests(page, live_server, login, alice):
        login("alice")
        expect(page.get_by_role("heading", name="我的诉求")).to_be_visible()
"""

import os
import shutil
import types

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's
# async-safety guard would otherwise refuse ORM calls made by live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_PASSWORD = "Portal#2026"
LOGIN_PATH = "/accounts/login/"
LOGIN_TIMEOUT_MS = 15_000


def _chromium_from_debian() -> types.ModuleType:
    """Fixtures that must win over pytest-playwright's own definitions.

    A plugin named with ``-p`` is imported before the installed plugins, so
    its fixtures would lose to pytest-playwright's; this module is registered
    from ``pytest_configure``, after them, and therefore takes precedence.
    """
    module = types.ModuleType(f"{__name__}.chromium_from_debian")

    @pytest.fixture(scope="session")
    def browser_type_launch_args(pytestconfig):
        if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
            pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)")
        headless = not pytestconfig.getoption("--headed", default=False)
        return {"executable_path": CHROMIUM, "headless": headless, "args": CHROMIUM_ARGS}

    @pytest.fixture(scope="session")
    def browser_context_args(browser_context_args):
        return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

    module.browser_type_launch_args = browser_type_launch_args
    module.browser_context_args = browser_context_args
    return module


def pytest_configure(config):
    config.pluginmanager.register(_chromium_from_debian(), "portal-chromium-from-debian")


@pytest.fixture
def login(page, live_server):
    """``login(username, password=...)`` signs in through the real login form."""

    def sign_in(username: str, password: str = DEFAULT_PASSWORD):
        page.goto(live_server.url + LOGIN_PATH)
        form = page.locator("form:has(input[name=password])")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation(timeout=LOGIN_TIMEOUT_MS):
            form.locator("[type=submit]").first.click()
        if LOGIN_PATH in page.url:
            alert = page.locator(".alert-danger")
            reason = alert.first.inner_text() if alert.count() else "still on the login page"
            pytest.fail(f"Logging in as {username!r} failed: {reason}")
        return page

    return sign_in
