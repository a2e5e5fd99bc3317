import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import load_workbook

from knowledge.models import Entry
from portal.accounts.models import AuditEvent
from supervision import exports, services
from supervision.models import ExportJob, RankingEntry, RankingSnapshot, ReturnVisit
from supervision.ranking import ranking_rows

from .conftest import MARCH


def _export_url(kind, params):
    return f"{reverse('supervision:export', args=[kind])}?{urlencode(params)}"


def _sheet(response):
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_it_exports_the_drill_list_masked_and_audited(month, client, dora, at_later):
    client.force_login(dora)
    response = client.post(_export_url("drill", {**MARCH, "metric": "received"}))
    rows = _sheet(response)
    assert len(rows) == 1 + 5  # header + Kuiwen's received requests, none of Fangzi's
    phones = {row[4] for row in rows[1:]}
    assert all("****" in phone for phone in phones)
    assert all(row[2] != "坊子环球食品有限公司" for row in rows[1:])
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == dora and event.detail["rows"] == 5


def test_the_return_visit_ledger_keeps_phones_for_the_call(month, client, dave, at_later):
    client.force_login(dave)
    rows = _sheet(client.post(_export_url("return_visits", MARCH)))
    assert len(rows) > 1 and all("****" not in row[4] for row in rows[1:])


def test_a_large_export_runs_in_the_background_for_its_creator_only(
    month, client, dave, dora, monkeypatch, at_later, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "SYNC_LIMIT", 2)
    from supervision import views

    monkeypatch.setattr(views, "SYNC_LIMIT", 2)
    client.force_login(dave)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_export_url("drill", {**MARCH, "metric": "received"}))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("supervision:export_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.total == 6
    page = client.get(reverse("supervision:export_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"100%" in page.content
    assert len(_sheet(client.get(reverse("supervision:export_download", args=[job.pk])))) == 7
    client.force_login(dora)
    assert client.get(reverse("supervision:export_download", args=[job.pk])).status_code == 404


def test_an_export_whose_message_was_lost_is_sent_again_and_written_once(month, dave, monkeypatch):
    from supervision import tasks

    job = ExportJob.objects.create(
        created_by=dave,
        kind="drill",
        params={**MARCH, "metric": "received"},
        total=6,
        created_at=timezone.now() - timedelta(minutes=5),
    )
    ExportJob.objects.create(created_by=dave, kind="drill", params={}, total=1)  # just queued: left alone
    assert tasks.resend_waiting_exports() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    written = job.file.name
    tasks.write_export(job.pk)  # a duplicate message: claimed already, nothing is written again
    job.refresh_from_db()
    assert job.file.name == written and tasks.resend_waiting_exports() == 0


def test_a_published_ranking_never_changes(month, dave, at_later):
    snapshot = services.ranking_publish(month=date(2025, 3, 1), kind="region")
    names = [e.unit_name for e in snapshot.entries.all()]
    assert names and set(names) <= {"奎文区", "坊子区"}
    entry = snapshot.entries.first()
    entry.score = 1
    with pytest.raises(ValidationError):
        entry.save()
    snapshot.reason = "edited"
    with pytest.raises(ValidationError):
        snapshot.save()
    with pytest.raises(ValidationError):
        snapshot.delete()
    with pytest.raises(ValidationError):
        RankingEntry.objects.create(snapshot=snapshot, rank=9, unit_name="x", received=1, resolved=1, score=1)


def test_a_republish_is_a_new_audited_version_with_a_reason(month, dave, client, at_later):
    first = services.ranking_publish(month=date(2025, 3, 1), kind="department")
    with pytest.raises(ValidationError):
        services.ranking_publish(month=date(2025, 3, 1), kind="department", actor=dave)
    second = services.ranking_publish(month=date(2025, 3, 1), kind="department", actor=dave, reason="数据更正")
    assert (first.version, second.version) == (1, 2)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RANKING).count() == 2
    page = client.get(reverse("supervision:ranking"), {"month": "2025-03", "kind": "department"})
    assert page.context["snapshot"] == second


def test_the_beat_task_publishes_last_month_once(month, settings):
    import time_machine

    from supervision.tasks import publish_monthly_rankings

    with time_machine.travel("2025-04-01 00:10 +0800", tick=False):
        assert publish_monthly_rankings() == 3
        assert publish_monthly_rankings() == 0
    assert RankingSnapshot.objects.filter(month=date(2025, 3, 1), published_at__isnull=False).count() == 3


def test_district_supervisors_may_not_publish(month, dora):
    with pytest.raises(PermissionDenied):
        services.ranking_publish(month=date(2025, 3, 1), kind="region", actor=dora, reason="x")


def test_drafts_show_dora_only_her_units(month, client, dora, at_later):
    client.force_login(dora)
    for kind in ("region", "department", "commissioner_unit"):
        rows = client.get(reverse("supervision:ranking_draft"), {"month": "2025-03", "kind": kind}).context["rows"]
        assert all("坊子" not in row["unit_name"] for row in rows)
    assert [
        r["unit_name"] for r in client.get(reverse("supervision:ranking_draft"), {"month": "2025-03"}).context["rows"]
    ] == ["奎文区"]


def test_the_score_weighs_rates_and_subtracts_cards(month):
    rows = {r["unit_name"]: r for r in ranking_rows("region", date(2025, 3, 1))}
    assert rows["坊子区"]["score"] == 100
    assert rows["奎文区"]["yellow_cards"] == 1 and rows["奎文区"]["red_cards"] == 1
    assert rows["坊子区"]["rank"] == 1


def test_a_big_screen_link_works_until_revoked(month, client, dora, dan, kuiwen, fangzi, at_later):
    with pytest.raises(PermissionDenied):
        services.token_create(actor=dora, region=fangzi)
    link = services.token_create(actor=dora, region=kuiwen)
    url = reverse("supervision:bigscreen_token", args=[link.token])
    response = client.get(url)
    assert response.status_code == 200 and response.context["figures"]["received"] >= 5
    assert response.context["figures"]["received"] == 5  # Kuiwen only, never Fangzi's r7
    assert [r["name"] for r in response.context["chart_data"]["region"]] == ["奎文区"]
    services.token_revoke(actor=dora, token_id=link.pk)
    assert client.get(url).status_code == 404


def test_a_group_becomes_a_policy_issue_that_commissioners_read(month, client, dora, bob, kuiwen, at_later):
    client.force_login(dora)
    groups = client.get(reverse("supervision:common"), MARCH).context["groups"]
    group = groups[0]
    assert group["region"] == kuiwen and group["count"] == 5
    client.post(
        reverse("supervision:common_mark"),
        {
            "category": group["category"].pk,
            "industry": group["industry"],
            "region": kuiwen.pk,
            "title": "租金补贴",
            "standard_answer": "按市政策申报。",
        },
    )
    assert Entry.objects.get().title == "租金补贴"
    client.force_login(bob)
    assert "按市政策申报" in client.get(reverse("supervision:standard_answers")).content.decode()


def test_a_return_call_is_recorded(month, client, dora, at_later):
    client.force_login(dora)
    listed = client.get(reverse("supervision:return_visits"), MARCH).context["page"]
    assert {r.pk for r in listed} == {month.r[2].pk, month.r[4].pk}
    client.post(reverse("supervision:return_visit", args=[month.r[4].pk]), {"outcome": "satisfied", "note": "ok"})
    assert ReturnVisit.objects.get().request == month.r[4]


def test_the_accountability_list_shows_the_missed_answer(month, client, dora, at_later):
    client.force_login(dora)
    page = client.get(reverse("supervision:accountability"), MARCH).context["page"]
    assert [r.pk for r in page] == [month.r[5].pk]
    assert page[0].late_hours > 0 and page[0].yellow and not page[0].red
