"""``manage.py bench --http --users 5,10,20``: the portal under load, from gunicorn on 127.0.0.1.

For each number of users, that many threads each send ``per_user`` requests one after the other (no
pause: a closed loop, each user waits for its page before asking for the next), picking pages in the
proportions of a working day (``MIX``): mostly commissioners working their queue and opening
requests, departments their queue, enterprises their 我的诉求, now and then a supervisor's list or
dashboard and a submission (deleted again afterwards). The people are the busiest of the province.
Each step prints one JSON line (throughput, p50, p95, errors) and a table follows, with the throughput
at which p95 first went over 300 ms.
"""

import json
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from issues.models import OPEN_STATUSES, Category, Dispatch, Request
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.orgs.models import DepartmentMembership, Enterprise

from .live import HttpClient

KNEE_MS = 300.0
POOL = 10  # busiest people of each role the users act as

# (share in percent, page): what the portal's users ask for in a working day
MIX = [
    (28, "commissioner_queue"),
    (20, "request_detail"),
    (5, "commissioner_search"),
    (15, "department_queue"),
    (15, "my_requests"),
    (6, "supervisor_list"),
    (4, "city_dashboard"),
    (3, "district_dashboard"),
    (2, "project_dashboard"),
    (2, "submit"),
]
SEARCH = "%E7%8E%AF%E8%AF%84%E5%AE%A1%E6%89%B9"  # 环评审批


@dataclass
class Person:
    cookies: dict
    urls: list[str]  # the pages of this person's kind of work (request pages: several)
    user_pk: int | None = None


def _cookies(address, user: User) -> dict:
    return HttpClient.signed_in(address, user).cookies


def _busiest(qs, field: str, n: int = POOL) -> list[int]:
    return [row[field] for row in qs.values(field).annotate(n=Count("pk")).order_by("-n", field)[:n]]


def people(ctx) -> dict[str, list[Person]]:
    """Who does what: the POOL busiest commissioners, handlers' departments and enterprises, and the
    city and district supervisors the single targets use."""
    address = ctx.server.address
    queue, dept_queue, mine = reverse("issues:queue"), reverse("issues:department_queue"), reverse("issues:my_requests")
    commissioners = _busiest(
        Request.objects.filter(status__in=OPEN_STATUSES, commissioner__isnull=False), "commissioner_id"
    )
    by_commissioner = {pk: User.objects.get(pk=pk) for pk in commissioners}
    details = {
        pk: [
            reverse("issues:request_detail", args=[r])
            for r in Request.objects.filter(commissioner_id=pk).order_by("-pk").values_list("pk", flat=True)[:40]
        ]
        for pk in commissioners
    }
    departments = _busiest(Dispatch.objects.filter(status__in=("pending", "accepted")), "department_id")
    handlers = [
        m.user
        for m in DepartmentMembership.objects.filter(
            department_id__in=departments, kind=DepartmentMembership.Kind.HANDLER
        ).select_related("user")
    ][:POOL]
    enterprises = [User.objects.get(pk=pk) for pk in _busiest(Request.objects.all(), "created_by_id")]
    city, district = ctx.people["city"], ctx.people["district"]
    city_cookies, district_cookies = _cookies(address, city), _cookies(address, district)
    dashboard, projects = reverse("supervision:dashboard"), reverse("supervision:projects")
    commissioner_people = [(_cookies(address, u), pk) for pk, u in by_commissioner.items()]
    return {
        "commissioner_queue": [Person(c, [f"{queue}?size=50"]) for c, _pk in commissioner_people],
        "request_detail": [Person(c, details[pk]) for c, pk in commissioner_people if details[pk]],
        "commissioner_search": [Person(c, [f"{queue}?size=50&tab=all&q={SEARCH}"]) for c, _pk in commissioner_people],
        "department_queue": [Person(_cookies(address, u), [f"{dept_queue}?size=50"]) for u in handlers],
        "my_requests": [Person(_cookies(address, u), [mine]) for u in enterprises],
        "supervisor_list": [Person(city_cookies, [f"{reverse('issues:supervisor_list')}?size=50"])],
        "city_dashboard": [Person(city_cookies, [f"{dashboard}?period=year"])],
        "district_dashboard": [Person(district_cookies, [f"{dashboard}?period=year"])],
        "project_dashboard": [Person(city_cookies, [projects])],
        "submit": [Person(_cookies(address, u), [reverse("issues:request_create")], u.pk) for u in enterprises[:3]],
    }


class Step:
    def __init__(self, users: int):
        self.users = users
        self.timings: list[tuple[str, float]] = []
        self.errors: list[str] = []
        self.made: list[int] = []
        self.lock = threading.Lock()


def _user_loop(step: Step, address, pool: dict, forms: dict, per_user: int, seed: int) -> None:
    rng = random.Random(seed)
    kinds = [kind for _share, kind in MIX if pool.get(kind)]
    weights = [share for share, kind in MIX if pool.get(kind)]
    clients: dict[int, HttpClient] = {}
    for _ in range(per_user):
        kind = rng.choices(kinds, weights)[0]
        person = rng.choice(pool[kind])
        client = clients.get(id(person))
        if client is None:
            client = clients[id(person)] = HttpClient(address, person.cookies)
        url = rng.choice(person.urls)
        started = time.perf_counter()
        try:
            if kind == "submit":
                response = client.post(url, forms[id(person)])
                ok = response.status_code == 302
                match = re.search(r"/requests/(\d+)/", response.headers.get("location", "")) if ok else None
            else:
                response = client.get(url)
                ok, match = response.status_code == 200, None
            error = "" if ok else f"{kind}: HTTP {response.status_code}"
        except OSError as exc:  # refused, reset, timed out
            error, match = f"{kind}: {type(exc).__name__}", None
        elapsed = (time.perf_counter() - started) * 1000
        with step.lock:
            step.timings.append((kind, elapsed))
            if error:
                step.errors.append(error)
            if match:
                step.made.append(int(match.group(1)))


def _forms(pool: dict) -> dict:
    """The submission form of each submitting enterprise's person."""
    category = Category.objects.filter(is_active=True).order_by("pk").first()
    forms = {}
    for person in pool.get("submit", []):
        enterprise = Enterprise.objects.filter(memberships__user_id=person.user_pk).order_by("pk").first()
        forms[id(person)] = {
            "enterprise": enterprise.pk,
            "category": category.pk,
            "title": "关于天然气供应的诉求（压测）",
            "description": "冬季天然气供应不足，影响生产，恳请协调解决。",
        }
    return forms


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def run_steps(ctx, users: list[int], per_user: int = 40) -> list[dict]:
    pool = people(ctx)
    forms = _forms(pool)
    address = ctx.server.address
    results, made = [], []
    try:
        warm = Step(1)  # every page once, so the first step does not pay the workers' first fetches
        _user_loop(warm, address, {k: v for k, v in pool.items() if k != "submit"}, forms, 2 * len(MIX), seed=0)
        for n in users:
            step = Step(n)
            threads = [
                threading.Thread(target=_user_loop, args=(step, address, pool, forms, per_user, 1000 * n + i))
                for i in range(n)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            made += step.made
            timings = [ms for _kind, ms in step.timings]
            by_kind = {}
            for kind, ms in step.timings:
                by_kind.setdefault(kind, []).append(ms)
            result = {
                "target": "load",
                "users": n,
                "requests": len(timings),
                "seconds": round(seconds, 1),
                "throughput_rps": round(len(timings) / seconds, 1) if seconds else 0.0,
                "p50_ms": round(statistics.median(timings), 1) if timings else 0.0,
                "p95_ms": round(_percentile(timings, 0.95), 1),
                "errors": len(step.errors),
                "error_kinds": sorted(set(step.errors))[:5],
                "p95_by_page_ms": {k: round(_percentile(v, 0.95), 1) for k, v in sorted(by_kind.items())},
            }
            results.append(result)
            ctx.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            ctx.stdout.flush()
    finally:  # leave the data set as it was
        Notification.objects.filter(url__in=[reverse("issues:request_detail", args=[pk]) for pk in made]).delete()
        Request.objects.filter(pk__in=made).delete()
    knee = knee_of(results)
    ctx.stdout.write(json.dumps(knee) + "\n")
    return [*results, knee]


def knee_of(steps: list[dict]) -> dict:
    """The first step whose p95 went over KNEE_MS, and the best throughput before it."""
    crossed = next((s for s in steps if s["p95_ms"] > KNEE_MS), None)
    before = [s for s in steps if crossed is None or s["users"] < crossed["users"]]
    return {
        "target": "load_knee",
        "p95_limit_ms": KNEE_MS,
        "crossed_at_users": crossed["users"] if crossed else None,
        "crossed_at_rps": crossed["throughput_rps"] if crossed else None,
        "best_rps_under_limit": max((s["throughput_rps"] for s in before), default=None),
    }


def table(results: list[dict], floor_p95: float) -> str:
    steps = [r for r in results if r["target"] == "load"]
    knee = next((r for r in results if r["target"] == "load_knee"), knee_of(steps))
    head = f"{'users':>6} {'requests':>9} {'seconds':>8} {'req/s':>7} {'p50':>9} {'p95':>9} {'errors':>7}"
    lines = [f"mixed workload over HTTP (floor p95 {floor_p95:.1f} ms)", head, "-" * len(head)]
    for s in steps:
        lines.append(
            f"{s['users']:>6} {s['requests']:>9} {s['seconds']:>8} {s['throughput_rps']:>7} "
            f"{s['p50_ms']:>6.1f} ms {s['p95_ms']:>6.1f} ms {s['errors']:>7}"
        )
    if knee["crossed_at_users"] is None:
        lines.append(f"p95 stayed under {KNEE_MS:g} ms at every step (best {knee['best_rps_under_limit']} req/s).")
    else:
        lines.append(
            f"p95 crossed {KNEE_MS:g} ms at {knee['crossed_at_users']} users, {knee['crossed_at_rps']} req/s "
            f"(best under it: {knee['best_rps_under_limit'] or '-'} req/s)."
        )
    return "\n".join(lines)
