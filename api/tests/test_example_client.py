"""docs/examples/hotline_client.py, run as a city's hotline would run it, against a live portal."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connections

from issues import services
from issues.models import Outcome, Request, Source, Status

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "hotline_client.py"


@pytest.mark.django_db(transaction=True)
def test_the_example_client_files_a_work_order_and_follows_it_to_its_answer(live_server, hotline_key, acme, bob):
    def commissioner_answers():
        try:
            for _ in range(200):
                req = Request.objects.filter(work_order_number="GD-EXAMPLE-1").first()
                if req is not None:
                    services.request_take_on(req_id=req.pk, actor=bob)
                    services.request_answer_directly(
                        req_id=req.pk, actor=bob, outcome=Outcome.RESOLVED, body="已接电。"
                    )
                    return
                time.sleep(0.1)
        finally:
            connections.close_all()

    worker = threading.Thread(target=commissioner_answers)
    worker.start()
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--url",
            live_server.url,
            "--key",
            hotline_key,
            "--number",
            "GD-EXAMPLE-1",
            "--credit-code",
            acme.credit_code,
            "--verdict",
            "satisfied",
            "--every",
            "0.5",
            "--wait",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    worker.join()
    assert result.returncode == 0, result.stderr
    assert "answered" in result.stdout and "已接电。" in result.stdout
    req = Request.objects.get(work_order_number="GD-EXAMPLE-1")
    assert (req.source, req.status, req.evaluations.get().source) == (Source.HOTLINE, Status.CLOSED, Source.HOTLINE)
