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


def test_dave_reviews_the_cards_and_calls_an_enterprise_back(month, page, live_server, login, dave):
    login("dave")
    march = "period=custom&from=2025-03-01&to=2025-03-31"
    page.goto(f"{live_server.url}/supervision/dashboard/?{march}")
    page.get_by_role("link", name="红黄牌").first.click()
    expect(page.locator("h1")).to_contain_text("红黄牌")
    page.locator("select[name=kind]").select_option("red")
    page.locator("select[name=revoked]").select_option("false")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)  # r2's red card; r5's was revoked
    expect(rows.first).to_contain_text("诉求2")

    page.goto(f"{live_server.url}/supervision/return-visits/?{march}")
    row = page.locator("tr", has_text="诉求4")
    expect(row).to_contain_text("未评价")
    row.get_by_role("link", name="登记回访").click()
    expect(page.locator("input[type=radio][name=outcome]")).to_have_count(4)
    page.get_by_label("满意", exact=True).check()
    page.locator("textarea[name=note]").fill("企业表示问题已解决")
    page.get_by_role("button", name="登记回访").click()
    expect(page.locator(".list-group")).to_contain_text("企业表示问题已解决")
    page.goto(f"{live_server.url}/supervision/return-visits/?{march}")
    expect(page.locator("tr", has_text="诉求4")).to_have_count(0)
    page.locator("#return-visit-tabs").get_by_role("link", name="已回访").click()
    expect(page.locator("tr", has_text="诉求4")).to_have_count(1)
