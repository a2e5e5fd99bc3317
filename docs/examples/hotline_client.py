#!/usr/bin/env python3
"""A minimal client of the portal's hotline API, using only the Python standard library.

It files one 12345 work order, then follows the request until the portal has answered it, prints the
answer, and posts the return-visit (回访) result if one is given:

    python hotline_client.py --url https://portal.example.gov.cn --key wqt_… \\
        --number GD20261201-0001 --credit-code 91370705MA3C000000 --verdict satisfied

See docs/api.md for the keys, the fields and the webhooks."""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request


def call(base: str, key: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept-Language": "zh-hans"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--number", required=True, help="the hotline's work-order number")
    parser.add_argument("--credit-code", required=True)
    parser.add_argument("--service-code", default="other")
    parser.add_argument("--title", default="企业反映用电报装进度慢")
    parser.add_argument("--description", default="来电人反映新厂房用电报装已申请两个月，尚未接电，影响投产。")
    parser.add_argument("--verdict", choices=["satisfied", "basically", "dissatisfied"])
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for the answer")
    parser.add_argument("--every", type=float, default=5, help="seconds between two looks")
    args = parser.parse_args(argv)

    status, body = call(
        args.url,
        args.key,
        "POST",
        "/api/v1/requests",
        {
            "work_order_number": args.number,
            "channel": "phone",
            "credit_code": args.credit_code,
            "service_code": args.service_code,
            "title": args.title,
            "description": args.description,
        },
    )
    if status == 202:
        print(f"{args.number}: waiting for a commissioner to match the enterprise")
        return 2
    if status not in (200, 201):
        for error in body.get("errors", []):
            print(f"refused: {error['field']}: {error['message']}", file=sys.stderr)
        return 1
    pk = body["service_request_id"]
    print(f"{args.number}: filed as {body['reference']} (id {pk}), {body['state_label']}")

    deadline = time.monotonic() + args.wait
    while body.get("answer") is None:
        if time.monotonic() > deadline:
            print(f"{args.number}: no answer yet ({body['state_label']})", file=sys.stderr)
            return 1
        time.sleep(args.every)
        status, body = call(args.url, args.key, "GET", f"/api/v1/requests/{pk}")
        if status != 200:
            print(f"reading the request failed: HTTP {status}", file=sys.stderr)
            return 1
    answer = body["answer"]
    on_time = "on time" if body["deadlines"]["answered_on_time"] else "late"
    print(f"{args.number}: answered ({answer['outcome_label']}, {on_time}): {answer['text']}")

    if args.verdict:
        status, body = call(
            args.url,
            args.key,
            "POST",
            f"/api/v1/requests/{pk}/return-visit",
            {"verdict": args.verdict, "comment": "热线回访"},
        )
        if status != 200:
            print(f"the return visit was refused: HTTP {status} {body}", file=sys.stderr)
            return 1
        print(f"{args.number}: return visit recorded, request {body['state_label']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
