import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dave_clicks_a_figure_to_its_list_and_exports_it(month, page, live_server, login, dave, tmp_path):
    login("dave")
    page.goto(f"{live_server.url}/supervision/dashboard/?period=custom&from=2025-03-01&to=2025-03-31")
    resolved = page.locator("a.figure-card[data-metric=resolved]")
    expect(resolved.locator(".figure-value")).to_have_text("4")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    resolved.click()
    expect(page.locator("#drill-count")).to_have_text("4")
    expect(page.locator("#rows tbody tr")).to_have_count(4)
    with page.expect_download() as download:
        page.locator("#export-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_dora_exports_common_requests_from_the_list_and_from_the_confirmation_page(month, page, live_server, login):
    login("dora")
    march = "period=custom&from=2025-03-01&to=2025-03-31"
    page.goto(f"{live_server.url}/supervision/common/?{march}")
    with page.expect_download() as download:
        page.locator("form.export-form button").click()
    assert download.value.suggested_filename.startswith("common-")
    assert download.value.failure() is None
    page.goto(f"{live_server.url}/supervision/export/common/?{march}")  # a link followed or typed: only asks
    expect(page.locator("h1")).to_contain_text("共性诉求")
    with page.expect_download() as again:
        page.locator("#export-confirm").click()
    assert again.value.suggested_filename.endswith(".xlsx")
