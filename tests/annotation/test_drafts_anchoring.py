"""The anchoring figure on the platform (issue 19's must-show): simulated annotators work a
project through the services with model drafts pre-filled on a random half of the claims, and
take a shown draft unchanged with a known probability (the bias). The report's estimator
(``annotation.quality.anchoring``, via ``drafts_report``) must recover that bias.

Seeded and deterministic; run with ``-s`` to print the figure."""

import json

import numpy as np
import pytest

from annotation.models import Annotation
from annotation.schema import BASIC7
from annotation.selectors.drafts import drafts_report
from annotation.services.assignment import assignment_next
from annotation.services.drafts import (
    Provenance,
    draft_serve,
    drafts_import_files,
    project_drafts_set,
)
from annotation.services.submission import annotation_submit
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

CLASSES = [value for value, _ in BASIC7]
N_CLIPS, BIAS, SHARE = 2000, 0.3, 0.5
MODEL_ACCURACY, ANNOTATOR_ACCURACY = 0.75, 0.7


def _noisy(rng: np.random.Generator, truth: int, accuracy: float) -> str:
    if rng.random() < accuracy:
        return CLASSES[truth]
    return CLASSES[(truth + int(rng.integers(1, len(CLASSES)))) % len(CLASSES)]


def test_the_report_recovers_a_known_draft_bias(tmp_path):
    rng = np.random.default_rng(19)
    project = ProjectFactory(overlap_k=1)
    truth = rng.integers(len(CLASSES), size=N_CLIPS)
    rows = []
    for i in range(N_CLIPS):
        ClipFactory(project=project, external_id=f"c{i:04d}")
        model = _noisy(rng, int(truth[i]), MODEL_ACCURACY)
        rows.append({"clip_id": f"c{i:04d}", "basic7": model, "goemotions": ["neutral"],
                     "intensity": 3})  # fmt: skip
    path = tmp_path / "model.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    run, _ = drafts_import_files(project=project, paths=[path], provenance=Provenance("sim"))
    project_drafts_set(
        project=project, actor=member(project, "admin"), mode="prefill", run_id=run.pk,
        share=SHARE,
    )  # fmt: skip
    people = [member(project, "annotator", f"sim{j}") for j in range(3)]
    index = {f"c{i:04d}": i for i in range(N_CLIPS)}
    while True:
        user = people[int(rng.integers(len(people)))]
        lease = assignment_next(user=user, project=project)
        if lease is None:
            break
        draft = draft_serve(assignment=lease, project=project)
        if draft is not None and rng.random() < BIAS:
            payload = draft  # taken unchanged
        else:
            own = _noisy(rng, int(truth[index[lease.clip.external_id]]), ANNOTATOR_ACCURACY)
            payload = {"basic7": own, "goemotions": ["neutral"], "intensity": 3}
        annotation_submit(assignment_id=lease.pk, user=user, payload=payload)
    assert Annotation.objects.count() == N_CLIPS
    report = drafts_report(project, run)
    figure = report["layers"]["basic7"]["anchoring"]
    low, high = figure["adoption_interval"]
    print(
        f"\nanchoring on the platform: {N_CLIPS} annotations, drafts shown on "
        f"{figure['n_shown']} (share {SHARE}), true bias {BIAS}\n"
        f"  agreement with the model: shown {figure['agree_shown']:.3f}, hidden "
        f"{figure['agree_hidden']:.3f}, effect {figure['effect']:+.3f} "
        f"[{figure['effect_interval'][0]:+.3f}, {figure['effect_interval'][1]:+.3f}]\n"
        f"  recovered bias (adoption) {figure['adoption']:.3f} [{low:.3f}, {high:.3f}] "
        f"(95%); drafts taken unchanged: {report['accepted']} of {report['shown']}"
    )
    assert low <= BIAS <= high
    assert abs(figure["adoption"] - BIAS) < 0.1
    # The taken drafts are exactly what the server recorded as accepted.
    assert report["accepted"] == Annotation.objects.filter(draft_accepted=True).count() > 0
