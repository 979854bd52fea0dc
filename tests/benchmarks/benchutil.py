"""Benchmarks: run on demand with `make bench`; each prints ratios against a baseline measured
in the same run, never a wall-clock limit."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from web_server import Server, gunicorn_server

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


@dataclass
class ClientRun:
    seconds: float  # first client's start to last client's end
    latencies: list[float]  # every request's, all clients
    answers: list[list[Any]]  # per client, when its job asked to keep them
    cpu: float  # CPU seconds the client processes spent on their requests, all clients
    server_cpu: float  # SQL jobs: CPU seconds their PostgreSQL server processes spent

    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def cpu_ms(self) -> float:
        """The load generator's CPU per request (ms): what it takes from the shared cores."""
        return self.cpu / len(self.latencies) * 1000

    def sql_cpu(self) -> str:
        """A raw SQL baseline's CPU per statement (ms), and what PostgreSQL alone allows."""
        db = self.server_cpu / len(self.latencies) * 1000
        return (
            f"CPU per statement: PostgreSQL {db:.2f} ms, load generator {self.cpu_ms():.2f} ms; "
            f"PostgreSQL alone allows {(os.cpu_count() or 1) * 1000 / db:,.0f}/s"
        )


Request = tuple[str, str, str, Any]  # method, path, token, JSON body or None


def http_job(
    port: int,
    requests: list[Request],
    *,
    keep: bool = False,
    pace: float | None = None,
    phase: float = 0.0,
) -> dict[str, Any]:
    """One client's requests: back to back, or (``pace``) one every ``pace`` seconds from
    ``phase`` seconds after the start, each one's latency counted from its appointed time."""
    return {"http": {"port": port, "requests": requests, "keep": keep, "pace": pace,
                     "phase": phase}}  # fmt: skip


def sql_job(statements: list[tuple[str, Any]]) -> dict[str, Any]:
    """Each statement in a transaction of its own, on one connection."""
    return {"sql": {"dsn": dsn(), "statements": statements}}


def run_clients(jobs: list[dict[str, Any]]) -> ClientRun:
    """One loadgen.py process per job, each connected before any starts; errors re-raised."""
    loadgen = [sys.executable, str(Path(__file__).with_name("loadgen.py"))]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(loadgen, **pipes) for _ in jobs]
    for proc, job in zip(procs, jobs, strict=True):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", "a client failed to connect"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        out = proc.stdout.read()
        assert proc.wait() == 0, f"a client failed (exit {proc.returncode})"
        results.append(json.loads(out))
    return ClientRun(
        seconds=max(r["end"] for r in results) - min(r["start"] for r in results),
        latencies=[x for r in results for x in r["latencies"]],
        answers=[r["answers"] for r in results],
        cpu=sum(r["cpu"] for r in results),
        server_cpu=sum(r.get("server_cpu", 0.0) for r in results),
    )


def dsn() -> str:
    """The test database (what pytest-django created) as a libpq URL."""
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _stack_env(**extra: str) -> dict[str, str]:
    """The production settings on the test database (DJANGO_ENV=production, DEBUG off) minus
    the HTTPS redirect, which a plain-http benchmark cannot follow."""
    return {
        **os.environ, "DATABASE_URL": dsn(), "DJANGO_ENV": "production", "DEBUG": "false",
        "SECRET_KEY": "benchmark-" + "x" * 50, "SECURE_SSL_REDIRECT": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", **extra,
    }  # fmt: skip


@contextmanager
def gunicorn(**env: str) -> Iterator[Server]:
    """The real HTTP stack on the test database, configured as in production (the gunicorn
    config file; ``env`` overrides, e.g. WEB_THREADS)."""
    with (
        tempfile.TemporaryDirectory() as scratch,
        gunicorn_server(_stack_env(WEB_ACCESS_LOG="", **env), Path(scratch) / "web.log") as server,
    ):
        yield server


@contextmanager
def celery_worker(queues: str = "agreement,default") -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker as compose runs it (needs CELERY_BROKER_URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "annotation", "worker", "-Q", queues,
         "--concurrency", "2", "-l", "warning"],
        cwd=ROOT, env=_stack_env(),
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _descendants(roots: list[int]) -> dict[int, set[int]]:
    """Each root's process and all its descendants, now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    trees = {}
    for root in roots:
        members, frontier = {root}, [root]
        while frontier:
            pid = frontier.pop()
            children = [child for child, parent in parents.items() if parent == pid]
            members.update(children)
            frontier += children
        trees[root] = members
    return trees


def _rss_pss(pid: int) -> tuple[int, int]:
    """Resident and proportional (shared pages split among their sharers) bytes of ``pid``;
    forked children share their parent's pages: RSS counts those once per process, PSS once
    in all. Zeros for a process that ended meanwhile."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


@dataclass
class Peak:
    """Peak RSS and PSS (bytes) of all the trees together, and of each tree on its own with
    its largest number of processes (in the order of the roots)."""

    rss: int = 0
    pss: int = 0
    trees: list[tuple[int, int, int]] | None = None  # (rss, pss, processes) per root

    def describe(self, names: list[str]) -> str:
        parts = [
            f"{name} {rss / 2**20:.0f}/{pss / 2**20:.0f} MiB in {n} processes"
            for name, (rss, pss, n) in zip(names, self.trees or [], strict=True)
        ]
        return (
            f"RSS {self.rss / 2**20:.0f} MiB, PSS {self.pss / 2**20:.0f} MiB "
            f"(RSS/PSS peaks: {'; '.join(parts)})"
        )


@contextmanager
def peak_memory(roots: list[int], every: float = 0.1) -> Iterator[Peak]:
    """Samples the memory of ``roots``' process trees while the block runs; the Peak yielded
    holds the peaks once it ends."""
    peak = Peak(trees=[(0, 0, 0)] * len(roots))
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            trees = _descendants(roots)
            now = [[_rss_pss(pid) for pid in trees[root]] for root in roots]
            sums = [(sum(r for r, _ in t), sum(p for _, p in t), len(t)) for t in now]
            peak.rss = max(peak.rss, sum(r for r, _, _ in sums))
            peak.pss = max(peak.pss, sum(p for _, p, _ in sums))
            peak.trees = [
                (max(a[0], b[0]), max(a[1], b[1]), max(a[2], b[2]))
                for a, b in zip(peak.trees or [], sums, strict=True)
            ]
            done.wait(every)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def _processes(roots: list[int]) -> set[int]:
    """The processes of ``roots``' trees, now."""
    return set().union(*_descendants(roots).values())


def _cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds each live process of ``pids`` has used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return used


def _database_backends() -> set[int]:
    """The PostgreSQL server processes serving the test database (except this one's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


@dataclass
class CpuUse:
    web: float = 0.0  # CPU seconds of the web processes (the trees of the roots given)
    database: float = 0.0  # of the PostgreSQL backends serving the test database

    def per_request(self, requests: int, client: "ClientRun") -> str:
        """CPU per request (ms) of each side, and what the server side alone allows: the
        requests per second these cores could serve if the load generator ran elsewhere."""
        web, db = (x / requests * 1000 for x in (self.web, self.database))
        capacity = (os.cpu_count() or 1) * 1000 / (web + db) if web + db else float("inf")
        return (
            f"CPU per request: web {web:.2f} ms, PostgreSQL {db:.2f} ms, load generator "
            f"{client.cpu_ms():.2f} ms; the server side alone allows {capacity:,.0f}/s on "
            f"{os.cpu_count()} cores"
        )


@contextmanager
def cpu_use(roots: list[int]) -> Iterator[CpuUse]:
    """The CPU the process trees ``roots`` and the test database's backends spend while the
    block runs (a backend that closes meanwhile is missed: the web keeps a pool open). CPU
    time, unlike a rate, barely moves with the load the other tenants of a shared box add."""
    use = CpuUse()
    web_before = _cpu_seconds(_processes(roots))
    db_before = _cpu_seconds(_database_backends())
    yield use
    web_after = _cpu_seconds(_processes(roots))
    db_after = _cpu_seconds(_database_backends() | set(db_before))
    use.web = sum(t - web_before.get(pid, 0.0) for pid, t in web_after.items())
    use.database = sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
