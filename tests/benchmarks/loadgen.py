"""One benchmark client, run as its own process (benchutil.run_clients starts N of them), so
that the load generator never shares a GIL with the process that measures.

Reads one JSON job on stdin, connects, prints "ready", waits for a line on stdin, runs the job,
prints one JSON line: its start and end on the monotonic clock (system-wide on Linux, so the
parent compares them across processes), each request's latency and, when asked, each answer.

    {"http": {"port": 8000, "requests": [[method, path, token, body or null], ...], "keep": false}}
    {"sql": {"dsn": "postgresql://...", "statements": [[sql, params], ...]}}

Only the standard library and psycopg: no Django, no project code.
"""

import http.client
import json
import sys
import time
from typing import Any


def wait_for_go() -> float:
    print("ready", flush=True)
    sys.stdin.readline()
    return time.monotonic()


def run_http(job: dict[str, Any]) -> tuple[float, list[float], list[Any]]:
    # Connected at the first request: a kept-alive connection left idle while the other
    # clients start would be closed by the server meanwhile.
    conn = http.client.HTTPConnection("127.0.0.1", job["port"], timeout=300)
    started = wait_for_go()
    latencies: list[float] = []
    answers: list[Any] = []
    for method, path, token, body in job["requests"]:
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        data = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        start = time.monotonic()
        conn.request(method, path, data.encode(), headers)
        response = conn.getresponse()
        content = response.read()
        latencies.append(time.monotonic() - start)
        if response.status not in (200, 201):
            raise SystemExit(f"{method} {path}: {response.status} {content[:500]!r}")
        if job.get("keep"):
            answers.append(json.loads(content))
    return started, latencies, answers


def run_sql(job: dict[str, Any]) -> tuple[float, list[float], list[Any]]:
    import psycopg

    with psycopg.connect(job["dsn"], autocommit=True) as conn:
        started = wait_for_go()
        latencies: list[float] = []
        for sql, params in job["statements"]:
            start = time.monotonic()
            with conn.transaction():
                conn.execute(sql, params)
            latencies.append(time.monotonic() - start)
    return started, latencies, []


def main() -> None:
    job = json.loads(sys.stdin.readline())
    run = run_http if "http" in job else run_sql
    started, latencies, answers = run(job.get("http") or job["sql"])
    print(json.dumps({"start": started, "end": time.monotonic(), "latencies": latencies,
                      "answers": answers}))  # fmt: skip


if __name__ == "__main__":
    main()
