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
