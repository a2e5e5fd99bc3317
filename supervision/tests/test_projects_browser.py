import pytest
from playwright.sync_api import expect

from projects.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def projects(kuiwen, fangzi):
    for name, region, stage in (
        ("一号项目", kuiwen, "started"),
        ("二号项目", kuiwen, "negotiating"),
        ("三号项目", kuiwen, "operating"),
        ("五号项目", fangzi, "signed"),
    ):
        Project.objects.create(name=name, region=region, stage=stage, planned_investment=100, total_investment=500)


def test_dora_reads_the_project_dashboard_and_clicks_a_figure_to_its_list(projects, dora, page, live_server, login):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login("dora")
    page.goto(f"{live_server.url}/supervision/projects/")
    started = page.locator("a.figure-card[data-figure=started]")
    expect(started.locator(".figure-value")).to_have_text("2")
    expect(page.locator("#start-rate")).to_have_text("66.7%")
    expect(page.locator("#chart-stage canvas")).to_have_count(1)  # drawn by static/js/projects.js under the CSP
    started.click()
    expect(page.locator("#drill-count")).to_have_text("2")
    expect(page.locator("#rows tbody tr")).to_have_count(2)
    assert not [e for e in errors if "Content Security Policy" in e], errors
