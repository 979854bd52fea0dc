"""The benchmarks' HTTP client (tests/benchmarks/loadgen.py) reads answers as a server sends
them: by Content-Length, in chunks, and on a connection the server closes after an answer;
a paced job's latencies count from each request's appointed time."""

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

LOADGEN = Path(__file__).parent / "benchmarks" / "loadgen.py"
spec = importlib.util.spec_from_file_location("loadgen", LOADGEN)
assert spec is not None and spec.loader is not None
loadgen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loadgen)


class Handler(BaseHTTPRequestHandler):
    """Echoes the request (method, path, token, body) as JSON, framed as ``/<framing>/`` asks."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        echo = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "auth": self.headers["Authorization"],
                "body": body,
                "padding": "x" * 70_000,
            }
        ).encode()
        framing = self.path.split("/")[1]
        self.send_response(201 if framing != "missing" else 404)
        self.send_header("Content-Type", "application/json")
        if framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(echo), 5000):
                part = echo[start : start + 5000]
                self.wfile.write(f"{len(part):x};ext=1\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(echo)))
        if framing == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(echo)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_answers_are_read_whole_and_in_turn_on_one_connection(port, framing):
    conn = loadgen.Connection(port)
    for i in range(3):
        body = {"seq": i, "text": "情绪"}
        status, content = conn.request(loadgen.prebuilt("POST", f"/{framing}/{i}", "tok", body))
        echo = json.loads(content)
        assert status == 201
        assert (echo["method"], echo["path"], echo["auth"]) == (
            "POST",
            f"/{framing}/{i}",
            "Token tok",
        )
        assert json.loads(echo["body"]) == body
        assert len(echo["padding"]) == 70_000  # an answer larger than one read
    assert (conn.sock is None) == (framing == "close")


def run_job(job: dict) -> dict:
    """loadgen.py as the benchmarks run it: the job on stdin, "go" after "ready"."""
    proc = subprocess.Popen(
        [sys.executable, str(LOADGEN)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(job) + "\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "ready"
    proc.stdin.write("go\n")
    proc.stdin.close()
    result = json.loads(proc.stdout.read())
    assert proc.wait() == 0
    return result


def test_a_job_keeps_its_answers_and_paces_its_requests(port):
    requests = [["GET", f"/length/{i}", "t", None] for i in range(3)]
    result = run_job(
        {"http": {"port": port, "requests": requests, "keep": True, "pace": 0.2, "phase": 0.1}}
    )
    assert [a["path"] for a in result["answers"]] == ["/length/0", "/length/1", "/length/2"]
    assert len(result["latencies"]) == 3
    # The last request was due 0.1 + 2 x 0.2 s after the start: the job cannot end before.
    assert result["end"] - result["start"] >= 0.5


def test_a_refused_request_fails_the_job(port):
    proc = subprocess.run(
        [sys.executable, str(LOADGEN)],
        input=json.dumps({"http": {"port": port, "requests": [["GET", "/missing/", "t", None]]}})
        + "\ngo\n",
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "GET /missing/: 404" in proc.stderr
