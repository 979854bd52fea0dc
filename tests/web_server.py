"""gunicorn started as production starts it (deploy/gunicorn/gunicorn.conf.py), for the tests
and benchmarks that need the real HTTP stack."""

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn" / "gunicorn.conf.py"


@dataclass
class Server:
    port: int
    pid: int  # gunicorn's master: its workers are its children


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(env: dict[str, str]) -> Iterator[Server]:
    """gunicorn on a free port with ``env`` (the whole environment), once /healthz answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "annotation.wsgi:application"],
        cwd=ROOT, env={**env, "WEB_BIND": f"127.0.0.1:{port}"},
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield Server(port, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
