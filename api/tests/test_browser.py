"""The API reference page in a real browser, under the portal's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_reference_page_shows_every_operation_from_static_files_only(page, live_server, transactional_db):
    refused, outside = [], []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/requests/{id}/return-visit")).to_be_visible()
    assert refused == [] and outside == []
