"""Trace chunk ingestion through the real HTTP stack (gunicorn configured as in production, on
PostgreSQL), 25 Hz one-second chunks, each simulated annotator a process of its own
(loadgen.py):
- saturation: 50 and 200 annotators sending their chunks as fast as they are answered;
  throughput, p50/p99 latency and samples lost, against a raw single-row INSERT per chunk in
  the same run;
- live pace: 200 annotators each sending a chunk a second, as the recording widget does;
  latency at the load they really make;
- the stack's floor: the same saturation against views that do nothing (stack_floor/), plain
  Django and DRF, served by the same settings, middleware and gunicorn.
Everything fits in PostgreSQL's default max_connections (100): the web processes' pools
(DB_POOL_MAX_SIZE) plus the raw baseline's connections.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench
"""

import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest
from benchutil import (
    cpu_use,
    gunicorn,
    http_job,
    load_average,
    percentile,
    run_clients,
    sql_job,
)
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from rest_framework.authtoken.models import Token

from annotation.models import Assignment, Membership, Project, Trace, TraceChunk
from annotation.trace_chunks import DTYPE
from clips.models import Clip

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RATE = 25
CHUNKS_PER_ANNOTATOR = 20
ANNOTATORS = (50, 200)
# The raw baseline's connections: two cores saturate with far fewer, and the web processes,
# the other services and anyone else on this PostgreSQL share its 100.
RAW_CONNECTIONS = 16
INSERT = (
    "INSERT INTO annotation_tracechunk (trace_id, seq, t0, n_samples, samples, digest, "
    "received_at) VALUES (%s, %s, %s, %s, decode(%s, 'hex'), %s, now())"
)


def chunk_body(seq: int) -> bytes:
    t = np.arange(RATE) / RATE + seq
    samples = np.round(np.stack([np.sin(t), np.cos(t)], axis=1) * 0.8, 4)
    return orjson.dumps({"seq": seq, "t0": float(seq), "samples": samples.tolist()})


@pytest.fixture
def traces():
    project = Project.objects.create(slug="bench-traces", name="bench")
    user_model = get_user_model()
    n = max(ANNOTATORS)
    users = user_model.objects.bulk_create(user_model(username=f"rec{i}") for i in range(n))
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role="annotator") for u in users
    )
    clips = Clip.objects.bulk_create(
        Clip(
            project=project,
            external_id=f"m{i}",
            kind="stream",
            media_status="ready",
            duration_s=600.0,
        )
        for i in range(n)
    )
    later = timezone.now() + timedelta(hours=1)
    Assignment.objects.bulk_create(
        Assignment(clip=c, user=u, expires_at=later) for c, u in zip(clips, users, strict=True)
    )
    made = Trace.objects.bulk_create(
        Trace(clip=c, annotator=u, config=project.trace_config)
        for c, u in zip(clips, users, strict=True)
    )
    tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    return [(t.pk, k.key) for t, k in zip(made, tokens, strict=True)]


def annotator(port: int, trace_id: int, token: str, bodies: list[str], **pacing: float) -> dict:
    chunks = [("POST", f"/api/traces/{trace_id}/chunks/", token, b) for b in bodies]
    return http_job(port, chunks, **pacing)


def connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def reset_traces() -> None:
    TraceChunk.objects.all().delete()
    Trace.objects.update(acked_seq=-1, sample_count=0)


def test_chunk_ingest_vs_raw_insert(traces):
    bodies = [chunk_body(seq).decode() for seq in range(CHUNKS_PER_ANNOTATOR)]
    packed = [  # the raw baseline gets its bytes ready-made (hex: the job travels as JSON)
        np.array(orjson.loads(b)["samples"], dtype=DTYPE).tobytes().hex() for b in bodies
    ]
    with gunicorn() as server:
        port = server.port
        for n in ANNOTATORS:
            reset_traces()
            with cpu_use([server.pid]) as cpu:
                ours = run_clients([annotator(port, *trace, bodies) for trace in traces[:n]])
            held = connections()  # the web processes' connections, still open
            chunks = n * CHUNKS_PER_ANNOTATOR
            stored = TraceChunk.objects.aggregate(s=Sum("n_samples"))["s"]
            lost = chunks * RATE - stored
            acked = set(
                Trace.objects.filter(pk__in=[t for t, _ in traces[:n]]).values_list(
                    "acked_seq", flat=True
                )
            )

            TraceChunk.objects.all().delete()
            rows = [
                (INSERT, (trace_id, seq, float(seq), RATE, packed[seq], "x"))
                for trace_id, _token in traces[:n]
                for seq in range(CHUNKS_PER_ANNOTATOR)
            ]
            raw = run_clients([sql_job(rows[i::RAW_CONNECTIONS]) for i in range(RAW_CONNECTIONS)])
            print(
                f"\n{n} annotators x {CHUNKS_PER_ANNOTATOR} one-second chunks at {RATE} Hz: "
                f"{ours.rate():.0f} chunk POSTs/s over HTTP (p50 "
                f"{percentile(ours.latencies, 50) * 1000:.1f} ms, p99 "
                f"{percentile(ours.latencies, 99) * 1000:.1f} ms), samples lost {lost}, acked_seq "
                f"{sorted(acked)}, {held} connections to the database after it; raw single-row "
                f"INSERT on {RAW_CONNECTIONS} connections {raw.rate():.0f}/s; ours "
                f"{ours.rate() / raw.rate():.0%} of raw ({load_average()})\n  ours: "
                f"{cpu.per_request(chunks, ours)}\n  raw: {raw.sql_cpu()}"
            )
            assert lost == 0
            assert acked == {CHUNKS_PER_ANNOTATOR - 1}


def test_chunks_at_the_pace_of_live_recording(traces):
    """The load the annotators themselves make: each of the 200 sends its chunk once a second,
    as the widget does while the video plays (their starts spread over the first second), for
    CHUNKS_PER_ANNOTATOR seconds. Latency counts from each chunk's appointed time."""
    n = max(ANNOTATORS)
    bodies = [chunk_body(seq).decode() for seq in range(CHUNKS_PER_ANNOTATOR)]
    reset_traces()
    with gunicorn() as server:
        jobs = [
            annotator(server.port, *trace, bodies, pace=1.0, phase=i / n)
            for i, trace in enumerate(traces[:n])
        ]
        with cpu_use([server.pid]) as cpu:
            ours = run_clients(jobs)
    chunks = n * CHUNKS_PER_ANNOTATOR
    lost = chunks * RATE - TraceChunk.objects.aggregate(s=Sum("n_samples"))["s"]
    print(
        f"\n{n} annotators recording live, a one-second chunk each a second for "
        f"{CHUNKS_PER_ANNOTATOR} s: {ours.rate():.0f} chunk POSTs/s (p50 "
        f"{percentile(ours.latencies, 50) * 1000:.1f} ms, p99 "
        f"{percentile(ours.latencies, 99) * 1000:.1f} ms, max {max(ours.latencies) * 1000:.1f} "
        f"ms), samples lost {lost} ({load_average()})\n  {cpu.per_request(chunks, ours)}"
    )
    assert lost == 0


def test_the_stacks_floor():
    """The saturation runs' bodies posted to views that only read them (stack_floor/): the
    rate and latency no endpoint of this stack can beat on this machine."""
    bodies = [chunk_body(seq).decode() for seq in range(CHUNKS_PER_ANNOTATOR)]
    here = str(Path(__file__).parent)
    search_path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    with gunicorn(DJANGO_SETTINGS_MODULE="stack_floor.settings", PYTHONPATH=search_path) as server:
        for n in ANNOTATORS:
            for view in ("django", "drf"):
                requests = [("POST", f"/{view}/", "-", b) for b in bodies]
                with cpu_use([server.pid]) as cpu:
                    run = run_clients([http_job(server.port, requests) for _ in range(n)])
                print(
                    f"\nan empty {view} view, {n} clients x {CHUNKS_PER_ANNOTATOR} chunk bodies: "
                    f"{run.rate():.0f}/s (p50 {percentile(run.latencies, 50) * 1000:.1f} ms, p99 "
                    f"{percentile(run.latencies, 99) * 1000:.1f} ms) ({load_average()})\n  "
                    f"{cpu.per_request(len(run.latencies), run)}"
                )
