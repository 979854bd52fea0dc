"""One benchmark client, run as its own process (benchutil.run_clients starts N of them), so
that the load generator never shares a GIL with the process that measures.

Reads one JSON job on stdin, connects, prints "ready", waits for a line on stdin, runs the job,
prints one JSON line: its start and end on the monotonic clock (system-wide on Linux, so the
parent compares them across processes), the CPU seconds the job took in this process (and,
for SQL, in its PostgreSQL server process), each request's latency and, when asked, each
answer.

    {"http": {"port": 8000, "requests": [[method, path, token, body or null], ...], "keep": false,
              "pace": seconds between requests or null (as fast as answered), "phase": 0.0}}
    {"sql": {"dsn": "postgresql://...", "statements": [[sql, params], ...]}}

Only the standard library and psycopg: no Django, no project code.
"""

import json
import os
import socket
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


class Connection:
    """A kept-alive HTTP/1.1 connection that writes requests prebuilt as bytes and reads
    answers by their Content-Length (or chunks): http.client parses every answer's headers
    with the email package, and that CPU is taken from the cores the server is measured on."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=300)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(raw)
        head = self._until(b"\r\n\r\n")
        status_line, _, header_text = head.partition(b"\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in header_text.split(b"\r\n"))
        }
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                body += self._exactly(size + 2)[:-2]
            self._until(b"\r\n")  # the last chunk's empty trailer
        else:
            body = self._exactly(int(headers.get(b"content-length", b"0")))
        if headers.get(b"connection", b"").lower() == b"close":
            self.sock.close()
            self.sock = None
        return int(status_line.split()[1]), body

    def _fill(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection mid-answer")
        self.buffer += data

    def _until(self, mark: bytes) -> bytes:
        while (end := self.buffer.find(mark)) < 0:
            self._fill()
        found, self.buffer = self.buffer[:end], self.buffer[end + len(mark) :]
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found


def prebuilt(method: str, path: str, token: str, body: Any) -> bytes:
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    payload = data.encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def run_http(job: dict[str, Any]) -> dict[str, Any]:
    # Connected at the first request: a kept-alive connection left idle while the other
    # clients start would be closed by the server meanwhile.
    conn = Connection(job["port"])
    requests = [
        (method, path, prebuilt(method, path, *rest)) for method, path, *rest in job["requests"]
    ]
    pace, phase = job.get("pace"), job.get("phase", 0.0)
    result = wait_for_go()
    latencies: list[float] = []
    answers: list[Any] = []
    for i, (method, path, raw) in enumerate(requests):
        start = time.monotonic()
        if pace is not None:
            # Each request at its own time, as a recording widget sends a chunk a second; its
            # latency counts from then, so a late answer also counts against the requests it
            # held back (no coordinated omission).
            start = result["start"] + phase + i * pace
            time.sleep(max(0.0, start - time.monotonic()))
        status, content = conn.request(raw)
        latencies.append(time.monotonic() - start)
        if status not in (200, 201):
            raise SystemExit(f"{method} {path}: {status} {content[:500]!r}")
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
