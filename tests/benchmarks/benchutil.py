"""Benchmarks: run on demand with `make bench`; each prints ratios against a baseline measured
in the same run, never a wall-clock limit."""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def timed(
    fn: Callable[[], object], *, repeat: int, setup: Callable[[], object] | None = None
) -> float:
    """Median seconds of ``repeat`` runs of ``fn`` (``setup`` runs untimed before each)."""
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, for the figures printed beside them."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(title: str, ours: float, baseline: float, baseline_name: str) -> None:
    print(
        f"\n{title}: ours {ours * 1000:.1f} ms, {baseline_name} {baseline * 1000:.1f} ms, "
        f"ratio {ours / baseline:.2f}x"
    )


def run_parallel(n: int, work: Callable[[int], None]) -> float:
    """Wall seconds for n threads running work(i), started together; errors re-raised."""
    barrier = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert not errors, errors[0]
    return elapsed


def dsn() -> str:
    """The test database (what pytest-django created) as a libpq URL."""
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(*, workers: int = 2, threads: int = 16) -> Iterator[int]:
    """The real HTTP stack on the test database; yields the port."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": dsn(), "DB_CONN_MAX_AGE": "600"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "annotation.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "-k", "gthread", "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
