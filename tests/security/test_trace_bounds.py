"""Issue 11, items 5 and 6 (traces): a chunk's sequence number is bounded by what a recording
of the clip can need, finalise works from the stored sequence numbers (never a range up to the
highest one), and trace samples are JSON numbers — never booleans or strings."""

import tracemalloc

import numpy as np
import orjson
import pytest
from rest_framework.test import APIClient

from annotation.models import Trace, TraceChunk
from annotation.services.assignment import assignment_next
from annotation.services.traces import trace_finalise
from annotation.trace_chunks import DTYPE, assemble, max_seq, missing_seq_ranges
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

RATE = 25
DURATION = 60.0


@pytest.fixture
def recording():
    project = ProjectFactory(slug="bounds")
    ClipFactory(project=project, kind="stream", duration_s=DURATION)
    user = member(project, "annotator")
    api = APIClient(raise_request_exception=False)  # a 500 is an answer here, not an exception
    api.force_authenticate(user)
    lease = assignment_next(user=user, project=project)
    trace = api.post(f"/api/assignments/{lease.pk}/trace/", {}, format="json").json()
    return api, trace, user


def send(api, trace, body):
    return api.post(
        f"/api/traces/{trace['id']}/chunks/", orjson.dumps(body), content_type="application/json"
    )


def chunk(seq: int, second: float = 0.0) -> dict:
    return {"seq": seq, "t0": second, "samples": [[0.1, -0.2]] * RATE}


def limit_of(trace: dict) -> int:
    config = trace["config"]
    return max_seq(
        rate_hz=config["rate_hz"],
        chunk_seconds=config.get("chunk_seconds", 1.0),
        duration_s=DURATION,
    )


# --- the sequence number is bounded ----------------------------------------------------------


@pytest.mark.parametrize("seq", [6_000_000, 2**31 - 1, 2**31, 2**53, 2**63, 2**64 - 1])
def test_a_sequence_number_no_recording_needs_is_a_clear_400(recording, seq):
    api, trace, _ = recording
    response = send(api, trace, chunk(seq))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == "seq"
    assert str(limit_of(trace)) in error["message"]
    assert not TraceChunk.objects.exists()


def test_in_a_backlog_the_bad_chunk_is_named_and_nothing_is_stored(recording):
    api, trace, _ = recording
    response = send(api, trace, {"chunks": [chunk(0), chunk(2**31, 1.0)]})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "chunks[1].seq"
    assert not TraceChunk.objects.exists()


def test_the_bound_leaves_room_for_rerecording_and_pauses(recording):
    api, trace, _ = recording
    limit = limit_of(trace)
    # A 60 s clip in 1 s chunks is 61 chunks a pass: twenty passes over the whole clip, and a
    # thousand pauses or seeks (each closes a short chunk) on top, still fit.
    assert limit >= 20 * 61 + 1_000
    assert limit < 2**31  # the column
    assert send(api, trace, chunk(limit, 30.0)).status_code == 200
    assert send(api, trace, chunk(limit + 1, 31.0)).status_code == 400


def test_the_bound_follows_the_clip_and_the_chunk_length():
    short = max_seq(rate_hz=25, chunk_seconds=1.0, duration_s=5.0)
    long = max_seq(rate_hz=25, chunk_seconds=1.0, duration_s=600.0)
    tiny_chunks = max_seq(rate_hz=25, chunk_seconds=0.2, duration_s=600.0)
    assert short < long < tiny_chunks
    # The chunk length is counted in whole samples, as the browser does: 0.1 s at 1 Hz is a
    # chunk of one sample, not a tenth of one.
    assert max_seq(rate_hz=1, chunk_seconds=0.1, duration_s=600.0) == max_seq(
        rate_hz=1, chunk_seconds=1.0, duration_s=600.0
    )
    # Unknown duration: a generous fixed bound, still inside the column.
    assert long < max_seq(rate_hz=25, chunk_seconds=1.0, duration_s=None) < 2**31
    assert max_seq(rate_hz=100, chunk_seconds=0.1, duration_s=10**9) == 2**31 - 1


# --- samples are numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "where"),
    [
        ([[True, 0.5]], "samples[0][0]"),
        ([[0.5, False]], "samples[0][1]"),
        ([[True, False]], "samples[0][0]"),
        ([[0.1, 0.2], ["0.5", 0.1]], "samples[1][0]"),
        ([[0.1, "0.5"]], "samples[0][1]"),
        ([["", 0.0]], "samples[0][0]"),
        ([[0.1, {"v": 1}]], "samples[0][1]"),
        ([[0.1, [0.2]]], "samples[0][1]"),
        (["ab"], "samples"),
        ([{"v": 1, "a": 2}], "samples"),
    ],
)
def test_samples_that_are_not_numbers_are_refused(recording, samples, where):
    api, trace, _ = recording
    response = send(api, trace, {"seq": 0, "t0": 0, "samples": samples})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == where
    assert "number" in error["message"]
    assert not TraceChunk.objects.exists()


def test_a_string_sample_in_a_backlog_names_its_chunk(recording):
    api, trace, _ = recording
    bad = {"seq": 1, "t0": 1.0, "samples": [[0.1, 0.2], [0.1, "0.5"]]}
    response = send(api, trace, {"chunks": [chunk(0), bad]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "chunks[1].samples[1][1]"
    assert '"0.5"' in error["message"]
    assert not TraceChunk.objects.exists()


def test_integers_are_numbers_and_the_old_errors_stay(recording):
    api, trace, _ = recording
    assert send(api, trace, {"seq": 0, "t0": 0, "samples": [[1, 0], [0, -1]]}).status_code == 200
    out_of_range = send(api, trace, {"seq": 1, "t0": 1.0, "samples": [[0, 2]]})
    assert out_of_range.json()["error"]["field"] == "samples[0][1]"
    null = send(api, trace, {"seq": 1, "t0": 1.0, "samples": [[None, 0]]})
    assert null.json()["error"]["field"] == "samples[0][0]"
    ragged = send(api, trace, {"seq": 1, "t0": 1.0, "samples": [[0, 0], [0]]})
    assert ragged.json()["error"]["field"] == "samples"
    flat = send(api, trace, {"seq": 1, "t0": 1.0, "samples": [0, 0]})
    assert flat.json()["error"]["field"] == "samples"


# --- finalise computes gaps from the stored sequence numbers ---------------------------------


def test_gaps_in_the_sequence_are_reported_as_ranges(recording):
    api, trace, _ = recording
    for seq in (0, 1, 5):
        assert send(api, trace, chunk(seq, float(seq))).status_code == 200
    refused = api.post(f"/api/traces/{trace['id']}/finalise/", {}, format="json")
    assert refused.status_code == 409
    assert "2–4" in refused.json()["error"]["message"]
    done = api.post(f"/api/traces/{trace['id']}/finalise/", {"allow_gaps": True}, format="json")
    report = done.json()["gap_report"]
    assert report["missing_seqs"] == [2, 3, 4]
    assert report["missing_seq_ranges"] == [[2, 4]]
    assert report["missing_count"] == 3


def test_missing_ranges_from_sorted_stored_sequence_numbers():
    assert missing_seq_ranges([]) == []
    assert missing_seq_ranges([0, 1, 2]) == []
    assert missing_seq_ranges([5, 0, 1]) == [(2, 4)]
    assert missing_seq_ranges([3, 4]) == [(0, 2)]  # the first chunks have not arrived
    assert missing_seq_ranges([0, 2, 4, 2**31 - 1]) == [(1, 1), (3, 3), (5, 2**31 - 2)]


def _samples(n: int) -> np.ndarray:
    return np.zeros((n, 2), DTYPE)


def _peak_bytes(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_assembling_does_not_depend_on_the_highest_sequence_number():
    """Counted in bytes allocated, not timed: seq 5 and seq 1,000,000 cost the same."""

    def run(last: int) -> None:
        chunks = [(0, 0.0, _samples(25)), (1, 1.0, _samples(25)), (last, 2.0, _samples(25))]
        result = assemble(chunks, rate_hz=25, duration_s=60.0)
        assert result.report["missing_seq_ranges"] == [[2, last - 1]]
        assert result.report["missing_count"] == last - 2
        assert len(result.report["missing_seqs"]) <= 100

    small, large = _peak_bytes(lambda: run(5)), _peak_bytes(lambda: run(1_000_000))
    assert large < small + 256 * 1024, (small, large)


def test_finalising_stored_chunks_with_a_huge_seq_is_cheap(recording):
    """Chunks stored before the bound existed (or by a bound that later shrank) still finalise
    in memory proportional to the chunks stored."""
    _, trace_json, user = recording
    peaks = {}
    for last in (5, 1_000_000):
        trace = Trace.objects.get(pk=trace_json["id"]) if last == 5 else _new_trace(trace_json)
        stored = ((seq, float(i)) for i, seq in enumerate((0, 1, last)))
        TraceChunk.objects.bulk_create(
            TraceChunk(
                trace=trace,
                seq=seq,
                t0=t0,
                n_samples=RATE,
                samples=_samples(RATE).tobytes(),
                digest=str(seq),
            )
            for seq, t0 in stored
        )
        peaks[last] = _peak_bytes(
            lambda trace=trace: trace_finalise(trace_id=trace.pk, user=user, allow_gaps=True)
        )
        report = Trace.objects.get(pk=trace.pk).gap_report
        assert report["missing_seq_ranges"] == [[2, last - 1]]
    assert peaks[1_000_000] < peaks[5] + 256 * 1024, peaks


def _new_trace(trace_json: dict) -> Trace:
    first = Trace.objects.get(pk=trace_json["id"])
    Trace.objects.filter(pk=first.pk).update(is_current=False)
    return Trace.objects.create(
        clip=first.clip, annotator=first.annotator, revision=first.revision + 1,
        config=first.config,
    )  # fmt: skip


def test_a_browser_session_with_its_csrf_check_still_stores_chunks(recording):
    """The CSRF check reads the parsed form before the view reads the raw body (as a signed-in
    browser's chunk POST goes); both must see the same bytes."""
    from django.test import Client

    _api, trace, user = recording
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/")  # the CSRF cookie, as the workspace page sets it
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/api/traces/{trace['id']}/chunks/",
        orjson.dumps(chunk(0)),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
    assert response.json()["acked_seq"] == 0
