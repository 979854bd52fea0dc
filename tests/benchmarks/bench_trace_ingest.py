"""Trace chunk ingestion through the real HTTP stack (gunicorn on PostgreSQL): 50 and 200
simulated annotators, 25 Hz, one-second chunks; throughput, p50/p99 latency and samples lost,
against a raw single-row INSERT per chunk over as many connections in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench
"""

import http.client
import time
from datetime import timedelta

import numpy as np
import orjson
import psycopg
import pytest
from benchutil import dsn, gunicorn, percentile, run_parallel
from django.contrib.auth import get_user_model
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
# PostgreSQL here allows 100 connections and gunicorn holds up to 32: the raw baseline uses
# at most this many.
MAX_RAW_CONNECTIONS = 60


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


def test_chunk_ingest_vs_raw_insert(traces):
    bodies = [chunk_body(seq) for seq in range(CHUNKS_PER_ANNOTATOR)]
    packed = [
        np.array(orjson.loads(b)["samples"], dtype=DTYPE).tobytes() for b in bodies
    ]  # the raw baseline gets its bytes ready-made
    with gunicorn(workers=2, threads=16) as port:
        for n in ANNOTATORS:
            TraceChunk.objects.all().delete()
            Trace.objects.update(acked_seq=-1, sample_count=0)
            latencies: list[list[float]] = [[] for _ in range(n)]

            def annotator(i: int, latencies: list[list[float]] = latencies) -> None:
                trace_id, token = traces[i]
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
                for body in bodies:
                    start = time.perf_counter()
                    conn.request("POST", f"/api/traces/{trace_id}/chunks/", body, headers)
                    response = conn.getresponse()
                    ack = orjson.loads(response.read())
                    latencies[i].append(time.perf_counter() - start)
                    assert response.status == 200, ack

            http_s = run_parallel(n, annotator)
            chunks = n * CHUNKS_PER_ANNOTATOR
            stored = TraceChunk.objects.aggregate(s=Sum("n_samples"))["s"]
            lost = chunks * RATE - stored
            acked = set(
                Trace.objects.filter(pk__in=[t for t, _ in traces[:n]]).values_list(
                    "acked_seq", flat=True
                )
            )
            flat = [x for per in latencies for x in per]

            TraceChunk.objects.all().delete()
            raw_n = min(n, MAX_RAW_CONNECTIONS)
            per_conn = chunks // raw_n

            def raw(i: int, raw_n: int = raw_n, per_conn: int = per_conn) -> None:
                with psycopg.connect(dsn(), autocommit=True) as conn:
                    for j in range(per_conn):
                        k = i * per_conn + j
                        trace_id = traces[k // CHUNKS_PER_ANNOTATOR][0]
                        seq = k % CHUNKS_PER_ANNOTATOR
                        conn.execute(
                            "INSERT INTO annotation_tracechunk "
                            "(trace_id, seq, t0, n_samples, samples, digest, received_at) "
                            "VALUES (%s, %s, %s, %s, %s, %s, now())",
                            (trace_id, seq, float(seq), RATE, packed[seq], "x"),
                        )

            raw_s = run_parallel(raw_n, raw)
            raw_rate = raw_n * per_conn / raw_s
            print(
                f"\n{n} annotators x {CHUNKS_PER_ANNOTATOR} one-second chunks at {RATE} Hz: "
                f"{chunks / http_s:.0f} chunk POSTs/s over HTTP (p50 "
                f"{percentile(flat, 50) * 1000:.1f} ms, p99 {percentile(flat, 99) * 1000:.1f} ms), "
                f"samples lost {lost}, acked_seq {sorted(acked)}; raw single-row INSERT on "
                f"{raw_n} connections {raw_rate:.0f}/s; ratio {raw_rate / (chunks / http_s):.2f}x "
                f"(raw/ours throughput); one real annotator sends 1 chunk/s, so this serves "
                f"{chunks / http_s:.0f} annotators recording at once"
            )
            assert lost == 0
            assert acked == {CHUNKS_PER_ANNOTATOR - 1}
