"""Project pages: the URL × role matrix, hidden projects, the forms, the pinned list query count."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import Category, Request
from projects.models import ProgressReport, Project, ProjectPhoto, Stage
from projects.services import photo_upload

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "dora", "dan", "admin_user"]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def expect(default, **overrides):
    return {role: overrides.get(role, default) for role in ROLES if role != "anonymous"}


# The project is in Kuiwen, owned by acme (alice); bob is its B角; carol is a handler; dan supervises Fangzi.
SEES = {"carol": 404, "dan": 404}
MATRIX = {
    "list": ("get", None, expect(200, alice=403, carol=403)),
    "mine": ("get", None, expect(403, alice=200, bob=200)),
    "detail": ("get", "project", expect(200, **SEES)),
    "card": ("get", "project", expect(200, **SEES)),
    "stage": ("post", "project", expect(403, bob=400, admin_user=400, **SEES)),
    "report": ("get", "project", expect(403, alice=200, bob=200, **SEES)),
    "photo_upload": ("post", "project", expect(403, alice=400, bob=400, **SEES)),
    "photo": ("get", "photo", expect(200, **SEES)),
}


@pytest.fixture
def objects(project, pat):
    photo = photo_upload(
        project_id=project.pk, actor=pat, files=[SimpleUploadedFile("site.png", PNG, content_type="image/png")]
    )[0]
    return {"project": project.pk, "photo": photo.token}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_each_role_as_listed(
    client, request, objects, alice, bob, carol, dave, dora, dan, admin_user, name, role
):
    method, obj, expected = MATRIX[name]
    url = reverse(f"projects:{name}", args=[objects[obj]] if obj else [])
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url, {}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.20")
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
        return
    assert response.status_code == expected[role], f"{role} {method.upper()} {name}"


def test_a_commissioner_of_other_projects_gets_404(client, project, carl):
    client.force_login(carl)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("projects:detail", args=[project.pk + 99])).status_code == 404
    assert project.name not in client.get(reverse("projects:list")).content.decode()


def test_an_enterprise_sees_only_its_own_projects(client, project, alice, globex, fangzi):
    other = Project.objects.create(name="环球新材料项目", region=fangzi, enterprise=globex)
    client.force_login(alice)
    page = client.get(reverse("projects:mine")).content.decode()
    assert project.name in page and other.name not in page
    assert client.get(reverse("projects:detail", args=[other.pk])).status_code == 404


def test_the_photo_of_a_hidden_project_is_404(client, objects, carl):
    client.force_login(carl)
    assert client.get(reverse("projects:photo", args=[objects["photo"]])).status_code == 404
    assert ProjectPhoto.objects.count() == 1


def test_the_page_offers_only_the_allowed_actions(client, project, alice, dora, pat):
    client.force_login(dora)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:report", args=[project.pk]) not in page
    assert reverse("projects:stage", args=[project.pk]) not in page
    client.force_login(pat)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:stage", args=[project.pk]) in page
    assert f"{reverse('issues:visit_create')}?project={project.pk}" in page


def test_filing_a_report_with_a_problem_from_the_form(client, project, pat):
    category = Category.objects.get(code="finance")
    client.force_login(pat)
    with time_machine.travel(datetime.datetime(2026, 3, 17, 9, tzinfo=SHANGHAI), tick=False):
        response = client.post(
            reverse("projects:report", args=[project.pk]),
            {
                "period": "2026-03-01",
                "progress": "厂房主体完工",
                "investment": "500",
                "stage": Stage.STARTED,
                "problems": "施工用电未接通",
                "problem_category": str(category.pk),
            },
        )
    assert response.status_code == 302
    assert ProgressReport.objects.get().on_time
    assert Request.objects.get(project=project).description == "施工用电未接通"


def test_a_duplicate_report_is_refused_with_a_clear_message(client, project, pat, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(pat)
    data = {"period": "", "progress": "进展", "investment": "1", "stage": project.stage}
    with time_machine.travel(datetime.datetime(2026, 3, 17, 9, tzinfo=SHANGHAI), tick=False):
        data["period"] = "2026-03-01"
        assert client.post(reverse("projects:report", args=[project.pk]), data).status_code == 302
        response = client.post(reverse("projects:report", args=[project.pk]), data)
    assert response.status_code == 400
    assert "已报送" in response.content.decode()
    assert ProgressReport.objects.count() == 1


def test_a_stage_dated_in_the_future_is_refused_on_the_page(client, project, pat):
    client.force_login(pat)
    response = client.post(
        reverse("projects:stage", args=[project.pk]), {"to_stage": Stage.SIGNED, "changed_on": "2099-01-01"}
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_the_list_filters_and_pins_its_queries(client, project, dora, kuiwen, django_assert_max_num_queries):
    for i in range(30):
        Project.objects.create(name=f"项目{i:02}", region=kuiwen, stage=Stage.STARTED if i % 2 else Stage.SIGNED)
    client.force_login(dora)
    # session + user, supervisor scope (regions), count, page rows, region/leader/commissioner choices,
    # the rules for the flags (regions, policies) and the stalled/late filters (regions, policies each)
    with django_assert_max_num_queries(16):
        response = client.get(
            reverse("projects:list"),
            {"stage": Stage.STARTED, "region": kuiwen.pk, "stalled": "no", "report_late": "no"},
        )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 15
    htmx = client.get(reverse("projects:list"), {"stage": Stage.SIGNED}, HTTP_HX_REQUEST="true")
    assert b"<html" not in htmx.content and htmx.context["page"].paginator.count == 15


def test_the_stalled_and_late_filters_match_the_badges(client, project, dora, kuiwen):
    fresh = Project.objects.create(name="新签项目", region=kuiwen)
    client.force_login(dora)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=SHANGHAI), tick=False):
        Project.objects.filter(pk=fresh.pk).update(
            last_progress_on=datetime.date(2026, 5, 30), reported_through=datetime.date(2026, 5, 15)
        )
        late = client.get(reverse("projects:list"), {"report_late": "yes"}).context["rows"]
        stalled = client.get(reverse("projects:list"), {"stalled": "yes"}).context["rows"]
    assert [p.name for p in late] == [project.name] and late[0].report_late
    assert [p.name for p in stalled] == [project.name] and stalled[0].stalled
