"""Settings of the gunicorn that ``manage.py bench --http`` starts: the portal's own, plus the floor URL.

The benchmark's floor view lives in ``bench.urls``; the portal's URLs never name it. ``BENCH_DATABASE_NAME``
points the web workers at the database the benchmark runs on (the test database, under the test suite),
``BENCH_PASSWORD_HASHERS`` lets them check the passwords that process hashed.
"""

import os

from portal.settings import *  # noqa: F403
from portal.settings import DATABASES

ROOT_URLCONF = "bench.urls"
DEBUG = False

if os.environ.get("BENCH_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]
if os.environ.get("BENCH_PASSWORD_HASHERS"):  # those of the process that made the passwords (the test suite's)
    PASSWORD_HASHERS = os.environ["BENCH_PASSWORD_HASHERS"].split(",")
