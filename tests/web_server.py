"""gunicorn started as production starts it (deploy/gunicorn/gunicorn.conf.py), for the tests
and benchmarks that need the real HTTP stack, and the helpers around such processes."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn" / "gunicorn.conf.py"
WAIT_LIMIT = 180  # a hang guard, not a speed claim


@dataclass
class Server:
    port: int
    pid: int  # gunicorn's master: its workers are its children


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(
    url: str, proc: subprocess.Popen[bytes], log: Path, *, any_status: bool = False
) -> None:
    """Until ``url`` answers 200 (any status with ``any_status``); fails with the process's
    log if it dies first or never answers."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            status = requests.get(url, timeout=10).status_code
            if any_status or status == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening, or starting
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered 200:\n{log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def gunicorn_server(env: dict[str, str], log: Path) -> Iterator[Server]:
    """gunicorn on a free port with ``env`` (the whole environment), its output in ``log``,
    once it answers HTTP (/healthz, whatever the state of the services it reports)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "annotation.wsgi:application"],
        cwd=ROOT, env={**env, "WEB_BIND": f"127.0.0.1:{port}"}, stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log, any_status=True)
        yield Server(port, proc.pid)
    finally:
        stop(proc)
