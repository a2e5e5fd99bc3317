"""The Django admin works under the portal's Content-Security-Policy: no page reports a violation."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def test_it_runs_every_admin_page_without_a_policy_violation(page, live_server, login, admin_user, bob):
    page.add_init_script(LISTEN_FOR_VIOLATIONS)
    login("admin")
    # The listener hears a violation: an image from outside the portal is refused.
    page.goto(live_server.url + reverse("admin:index"))
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"http://203.0.113.1/x.png\">')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("img-src")

    violations = {}
    for url in admin_urls():
        response = page.goto(live_server.url + url)
        assert response.status in (200, 403), url  # 403: a read-only log that cannot be added to
        assert response.headers.get("content-security-policy", "").startswith("default-src 'self'"), url
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[url] = found
    assert violations == {}

    # The admin's own scripts run: "select all" ticks every row of the change list.
    page.goto(live_server.url + reverse("admin:accounts_user_changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("2")
    assert page.evaluate("window.__cspViolations") == []
