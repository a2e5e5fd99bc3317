"""Uploaded files are served as what their content is, never as what their name claims."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import Attachment
from issues.uploads import download_name

from .factories import make_request

pytestmark = pytest.mark.django_db

# A valid 1×1 GIF whose trailer is followed by an HTML page: a browser that sniffs it, or that trusts the
# .html name, runs the script.
POLYGLOT = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    b"<html><body><script>fetch('/accounts/logout/')</script></body></html>"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _download(client, user, attachment):
    client.force_login(user)
    return client.get(reverse("issues:attachment_download", args=[attachment.token]))


def test_it_serves_a_gif_html_polyglot_named_html_as_a_gif(client, acme, alice, bob):
    upload = SimpleUploadedFile("evil.html", POLYGLOT, content_type="text/html")
    req = make_request(acme, alice, files=[upload])
    attachment = Attachment.objects.get(request=req)
    assert attachment.content_type == "image/gif" and attachment.original_name == "evil.gif"
    response = _download(client, bob, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "evil.gif" in response["Content-Disposition"] and ".html" not in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == POLYGLOT


def test_a_polyglot_stored_before_under_its_html_name_still_downloads_as_a_gif(client, acme, alice, bob):
    req = make_request(acme, alice, files=[SimpleUploadedFile("evil.gif", POLYGLOT)])
    attachment = Attachment.objects.get(request=req)
    Attachment.objects.filter(pk=attachment.pk).update(original_name="evil.html")
    response = _download(client, alice, attachment)
    assert response["Content-Type"] == "image/gif"
    assert 'filename="evil.gif"' in response["Content-Disposition"]


def test_a_pdf_named_html_downloads_as_an_attachment_named_pdf(client, acme, alice, bob):
    req = make_request(acme, alice, files=[SimpleUploadedFile("report.html", PDF, content_type="text/html")])
    response = _download(client, bob, Attachment.objects.get(request=req))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_stored_type_downloads_as_bytes_never_inline(client, acme, alice, bob):
    req = make_request(acme, alice, files=[SimpleUploadedFile("evil.gif", POLYGLOT)])
    attachment = Attachment.objects.get(request=req)
    Attachment.objects.filter(pk=attachment.pk).update(content_type="text/html", original_name="evil.html")
    response = _download(client, alice, attachment)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".html" not in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("evil.html", "image/gif", "evil.gif"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("scan.png", "image/jpeg", "scan.jpg"),
        ("营业执照", "application/pdf", "营业执照.pdf"),
        ("../../etc/passwd.svg", "image/png", "passwd.png"),
        ("C:\\Users\\me\\合同.docx.exe", "application/pdf", "合同.docx.pdf"),
        ("bad\r\nname.html", "image/png", "badname.png"),
        (".html", "image/gif", "html.gif"),
        ("...", "image/gif", "file.gif"),
    ],
)
def test_the_download_name_takes_the_extension_of_the_detected_type(name, content_type, expected):
    assert download_name(name, content_type) == expected
