import pytest

from issues.models import Request

from .factories import make_request

pytestmark = pytest.mark.django_db


def test_it_shows_a_request_in_the_admin_but_never_edits_or_deletes_it(admin_client, acme, alice):
    req = make_request(acme, alice)
    page = admin_client.get(f"/admin/issues/request/{req.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    admin_client.post(f"/admin/issues/request/{req.pk}/change/", {"title": "改过的标题"})
    assert admin_client.post(f"/admin/issues/request/{req.pk}/delete/", {"post": "yes"}).status_code == 403
    req.refresh_from_db()
    assert req.title != "改过的标题" and Request.objects.filter(pk=req.pk).exists()
