"""Next-clip claims per second through the HTTP API (gunicorn configured as in production,
token auth, a Celery worker taking the routing) with 16 and 64 concurrent clients, against
the raw SQL claim run by as many connections: each claim its token's first request, and again
after each user opened the project's page (as the app does before a claim); then submits per
second; then claims per second on a fresh project against the same after 100,000 released
assignments (a claim's cost must not grow with history); and the peak memory (RSS and PSS) of
the web and worker processes over a fixed workload of 1,200 submissions. Every client, HTTP or
SQL, is a process of its own (loadgen.py).
Needs PostgreSQL (DATABASE_URL; SKIP LOCKED is what is being measured) and Redis
(CELERY_BROKER_URL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test CELERY_BROKER_URL=redis://... make bench
"""

import statistics
import time

import psycopg
import pytest
from benchutil import (
    ClientRun,
    celery_worker,
    cpu_use,
    dsn,
    gunicorn,
    http_job,
    load_average,
    peak_memory,
    run_clients,
    sql_job,
)
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token

from annotation.models import Assignment, Membership, Project
from clips.models import Clip

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

N_CLIPS = 20_000
CLAIMS_PER_CLIENT = 40
CLIENTS = (16, 64)
MEMORY_CLIENTS = 30  # x CLAIMS_PER_CLIENT: 1,200 submissions, 3 on each of 400 clips
HISTORY = 100_000
REPEATS = 3
LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


RAW_CLAIM = """
WITH pick AS (
    SELECT c.id FROM clips_clip c
    WHERE c.project_id = %(project)s AND c.stage = 'layer1' AND c.media_status = 'ready'
      AND c.layer1_count + c.layer1_open < %(k)s
      AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                      WHERE a.clip_id = c.id AND a.user_id = %(user)s AND a.layer = 1
                        AND a.status <> 'expired')
    ORDER BY c.layer1_count, c.layer1_open, c.id
    LIMIT 1 FOR UPDATE SKIP LOCKED
), bump AS (
    UPDATE clips_clip SET layer1_open = layer1_open + 1 FROM pick WHERE clips_clip.id = pick.id
)
INSERT INTO annotation_assignment (clip_id, user_id, layer, status, created_at, expires_at)
SELECT id, %(user)s, 1, 'active', now(), now() + interval '30 minutes' FROM pick
"""


def reset(project: Project) -> None:
    Assignment.objects.all().delete()
    Clip.objects.filter(project=project).update(layer1_open=0, layer1_count=0)


@pytest.fixture
def setup():
    project = Project.objects.create(slug="bench-assign", name="bench")
    Clip.objects.bulk_create(
        (
            Clip(project=project, external_id=f"c{i:06d}", media_status="ready", duration_s=3.0)
            for i in range(N_CLIPS)
        ),
        batch_size=5000,
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{i}") for i in range(max(CLIENTS) * CLAIMS_PER_CLIENT)
    )
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role="annotator") for u in users
    )
    tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    return project, users, [t.key for t in tokens]


@pytest.fixture
def server(setup):
    """The web stack (its port, and gunicorn's master for the CPU figures) and a worker."""
    with celery_worker(), gunicorn() as web:
        yield web


NEXT = "/api/projects/bench-assign/next/"


def _mine(items: list, client: int) -> list:
    """The users (or their tokens) client number ``client`` works for."""
    return items[client * CLAIMS_PER_CLIENT : (client + 1) * CLAIMS_PER_CLIENT]


def claim_all(port: int, tokens: list[str], n: int) -> ClientRun:
    """n client processes each claiming for its CLAIMS_PER_CLIENT users (answers kept)."""
    return run_clients(
        [
            http_job(port, [("POST", NEXT, token, None) for token in _mine(tokens, i)], keep=True)
            for i in range(n)
        ]
    )


def open_project_all(port: int, tokens: list[str], n: int) -> None:
    """Each user opens the project's page first, as the app does before its first claim: the
    tokens are then resolved (and cached for TOKEN_CACHE_SECONDS) before any claim."""
    page = NEXT.removesuffix("next/")
    run_clients(
        [http_job(port, [("GET", page, t, None) for t in _mine(tokens, i)]) for i in range(n)]
    )


def raw_claim_all(project: Project, users: list, n: int) -> ClientRun:
    """The same claims as raw SQL, n connections in n processes."""
    return run_clients(
        [
            sql_job(
                [
                    (RAW_CLAIM, {"project": project.pk, "k": 3, "user": user.pk})
                    for user in _mine(users, i)
                ]
            )
            for i in range(n)
        ]
    )


def submit_all(port: int, tokens: list[str], claimed: ClientRun) -> ClientRun:
    return run_clients(
        [
            http_job(
                port,
                [
                    (
                        "POST",
                        f"/api/assignments/{answer['assignment']['id']}/submit/",
                        token,
                        {"payload": LABELS},
                    )
                    for token, answer in zip(_mine(tokens, i), answers, strict=True)
                ],
            )
            for i, answers in enumerate(claimed.answers)
        ]
    )


def release_history(project: Project, users: list, n: int) -> None:
    """n released assignments, as annotators claiming and skipping leave them: user i % U
    released the clip (i // U) in queue order (a released clip keeps its place in front)."""
    clips = list(Clip.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute(
            """INSERT INTO annotation_assignment
                   (clip_id, user_id, layer, status, created_at, expires_at, finished_at)
               SELECT (%(clips)s::bigint[])[(i / %(u)s) + 1],
                      (%(users)s::bigint[])[(i %% %(u)s) + 1], 1, 'released', now(), now(), now()
               FROM generate_series(0, %(n)s - 1) AS i""",
            {"clips": clips, "users": [u.pk for u in users], "u": len(users), "n": n},
        )


def test_claims_and_submits_per_second(setup, server):
    project, users, tokens = setup
    for n in CLIENTS:
        claims = n * CLAIMS_PER_CLIENT
        reset(project)
        raw = raw_claim_all(project, users, n)
        assert Assignment.objects.count() == claims
        reset(project)
        cache.clear()
        with cpu_use([server.pid]) as cold_cpu:
            cold = claim_all(server.port, tokens, n)
        reset(project)
        open_project_all(server.port, tokens, n)
        with cpu_use([server.pid]) as claim_cpu:
            ours = claim_all(server.port, tokens, n)
        assert Assignment.objects.filter(status="active").count() == claims
        print(
            f"\n{claims} next-clip claims, {n} client processes, raw SQL claim on {n} connections "
            f"{raw.rate():.0f}/s; HTTP, each claim its token's first request: {cold.rate():.0f}/s, "
            f"{cold.rate() / raw.rate():.0%} of raw; HTTP after the project's page: "
            f"{ours.rate():.0f}/s, {ours.rate() / raw.rate():.0%} of raw ({load_average()})\n"
            f"  first request: {cold_cpu.per_request(claims, cold)}\n"
            f"  after the page: {claim_cpu.per_request(claims, ours)}\n  raw: {raw.sql_cpu()}"
        )
        with cpu_use([server.pid]) as submit_cpu:
            submitted = submit_all(server.port, tokens, ours)
        assert Assignment.objects.filter(status="submitted").count() == claims
        print(
            f"{claims} submits, {n} client processes: {submitted.rate():.0f}/s over HTTP "
            f"({load_average()})\n  {submit_cpu.per_request(claims, submitted)}"
        )


def test_claims_per_second_after_released_history(setup, server):
    """The same claims on the fresh project, then after HISTORY released assignments by the
    same annotators, REPEATS times interleaved (the box is shared: one pair is noise): the
    median ratio should stay near 1 (issue 17: it fell as releases piled up)."""
    project, users, tokens = setup
    n = CLIENTS[0]
    claims = n * CLAIMS_PER_CLIENT
    claim_all(server.port, tokens, n)  # warms the web processes up (compiled statements)
    rates: dict[int, list[float]] = {0: [], HISTORY: []}
    for _ in range(REPEATS):
        for history in rates:
            reset(project)
            if history:
                release_history(project, users, history)
            with connection.cursor() as cursor:  # fresh statistics in both runs alike
                cursor.execute("ANALYZE annotation_assignment")
            cache.clear()  # every token resolved from the database once, in both runs alike
            rates[history].append(claim_all(server.port, tokens, n).rate())
            assert Assignment.objects.filter(status="active").count() == claims
    fresh, after = (statistics.median(rates[h]) for h in rates)
    print(
        f"\n{claims} next-clip claims, {n} client processes, median of {REPEATS}: fresh project "
        f"{fresh:.0f}/s, after {HISTORY:,} released assignments {after:.0f}/s (ratio "
        f"{after / fresh:.2f}; runs {[round(r) for r in rates[0]]} and "
        f"{[round(r) for r in rates[HISTORY]]}; {load_average()})"
    )


@pytest.mark.parametrize("preload", ["1", "0"], ids=["preload", "no-preload"])
def test_peak_memory_of_web_and_workers_over_1200_submissions(setup, preload):
    """Claims and submits by 30 clients, 3 labels on each of 400 clips, until the worker has
    routed every one of them: the peak of web + worker memory over the whole run, gunicorn's
    workers forked from a loaded application (production's default) and each loading its own
    (WEB_PRELOAD=0). Shared pages count once per process in RSS, once in all in PSS."""
    project, _users, tokens = setup
    reset(project)
    open_clips = Clip.objects.filter(project=project).order_by("pk")[:400].values("pk")
    Clip.objects.filter(project=project).exclude(pk__in=open_clips).update(media_status="failed")
    with (
        celery_worker() as worker,
        gunicorn(WEB_PRELOAD=preload) as web,
        peak_memory([web.pid, worker.pid]) as peak,
    ):
        port = web.port
        submitted = submit_all(port, tokens, claim_all(port, tokens, MEMORY_CLIENTS))
        for _ in range(600):  # routing runs on the worker, after the submits committed
            if not Clip.objects.filter(project=project, stage__in=["layer1", "aggregating"],
                                       media_status="ready").exists():  # fmt: skip
                break
            time.sleep(0.2)
    assert len(submitted.latencies) == MEMORY_CLIENTS * CLAIMS_PER_CLIENT
    assert not Clip.objects.filter(project=project, media_status="ready", stage="layer1").exists()
    print(
        f"\n{len(submitted.latencies):,} submissions (3 on each of 400 clips, routed by the "
        f"worker), WEB_PRELOAD={preload}: peak memory of web + worker processes: "
        f"{peak.describe(['gunicorn', 'Celery worker'])} ({load_average()})"
    )
