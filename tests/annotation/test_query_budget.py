"""The hot paths' query budget on PostgreSQL with token auth (issue 17): a claim, a static
submit (under fixed k and under adaptive overlap) and a trace chunk each cost a fixed, small
number of statements. Each test asserts the exact count reached, so that a change adding one
fails here; the message states the ceiling."""

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

# Transactions as in production (no test-wrapping savepoints in the counts).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


@pytest.fixture
def annotator():
    project = ProjectFactory(slug="budget")
    ClipFactory.create_batch(3, project=project)
    user = member(project, "annotator")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    api.get("/api/projects/")  # the token is resolved once; the hot paths find it cached
    return project, user, api


def queries(send) -> tuple[object, list[str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return response, [q["sql"] for q in captured.captured_queries]


def budget(sql: list[str], exact: int, ceiling: int, what: str) -> None:
    listing = "\n".join(sql)
    assert len(sql) == exact, (
        f"{what}: {len(sql)} queries, expected {exact} (budget {ceiling}):\n{listing}"
    )
    assert exact <= ceiling


def test_a_claim_costs_two_queries(annotator):
    project, _, api = annotator
    response, sql = queries(lambda: api.post(f"/api/projects/{project.slug}/next/"))
    assert response.status_code == 200 and response.json()["assignment"]["draft"] is None
    budget(sql, 2, 4, "claim")  # the project, then the claim (which finds no segments)


def test_a_static_submit_costs_five_queries(annotator):
    project, _, api = annotator
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    response, sql = queries(
        lambda: api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        )
    )
    assert response.status_code == 201, response.json()
    budget(sql, 5, 6, "static submit")


def test_a_trace_chunk_costs_one_query_two_at_its_traces_first(annotator):
    project, _, api = annotator
    ClipFactory(project=project, kind="stream", duration_s=60.0, external_id="a-stream")
    project.overlap_k = 1
    project.save()
    # The stream sorts after the static clips by id: take those three out of the way.
    project.clips.exclude(kind="stream").update(media_status="failed")
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    trace = api.post(f"/api/assignments/{lease['id']}/trace/", {}, format="json").json()
    rate = trace["config"]["rate_hz"]
    for seq, exact in ((0, 2), (1, 1)):  # the trace read once per process, then kept
        body = {"seq": seq, "t0": float(seq), "samples": [[0.1, 0.2]] * rate}
        response, sql = queries(
            lambda body=body: api.post(
                f"/api/traces/{trace['id']}/chunks/",
                orjson.dumps(body),
                content_type="application/json",
            )
        )
        assert response.json()["stored"] == [seq], response.json()
        budget(sql, exact, 3, f"trace chunk {seq}")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql = false")
        return [row[0] for row in cursor.fetchall()]


def test_the_hot_paths_statements_are_prepared_once_per_connection(annotator):
    """PostgreSQL plans each hot statement once per connection (compiled_sql.prepared_cursor):
    planning was about half of the database's CPU on a trace chunk. A second claim and submit
    run the statements the first prepared: none is added."""
    project, _, api = annotator
    prepared = []
    for _ in range(2):
        lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
        response = api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        )
        assert response.status_code == 201, response.json()
        prepared.append(sorted(prepared_statements()))
    assert prepared[0] == prepared[1]
    ClipFactory(project=project, kind="stream", duration_s=60.0, external_id="a-stream")
    project.clips.exclude(kind="stream").update(media_status="failed")
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    trace = api.post(f"/api/assignments/{lease['id']}/trace/", {}, format="json").json()
    body = {"seq": 0, "t0": 0.0, "samples": [[0.1, 0.2]] * 5}
    chunk = api.post(f"/api/traces/{trace['id']}/chunks/", orjson.dumps(body),
                     content_type="application/json")  # fmt: skip
    assert chunk.status_code == 200, chunk.json()
    statements = prepared_statements()
    for marker, what in (
        ('FROM "authtoken_token"', "the token"),
        ('FROM "annotation_project"', "the project"),
        ("SKIP LOCKED", "the claim"),
        ("INSERT INTO annotation_annotation", "the submit"),
        ("INSERT INTO annotation_tracechunk", "the trace chunk"),
    ):
        assert any(marker in sql for sql in statements), f"{what}: not prepared in {statements}"


@pytest.fixture
def adaptive(annotator):  # type: ignore[no-untyped-def]
    """The same project under adaptive overlap, with a fitted model (its steady state)."""
    from annotation.models import OverlapFit

    project, user, api = annotator
    project.overlap = {"strategy": "adaptive", "threshold": 0.95, "k_max": 3, "min_labels": 1}
    project.save(update_fields=["overlap"])
    classes = [label["value"] for label in project.label_schema["layers"][0]["labels"]]
    n = len(classes)
    confusion = [[0.6 if i == j else 0.4 / (n - 1) for j in range(n)] for i in range(n)]
    OverlapFit.objects.create(
        project=project,
        n_labels=10,
        model={"classes": classes, "priors": [1 / n] * n, "confusion": {str(user.pk): confusion}},
    )
    return project, user, api


def test_an_adaptive_claim_costs_two_queries(adaptive):
    project, _, api = adaptive
    response, sql = queries(lambda: api.post(f"/api/projects/{project.slug}/next/"))
    assert response.status_code == 200 and response.json()["assignment"] is not None
    budget(sql, 2, 4, "adaptive claim")


def test_an_adaptive_submit_costs_eight_queries(adaptive):
    """The submit updates its clip's posterior with the project's model and stores the
    clip's target and priority (services/overlap.py): three statements more than fixed k."""
    project, _, api = adaptive
    lease = api.post(f"/api/projects/{project.slug}/next/").json()["assignment"]
    response, sql = queries(
        lambda: api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        )
    )
    assert response.status_code == 201, response.json()
    clip = Clip.objects.get(pk=lease["clip"]["id"])
    assert (clip.stage, clip.layer1_target) == ("layer1", 2)  # unsure: one more label
    budget(sql, 8, 9, "adaptive submit")
