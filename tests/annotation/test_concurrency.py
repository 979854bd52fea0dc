"""Many annotators asking for work at once, on PostgreSQL with real transactions."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

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
