"""Visits (走访): recording one with photos and the requests collected on it, the history per enterprise,
monthly counts per commissioner, and filing on an enterprise's behalf from the hotline or a phone call."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from issues import services
from issues.models import Attachment, Request, Source, Visit

from .factories import category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def visit_data(enterprise, **extra):
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "enterprise": enterprise.pk,
        "people_met": "王总",
        "notes": "了解扩产计划",
        "req-TOTAL_FORMS": "2",
        "req-INITIAL_FORMS": "0",
        "req-MIN_NUM_FORMS": "0",
        "req-MAX_NUM_FORMS": "10",
    }
    data.update(extra)
    return data


def test_it_records_a_visit_with_a_photo_and_files_the_requests_collected(client, acme, bob):
    client.force_login(bob)
    finance = category()
    response = client.post(
        reverse("issues:visit_create"),
        visit_data(
            acme,
            photos=SimpleUploadedFile("site.png", PNG, content_type="image/png"),
            **{
                "req-0-category": finance.pk,
                "req-0-title": "厂房屋顶漏水",
                "req-0-description": "需协调维修资金",
                "req-1-category": finance.pk,
                "req-1-title": "缺少电工",
                "req-1-description": "需要5名电工",
            },
        ),
    )
    assert response.status_code == 302 and response.url == reverse("issues:contact_card", args=[acme.pk])
    visit = Visit.objects.get()
    assert (visit.commissioner, visit.enterprise, visit.people_met) == (bob, acme, "王总")
    assert Attachment.objects.get(visit=visit).content_type == "image/png"
    filed = Request.objects.order_by("pk")
    assert [(r.title, r.source, r.created_by) for r in filed] == [
        ("厂房屋顶漏水", Source.VISIT, bob),
        ("缺少电工", Source.VISIT, bob),
    ]
    card = client.get(response.url).content.decode()
    assert "Visit history" in card and "了解扩产计划" in card and "site.png" in card


def test_it_records_a_visit_without_requests_when_the_blocks_are_empty(client, acme, bob):
    client.force_login(bob)
    assert client.post(reverse("issues:visit_create"), visit_data(acme)).status_code == 302
    assert Visit.objects.count() == 1 and Request.objects.count() == 0


def test_it_refuses_a_pdf_as_a_visit_photo_and_saves_nothing(client, acme, bob):
    client.force_login(bob)
    response = client.post(
        reverse("issues:visit_create"),
        visit_data(acme, photos=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")),
    )
    assert response.status_code == 200
    assert "not an accepted file type" in response.content.decode()
    assert Visit.objects.count() == 0


def test_it_refuses_a_visit_to_an_enterprise_not_paired(acme, globex, bob):
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=bob, visited_on=timezone.localdate(), enterprise=globex)
    with pytest.raises(ValidationError):
        services.visit_record(actor=bob, visited_on=timezone.localdate() + timedelta(days=2), enterprise=acme)
    assert Visit.objects.count() == 0


def test_it_rolls_the_visit_back_when_a_collected_request_is_refused(acme, bob):
    with pytest.raises(ValidationError):
        services.visit_record(
            actor=bob,
            visited_on=timezone.localdate(),
            enterprise=acme,
            requests=[{"category": category(), "title": "", "description": "没有标题"}],
        )
    assert Visit.objects.count() == 0 and Request.objects.count() == 0


def test_it_counts_visits_per_commissioner_per_month(client, acme, bob, bert, dora, dan):
    today = timezone.localdate()
    for day in (today, today - timedelta(days=1)):
        services.visit_record(actor=bob, visited_on=day, enterprise=acme)
    services.visit_record(actor=bert, visited_on=today, enterprise=acme)
    client.force_login(bob)
    response = client.get(reverse("issues:visit_list"))
    assert [(c["name"], c["total"]) for c in response.context["counts"]] == [("鲍勃", 2)]
    client.force_login(dora)
    counts = {c["name"]: c["total"] for c in client.get(reverse("issues:visit_list")).context["counts"]}
    assert counts == {"鲍勃": 2, "伯特": 1}
    client.force_login(dan)
    assert client.get(reverse("issues:visit_list")).context["counts"] == []


def test_it_serves_visit_photos_to_commissioners_and_supervisors_in_scope_only(client, acme, alice, bob, dora, dan):
    visit = services.visit_record(
        actor=bob, visited_on=date(2025, 6, 3), enterprise=acme, photos=[SimpleUploadedFile("gate.png", PNG)]
    )
    url = reverse("issues:visit_photo", args=[visit.photos.get().token])
    for user, status in ((bob, 200), (dora, 200), (dan, 404), (alice, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_it_files_a_hotline_request_on_behalf_of_the_enterprise(client, acme, globex, bob):
    client.force_login(bob)
    page = client.get(reverse("issues:request_create_on_behalf"), {"enterprise": acme.pk}).content.decode()
    assert acme.name in page and globex.name not in page
    response = client.post(
        reverse("issues:request_create_on_behalf"),
        {
            "enterprise": acme.pk,
            "source": "hotline",
            "category": category().pk,
            "title": "12345转来：停水",
            "description": "园区停水两天",
        },
    )
    req = Request.objects.get()
    assert response.url == reverse("issues:request_detail", args=[req.pk])
    assert (req.source, req.enterprise, req.created_by) == (Source.HOTLINE, acme, bob)
    response = client.post(
        reverse("issues:request_create_on_behalf"),
        {"enterprise": globex.pk, "source": "phone", "category": category().pk, "title": "x", "description": "y"},
    )
    assert response.status_code == 200 and Request.objects.count() == 1
