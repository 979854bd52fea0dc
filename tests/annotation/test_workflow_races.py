"""Race probes on the workflow's hot paths, on PostgreSQL with real row locks.

An annotator with two tabs and fast fingers, two devices, replayed requests: requests fired
at once (threading.Barrier) or interleaved at a chosen point (a transaction held open, another
request queued behind its lock), then the database compared with the workflow's invariants:

- one open layer-1 lease per user and project, never the same clip twice to one annotator;
- a clip's counters (layer1_count, layer1_open) equal to its assignment rows;
- a clip routed (stage, ``clip.routed`` audit rows) exactly once when its k labels are in;
- a trace's counters (acked_seq, chunk_count, sample_count) equal to the chunks stored.

Found by probing as such a user; each of the faults it found failed here first: two devices
starting or restarting a trace at once (a 500), an ack left behind chunks committed while its
request waited for the trace's lock.
"""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import orjson
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from locks import Running, until, waiting_on_locks
from rest_framework.test import APIClient

from annotation.models import Annotation, Assignment, AuditEvent, Project, Trace, TraceChunk
from annotation.services.assignment import assignment_next, assignments_reclaim_expired
from annotation.services.submission import annotation_submit
from annotation.services.traces import trace_start, trace_store_chunks
from clips.models import Clip
from factories import ClipFactory, ProjectFactory, member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
RATE = 25
ROUNDS = 8


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Each call in its own thread, all released by one barrier; their results (or the
    exception each raised) in order. Every thread closes its connection."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            results[i] = call()
        except BaseException as exc:  # compared by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def counters_match_rows(project) -> list[str]:  # type: ignore[no-untyped-def]
    """Clips whose counters differ from their assignment and annotation rows."""
    clips = Clip.objects.filter(project=project).annotate(
        live=Count("assignments", filter=Q(assignments__status="active", assignments__layer=1)),
    )
    wrong = []
    for clip in clips:
        submitted = Annotation.objects.filter(
            clip=clip, status="submitted", revision=1, withdrawn_at__isnull=True
        ).count()
        if (clip.layer1_open, clip.layer1_count) != (clip.live, submitted):
            wrong.append(
                f"{clip.external_id}: open={clip.layer1_open} live={clip.live} "
                f"count={clip.layer1_count} submitted={submitted}"
            )
    return wrong


def status_of(response) -> int:  # type: ignore[no-untyped-def]
    return response if isinstance(response, BaseException) else response.status_code


# --- 1. claims -----------------------------------------------------------------------------


def test_two_tabs_claiming_at_once_get_one_lease_through_the_api():
    project = ProjectFactory(overlap_k=3)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"c{i}", media_status="ready", duration_s=3.0)
        for i in range(2 * ROUNDS)
    )
    user = member(project, "annotator")
    url = f"/api/projects/{project.slug}/next/"
    seen: list[int] = []
    for _ in range(ROUNDS):
        answers = at_once(*[lambda: api_for(user).post(url) for _ in range(4)])
        assert [status_of(a) for a in answers] == [200] * 4, answers
        ids = {a.json()["assignment"]["id"] for a in answers}
        assert len(ids) == 1, ids
        assert Assignment.objects.filter(user=user, status="active").count() == 1
        (lease_id,) = ids
        seen.append(Assignment.objects.get(pk=lease_id).clip_id)
        response = api_for(user).post(
            f"/api/assignments/{lease_id}/submit/", {"payload": LABELS}, format="json"
        )
        assert response.status_code == 201, response.content
    assert len(seen) == len(set(seen)), "the same clip twice to one annotator"
    assert counters_match_rows(project) == []


def test_two_tabs_claiming_while_the_other_submits():
    """Tab A submits its clip while tab B asks for the next one: never two open leases, never
    the same clip again, counters equal to the rows."""
    project = ProjectFactory(overlap_k=3)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"c{i}", media_status="ready", duration_s=3.0)
        for i in range(3 * ROUNDS)
    )
    user = member(project, "annotator")
    url = f"/api/projects/{project.slug}/next/"
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        submit = f"/api/assignments/{lease.pk}/submit/"
        answers = at_once(
            lambda submit=submit: api_for(user).post(submit, {"payload": LABELS}, format="json"),
            lambda: api_for(user).post(url),
        )
        assert [status_of(a) for a in answers] == [201, 200], answers
        assert Assignment.objects.filter(user=user, status="active").count() <= 1
        for open_lease in Assignment.objects.filter(user=user, status="active"):
            annotation_submit(assignment_id=open_lease.pk, user=user, payload=LABELS)
    pairs = Counter(Annotation.objects.values_list("clip_id", "annotator_id"))
    assert max(pairs.values()) == 1
    assert counters_match_rows(project) == []


# --- 2. submit, release, lapse, draft ---------------------------------------------------------


def submitting(user: User, lease: Assignment) -> Callable[[], object]:
    return lambda: api_for(user).post(
        f"/api/assignments/{lease.pk}/submit/", {"payload": LABELS}, format="json"
    )


def releasing(user: User, lease: Assignment) -> Callable[[], object]:
    return lambda: api_for(user).post(f"/api/assignments/{lease.pk}/release/")


def lapse(lease: Assignment) -> None:
    """Its time is up; the sweep has not run yet."""
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def _one_annotator(clips: int) -> tuple[Project, User]:
    """A project of ``clips`` clips, two labels each, and one annotator."""
    project = ProjectFactory(overlap_k=2)
    ClipFactory.create_batch(clips, project=project)
    return project, member(project, "annotator")


def test_double_submit_at_once_stores_one_label_and_one_audit_row():
    project, user = _one_annotator(ROUNDS)
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        url = f"/api/assignments/{lease.pk}/submit/"
        answers = at_once(
            *[lambda url=url: api_for(user).post(url, {"payload": LABELS}, format="json")] * 3
        )
        assert [status_of(a) for a in answers] == [201] * 3, answers
        assert len({a.json()["id"] for a in answers}) == 1
    assert Annotation.objects.filter(annotator=user).count() == ROUNDS
    assert AuditEvent.objects.filter(action="annotation.submitted").count() == ROUNDS
    assert counters_match_rows(project) == []


def test_submit_racing_release_one_wins_and_counters_follow():
    project, user = _one_annotator(ROUNDS)
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        answers = at_once(
            submitting(user, lease),
            releasing(user, lease),
        )
        got = tuple(status_of(a) for a in answers)
        assert got in {(201, 409), (409, 200)}, answers
    assert counters_match_rows(project) == []
    assert not Assignment.objects.filter(status="active").exists()


def test_submit_racing_the_lease_sweep():
    """The lease lapsed (expires_at past) but is not swept: a submit and the sweep at once.
    Either the submit wins (counted as active) or the sweep does and the late submit is
    honoured (slot still free): counters equal to rows, no deadlock, one label."""
    project, user = _one_annotator(ROUNDS)
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        lapse(lease)
        answers = at_once(
            lambda lease=lease: annotation_submit(
                assignment_id=lease.pk, user=user, payload=LABELS
            ),
            lambda: assignments_reclaim_expired(project=project),
            lambda: assignments_reclaim_expired(),
        )
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert not errors, errors
    assert Annotation.objects.filter(annotator=user).count() == ROUNDS
    assert counters_match_rows(project) == []


def test_submit_racing_release_and_the_sweep_together():
    project, user = _one_annotator(ROUNDS)
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        lapse(lease)
        answers = at_once(
            submitting(user, lease),
            releasing(user, lease),
            lambda: assignments_reclaim_expired(project=project),
        )
        errors = [a for a in answers if isinstance(a, BaseException)]
        assert not errors, errors
        assert status_of(answers[0]) in (201, 409) and status_of(answers[1]) in (200, 409)
    assert counters_match_rows(project) == []


def test_draft_saved_at_once_with_submit_never_outlives_it():
    project, user = _one_annotator(ROUNDS)
    for _ in range(ROUNDS):
        lease = assignment_next(user=user, project=project)
        answers = at_once(
            submitting(user, lease),
            lambda lease=lease: api_for(user).put(
                f"/api/assignments/{lease.pk}/draft/",
                {"payload": {"basic7": "Anger"}},
                format="json",
            ),
        )
        assert status_of(answers[0]) == 201, answers
        assert status_of(answers[1]) in (200, 409), answers
    assert not Annotation.objects.filter(status="draft").exists(), "a draft outlived its submit"
    assert counters_match_rows(project) == []


def test_a_lapsed_unswept_lease_and_a_new_claim_both_submit_with_counters_right():
    """By design a lapsed lease is not "open" to the claim (``_open_layer1``: expires_at in
    the future) yet a submit still honours it until the sweep: for that while the user has two
    active layer-1 leases in the project. Both submits and the sweep racing them keep the
    counters equal to the rows, and the clips differ."""
    project, user = _one_annotator(2 * ROUNDS)
    for _ in range(ROUNDS):
        old = assignment_next(user=user, project=project)
        lapse(old)
        new = assignment_next(user=user, project=project)
        assert new is not None and new.clip_id != old.clip_id
        answers = at_once(
            lambda old=old: annotation_submit(assignment_id=old.pk, user=user, payload=LABELS),
            lambda new=new: annotation_submit(assignment_id=new.pk, user=user, payload=LABELS),
            lambda: assignments_reclaim_expired(project=project),
        )
        assert not [a for a in answers if isinstance(a, BaseException)], answers
    assert Annotation.objects.filter(annotator=user).count() == 2 * ROUNDS
    assert counters_match_rows(project) == []


# --- 4. the last labels of a clip at once -------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5])
def test_k_annotators_submitting_the_last_labels_route_the_clip_once(k):
    project = ProjectFactory(overlap_k=k)
    users = [member(project, "annotator") for _ in range(k)]
    clips = []
    for _ in range(ROUNDS):  # one clip at a time: the claims spread over clips otherwise
        clips.append(ClipFactory(project=project))
        leases = [assignment_next(user=u, project=project) for u in users]
        assert {lease.clip_id for lease in leases} == {clips[-1].pk}
        answers = at_once(
            *[
                lambda u=u, lease=lease: api_for(u).post(
                    f"/api/assignments/{lease.pk}/submit/", {"payload": LABELS}, format="json"
                )
                for u, lease in zip(users, leases, strict=True)
            ]
        )
        assert [status_of(a) for a in answers] == [201] * k, answers
    routed = Counter(
        AuditEvent.objects.filter(action="clip.routed").values_list("target_id", flat=True)
    )
    assert routed == Counter({str(c.pk): 1 for c in clips}), routed
    assert set(Clip.objects.filter(project=project).values_list("stage", flat=True)) == {"gold"}
    per_clip = Counter(Annotation.objects.values_list("clip_id", flat=True))
    assert set(per_clip.values()) == {k}
    assert counters_match_rows(project) == []


# --- 3. trace chunks ---------------------------------------------------------------------------


def _recording(duration: float = 120.0):  # type: ignore[no-untyped-def]
    project = ProjectFactory()
    ClipFactory(project=project, kind="stream", duration_s=duration)
    user = member(project, "annotator")
    lease = assignment_next(user=user, project=project)
    return project, user, lease


def chunk(seq: int, level: float = 0.5) -> dict:
    return {"seq": seq, "t0": seq * 1.0, "samples": [[level, level]] * RATE}


def post_chunks(user, trace_id: int, body) -> object:  # type: ignore[no-untyped-def]
    return api_for(user).post(
        f"/api/traces/{trace_id}/chunks/", orjson.dumps(body), content_type="application/json"
    )


def trace_matches_chunks(trace_id: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(acked_seq, chunk_count, sample_count) as stored on the trace, and as the chunks say."""
    trace = Trace.objects.get(pk=trace_id)
    seqs = sorted(TraceChunk.objects.filter(trace_id=trace_id).values_list("seq", flat=True))
    samples = sum(TraceChunk.objects.filter(trace_id=trace_id).values_list("n_samples", flat=True))
    acked = -1
    for seq in seqs:
        if seq != acked + 1:
            break
        acked = seq
    return (trace.acked_seq, trace.chunk_count, trace.sample_count), (acked, len(seqs), samples)


def test_the_same_chunk_twice_at_once_is_stored_once_and_acked_to_both():
    _project, user, lease = _recording()
    trace = trace_start(assignment_id=lease.pk, user=user)
    for seq in range(ROUNDS):
        answers = at_once(*[lambda seq=seq: post_chunks(user, trace.pk, chunk(seq))] * 3)
        assert [status_of(a) for a in answers] == [200] * 3, answers
        assert all(a.json()["acked_seq"] == seq for a in answers), [a.json() for a in answers]
    stored, expected = trace_matches_chunks(trace.pk)
    assert stored == expected == (ROUNDS - 1, ROUNDS, ROUNDS * RATE)


def test_the_same_seq_with_other_samples_at_once_stores_one_and_refuses_the_other():
    _project, user, lease = _recording()
    trace = trace_start(assignment_id=lease.pk, user=user)
    for seq in range(ROUNDS):
        answers = at_once(
            lambda seq=seq: post_chunks(user, trace.pk, chunk(seq, 0.1)),
            lambda seq=seq: post_chunks(user, trace.pk, chunk(seq, 0.9)),
        )
        assert sorted(status_of(a) for a in answers) == [200, 409], answers
    stored, expected = trace_matches_chunks(trace.pk)
    assert stored == expected == (ROUNDS - 1, ROUNDS, ROUNDS * RATE)


def test_two_devices_posting_interleaved_seqs_at_once():
    _project, user, lease = _recording()
    trace = trace_start(assignment_id=lease.pk, user=user)
    for r in range(ROUNDS):
        answers = at_once(
            lambda r=r: post_chunks(user, trace.pk, {"chunks": [chunk(4 * r), chunk(4 * r + 2)]}),
            lambda r=r: post_chunks(user, trace.pk, {"chunks": [chunk(4 * r + 1)]}),
            lambda r=r: post_chunks(user, trace.pk, {"chunks": [chunk(4 * r + 3)]}),
        )
        assert [status_of(a) for a in answers] == [200] * 3, answers
    # One more replay of the last chunk: whatever a race left, the ack is recomputed here.
    post_chunks(user, trace.pk, chunk(4 * ROUNDS - 1))
    stored, expected = trace_matches_chunks(trace.pk)
    assert stored == expected == (4 * ROUNDS - 1, 4 * ROUNDS, 4 * ROUNDS * RATE)


def test_the_ack_catches_up_with_a_chunk_committed_while_the_gap_filler_waited():
    """Device B sends seq 1 while device A sends seq 0. B's statement commits first; A's
    took its snapshot before that commit and then waited for the trace's row lock. PostgreSQL
    hands A the row's new version, but A's ack reads its old snapshot, which lacks seq 1: the
    ack stopped at 0 with 0 and 1 both stored (B told -1, A 0), so a reload resumed from 0.
    The statement now sees it is behind and catches the ack up."""
    _project, user, lease = _recording()
    trace = trace_start(assignment_id=lease.pk, user=user)
    device_b, device_a, waited = _second_while_first_is_open(
        lambda: trace_store_chunks(trace_id=trace.pk, user=user, raw_chunks=[chunk(1)]),
        lambda: trace_store_chunks(trace_id=trace.pk, user=user, raw_chunks=[chunk(0)]),
    )
    assert waited, "device A's statement did not wait on the trace's row lock"
    answers = {"b": device_b, "a": device_a}
    stored, expected = trace_matches_chunks(trace.pk)
    assert expected == (1, 2, 2 * RATE)
    assert answers["a"]["acked_seq"] == 1, answers  # type: ignore[index]
    assert stored == expected


def test_chunks_racing_finalise_are_in_the_finalised_trace_or_refused():
    _project, user, lease = _recording()
    for r in range(ROUNDS):
        trace = trace_start(assignment_id=lease.pk, user=user, restart=r > 0)
        post_chunks(user, trace.pk, {"chunks": [chunk(0), chunk(1)]})
        answers = at_once(
            lambda trace=trace: post_chunks(user, trace.pk, chunk(2)),
            lambda trace=trace: post_chunks(user, trace.pk, chunk(3)),
            lambda trace=trace: api_for(user).post(
                f"/api/traces/{trace.pk}/finalise/", {"allow_gaps": True}, format="json"
            ),
        )
        assert all(status_of(a) in (200, 409) for a in answers), answers
        assert status_of(answers[2]) == 200, answers[2]
        trace.refresh_from_db()
        assert trace.status == "finalised"
        stored = TraceChunk.objects.filter(trace=trace).count()
        assert trace.gap_report["chunks"] == stored, (trace.gap_report, stored)
        for answer, seq in zip(answers[:2], (2, 3), strict=True):
            in_store = TraceChunk.objects.filter(trace=trace, seq=seq).exists()
            assert (status_of(answer) == 200) == in_store, (seq, answer)


def _second_while_first_is_open(first: Callable[[], object], second: Callable[[], object]):
    """``first`` in a transaction held open; ``second`` started meanwhile in another thread,
    and the first committed once the second waits on a lock (or has finished)."""
    done, release = threading.Event(), threading.Event()

    def hold() -> object:
        with transaction.atomic():
            result = first()
            done.set()
            release.wait()
        return result

    holding = Running(hold)
    done.wait()
    running = Running(second)
    until(lambda: waiting_on_locks() >= 1 or not running.alive())
    waited = running.alive()
    release.set()
    (first_result,) = holding.join()
    (second_result,) = running.join()
    return first_result, second_result, waited


def _trace_api(user, lease, restart: bool):  # type: ignore[no-untyped-def]
    api = api_for(user)
    api.raise_request_exception = False
    return api.post(f"/api/assignments/{lease.pk}/trace/", {"restart": restart}, format="json")


def test_two_devices_starting_the_trace_at_once_get_the_same_trace():
    """Two devices (or tabs) open the same streaming lease and start its trace at once.
    ``trace_start`` looked for the current trace with SELECT ... FOR UPDATE, which locks
    nothing when there is none yet: both inserted revision 1, and the second broke
    trace_unique_revision (a 500). Starts on one lease now take turns on the lease's row, and
    the second resumes the first one's trace."""
    _project, user, lease = _recording()
    first, second, waited = _second_while_first_is_open(
        lambda: trace_start(assignment_id=lease.pk, user=user),
        lambda: _trace_api(user, lease, restart=False),
    )
    assert waited, "the second start did not wait for the first"
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.pk
    assert Trace.objects.filter(annotator=user).count() == 1


@pytest.mark.parametrize("second_restarts", [True, False], ids=["restart", "resume"])
def test_two_devices_restarting_the_trace_at_once_leave_one_current(second_restarts):
    """One device presses "record again" while the other restarts too (or resumes). The
    second used to wait on revision 1's row lock, find it no longer current, take that for
    "no current trace" and insert revision 3 beside revision 2: trace_one_current broken, a
    500. Now the lease's row orders them: the second sees revision 2 (a resume gets it)."""
    _project, user, lease = _recording()
    trace_start(assignment_id=lease.pk, user=user)
    first, second, waited = _second_while_first_is_open(
        lambda: trace_start(assignment_id=lease.pk, user=user, restart=True),
        lambda: _trace_api(user, lease, restart=second_restarts),
    )
    assert waited, "the second request did not wait for the restart"
    assert second.status_code == 200, second.content
    if not second_restarts:
        assert second.json()["id"] == first.pk
    assert Trace.objects.filter(annotator=user, is_current=True).count() == 1


def test_chunks_out_of_order_ack_only_the_contiguous_run():
    _project, user, lease = _recording()
    trace = trace_start(assignment_id=lease.pk, user=user)
    acks = [post_chunks(user, trace.pk, chunk(seq)).json()["acked_seq"] for seq in (2, 4, 0, 3, 1)]
    assert acks == [-1, -1, 0, 0, 4]
    stored, expected = trace_matches_chunks(trace.pk)
    assert stored == expected == (4, 5, 5 * RATE)
