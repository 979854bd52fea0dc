"""Many annotators asking for work at once, on PostgreSQL with real transactions."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone
from locks import Running, held, until, waiting_on_locks

from annotation.models import Annotation, Assignment
from annotation.schema import BASIC7
from annotation.services.assignment import assignment_next, assignments_reclaim_expired
from annotation.services.submission import annotation_submit
from clips.models import Clip
from factories import ProjectFactory, member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N_CLIPS, K, N_ANNOTATORS = 200, 3, 60
ABANDON_RATE = 0.1


def test_parallel_annotators_never_break_the_assignment_rules():
    project = ProjectFactory(overlap_k=K)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"c{i:04d}", media_status="ready", duration_s=3.0)
        for i in range(N_CLIPS)
    )
    users = [member(project, "annotator") for _ in range(N_ANNOTATORS)]
    violations: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    start = threading.Barrier(N_ANNOTATORS + 1)

    def monitor() -> None:
        """Watches the live state while the annotators work."""
        try:
            while not stop.is_set():
                over = (
                    Clip.objects.filter(project=project)
                    .annotate(
                        live=Count(
                            "assignments",
                            filter=Q(assignments__status="active", assignments__layer=1),
                        )
                    )
                    .filter(Q(live__gt=K) | Q(layer1_count__gt=K) | Q(live__gt=F("layer1_open")))
                )
                violations.extend(f"{c.external_id}: live={c.live}" for c in over)
        finally:
            connection.close()

    def annotate(user, seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            while (lease := assignment_next(user=user, project=project)) is not None:
                if rng.random() < ABANDON_RATE:  # walks away: the lease lapses
                    Assignment.objects.filter(pk=lease.pk).update(
                        expires_at=timezone.now() - timedelta(seconds=1)
                    )
                    continue
                label = rng.choice(BASIC7)[0]
                payload = {"basic7": label, "goemotions": ["neutral"], "intensity": 3}
                annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)
        finally:
            connection.close()

    watcher = threading.Thread(target=monitor)
    workers = [threading.Thread(target=annotate, args=(u, i)) for i, u in enumerate(users)]
    watcher.start()
    for thread in workers:
        thread.start()
    start.wait()
    for thread in workers:
        thread.join()
    stop.set()
    watcher.join()
    assert not errors, errors[0]
    assert not violations, violations[:5]

    # Leases abandoned at the very end lapse too; then everyone asks once more.
    assignments_reclaim_expired()
    for user in users:
        while (lease := assignment_next(user=user, project=project)) is not None:
            annotation_submit(
                assignment_id=lease.pk,
                user=user,
                payload={"basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
            )

    per_clip = Counter(
        Annotation.objects.filter(status="submitted").values_list("clip_id", flat=True)
    )
    assert len(per_clip) == N_CLIPS
    assert set(per_clip.values()) == {K}, "every clip has exactly k submissions"
    pairs = Counter(Annotation.objects.values_list("clip_id", "annotator_id"))
    assert max(pairs.values()) == 1, "nobody labelled a clip twice"
    assert not Assignment.objects.filter(status="active").exists(), "nothing left stuck"
    clips = Clip.objects.filter(project=project)
    assert set(clips.values_list("layer1_count", "layer1_open")) == {(K, 0)}
    assert not clips.filter(stage__in=["layer1", "aggregating"]).exists(), "all routed"
    assert Assignment.objects.filter(status="expired").exists(), "the abandon path ran"


def test_a_locked_row_is_not_an_empty_queue():
    """20 annotators asking at once for 4 clips with k=5 all get one: a claimer that finds
    every free clip locked by another claimer waits for it instead of answering "no clip"."""
    project = ProjectFactory(overlap_k=5)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"q{i}", media_status="ready", duration_s=3.0)
        for i in range(4)
    )
    users = [member(project, "annotator") for _ in range(20)]
    start = threading.Barrier(len(users))
    leases: dict[int, int | None] = {}
    errors: list[BaseException] = []

    def ask(user) -> None:
        try:
            start.wait()
            lease = assignment_next(user=user, project=project)
            leases[user.pk] = lease.clip_id if lease else None
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    told_nothing = [pk for pk, clip in leases.items() if clip is None]
    assert not told_nothing, f"{len(told_nothing)} annotators were told no clip is waiting"
    assert Counter(leases.values()) == dict.fromkeys(
        Clip.objects.filter(project=project).values_list("pk", flat=True), 5
    )


@pytest.mark.parametrize("filled", [1, 2])
def test_a_claimer_waits_for_a_row_locked_mid_submit_then_rechecks_it(filled):
    """The only clip is locked by a transaction that takes slots on it: the claimer waits,
    then judges the committed row: one slot left is theirs, none left is "nothing waiting"."""
    project = ProjectFactory(overlap_k=2)
    clip = Clip.objects.create(
        project=project, external_id="one", media_status="ready", duration_s=3.0
    )
    second = member(project, "annotator")
    outcome: dict[str, object] = {}
    locked, release = threading.Event(), threading.Event()

    def holder() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                Clip.objects.select_for_update().get(pk=clip.pk)
                locked.set()
                release.wait()
                Clip.objects.filter(pk=clip.pk).update(layer1_count=filled)
        finally:
            connection.close()

    def claimer() -> None:
        try:
            lease = assignment_next(user=second, project=project)
            outcome["lease"] = lease.clip_id if lease else None
        finally:
            connection.close()

    hold = threading.Thread(target=holder)
    hold.start()
    locked.wait()
    ask = threading.Thread(target=claimer)
    ask.start()
    # Let the holder commit only once the claimer is waiting on its row lock (or has given up).
    while ask.is_alive() and not waiting_on_locks():
        threading.Event().wait(0.01)
    waited = ask.is_alive()
    release.set()
    hold.join()
    ask.join()
    assert waited, "the claimer answered without waiting for the locked row"
    assert outcome["lease"] == (clip.pk if filled < 2 else None)


def test_remaining_for_you_holds_still_while_the_same_clip_is_claimed_and_lapses():
    """The count read the candidates and the open clip in two statements: a claim committing
    between them counted one clip twice (CI saw "Remaining for you: 3" with two clips)."""
    from annotation.selectors import remaining_for

    project = ProjectFactory(overlap_k=1)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"r{i}", media_status="ready", duration_s=3.0)
        for i in range(2)
    )
    user = member(project, "annotator")
    seen: Counter[int] = Counter()
    errors: list[BaseException] = []
    done = threading.Event()

    def claim_and_lapse() -> None:
        try:
            for _ in range(150):
                lease = assignment_next(user=user, project=project)
                Assignment.objects.filter(pk=lease.pk).update(
                    expires_at=timezone.now() - timedelta(seconds=1)
                )
                assignments_reclaim_expired(project=project)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    def count() -> None:
        try:
            while not done.is_set():
                seen[remaining_for(user, project)] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_and_lapse), threading.Thread(target=count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert seen.total() > 50, seen
    assert set(seen) == {2}, seen


def test_one_users_simultaneous_claims_get_one_lease():
    """The claim on PostgreSQL is one statement without the membership lock's wait: the same
    user's claims take turns on their membership row instead, and a claim that lost its turn
    is asked again and finds the lease the other one took (never a second clip)."""
    project = ProjectFactory(overlap_k=3)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"t{i}", media_status="ready", duration_s=3.0)
        for i in range(20)
    )
    user = member(project, "annotator")
    for _ in range(5):
        start = threading.Barrier(8)
        got: list[int | None] = []
        errors: list[BaseException] = []

        def ask(start=start, got=got, errors=errors) -> None:  # type: ignore[no-untyped-def]
            try:
                start.wait()
                lease = assignment_next(user=user, project=project)
                got.append(lease.pk if lease else None)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[0]
        (lease_id,) = set(got)
        assert Assignment.objects.filter(user=user, status="active").count() == 1
        annotation_submit(
            assignment_id=lease_id,
            user=user,
            payload={"basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
        )
    assert set(Clip.objects.values_list("layer1_open", flat=True)) == {0}


def test_chunks_racing_on_one_trace_are_stored_once_and_conflicts_store_nothing():
    """The chunk upload is one statement without a transaction around it: requests racing on
    the same trace still store each seq once, count it once, and a request whose seq arrived
    meanwhile with other samples is refused whole (its other chunks are not stored)."""
    from annotation.errors import Conflict
    from annotation.models import Trace, TraceChunk
    from annotation.services.traces import trace_start, trace_store_chunks
    from factories import ClipFactory

    rate = 25
    project = ProjectFactory()
    ClipFactory(project=project, kind="stream", duration_s=120.0)
    user = member(project, "annotator")
    lease = assignment_next(user=user, project=project)
    trace = trace_start(assignment_id=lease.pk, user=user)

    def chunk(seq: int, level: float) -> dict:
        return {"seq": seq, "t0": seq * 1.0, "samples": [[level, level]] * rate}

    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []

    def send(body: list[dict], start: threading.Barrier) -> None:
        try:
            start.wait()
            trace_store_chunks(trace_id=trace.pk, user=user, raw_chunks=body)
            outcomes["stored"] += 1
        except Conflict:
            outcomes["conflict"] += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    for round_ in range(10):
        start = threading.Barrier(4)
        same = [chunk(round_, 0.5)]  # two replays of one chunk
        clash = [
            [chunk(20 + round_, 0.1), chunk(40 + 2 * round_, 0.1)],  # the same seq with
            [chunk(20 + round_, 0.9), chunk(41 + 2 * round_, 0.9)],
        ]  # other samples
        threads = [threading.Thread(target=send, args=(b, start)) for b in [same, same, *clash]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[0]
    stored = set(TraceChunk.objects.filter(trace=trace).values_list("seq", flat=True))
    assert stored >= set(range(10))
    for round_ in range(10):  # one of each clashing pair, whole, and nothing of the other
        assert 20 + round_ in stored
        assert len(stored & {40 + 2 * round_, 41 + 2 * round_}) == 1
    assert outcomes["conflict"] == 10
    trace = Trace.objects.get(pk=trace.pk)
    assert (trace.chunk_count, trace.sample_count) == (len(stored), len(stored) * rate)
    assert trace.acked_seq == 9  # 10-19 were never sent


def test_a_correction_and_a_decision_at_once_on_a_disputed_clip_do_not_deadlock():
    """Found in review: a decision locked its lease, then the clip; a correction locks the
    clip, then ends the clip's lease. Queued behind the same clip, the correction first,
    they deadlocked (one of them a 500). Now both take the clip first: the correction sends
    the clip back to routing and the decision, its lease ended, is a conflict."""
    from annotation.errors import Conflict
    from annotation.services.adjudication import adjudication_decide
    from annotation.services.assignment import adjudication_next
    from annotation.services.submission import annotation_correct
    from factories import ClipFactory

    project = ProjectFactory(overlap_k=2)
    clip = ClipFactory(project=project)
    first, second = member(project, "annotator"), member(project, "annotator")
    for user, label in ((first, "Joy"), (second, "Anger")):
        lease = assignment_next(user=user, project=project)
        annotation_submit(
            assignment_id=lease.pk,
            user=user,
            payload={"basic7": label, "goemotions": ["joy"], "intensity": 3},
        )
    clip.refresh_from_db()
    assert clip.stage == "disputed"
    judge = member(project, "adjudicator")
    decision = adjudication_next(user=judge, project=project)
    mine = Annotation.objects.get(clip=clip, annotator=first)

    def correct() -> str:
        labels = {"basic7": "Anger", "goemotions": ["anger"], "intensity": 3}
        annotation_correct(annotation_id=mine.pk, user=first, payload=labels)
        return "corrected"

    def decide() -> str:
        try:
            adjudication_decide(
                assignment_id=decision.pk,
                user=judge,
                payload={"basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
                rationale="heard it",
            )
        except Conflict:
            return "conflict"
        return "decided"

    with held(Clip.objects.filter(pk=clip.pk)):
        correcting = Running(correct)
        until(lambda: waiting_on_locks() >= 1)
        deciding = Running(decide)
        until(lambda: waiting_on_locks() >= 2 or not deciding.alive())
    assert correcting.join() == ["corrected"]
    assert deciding.join() == ["conflict"]
    clip.refresh_from_db()
    assert clip.stage == "gold"  # both labels now say Anger


def test_a_decision_committed_while_the_rule_changes_stands():
    """A new routing rule routes again the clips not decided by an adjudicator: a decision
    held open meanwhile is waited for (it locks the project's row with its lease) and
    stands, never replaced by the rule's gold."""
    from django.db import transaction

    from annotation.models import GoldLabel
    from annotation.services.adjudication import adjudication_decide
    from annotation.services.assignment import adjudication_next
    from annotation.services.projects import project_settings_update
    from factories import ClipFactory

    project = ProjectFactory(overlap_k=2)
    clip = ClipFactory(project=project)
    for label in ("Joy", "Anger"):
        user = member(project, "annotator")
        lease = assignment_next(user=user, project=project)
        payload = {"basic7": label, "goemotions": ["joy"], "intensity": 3}
        annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
    judge, admin = member(project, "adjudicator"), member(project, "admin")
    decision = adjudication_next(user=judge, project=project)
    decided, release = threading.Event(), threading.Event()

    def decide() -> None:
        with transaction.atomic():
            adjudication_decide(
                assignment_id=decision.pk,
                user=judge,
                payload={"basic7": "Joy", "goemotions": ["joy"], "intensity": 3},
                rationale="heard it",
            )
            decided.set()
            release.wait()

    deciding = Running(decide)
    decided.wait()
    rule = {**project.routing_rule, "min_confidence": 0.5}
    changing = Running(
        lambda: project_settings_update(
            project=project, actor=admin, changes={"routing_rule": rule}
        )
    )
    until(lambda: waiting_on_locks() >= 1 or not changing.alive())
    release.set()
    deciding.join()
    changing.join()
    clip.refresh_from_db()
    assert clip.stage == "gold"
    assert GoldLabel.objects.get(clip=clip, is_current=True).provenance == "adjudicated"


LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _held_open(call, done: threading.Event, release: threading.Event):  # type: ignore[no-untyped-def]
    """``call`` in a transaction of its own that stays open until ``release``."""
    from django.db import transaction

    def run() -> None:
        with transaction.atomic():
            call()
            done.set()
            release.wait()

    return Running(run)


def test_submits_in_one_project_go_side_by_side():
    """Issue 17: every submit locked its project's row (FOR UPDATE through select_related), so
    a project's submits took turns. A submit held open must not hold up another's."""
    project = ProjectFactory(overlap_k=3)
    Clip.objects.bulk_create(
        Clip(project=project, external_id=f"c{i}", media_status="ready", duration_s=3.0)
        for i in range(2)
    )
    first, second = member(project, "annotator"), member(project, "annotator")
    leases = [assignment_next(user=user, project=project) for user in (first, second)]
    done, release = threading.Event(), threading.Event()
    holding = _held_open(
        lambda: annotation_submit(assignment_id=leases[0].pk, user=first, payload=LABELS),
        done,
        release,
    )
    try:
        done.wait()
        submitting = Running(
            lambda: annotation_submit(assignment_id=leases[1].pk, user=second, payload=LABELS)
        )
        until(lambda: not submitting.alive() or waiting_on_locks() >= 1)
        assert waiting_on_locks() == 0, "the second submit waits for the first"
        submitting.join()
    finally:
        release.set()
        holding.join()
    assert Annotation.objects.filter(clip__project=project).count() == 2


def test_a_submit_waits_for_a_settings_change_and_routes_by_it():
    """The other half: a submit sees the settings a change commits meanwhile. k lowered from 3
    to 2 while the second label is submitted: the clip goes to routing. Had the submit read
    k = 3, the clip would stay in layer 1 with 2 labels, and the change's re-routing, which
    counted 1, would leave it there: never served again, never routed."""
    from annotation.services.projects import project_settings_update
    from factories import ClipFactory

    project = ProjectFactory(overlap_k=3)
    clip = ClipFactory(project=project)
    first, second = member(project, "annotator"), member(project, "annotator")
    admin = member(project, "admin")
    lease = assignment_next(user=first, project=project)
    annotation_submit(assignment_id=lease.pk, user=first, payload=LABELS)
    lease = assignment_next(user=second, project=project)
    done, release = threading.Event(), threading.Event()
    changing = _held_open(
        lambda: project_settings_update(project=project, actor=admin, changes={"overlap_k": 2}),
        done,
        release,
    )
    try:
        done.wait()
        submitting = Running(
            lambda: annotation_submit(assignment_id=lease.pk, user=second, payload=LABELS)
        )
        until(lambda: waiting_on_locks() >= 1 or not submitting.alive())
        assert submitting.alive(), "the submit did not wait for the settings change"
    finally:
        release.set()
        changing.join()
    submitting.join()
    clip.refresh_from_db()
    assert clip.stage == "gold", clip.stage  # two Joy labels under k = 2
