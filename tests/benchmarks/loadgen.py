"""One benchmark client, run as its own process (benchutil.run_clients starts N of them), so
that the load generator never shares a GIL with the process that measures.

Reads one JSON job on stdin, connects, prints "ready", waits for a line on stdin, runs the job,
prints one JSON line: its start and end on the monotonic clock (system-wide on Linux, so the
parent compares them across processes), the CPU seconds the job took in this process (and,
for SQL, in its PostgreSQL server process), each request's latency and, when asked, each
answer.

    {"http": {"port": 8000, "requests": [[method, path, token, body or null], ...], "keep": false}}
    {"sql": {"dsn": "postgresql://...", "statements": [[sql, params], ...]}}

Only the standard library and psycopg: no Django, no project code.
"""

import http.client
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def wait_for_go() -> dict[str, Any]:
    """The monotonic time and this process's CPU seconds at "go" (imports and connecting
    before it are not the job's)."""
    print("ready", flush=True)
    sys.stdin.readline()
    return {"start": time.monotonic(), "cpu": time.process_time()}


def run_http(job: dict[str, Any]) -> dict[str, Any]:
    # Connected at the first request: a kept-alive connection left idle while the other
    # clients start would be closed by the server meanwhile.
    conn = http.client.HTTPConnection("127.0.0.1", job["port"], timeout=300)
    result = wait_for_go()
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
    return result | {"latencies": latencies, "answers": answers}


def backend_cpu(pid: int) -> float:
    """CPU seconds the PostgreSQL server process ``pid`` has used (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run_sql(job: dict[str, Any]) -> dict[str, Any]:
    """The statements, and the CPU its server process spent on them (``server_cpu``)."""
    import psycopg

    with psycopg.connect(job["dsn"], autocommit=True) as conn:
        backend = conn.info.backend_pid
        result = wait_for_go()
        server_cpu = backend_cpu(backend)
        latencies: list[float] = []
        for sql, params in job["statements"]:
            start = time.monotonic()
            with conn.transaction():
                conn.execute(sql, params)
            latencies.append(time.monotonic() - start)
        server_cpu = backend_cpu(backend) - server_cpu
    return result | {"latencies": latencies, "answers": [], "server_cpu": server_cpu}


def main() -> None:
    job = json.loads(sys.stdin.readline())
    run = run_http if "http" in job else run_sql
    result = run(job.get("http") or job["sql"])
    result |= {"end": time.monotonic(), "cpu": time.process_time() - result["cpu"]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
