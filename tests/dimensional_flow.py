"""A project with a layer of a dimensional type (several ordinal dimensions on one 1-9 scale:
``annotation.domain.layers.dimensional``) through the services, whatever the type: claim, a
refused submit naming the dimension, three submits per clip, routing (the gold carries each
dimension's lower median), the agreement report and the dashboard's figures per dimension,
the release tables' column per dimension and the score command's block per dimension; model
drafts of the layer compared with the annotators, and their anchoring measured."""

import json
from pathlib import Path
from statistics import median_low

import numpy as np
import pyarrow.parquet as pq
import pytest
from published import release_dir
from rest_framework.test import APIClient
from scipy.stats import pearsonr

from annotation.errors import Invalid
from annotation.models import AgreementReport, GoldLabel, Project
from annotation.selectors.drafts import drafts_report
from annotation.services.agreement import agreement_report_run
from annotation.services.assignment import assignment_next
from annotation.services.drafts import (
    Provenance,
    draft_serve,
    drafts_import_files,
    project_drafts_set,
)
from annotation.services.submission import annotation_submit
from exports.pipeline.evaluation import score
from exports.services import release_create
from factories import ClipFactory, member

BASE = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}  # the default schema's layers


def claim_to_score(
    project: Project, layer: str, title: str, ratings: list[list[dict[str, int]]]
) -> None:
    """``ratings``: per clip, the three annotators' values of the ``layer`` (titled ``title``
    in English), every dimension in each, in the type's order."""
    dims = list(ratings[0][0])
    users = [member(project, "annotator") for _ in range(3)]
    clips = [ClipFactory(project=project) for _ in ratings]

    wrong = assignment_next(user=users[0], project=project)
    with pytest.raises(Invalid) as caught:
        annotation_submit(
            assignment_id=wrong.pk, user=users[0],
            payload={**BASE, layer: {**ratings[0][0], dims[-1]: 12}},
        )  # fmt: skip
    assert caught.value.field.endswith(f"{layer}.{dims[-1]}")

    for _ in clips:
        for i, user in enumerate(users):
            assignment = assignment_next(user=user, project=project)
            payload = {**BASE, layer: ratings[clips.index(assignment.clip)][i]}
            annotation_submit(assignment_id=assignment.pk, user=user, payload=payload)
    assert all(assignment_next(user=user, project=project) is None for user in users)

    for clip, given in zip(clips, ratings, strict=True):
        gold = GoldLabel.objects.get(clip=clip)
        assert gold.payload[layer] == {d: median_low(r[d] for r in given) for d in dims}

    report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    figures = report.report["layers"][layer]
    assert figures["n_items"] == len(clips)
    assert set(figures["dimensions"]) == set(dims)
    for dim in dims:
        assert figures["dimensions"][dim]["icc_a1_n_items"] == len(clips)
        assert figures["dimensions"][dim]["krippendorff_alpha_interval"] > 0.5
    api = APIClient()
    api.force_authenticate(member(project, "admin"))
    body = api.get(f"/api/projects/{project.slug}/dashboard/agreement/").json()
    values = body["reports"][-1]["values"]
    labels = {f["key"]: f["label"] for f in body["figures"]}
    for dim in dims:
        key = f"{layer}.{dim}.icc_a1"
        assert values[key] == pytest.approx(figures["dimensions"][dim]["icc_a1"])
        assert labels[key] == f"{title} · {dim} · ICC(A,1)"

    release = release_create(project=project, version="1.0.0")
    release.refresh_from_db()
    assert release.status == "published"
    folder = release_dir(release)
    columns = [f"{layer}_{d}" for d in dims]
    gold_table = pq.read_table(folder / "data" / "gold.parquet").select(["clip_id", *columns])
    by_clip = {row["clip_id"]: [row[c] for c in columns] for row in gold_table.to_pylist()}
    for clip in clips:
        gold = GoldLabel.objects.get(clip=clip).payload[layer]
        assert by_clip[clip.external_id] == [gold[d] for d in dims]
    labels_table = pq.read_table(folder / "data" / "labels.parquet")
    for j, column in enumerate(columns):
        assert str(labels_table.schema.field(column).type) == "int64"
        assert sorted(labels_table.column(column).to_pylist()) == sorted(
            r[dims[j]] for given in ratings for r in given
        )

    # The score command's block for the layer: per dimension against the gold.
    sizes = {s: len((folder / "splits" / f"{s}.txt").read_text().split())
             for s in ("train", "validation", "test")}  # fmt: skip
    split = max(sizes, key=sizes.__getitem__)
    in_split = (folder / "splits" / f"{split}.txt").read_text().split()
    assert len(in_split) >= 3  # the split by source video keeps most clips in train
    offsets = [0.5, -1.0, 2.0, 0.0]
    predictions = folder.parent / f"{layer}-predictions.jsonl"
    predictions.write_text(
        "\n".join(
            json.dumps({"clip_id": clip_id, layer: {d: by_clip[clip_id][j] + offsets[k % 4] + j
                                                    for j, d in enumerate(dims)}})
            for k, clip_id in enumerate(in_split)
        )
    )  # fmt: skip
    block = score(folder, predictions, split=split)[layer]
    for j, dim in enumerate(dims):
        truth = np.array([by_clip[c][j] for c in in_split], dtype=float)
        guess = truth + np.array([offsets[k % 4] for k in range(len(in_split))]) + j
        lin = (
            2
            * np.cov(truth, guess, bias=True)[0, 1]
            / (truth.var() + guess.var() + (truth.mean() - guess.mean()) ** 2)
        )
        assert block[dim]["n"] == len(in_split) and block[dim]["n_missing"] == 0
        assert block[dim]["mae"] == pytest.approx(np.abs(guess - truth).mean(), abs=1e-6)
        assert block[dim]["ccc"] == pytest.approx(lin, abs=1e-6)
        assert block[dim]["pearson"] == pytest.approx(pearsonr(truth, guess)[0], abs=1e-6)


def drafts_compared(project: Project, layer: str, dims: list[str], folder: Path) -> None:
    """A model run's drafts of the layer (the middle of the scale) shown on about half the
    claims of one annotator, who takes a shown draft and, on a hidden one, rates one point up
    on the first dimension every other time: the drafts report compares them (the share of
    identical values) and measures the anchoring."""
    clips = [ClipFactory(project=project, external_id=f"c{i}") for i in range(40)]
    model = dict.fromkeys(dims, 5)
    path = folder / "drafts.jsonl"
    path.write_text("\n".join(json.dumps({"clip_id": c.external_id, layer: model}) for c in clips))
    run, _ = drafts_import_files(
        project=project, paths=[path], provenance=Provenance("gpt-x", "2025-01", "prompt-7")
    )
    project_drafts_set(project=project, actor=member(project, "admin"), mode="prefill",
                       run_id=run.pk, share=0.5)  # fmt: skip
    project.overlap_k = 1
    project.save()
    user = member(project, "annotator", "a")
    taken = same = 0
    for i in range(40):
        lease = assignment_next(user=user, project=project)
        served = draft_serve(assignment=lease, project=project)
        value = model if served is not None else {**model, dims[0]: 5 + i % 2}
        taken += served is not None
        same += value == model
        annotation_submit(assignment_id=lease.pk, user=user, payload={**BASE, layer: value})
    report = drafts_report(project, run)["layers"][layer]
    figures = report["annotators"]["a"]
    assert figures["n"] == 40
    assert figures["agreement"] == pytest.approx(same / 40) and same < 40
    assert set(figures["dimensions"]) == set(dims)
    anchoring = report["anchoring"]
    assert (anchoring["n_shown"], anchoring["n_hidden"]) == (taken, 40 - taken)
    assert anchoring["agree_shown"] == 1.0 and anchoring["agree_hidden"] < 1.0
