"""The sweep benchmark on the synthetic city prints one JSON line."""

import io
import json

from django.core.management import call_command


def test_it_times_a_small_sweep_and_prints_json(db):
    out = io.StringIO()
    call_command("bench_sweep", "--requests", "400", "--due", "40", stdout=out)
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert line["target"] == "sweep" and line["requests"] == 400
    assert line["sent"] == line["due"] > 0 and line["errors"] == 0
