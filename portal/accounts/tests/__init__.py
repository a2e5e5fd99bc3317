import json
import os
import subprocess
import sys

PRODUCTION_ENV = {"PRODUCTION": "true", "SECRET_KEY": "x" * 64, "ALLOWED_HOSTS": "portal.example.gov.cn"}


def settings_in_a_fresh_process(env: dict, *names: str) -> subprocess.CompletedProcess:
    """Load the settings with ``env`` in a new interpreter; stdout is a JSON object of ``names``."""
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'; "
        "from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def settings_values(env: dict, *names: str) -> dict:
    result = settings_in_a_fresh_process(env, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
