"""What an adjudicator sees of a disputed clip: the queue and why, a clip picked from it,
the traces overlaid, and never a clip they labelled themselves."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Annotation, Assignment, ClipAgreement, Trace
from annotation.routing import UNSURE_REASON
from annotation.trace_chunks import DTYPE
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def label(clip, user, payload=LABELS):
    later = timezone.now() + timedelta(minutes=5)
    done = Assignment.objects.create(clip=clip, user=user, status="submitted", expires_at=later)
    return Annotation.objects.create(
        clip=clip,
        annotator=user,
        assignment=done,
        status="submitted",
        is_current=True,
        payload=payload,
        submitted_at=timezone.now(),
    )


@pytest.fixture
def project():
    return ProjectFactory(slug="adj")


def disputed(project, **agreement):
    clip = ClipFactory(project=project, stage=Clip.Stage.DISPUTED)
    ClipAgreement.objects.create(clip=clip, **agreement)
    return clip


def test_queue_says_why_in_the_readers_language(project):
    clip = disputed(
        project,
        n_annotations=3,
        tier="low",
        confidence=0.3333,
        n_distinct=3,
        metrics={"top_share": 0.3333, "reason": "confidence 0.33 < 0.9 (3 distinct labels)"},
    )
    judge = client_for(member(project, "adjudicator"))
    row = judge.get("/api/projects/adj/disputes/").json()["results"][0]
    assert row["id"] == clip.pk and row["in_progress"] is False
    assert row["why"] == [
        "Tier: low",
        "3 different labels from 3 annotators",
        "Share agreeing with the majority 0.33 (accepted from 0.90)",
    ]
    chinese = judge.get("/api/projects/adj/disputes/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["results"][0]["why"][0] == "层级：低"


def test_dawid_skene_and_trace_figures_are_named(project):
    project.routing_rule = {**project.routing_rule, "min_trace_ccc": 0.4}
    project.save()
    disputed(
        project,
        n_annotations=3,
        tier="medium",
        confidence=0.85,
        n_distinct=2,
        trace_ccc_min=0.21,
        metrics={"ds_confidence": 0.85},
    )
    why = client_for(member(project, "admin")).get("/api/projects/adj/disputes/").json()
    assert why["results"][0]["why"][2:] == [
        "Dawid–Skene confidence 0.85 (accepted from 0.90)",
        "Lowest trace concordance (CCC) 0.21 (accepted from 0.4)",
    ]


def test_an_adjudicator_never_sees_a_clip_they_labelled(project):
    judge = member(project, "adjudicator")
    theirs, other = disputed(project), disputed(project)
    label(theirs, judge)
    api = client_for(judge)
    assert [r["id"] for r in api.get("/api/projects/adj/disputes/").json()["results"]] == [other.pk]
    assert api.get(f"/api/clips/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/clips/{theirs.pk}/traces/").status_code == 404
    picked = api.post("/api/projects/adj/disputes/next/", {"clip": theirs.pk}, format="json")
    assert picked.status_code == 409
    admin = client_for(member(project, "admin"))
    assert admin.get("/api/projects/adj/disputes/").json()["count"] == 2  # admins see all


def test_pick_a_clip_from_the_queue(project):
    first, second = disputed(project), disputed(project)
    judge, rival = member(project, "adjudicator"), member(project, "adjudicator")
    api = client_for(judge)
    body = api.post("/api/projects/adj/disputes/next/", {"clip": second.pk}, format="json").json()
    assert body["assignment"]["clip"]["id"] == second.pk
    # the same pick again resumes it; another clip while one is open is refused
    again = api.post("/api/projects/adj/disputes/next/", {"clip": second.pk}, format="json")
    assert again.json()["assignment"]["id"] == body["assignment"]["id"]
    other = api.post("/api/projects/adj/disputes/next/", {"clip": first.pk}, format="json")
    assert other.status_code == 409 and second.external_id in other.json()["error"]["message"]
    # a clip someone else has open is flagged in the queue and cannot be picked
    queue = client_for(rival).get("/api/projects/adj/disputes/").json()["results"]
    assert {r["id"]: r["in_progress"] for r in queue} == {first.pk: False, second.pk: True}
    taken = client_for(rival).post(
        "/api/projects/adj/disputes/next/", {"clip": second.pk}, format="json"
    )
    assert taken.status_code == 409
    # a skipped clip is not offered by "next" again, but can still be picked
    api.post(f"/api/assignments/{body['assignment']['id']}/release/")
    following = api.post("/api/projects/adj/disputes/next/").json()["assignment"]
    assert following["clip"]["id"] == first.pk
    api.post(f"/api/assignments/{following['id']}/release/")
    assert api.post("/api/projects/adj/disputes/next/").json()["assignment"] is None
    back = api.post("/api/projects/adj/disputes/next/", {"clip": second.pk}, format="json")
    assert back.json()["assignment"]["clip"]["id"] == second.pk


def _trace(clip, user, values: np.ndarray) -> None:
    label(clip, user)
    Trace.objects.create(
        clip=clip,
        annotator=user,
        config=clip.project.trace_config,
        status=Trace.Status.FINALISED,
        data=values.astype(DTYPE).tobytes(),
        sample_count=len(values),
    )


def test_trace_overlay_pseudonymous_with_lags_and_aggregate(project):
    clip = disputed(project)
    Clip.objects.filter(pk=clip.pk).update(kind=Clip.Kind.STREAM, duration_s=120.0)
    rate = project.trace_config["rate_hz"]
    t = np.arange(0, 120, 1 / rate)
    base = np.sin(t / 4)
    users = [member(project, "annotator") for _ in range(3)]
    for user, delay_s in zip(users, [0.0, 2.0, 3.0], strict=True):
        shifted = np.roll(base, round(delay_s * rate))
        shifted[: round(delay_s * rate)] = 0.0
        _trace(clip, user, np.stack([shifted, shifted * 0.5], axis=1))
    body = client_for(member(project, "adjudicator")).get(f"/api/clips/{clip.pk}/traces/").json()
    assert [s["annotator"] for s in body["series"]] == ["Annotator A", "Annotator B", "Annotator C"]
    assert all(u.username not in str(body) for u in users)
    # 3,000 samples binned by 2 to stay under 2,000 points
    assert body["n_points"] == 1500 and body["step_s"] == pytest.approx(2 / rate)
    lags = [s["lag_s"]["valence"] for s in body["series"]]
    assert lags == pytest.approx([0.0, 2.0, 3.0], abs=0.05)  # behind the earliest annotator
    assert body["lag_s"]["valence"] == pytest.approx((2 + 3 + 1) / 3, abs=0.1)
    assert body["ccc"]["valence"]["lag_compensated_mean"] > body["ccc"]["valence"]["pairwise_mean"]
    assert len(body["aggregate"]["values"]["arousal"]) == body["n_points"]
    assert sum(body["aggregate"]["weights"]["valence"]) == pytest.approx(1.0, abs=1e-3)


def test_trace_overlay_of_a_clip_without_traces_is_empty(project):
    clip = disputed(project)
    body = client_for(member(project, "admin")).get(f"/api/clips/{clip.pk}/traces/").json()
    assert body["series"] == [] and body["aggregate"] is None
    assert [d["name"] for d in body["dimensions"]] == ["valence", "arousal"]


def test_resume_reopens_a_held_clip_and_never_claims(project):
    clip = disputed(project)
    api = client_for(member(project, "adjudicator"))
    empty = api.post("/api/projects/adj/disputes/next/", {"resume": True}, format="json").json()
    assert empty == {"assignment": None, "reason": "you have no clip open", "blocked": False}
    assert not Assignment.objects.filter(layer=2).exists()
    held = api.post("/api/projects/adj/disputes/next/").json()["assignment"]
    again = api.post("/api/projects/adj/disputes/next/", {"resume": True}, format="json").json()
    assert again["assignment"]["id"] == held["id"] and held["clip"]["id"] == clip.pk


def test_why_names_an_unsure_majority(project):
    disputed(project, n_annotations=3, tier="low", metrics={"reason": UNSURE_REASON})
    why = client_for(member(project, "admin")).get("/api/projects/adj/disputes/").json()
    assert "Most annotators chose “Unsure”." in why["results"][0]["why"]


def test_the_adjudicator_who_decided_a_clip_decides_it_again_once_reopened(project):
    """A gold clip reopened by an admin is a second look; its first judge may take it (it was a
    500 from the one-assignment-per-clip-and-layer constraint), and gold gets a new version."""
    clip = disputed(project)
    judge, admin = member(project, "adjudicator"), member(project, "admin")
    api = client_for(judge)
    for vote in ("Joy", "Fear"):
        lease = api.post("/api/projects/adj/disputes/next/").json()["assignment"]
        assert lease is not None and lease["clip"]["id"] == clip.pk
        decided = api.post(
            f"/api/assignments/{lease['id']}/submit/",
            {"payload": {**LABELS, "basic7": vote}, "rationale": "second look"},
            format="json",
        )
        assert decided.status_code == 201, decided.content
        reopened = client_for(admin).post(
            f"/api/clips/{clip.pk}/reopen/", {"reason": "again"}, format="json"
        )
        assert reopened.status_code == 200
    versions = clip.gold_labels.order_by("version").values_list("payload__basic7", flat=True)
    assert list(versions) == ["Joy", "Fear"]
