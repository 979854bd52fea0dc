"""The hot paths (claim, submit, draft, release, trace chunks, token cache, ``represent``)
attacked by a member holding a token, on PostgreSQL (the one-statement paths). Each fault
this found failed here first: chunks stored after the clip was given back or on a restarted
revision, such a trace counted in the clip's agreement, a chunk checked against a clip
duration a new ingest had corrected, a submit by a member removed meanwhile, a late submit
answered 500, a refused claim opening a qualification round."""

from unittest import mock

import orjson
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation import apis
from annotation.models import (
    Annotation,
    AnnotatorPause,
    Assignment,
    Membership,
    Role,
    TraceChunk,
)
from annotation.selectors.traces import clip_trace_matrix
from annotation.serializers import (
    AnnotationSerializer,
    AssignmentSerializer,
    ClipSerializer,
)
from clips.models import Clip, Segment
from factories import ClipFactory, ProjectFactory, member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
SEGMENT = {"segments": [{"start": 0.0, "end": 60.0, "basic7": "Joy", "goemotions": ["joy"],
                         "intensity": 2}]}  # fmt: skip


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    """A client holding the user's API token, its cache entry warm (as after the first page)."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    assert api.get("/api/projects/").status_code == 200
    return api


def claim(api: APIClient, project) -> dict:  # type: ignore[no-untyped-def]
    response = api.post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 200, response.content
    return response.json()["assignment"]


def chunk_body(seq: int, rate: int, t0: float | None = None, n: int | None = None) -> bytes:
    n = rate if n is None else n
    return orjson.dumps(
        {"seq": seq, "t0": float(seq) if t0 is None else t0, "samples": [[0.1, 0.2]] * n}
    )


def send(api: APIClient, trace: dict, body: bytes):  # type: ignore[no-untyped-def]
    return api.post(f"/api/traces/{trace['id']}/chunks/", body, content_type="application/json")


@pytest.fixture
def stream():  # type: ignore[no-untyped-def]
    """A streaming project, one 60 s monologue, an annotator recording its trace (one chunk
    stored, so this process keeps the trace's shape)."""
    project = ProjectFactory(slug="stream-probe")
    clip = ClipFactory(project=project, kind="stream", duration_s=60.0)
    user = member(project, Role.ANNOTATOR)
    api = client_for(user)
    lease = claim(api, project)
    trace = api.post(f"/api/assignments/{lease['id']}/trace/", {}, format="json").json()
    rate = trace["config"]["rate_hz"]
    first = send(api, trace, chunk_body(0, rate))
    assert first.status_code == 200 and first.json()["stored"] == [0], first.content
    return project, clip, user, api, lease, trace, rate


@pytest.fixture
def static():  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="static-probe")
    ClipFactory.create_batch(3, project=project)
    user = member(project, Role.ANNOTATOR)
    api = client_for(user)
    return project, user, api


def test_a_trace_takes_no_chunks_once_its_clip_is_given_back(stream):
    """The annotator skipped (released) the clip: it is never offered to them again and its
    slot went back to the pool. Their recording is given up with it (kept as an earlier
    revision): chunks were stored on a clip they no longer held."""
    _project, _clip, _user, api, lease, trace, rate = stream
    released = api.post(f"/api/assignments/{lease['id']}/release/")
    assert released.status_code == 200 and released.json()["status"] == "released"
    late = send(api, trace, chunk_body(1, rate))
    assert late.status_code in (404, 409), (late.status_code, late.content)
    assert list(TraceChunk.objects.filter(trace_id=trace["id"]).values_list("seq", flat=True)) == [
        0
    ]


def test_a_trace_without_its_annotators_label_counts_nowhere(stream):
    """A trace finalised by someone who then released the clip (no label of theirs on it)
    counted in the clip's trace agreement, the routing's trace CCC and the adjudicator's
    overlay, which read every current finalised trace of the clip."""
    project, clip, user, api, lease, trace, rate = stream
    final = api.post(f"/api/traces/{trace['id']}/finalise/", {"allow_gaps": True}, format="json")
    assert final.status_code == 200, final.content
    assert api.post(f"/api/assignments/{lease['id']}/release/").status_code == 200
    # A second annotator labels the clip with their own trace.
    other = member(project, Role.ANNOTATOR)
    other_api = client_for(other)
    other_lease = claim(other_api, project)
    assert other_lease["clip"]["id"] == clip.pk
    other_trace = other_api.post(
        f"/api/assignments/{other_lease['id']}/trace/", {}, format="json"
    ).json()
    assert send(other_api, other_trace, chunk_body(0, rate)).status_code == 200
    assert (
        other_api.post(
            f"/api/traces/{other_trace['id']}/finalise/", {"allow_gaps": True}, format="json"
        ).status_code
        == 200
    )
    submitted = other_api.post(
        f"/api/assignments/{other_lease['id']}/submit/",
        {"payload": SEGMENT, "confirm_low_coverage": True},
        format="json",
    )
    assert submitted.status_code == 201, submitted.content
    assert list(Annotation.objects.filter(clip=clip).values_list("annotator_id", flat=True)) == [
        other.pk
    ]
    found = clip_trace_matrix(clip)
    raters = found[0] if found else []
    assert user.pk not in raters, "the trace of an annotator who released the clip is counted"


def test_a_trace_takes_no_chunks_once_its_label_is_submitted_and_may_still_be_finalised(stream):
    """The label stores the trace's coverage as submitted: chunks sent after it (an API
    client that submits before finalising) changed the trace behind it. Refused now; the
    trace can still be finalised, with the chunks the label was measured on."""
    _project, _clip, _user, api, lease, trace, rate = stream
    submitted = api.post(
        f"/api/assignments/{lease['id']}/submit/",
        {"payload": SEGMENT, "confirm_low_coverage": True},
        format="json",
    )
    assert submitted.status_code == 201, submitted.content
    late = send(api, trace, chunk_body(1, rate))
    assert late.status_code == 409, (late.status_code, late.content)
    final = api.post(f"/api/traces/{trace['id']}/finalise/", {"allow_gaps": True}, format="json")
    assert final.status_code == 200, final.content
    assert final.json()["sample_count"] == rate
    assert TraceChunk.objects.filter(trace_id=trace["id"]).count() == 1


def test_a_restarted_revision_takes_no_chunks(stream):
    """``restart`` keeps the old recording as an earlier revision: it took chunks still (and
    could be finalised), neither the chunk statement nor its read checking ``is_current``."""
    _project, _clip, _user, api, lease, trace, rate = stream
    new = api.post(
        f"/api/assignments/{lease['id']}/trace/", {"restart": True}, format="json"
    ).json()
    assert new["id"] != trace["id"] and new["revision"] == 2
    late = send(api, trace, chunk_body(1, rate))
    assert late.status_code in (404, 409), (late.status_code, late.content)
    assert TraceChunk.objects.filter(trace_id=trace["id"]).count() == 1


def test_chunks_are_checked_against_a_corrected_clip_end_in_every_process(stream):
    """``_SHAPES`` keeps a trace's clip duration: a clip whose duration a new ingest corrected
    (60 s -> 10 s) took chunks to 60 s from a process that kept the old one, while the others
    refused them. The statement now checks the duration kept is the clip's, and the chunk is
    checked again against the new one."""
    from annotation.services import traces

    _project, clip, _user, api, _lease, trace, rate = stream
    Clip.objects.filter(pk=clip.pk).update(duration_s=10.0)  # what a re-ingest writes
    kept = traces._SHAPES.pop(trace["id"])
    cold = send(api, trace, chunk_body(29, rate, t0=29.0))  # a process that never saw it
    assert cold.status_code == 400 and cold.json()["error"]["field"] == "t0", cold.content
    traces._SHAPES[trace["id"]] = kept  # the process that took chunk 0, within 60 s
    warm = send(api, trace, chunk_body(30, rate, t0=30.0))
    assert warm.status_code == 400, (warm.status_code, warm.content)


def test_a_member_removed_while_submitting_writes_nothing(static):
    """The submit's role check was the view's read, before the service's transaction: an admin
    who removed the annotator between the two (here: committed just as the service starts)
    did not stop the submit. The locked read checks the role again."""
    project, user, api = static
    lease = claim(api, project)
    real = apis.annotation_submit

    def removed_meanwhile(**kwargs):  # type: ignore[no-untyped-def]
        Membership.objects.filter(project=project, user=user).update(is_active=False)
        return real(**kwargs)

    with mock.patch.object(apis, "annotation_submit", removed_meanwhile):
        response = api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        )
    assert response.status_code in (403, 404), (response.status_code, response.content)
    assert not Annotation.objects.filter(annotator=user, status="submitted").exists()


def test_another_users_assignment_is_a_404_on_every_action(static):
    project, _user, api = static
    lease = claim(api, project)
    stranger = client_for(member(project, Role.ANNOTATOR))
    base = f"/api/assignments/{lease['id']}"
    assert stranger.get(f"{base}/").status_code == 404
    assert stranger.put(f"{base}/draft/", {"payload": LABELS}, format="json").status_code == 404
    assert stranger.post(f"{base}/submit/", {"payload": LABELS}, format="json").status_code == 404
    assert stranger.post(f"{base}/release/").status_code == 404
    assert stranger.post(f"{base}/trace/", {}, format="json").status_code == 404
    for bad in (0, -1, 2**63, 2**64):
        assert api.get(f"/api/assignments/{bad}/").status_code == 404
    assert Assignment.objects.get(pk=lease["id"]).status == "active"


def test_another_users_trace_is_refused_with_the_shape_kept(stream):
    project, _clip, _user, _api, _lease, trace, rate = stream
    stranger = client_for(member(project, Role.ANNOTATOR))
    assert send(stranger, trace, chunk_body(1, rate)).status_code == 404
    assert stranger.get(f"/api/traces/{trace['id']}/").status_code == 404
    assert stranger.get(f"/api/traces/{trace['id']}/samples/").status_code == 404
    assert (
        stranger.post(f"/api/traces/{trace['id']}/finalise/", {}, format="json").status_code == 404
    )
    # A member of another project only (an annotator there) gets nothing either.
    elsewhere = ProjectFactory(slug="elsewhere")
    outsider = client_for(member(elsewhere, Role.ANNOTATOR))
    assert send(outsider, trace, chunk_body(1, rate)).status_code == 404
    assert outsider.post(f"/api/projects/{project.slug}/next/").status_code == 404
    assert TraceChunk.objects.count() == 1


def test_the_annotators_own_trace_in_a_project_they_left(stream):
    """Their trace, their membership in its project ended, an active one elsewhere."""
    project, _clip, user, api, _lease, trace, rate = stream
    Membership.objects.create(project=ProjectFactory(slug="second"), user=user, role="annotator")
    Membership.objects.filter(project=project, user=user).update(is_active=False)
    assert send(api, trace, chunk_body(1, rate)).status_code == 404
    assert api.get(f"/api/traces/{trace['id']}/").status_code == 404
    assert TraceChunk.objects.count() == 1


def test_a_chunk_after_finalise_is_refused_with_the_shape_kept(stream):
    _project, _clip, _user, api, _lease, trace, rate = stream
    assert (
        api.post(
            f"/api/traces/{trace['id']}/finalise/", {"allow_gaps": True}, format="json"
        ).status_code
        == 200
    )
    late = send(api, trace, chunk_body(1, rate))
    assert late.status_code == 409 and TraceChunk.objects.count() == 1


def test_deactivated_or_demoted_member_after_the_first_chunk(stream):
    project, _clip, user, api, lease, trace, rate = stream
    # Demoted: annotator -> adjudicator only (member_roles_set's writes).
    Membership.objects.filter(project=project, user=user).update(is_active=False)
    Membership.objects.create(project=project, user=user, role=Role.ADJUDICATOR)
    assert send(api, trace, chunk_body(1, rate)).status_code == 404
    base = f"/api/assignments/{lease['id']}"
    assert api.put(f"{base}/draft/", {"payload": SEGMENT}, format="json").status_code == 404
    assert (
        api.post(
            f"{base}/submit/", {"payload": SEGMENT, "confirm_low_coverage": True}, format="json"
        ).status_code
        == 404
    )
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 403
    assert TraceChunk.objects.count() == 1 and not Annotation.objects.exists()


def test_tokens_revoked_rotated_or_of_deactivated_users_are_refused_at_once(static):
    project, user, api = static
    lease = claim(api, project)  # the token is cached now
    # Revoked by its owner.
    assert api.delete("/api/auth/token/").status_code == 204
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 401
    # A new token, cached, then rotated by a password change.
    api = client_for(user)
    user.set_password("another-pw-456")
    user.save()
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 401
    # A new token, cached, then the account deactivated (admin / model save).
    api = client_for(user)
    user.is_active = False
    user.save()
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 401
    assert (
        api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        ).status_code
        == 401
    )
    assert not Annotation.objects.exists()


def test_an_expired_token_is_refused_even_when_cached(static, settings):
    project, user, api = static
    Token.objects.filter(user=user).update(created="2000-01-01T00:00:00Z")
    # The cached entry still holds the old creation time: the expiry is read from the row
    # again only on a miss. Either way it must be refused.
    from django.core.cache import cache

    cache.clear()
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 401


def test_paused_annotators_and_archived_projects_take_no_claims(static):
    project, user, api = static
    project.pause_floor = 0.8
    project.save()
    AnnotatorPause.objects.create(
        project=project, user=user, correct=1, controls=10, low=0.0, high=0.4, level=0.95,
        floor=0.8,
    )  # fmt: skip
    paused = api.post(f"/api/projects/{project.slug}/next/")
    assert paused.status_code == 403 and paused.json()["error"]["code"] == "paused"
    AnnotatorPause.objects.all().delete()
    project.archived_at = "2024-01-01T00:00:00Z"
    project.save()
    assert api.post(f"/api/projects/{project.slug}/next/").status_code == 404
    assert not Assignment.objects.exists()


def test_an_adjudicator_who_labelled_the_clip_sees_no_others_labels():
    """A layer-2 lease on a clip the adjudicator labelled in layer 1 (taken before their label
    was known, say): the assignment's detail, the clip's and the traces are all refused."""
    project = ProjectFactory(slug="blind")
    clip = ClipFactory(project=project, stage=Clip.Stage.LAYER1)
    both = member(project, Role.ANNOTATOR)
    Membership.objects.create(project=project, user=both, role=Role.ADJUDICATOR)
    others = [member(project, Role.ANNOTATOR) for _ in range(2)]
    for annotator in [both, *others]:
        api = client_for(annotator)
        lease = claim(api, project)
        assert (
            api.post(
                f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
            ).status_code
            == 201
        )
    Clip.objects.filter(pk=clip.pk).update(stage=Clip.Stage.DISPUTED)
    layer2 = Assignment.objects.create(
        clip=clip, user=both, layer=2, expires_at="2999-01-01T00:00:00Z"
    )
    api = client_for(both)
    assert api.get(f"/api/assignments/{layer2.pk}/").status_code == 404
    assert api.get(f"/api/clips/{clip.pk}/").status_code == 404
    # and the dispute queue does not offer it
    queue = api.get(f"/api/projects/{project.slug}/disputes/")
    assert queue.status_code == 200 and queue.json()["count"] == 0
    submit = api.post(
        f"/api/assignments/{layer2.pk}/submit/",
        {"payload": LABELS, "rationale": "mine"},
        format="json",
    )
    assert submit.status_code == 409


def test_represent_equals_drf_data_for_the_hot_shapes(static):
    project, user, _api = static
    stream = ClipFactory(project=project, kind="stream", duration_s=12.0, transcript="hello")
    Segment.objects.create(clip=stream, index=0, start_s=0.0, end_s=5.0, text="hi", speaker="a")
    lease = Assignment.objects.create(clip=stream, user=user, expires_at="2999-01-01T00:00:00Z")
    draft = Annotation.objects.create(
        clip=stream, annotator=user, assignment=lease, status="draft", payload={"x": 1}
    )
    for fresh in (lambda: Assignment.objects.get(pk=lease.pk),):
        assert AssignmentSerializer.represent(fresh()) == dict(AssignmentSerializer(fresh()).data)
    assert ClipSerializer.represent(stream) == dict(ClipSerializer(stream).data)
    assert AnnotationSerializer.represent(draft) == dict(AnnotationSerializer(draft).data)
    body = AssignmentSerializer.represent(Assignment.objects.get(pk=lease.pk))
    assert body["draft"] == {"x": 1} and len(body["clip"]["segments"]) == 1
    for leaked in ("stage", "layer1_count", "layer1_open", "meta", "probe", "source_uri"):
        assert leaked not in body["clip"]


def test_a_late_submit_of_a_lapsed_lease_held_again_is_a_409(static):
    """The lease lapsed and was reclaimed; the same clip was offered again to the same
    annotator (an expired lease does not count as seen) and they hold it. Submitting the OLD
    lease was honoured as late (a free slot: their own new lease was the open one) and broke
    ``assignment_one_live_per_clip_user_layer``: a 500 any member could raise. Now a 409, and
    the open lease takes the label."""
    from annotation.services.assignment import assignments_reclaim_expired

    project, user, api = static
    project.clips.exclude(pk=project.clips.order_by("pk").first().pk).delete()
    first = claim(api, project)
    Assignment.objects.filter(pk=first["id"]).update(expires_at="2000-01-01T00:00:00Z")
    assert assignments_reclaim_expired(project=project) == 1
    again = claim(api, project)
    assert again["clip"]["id"] == first["clip"]["id"] and again["id"] != first["id"]
    api.raise_request_exception = False
    late = api.post(f"/api/assignments/{first['id']}/submit/", {"payload": LABELS}, format="json")
    assert late.status_code == 409, (late.status_code, late.content[:200])
    now = api.post(f"/api/assignments/{again['id']}/submit/", {"payload": LABELS}, format="json")
    assert now.status_code == 201, (now.status_code, now.content)
    assert Annotation.objects.filter(annotator=user, status="submitted").count() == 1
    clip = Clip.objects.get(pk=first["clip"]["id"])
    assert clip.layer1_count == 1 and clip.layer1_open == 0


def test_a_refused_claim_opens_no_qualification_round(static):
    """``assignment_next`` opened the user's qualification round (a write) before anything
    checked that they are an annotator: an adjudicator-only member's refused claim left a
    round behind."""
    from annotation.models import Qualification

    project, _user, _api = static
    project.qualification_controls = 3
    project.save()
    adjudicator = client_for(member(project, Role.ADJUDICATOR))
    refused = adjudicator.post(f"/api/projects/{project.slug}/next/")
    assert refused.status_code == 403
    assert not Qualification.objects.filter(project=project).exists()
