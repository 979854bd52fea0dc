"""The trace chunk protocol on the server: every bad chunk gets the right answer, and nothing
is stored twice."""

import math

import numpy as np
import orjson
import pytest
from rest_framework.test import APIClient

from annotation.models import Assignment, Membership, Trace, TraceChunk
from annotation.services.assignment import assignment_next
from annotation.trace_chunks import assemble, contiguous_ack
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

RATE = 25


def samples(n: int, start: float = 0.0) -> list[list[float]]:
    t = np.arange(n) / RATE + start
    return np.round(np.stack([np.sin(t), np.cos(t) * 0.5], axis=1), 4).tolist()


@pytest.fixture
def recording():
    project = ProjectFactory(slug="stream")
    ClipFactory(project=project, kind="stream", duration_s=60.0)
    user = member(project, "annotator")
    api = APIClient()
    api.force_authenticate(user)
    lease = assignment_next(user=user, project=project)
    trace = api.post(f"/api/assignments/{lease.pk}/trace/", {}, format="json").json()
    return api, trace, lease


def send(api, trace, body, **extra):
    return api.post(
        f"/api/traces/{trace['id']}/chunks/",
        orjson.dumps(body),
        content_type="application/json",
        **extra,
    )


def chunk(seq: int, n: int = RATE) -> dict:
    return {"seq": seq, "t0": seq * n / RATE, "samples": samples(n, seq * n / RATE)}


def test_start_copies_the_config_and_resumes(recording):
    api, trace, lease = recording
    assert trace["config"]["rate_hz"] == RATE and trace["acked_seq"] == -1
    send(api, trace, chunk(0))
    send(api, trace, chunk(2))  # 1 is still on its way
    again = api.post(f"/api/assignments/{lease.pk}/trace/", {}, format="json").json()
    assert again["id"] == trace["id"] and again["acked_seq"] == 0  # a reload resumes here
    assert again["max_seq"] == 2 and again["resume_at_s"] == pytest.approx(3.0)


def test_replayed_chunks_are_acknowledged_and_stored_once(recording):
    api, trace, _ = recording
    first = send(api, trace, chunk(0)).json()
    replay = send(api, trace, chunk(0)).json()
    assert first == {"trace": trace["id"], "acked_seq": 0, "stored": [0], "duplicates": []}
    assert replay == {"trace": trace["id"], "acked_seq": 0, "stored": [], "duplicates": [0]}
    both = send(api, trace, {"chunks": [chunk(1), chunk(1)]}).json()
    assert both["stored"] == [1] and both["duplicates"] == [1]
    assert TraceChunk.objects.count() == 2
    assert Trace.objects.get().sample_count == 2 * RATE


def test_the_same_seq_with_other_samples_is_a_conflict(recording):
    api, trace, _ = recording
    send(api, trace, chunk(0))
    other = {**chunk(0), "samples": samples(RATE, 9.0)}
    response = send(api, trace, other)
    assert response.status_code == 409
    assert "chunk 0" in response.json()["error"]["message"]
    assert TraceChunk.objects.count() == 1


def test_out_of_order_chunks_are_kept_and_the_ack_waits_for_the_hole(recording):
    api, trace, _ = recording
    assert send(api, trace, chunk(0)).json()["acked_seq"] == 0
    assert send(api, trace, chunk(2)).json()["acked_seq"] == 0  # 1 is still on its way
    assert send(api, trace, chunk(3)).json()["acked_seq"] == 0
    assert send(api, trace, chunk(1)).json()["acked_seq"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seq": 0, "t0": 0, "samples": [[0.1, None]]}, "samples[0][1]"),  # NaN as JSON null
        ({"seq": 0, "t0": 0, "samples": [[0.1, 0.2], [1.5, 0.0]]}, "samples[1][0]"),
        ({"seq": 0, "t0": 0, "samples": [[0.1]]}, "samples"),
        ({"seq": -1, "t0": 0, "samples": [[0, 0]]}, "seq"),
        ({"seq": 0, "t0": -0.5, "samples": [[0, 0]]}, "t0"),
        ({"seq": 0, "t0": 59.9, "samples": [[0, 0]] * 25}, "t0"),  # runs past the clip
        ({"seq": 0, "t0": 0, "samples": [[0, 0]] * (RATE * 11)}, "samples"),
        ({"chunks": [{"seq": 0, "t0": 0, "samples": [[0, 0]]}, {"seq": 1}]}, "chunks[1].t0"),
    ],
)
def test_bad_chunks_are_refused_whole_and_name_the_field(recording, body, field):
    api, trace, _ = recording
    response = send(api, trace, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field
    assert not TraceChunk.objects.exists()


def test_literal_nan_is_not_json(recording):
    api, trace, _ = recording
    response = api.post(
        f"/api/traces/{trace['id']}/chunks/",
        b'{"seq": 0, "t0": 0, "samples": [[NaN, 0]]}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"


def test_oversized_requests_are_refused(recording):
    api, trace, _ = recording
    body = {"chunks": [{**chunk(i % 50), "seq": i} for i in range(1500)]}
    assert len(orjson.dumps(body)) > 512 * 1024
    response = send(api, trace, body)
    assert response.status_code == 413
    assert not TraceChunk.objects.exists()


def test_finalise_assembles_with_a_gap_report_and_rerecording_replaces(recording):
    api, trace, lease = recording
    for seq in range(4):
        send(api, trace, chunk(seq))
    # The annotator went back to 1.0 s and recorded half a second again.
    redo = {"seq": 4, "t0": 1.0, "samples": [[0.9, 0.9]] * (RATE // 2)}
    send(api, trace, redo)
    refused = api.post(f"/api/traces/{trace['id']}/finalise/", {}, format="json")
    assert refused.status_code == 200  # nothing missing: every seq 0..4 arrived
    final = refused.json()
    report = final["gap_report"]
    assert final["status"] == "finalised"
    assert report["n_samples"] == 4 * RATE
    assert report["missing_seqs"] == []
    assert report["gaps"] == [[4.0, 60.0]]  # nothing recorded after 4 s of a 60 s clip
    data = api.get(f"/api/traces/{trace['id']}/samples/").json()
    assert data["dimensions"] == ["valence", "arousal"]
    assert data["samples"][RATE] == [pytest.approx(0.9), pytest.approx(0.9)]
    # The first sample after the re-recorded stretch is the original again (t = 1.48 s).
    assert data["samples"][RATE + RATE // 2] == pytest.approx(
        samples(RATE, 1.0)[RATE // 2], abs=1e-6
    )
    assert data["samples"][4 * RATE] is None
    # Finalised: more chunks are refused; a restart keeps it as revision 1.
    assert send(api, trace, chunk(5)).status_code == 409
    new = api.post(f"/api/assignments/{lease.pk}/trace/", {"restart": True}, format="json").json()
    assert new["revision"] == 2 and new["id"] != trace["id"]
    assert Trace.objects.get(pk=trace["id"]).is_current is False


def test_finalise_with_missing_chunks_needs_consent(recording):
    api, trace, _ = recording
    send(api, trace, chunk(0))
    send(api, trace, chunk(2))
    refused = api.post(f"/api/traces/{trace['id']}/finalise/", {}, format="json")
    assert refused.status_code == 409 and "1" in refused.json()["error"]["message"]
    done = api.post(f"/api/traces/{trace['id']}/finalise/", {"allow_gaps": True}, format="json")
    assert done.json()["gap_report"]["missing_seqs"] == [1]


def test_traces_only_on_streaming_clips_and_only_by_the_holder(recording):
    api, trace, lease = recording
    static = ClipFactory(project=lease.clip.project)
    other_lease = Assignment.objects.create(
        clip=static, user=lease.user, expires_at=lease.expires_at
    )
    response = api.post(f"/api/assignments/{other_lease.pk}/trace/", {}, format="json")
    assert response.status_code == 400
    stranger = APIClient()
    stranger.force_authenticate(member(lease.clip.project, "annotator"))
    assert send(stranger, trace, chunk(0)).status_code == 404


def test_chunks_are_refused_once_the_annotator_may_no_longer_record(recording):
    """A process keeps what checking a trace's chunks needs (PostgreSQL: one statement per
    chunk, which checks again): after a first chunk, one from anyone else, or from the annotator
    once their membership ended, is still refused, and nothing of it stored."""
    api, trace, lease = recording
    assert send(api, trace, chunk(0)).status_code == 200
    stranger = APIClient()
    stranger.force_authenticate(member(lease.clip.project, "annotator"))
    assert send(stranger, trace, chunk(1)).status_code == 404
    Membership.objects.filter(user=lease.user).update(is_active=False)
    assert send(api, trace, chunk(1)).status_code == 404
    assert list(TraceChunk.objects.values_list("seq", flat=True)) == [0]
    Membership.objects.filter(user=lease.user).update(is_active=True)
    assert send(api, trace, chunk(1)).json()["acked_seq"] == 1


def test_contiguous_ack_and_assemble_edge_cases():
    assert contiguous_ack(-1, []) == -1
    assert contiguous_ack(-1, [1, 2]) == -1
    assert contiguous_ack(2, [3, 5, 4, 7]) == 5
    result = assemble([(0, 0.0, np.zeros((3, 2), np.float32))], rate_hz=25, duration_s=None)
    assert result.report["coverage"] == 1.0 and result.report["gaps"] == []
    assert math.isclose(result.report["grid_length"], 3)


def test_the_recorder_reads_the_samples_stored_so_far(recording, django_assert_max_num_queries):
    """Another browser of the same annotator loads what the server holds while recording."""
    api, trace, _ = recording
    url = f"/api/traces/{trace['id']}/samples/"
    empty = api.get(url)
    assert empty.status_code == 200
    assert empty.json() == {
        "rate_hz": RATE,
        "dimensions": ["valence", "arousal"],
        "status": "recording",
        "samples": [],
    }
    send(api, trace, chunk(0))
    send(api, trace, chunk(2))  # 1 is still on its way: a hole
    send(api, trace, {"seq": 3, "t0": 0.2, "samples": [[0.6, -0.6]] * 5})  # recorded again
    with django_assert_max_num_queries(6):
        data = api.get(url).json()
    rows = data["samples"]
    assert data["status"] == "recording"
    assert len(rows) == 60 * RATE  # the whole clip's grid
    assert rows[0] == pytest.approx(samples(1)[0], abs=1e-6)
    assert rows[5:10] == [[0.6, -0.6]] * 5  # float32 written shortest, later seq wins
    assert rows[10] == pytest.approx(samples(RATE)[10], abs=1e-6)
    assert rows[RATE : 2 * RATE] == [None] * RATE  # seq 1 not here yet
    assert rows[2 * RATE] == pytest.approx(samples(1, 2.0)[0], abs=1e-6)
    assert rows[3 * RATE :] == [None] * (57 * RATE)
    # Nothing is finalised by reading.
    assert Trace.objects.get().status == Trace.Status.RECORDING


def test_another_annotator_cannot_read_a_trace_being_recorded(recording):
    api, trace, lease = recording
    send(api, trace, chunk(0))
    stranger = APIClient()
    stranger.force_authenticate(member(lease.clip.project, "annotator"))
    assert stranger.get(f"/api/traces/{trace['id']}/samples/").status_code == 404
    assert stranger.get(f"/api/traces/{trace['id']}/").status_code == 404


SEGMENT = {"segments": [{"start": 0.0, "end": 60.0, "basic7": "Joy", "goemotions": ["joy"],
                         "intensity": 2}]}  # fmt: skip


def submit(api, lease, **extra):
    return api.post(
        f"/api/assignments/{lease.pk}/submit/", {"payload": SEGMENT, **extra}, format="json"
    )


def test_a_short_trace_is_submitted_only_when_confirmed_and_that_is_recorded(recording):
    """annotator3's submit went through with 10 % of the monologue traced, without a word."""
    api, trace, lease = recording
    send(api, trace, {"chunks": [chunk(seq) for seq in range(6)]})  # 6 s of 60
    api.post(f"/api/traces/{trace['id']}/finalise/", {}, format="json")
    refused = submit(api, lease)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "trace_coverage_low"
    assert "covers 10% of the clip" in error["message"] and "asks for 90%" in error["message"]
    assert Assignment.objects.get(pk=lease.pk).status == "active"  # nothing was taken

    done = submit(api, lease, confirm_low_coverage=True)
    assert done.status_code == 201, done.json()
    body = done.json()
    assert body["trace_coverage_confirmed"] is True
    assert body["trace_coverage"] == pytest.approx(6 * RATE / (60 * RATE))


def test_a_full_trace_needs_no_confirmation(recording):
    api, trace, lease = recording
    send(api, trace, {"chunks": [chunk(seq) for seq in range(60)]})
    body = submit(api, lease).json()  # still recording: the stored chunks are measured
    assert body["trace_coverage"] == pytest.approx(1.0)
    assert body["trace_coverage_confirmed"] is False


def test_no_trace_counts_as_none_covered_and_a_project_may_ask_for_none(recording):
    api, _trace, lease = recording
    Trace.objects.all().delete()
    assert submit(api, lease).json()["error"]["code"] == "trace_coverage_low"
    project = lease.clip.project
    project.trace_config = {**project.trace_config, "min_coverage": 0}
    project.save()
    body = submit(api, lease).json()
    assert body["trace_coverage"] == 0 and body["trace_coverage_confirmed"] is False


@pytest.mark.parametrize("minimum", [-0.1, 1.5, "90%", None])
def test_the_minimum_coverage_is_a_share(minimum):
    from annotation.errors import Invalid
    from annotation.schema import default_trace_config, validate_trace_config

    with pytest.raises(Invalid) as caught:
        validate_trace_config({**default_trace_config(), "min_coverage": minimum})
    assert caught.value.field == "trace_config.min_coverage"
