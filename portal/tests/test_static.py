"""Static files in production: collectstatic, then the application itself serves hashed names that
browsers may keep for a year, behind the proxy (X-Forwarded-Proto: https from loopback)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FETCH = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
django.setup()
from django.templatetags.static import static
from django.test import Client
client = Client()
proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
out = {}
for name in ("css/portal.css", "js/portal.js", "vendor/htmx-2.0.7/htmx.min.js"):
    url = static(name)
    response = client.get(url, **proxy)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    out[name] = {"url": url, "status": response.status_code, "cache": response.get("Cache-Control", ""),
                 "size": len(body)}
plain = client.get("/static/js/portal.js", **proxy)
out["plain"] = {"status": plain.status_code, "cache": plain.get("Cache-Control", "")}
print(json.dumps(out))
"""


def test_production_serves_hashed_static_files_with_far_future_cache_headers(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PRODUCTION": "true",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    run = dict(cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], **run)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    fetched = subprocess.run([sys.executable, "-c", FETCH], **run)
    assert fetched.returncode == 0, fetched.stderr
    out = json.loads(fetched.stdout)
    for name in ("css/portal.css", "js/portal.js", "vendor/htmx-2.0.7/htmx.min.js"):
        got = out[name]
        stem, suffix = name.rsplit(".", 1)
        assert got["url"].startswith(f"/static/{stem}.") and got["url"] != f"/static/{name}", got
        assert got["status"] == 200 and got["size"] > 0, got
        assert "max-age=315360000" in got["cache"] and "immutable" in got["cache"], got
    # The unhashed name still answers (old pages in a cache), but only briefly cached.
    assert out["plain"]["status"] == 200
    assert "immutable" not in out["plain"]["cache"]


def test_development_and_tests_read_static_files_without_collectstatic(settings):
    from django.templatetags.static import static

    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert static("js/portal.js") == "/static/js/portal.js"
