"""Replay existing labels through the platform's services under adaptive overlap, as
annotation/quality/replay.py replays them through the pure engine: shared by the test
(simulated labels) and the CH-SIMS v2 benchmark. Same seed, same random stream: the clips are
created in the replay's shuffled order (so the claim's ties by id fall as the pure engine's
by index), and each step the same random annotator, among those with a clip left, claims."""

from typing import Any

import numpy as np

from annotation.models import GoldLabel
from annotation.quality.replay import ReplayResult
from annotation.schema import default_label_schema
from annotation.selectors import layer1_candidates
from annotation.services.assignment import assignment_next
from annotation.services.overlap import overlap_refit_if_due
from annotation.services.submission import annotation_submit
from clips.models import Clip
from factories import ProjectFactory, member


def basic7_only() -> tuple[dict[str, Any], list[str]]:
    """A schema of the Basic-7 layer alone, without "Unsure" (the pure replay's 7 classes)."""
    layer = {**default_label_schema()["layers"][0], "allow_unsure": False}
    return {"version": 1, "layers": [layer]}, [label["value"] for label in layer["labels"]]


def platform_replay(
    labels: np.ndarray, overlap: dict[str, Any], *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Serve ``labels`` (clips x annotators, codes of ``basic7_only``'s classes, no gaps)
    through the services; (given codes, gold codes with -1 for disputed) in source order."""
    schema, classes = basic7_only()
    rng = np.random.default_rng(seed)
    order = rng.permutation(labels.shape[0])
    project = ProjectFactory(label_schema=schema, overlap=overlap, overlap_k=overlap["k_max"])
    Clip.objects.bulk_create(
        [Clip(project=project, external_id=f"clip-{i:05d}", media_status=Clip.MediaStatus.READY,
              duration_s=4.0) for i in order]
    )  # fmt: skip
    source = dict(
        zip(Clip.objects.filter(project=project).order_by("pk").values_list("pk", flat=True),
            order.tolist(), strict=True)
    )  # fmt: skip
    people = [member(project, "annotator", f"a{j + 1}") for j in range(labels.shape[1])]
    given = np.full_like(labels, -1)
    while True:
        workers = [j for j, who in enumerate(people) if layer1_candidates(who, project).exists()]
        if not workers:
            if overlap_refit_if_due(project=project):  # the last word may reopen clips
                continue
            break
        j = int(rng.choice(workers))
        lease = assignment_next(user=people[j], project=project)
        assert lease is not None
        i = source[lease.clip_id]
        payload = {"basic7": classes[labels[i, j]]}
        annotation_submit(assignment_id=lease.pk, user=people[j], payload=payload)
        given[i, j] = labels[i, j]
        overlap_refit_if_due(project=project)
    gold = np.full(labels.shape[0], -1)
    for clip_id, payload in GoldLabel.objects.filter(
        clip__project=project, is_current=True
    ).values_list("clip_id", "payload"):
        gold[source[clip_id]] = classes.index(payload["basic7"])
    return given, gold


def pure_gold(result: ReplayResult, threshold: float) -> np.ndarray:
    """The platform's rule on the pure replay's final model: its label where its posterior
    reaches the threshold, disputed (-1) elsewhere."""
    return np.where(result.confidence >= threshold, result.ds_labels, -1)
