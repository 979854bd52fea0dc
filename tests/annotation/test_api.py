"""The workflow through HTTP, as the browser and scripts use it."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import AuditEvent
from exports.selectors import release_data
from exports.services import release_create
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # routing runs on commit

LABELS = {"basic7": "Joy", "goemotions": ["joy", "pride"], "intensity": 4}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def project():
    return ProjectFactory(slug="demo")


def test_annotate_then_adjudicate_over_http(project):
    ClipFactory(project=project, transcript="你好")
    annotators = [member(project, "annotator") for _ in range(3)]
    for user, basic7 in zip(annotators, ["Joy", "Joy", "Fear"], strict=True):
        api = client_for(user)
        work = api.post("/api/projects/demo/next/").json()["assignment"]
        assert work["clip"]["transcript"] == "你好"
        assert "agreement" not in work and "layer1" not in work  # blind
        api.put(
            f"/api/assignments/{work['id']}/draft/", {"payload": {"basic7": basic7}}, format="json"
        )
        assert api.get(f"/api/assignments/{work['id']}/").json()["draft"] == {"basic7": basic7}
        response = api.post(
            f"/api/assignments/{work['id']}/submit/",
            {"payload": {**LABELS, "basic7": basic7}},
            format="json",
        )
        assert response.status_code == 201, response.content
    empty = client_for(annotators[0]).post("/api/projects/demo/next/").json()
    assert empty == {
        "assignment": None,
        "reason": "no clip is waiting for you in this project",
        "blocked": False,
    }

    judge = client_for(member(project, "adjudicator"))
    queue = judge.get("/api/projects/demo/disputes/").json()
    assert queue["count"] == 1
    assert queue["results"][0]["agreement"]["tier"] == "low"
    review = judge.post("/api/projects/demo/disputes/next/").json()["assignment"]
    context = judge.get(f"/api/assignments/{review['id']}/").json()
    assert [row["annotator"] for row in context["layer1"]] == [
        "Annotator A",
        "Annotator B",
        "Annotator C",
    ]
    assert "annotator_id" not in str(context) and annotators[0].username not in str(context)
    decided = judge.post(
        f"/api/assignments/{review['id']}/submit/",
        {"payload": LABELS, "rationale": "laughs throughout"},
        format="json",
    )
    assert decided.status_code == 201
    assert decided.json()["provenance"] == "adjudicated"
    assert decided.json()["rationale"] == "laughs throughout"

    progress = client_for(annotators[0]).get("/api/projects/demo/progress/").json()
    assert progress == {"you": {"done_today": 1, "done_total": 1, "remaining_for_you": 0}}


def test_errors_have_one_shape_and_name_the_field(project):
    ClipFactory(project=project)
    api = client_for(member(project, "annotator"))
    work = api.post("/api/projects/demo/next/").json()["assignment"]
    response = api.post(
        f"/api/assignments/{work['id']}/submit/",
        {"payload": {**LABELS, "intensity": 9}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "must be between 1 and 5", "field": "intensity"}
    }
    missing = api.post(f"/api/assignments/{work['id']}/submit/", {}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "payload"


def test_admin_changes_settings_with_validation_and_audit(project):
    admin = client_for(member(project, "admin"))
    bad = admin.patch(
        "/api/projects/demo/settings/",
        {"routing_rule": {"aggregator": "vibes", "accept_unanimous": True, "min_confidence": 0.9}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "routing_rule.aggregator"
    schema = project.label_schema
    schema["layers"][0]["labels"].append({"value": "Contempt", "en": "Contempt", "zh": "轻蔑"})
    ok = admin.patch(
        "/api/projects/demo/settings/", {"label_schema": schema, "overlap_k": 2}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["overlap_k"] == 2
    event = AuditEvent.objects.get(action="project.settings_changed")
    assert event.data["before"]["overlap_k"] == 3 and event.data["after"]["overlap_k"] == 2


def test_lowering_the_threshold_reroutes_disputed_clips(project, media_root):
    clip = ClipFactory(project=project)
    for user, basic7 in zip(
        [member(project, "annotator") for _ in range(3)], ["Joy", "Joy", "Fear"], strict=True
    ):
        api = client_for(user)
        work = api.post("/api/projects/demo/next/").json()["assignment"]
        api.post(
            f"/api/assignments/{work['id']}/submit/",
            {"payload": {**LABELS, "basic7": basic7}},
            format="json",
        )
    clip.refresh_from_db()
    assert clip.stage == "disputed"
    admin = client_for(member(project, "admin"))

    def threshold(value: float) -> None:  # the medium tier may not sit above it
        rule = {**project.routing_rule, "min_confidence": value, "medium_confidence": 0.5}
        saved = admin.patch("/api/projects/demo/settings/", {"routing_rule": rule}, format="json")
        assert saved.status_code == 200, saved.content

    threshold(0.6)
    clip.refresh_from_db()
    assert clip.stage == "gold"
    assert clip.gold_labels.get().provenance == "majority"
    # and raised back: the rule no longer accepts the majority, so neither does gold
    threshold(0.8)
    clip.refresh_from_db()
    assert clip.stage == "disputed"
    retired = clip.gold_labels.get()
    assert not retired.is_current  # kept as history
    data = release_data(release_create(project=project, version="1.0.0"), None)
    assert clip.external_id not in {row.clip_id for row in data.gold}
    # k raised above the labels it has: back to layer 1, no current gold either
    threshold(0.6)
    assert clip.gold_labels.get(is_current=True).version == 2
    admin.patch("/api/projects/demo/settings/", {"overlap_k": 4}, format="json")
    clip.refresh_from_db()
    assert clip.stage == "layer1" and not clip.gold_labels.filter(is_current=True).exists()


def test_token_auth_for_scripts_and_csrf_for_the_browser(project):
    user = member(project, "annotator", "scripted")
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/projects/").json()["results"][0]["roles"] == ["annotator"]
    obtained = APIClient().post(
        "/api/auth/token/", {"username": "scripted", "password": "pw-test-123"}, format="json"
    )
    assert obtained.json() == {"token": token.key}

    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="scripted", password="pw-test-123")
    refused = browser.post("/api/projects/demo/next/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]


def test_claim_and_submit_query_counts_stay_flat(project, django_assert_max_num_queries):
    """A claim must not scan or loop per clip: its query count is fixed, whatever the size."""
    for _ in range(3):
        ClipFactory(project=project)
    api = client_for(member(project, "annotator"))
    with django_assert_max_num_queries(16):
        work = api.post("/api/projects/demo/next/").json()["assignment"]
    with django_assert_max_num_queries(20):
        api.post(f"/api/assignments/{work['id']}/submit/", {"payload": LABELS}, format="json")


def test_remaining_for_you_is_one_count_that_goes_down_by_one_per_clip():
    """k=3, three annotators, three clips: it read 2 → 2 → 0 for one annotator while the
    others started at 3 and 2 (others' open leases changed it)."""
    project = ProjectFactory(slug="left", overlap_k=3)
    ClipFactory.create_batch(3, project=project)
    users = [client_for(member(project, "annotator")) for _ in range(3)]

    def remaining(api: APIClient) -> int:
        return api.get("/api/projects/left/progress/").json()["you"]["remaining_for_you"]

    leases = [api.post("/api/projects/left/next/").json()["assignment"] for api in users[1:]]
    assert [remaining(api) for api in users] == [3, 3, 3]  # an open clip is still to do
    first = users[0]
    seen = []
    while (lease := first.post("/api/projects/left/next/").json()["assignment"]) is not None:
        seen.append(remaining(first))
        first.post(f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json")
    assert seen == [3, 2, 1] and remaining(first) == 0
    assert all(lease is not None for lease in leases)


def test_an_annotator_at_their_cap_is_told_so():
    project = ProjectFactory(slug="capped", per_user_cap=1)
    ClipFactory.create_batch(2, project=project)
    api = client_for(member(project, "annotator"))
    lease = api.post("/api/projects/capped/next/").json()["assignment"]
    api.post(f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json")
    answer = api.post("/api/projects/capped/next/").json()
    assert answer == {
        "assignment": None,
        "reason": "you have labelled your share of this project (1 clip)",
        "blocked": False,
    }
    assert api.get("/api/projects/capped/progress/").json()["you"]["remaining_for_you"] == 0


def test_a_medium_tier_above_the_minimum_confidence_is_refused():
    """0.95 above a minimum of 0.6 was accepted: a medium tier no clip can fall in."""
    project = ProjectFactory(slug="tiers")
    admin = client_for(member(project, "admin"))
    rule = {**project.routing_rule, "min_confidence": 0.6, "medium_confidence": 0.95}
    refused = admin.patch("/api/projects/tiers/settings/", {"routing_rule": rule}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "routing_rule.medium_confidence"
    rule["medium_confidence"] = 0.5
    accepted = admin.patch("/api/projects/tiers/settings/", {"routing_rule": rule}, format="json")
    assert accepted.status_code == 200


@pytest.mark.parametrize("stage", ["", "disputed"])
def test_clip_lists_read_their_clips_segments_in_one_query(project, stage):
    """The admins' clip list and the disputed queue show each clip's segments from one read
    for the page, however many clips it holds (not one read per clip)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clips.models import Segment

    admin = client_for(member(project, "admin"))
    url = "/api/projects/demo/disputes/" if stage else "/api/projects/demo/clips/"
    counts = []
    for more in (2, 4):
        for _ in range(more):
            clip = ClipFactory(project=project, kind="stream", stage=stage or "layer1")
            Segment.objects.create(clip=clip, index=0, start_s=0.0, end_s=1.0, text="hello")
        with CaptureQueriesContext(connection) as captured:
            rows = admin.get(url).json()["results"]
        assert all(row["segments"][0]["text"] == "hello" for row in rows)
        counts.append((len(rows), len(captured)))
    assert [rows for rows, _ in counts] == [2, 6]
    assert counts[0][1] == counts[1][1]
