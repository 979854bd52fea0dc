"""Next-clip claims per second through the HTTP API (gunicorn, token auth) with 16 and 64
concurrent clients, against the raw SQL claim run by as many connections; then submits per
second; then claims per second on a fresh project against the same after 100,000 released
assignments (a claim's cost must not grow with history). Needs PostgreSQL (DATABASE_URL):
SKIP LOCKED is what is being measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench
"""

import http.client

import orjson
import psycopg
import pytest
from benchutil import dsn, gunicorn, report, run_parallel
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from annotation.models import Assignment, Membership, Project
from clips.models import Clip

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N_CLIPS = 20_000
CLAIMS_PER_CLIENT = 40
CLIENTS = (16, 64)
HISTORY = 100_000
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
    with gunicorn() as port:
        yield port


def post(conn: http.client.HTTPConnection, token: str, path: str, body: dict | None) -> dict:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn.request("POST", path, orjson.dumps(body) if body else b"", headers)
    response = conn.getresponse()
    data = orjson.loads(response.read())
    assert response.status in (200, 201), data
    return data


def claim_all(port: int, tokens: list[str], n: int) -> tuple[float, dict[int, list]]:
    """Wall seconds for n clients each claiming for CLAIMS_PER_CLIENT users, and the leases."""
    leases: dict[int, list[tuple[str, int]]] = {}

    def claim(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        leases[i] = []
        for j in range(CLAIMS_PER_CLIENT):
            token = tokens[i * CLAIMS_PER_CLIENT + j]
            got = post(conn, token, "/api/projects/bench-assign/next/", None)
            leases[i].append((token, got["assignment"]["id"]))

    return run_parallel(n, claim), leases


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
        conn.execute("ANALYZE annotation_assignment")


def test_claims_and_submits_per_second(setup, server):
    project, users, tokens = setup
    port = server

    for n in CLIENTS:
        # Raw SQL baseline: n connections, each claiming for its own users.
        reset(project)

        def raw(i: int, n: int = n) -> None:
            with psycopg.connect(dsn(), autocommit=True) as conn:
                for j in range(CLAIMS_PER_CLIENT):
                    user = users[i * CLAIMS_PER_CLIENT + j]
                    with conn.transaction():
                        conn.execute(RAW_CLAIM, {"project": project.pk, "k": 3, "user": user.pk})

        raw_s = run_parallel(n, raw)
        assert Assignment.objects.count() == n * CLAIMS_PER_CLIENT

        # Our endpoint, same users and clips.
        reset(project)
        http_s, leases = claim_all(port, tokens, n)
        claims = n * CLAIMS_PER_CLIENT
        assert Assignment.objects.filter(status="active").count() == claims
        report(
            f"{claims} next-clip claims, {n} concurrent clients (HTTP: {claims / http_s:.0f}/s; "
            f"raw SQL: {claims / raw_s:.0f}/s)",
            http_s,
            raw_s,
            "raw SQL claim",
        )

        def submit(i: int, leases: dict[int, list[tuple[str, int]]] = leases) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for token, assignment_id in leases[i]:
                post(conn, token, f"/api/assignments/{assignment_id}/submit/", {"payload": LABELS})

        submit_s = run_parallel(n, submit)
        assert Assignment.objects.filter(status="submitted").count() == claims
        print(f"{claims} submits, {n} concurrent clients: {claims / submit_s:.0f}/s over HTTP")


def test_claims_per_second_after_released_history(setup, server):
    """The same claims on the fresh project, then after HISTORY released assignments by the
    same annotators: the ratio should stay near 1 (issue 17: it fell as releases piled up)."""
    project, users, tokens = setup
    n = CLIENTS[0]
    claims = n * CLAIMS_PER_CLIENT
    rates = []
    for history in (0, HISTORY):
        reset(project)
        if history:
            release_history(project, users, history)
        seconds, _leases = claim_all(server, tokens, n)
        assert Assignment.objects.filter(status="active").count() == claims
        rates.append(claims / seconds)
    print(
        f"\n{claims} next-clip claims, {n} clients: fresh project {rates[0]:.0f}/s, after "
        f"{HISTORY:,} released assignments {rates[1]:.0f}/s (ratio {rates[1] / rates[0]:.2f})"
    )
