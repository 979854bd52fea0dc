"""A project with a Self-Assessment Manikin layer through the services: claim, submit three
times, routing (the gold carries the per-dimension lower median), the agreement report and the
dashboard's figures per dimension, the release tables' three columns and the score command's
block per dimension."""

import json
from statistics import median_low

import numpy as np
import pyarrow.parquet as pq
import pytest
from published import release_dir
from rest_framework.test import APIClient
from scipy.stats import pearsonr

from annotation.errors import Invalid
from annotation.models import AgreementReport, GoldLabel
from annotation.schema import default_label_schema
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
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)  # routing and builds start on commit

DIMS = ("valence", "arousal", "dominance")
GPT = Provenance("gpt-x", "2025-01", "prompt-7")
SAM_LAYER = {"name": "sam", "type": "sam", "title": {"en": "SAM", "zh": "自评小人"},
             "required": True}  # fmt: skip
# Per clip, the three annotators' (valence, arousal, dominance).
RATINGS = [
    [(7, 3, 5), (8, 3, 6), (7, 4, 5)],
    [(2, 8, 3), (1, 7, 3), (3, 8, 2)],
    [(5, 5, 5), (5, 6, 4), (4, 5, 5)],
    [(9, 2, 7), (8, 1, 8), (9, 3, 7)],
]


@pytest.fixture
def project(media_root):
    schema = default_label_schema()
    return ProjectFactory(
        slug="sam-study", label_schema={**schema, "layers": [*schema["layers"], SAM_LAYER]}
    )


def _payload(sam: dict) -> dict:
    return {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3, "sam": sam}


def test_a_sam_project_from_claim_to_release(project):
    users = [member(project, "annotator") for _ in range(3)]
    clips = [ClipFactory(project=project) for _ in RATINGS]

    wrong = assignment_next(user=users[0], project=project)
    with pytest.raises(Invalid) as caught:
        annotation_submit(
            assignment_id=wrong.pk, user=users[0],
            payload=_payload({"valence": 7, "arousal": 12, "dominance": 5}),
        )  # fmt: skip
    assert caught.value.field.endswith("sam.arousal")

    for _ in clips:
        for i, user in enumerate(users):
            assignment = assignment_next(user=user, project=project)
            values = dict(zip(DIMS, RATINGS[clips.index(assignment.clip)][i], strict=True))
            annotation_submit(assignment_id=assignment.pk, user=user, payload=_payload(values))
    assert all(assignment_next(user=user, project=project) is None for user in users)

    for clip, ratings in zip(clips, RATINGS, strict=True):
        gold = GoldLabel.objects.get(clip=clip)
        expected = {d: median_low(r[j] for r in ratings) for j, d in enumerate(DIMS)}
        assert gold.payload["sam"] == expected

    report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    sam = report.report["layers"]["sam"]
    assert sam["n_items"] == 4
    for dim in DIMS:
        assert sam["dimensions"][dim]["icc_a1_n_items"] == 4
        assert sam["dimensions"][dim]["krippendorff_alpha_interval"] > 0.5
    api = APIClient()
    api.force_authenticate(member(project, "admin"))
    body = api.get(f"/api/projects/{project.slug}/dashboard/agreement/").json()
    values = body["reports"][-1]["values"]
    for dim in DIMS:
        assert values[f"sam.{dim}.icc_a1"] == pytest.approx(sam["dimensions"][dim]["icc_a1"])
    labels = {f["key"]: f["label"] for f in body["figures"]}
    assert labels["sam.arousal.icc_a1"] == "SAM · arousal · ICC(A,1)"

    release = release_create(project=project, version="1.0.0")
    release.refresh_from_db()
    assert release.status == "published"
    gold_table = pq.read_table(release_dir(release) / "data" / "gold.parquet")
    columns = [f"sam_{d}" for d in DIMS]
    assert set(columns) <= set(gold_table.column_names)
    rows = gold_table.select(["clip_id", *columns]).to_pylist()
    by_clip = {row["clip_id"]: [row[c] for c in columns] for row in rows}
    for clip in clips:
        gold = GoldLabel.objects.get(clip=clip).payload["sam"]
        assert by_clip[clip.external_id] == [gold[d] for d in DIMS]
    labels_table = pq.read_table(release_dir(release) / "data" / "labels.parquet")
    assert str(labels_table.schema.field("sam_valence").type) == "int64"
    assert sorted(labels_table.column("sam_valence").to_pylist()) == sorted(
        r[0] for ratings in RATINGS for r in ratings
    )

    # The score command's block for the layer: per dimension against the gold.
    folder = release_dir(release)
    sizes = {s: len((folder / "splits" / f"{s}.txt").read_text().split())
             for s in ("train", "validation", "test")}  # fmt: skip
    split = max(sizes, key=sizes.__getitem__)
    in_split = (folder / "splits" / f"{split}.txt").read_text().split()
    assert len(in_split) >= 3  # the split by source video keeps most clips in train
    offsets = [0.5, -1.0, 2.0, 0.0]
    predictions = folder.parent / "sam-predictions.jsonl"
    predictions.write_text(
        "\n".join(
            json.dumps({"clip_id": clip_id, "sam": {d: by_clip[clip_id][j] + offsets[k % 4] + j
                                                   for j, d in enumerate(DIMS)}})
            for k, clip_id in enumerate(in_split)
        )
    )  # fmt: skip
    block = score(folder, predictions, split=split)["sam"]
    for j, dim in enumerate(DIMS):
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


def test_model_drafts_of_a_sam_layer_are_compared_and_their_anchoring_measured(project, tmp_path):
    """Drafts shown on about half the claims: the report compares each annotator with the
    model on the manikin (the share of identical triples) and measures the anchoring."""
    clips = [ClipFactory(project=project, external_id=f"c{i}") for i in range(40)]
    model = {"valence": 5, "arousal": 5, "dominance": 5}
    path = tmp_path / "drafts.jsonl"
    path.write_text("\n".join(json.dumps({"clip_id": c.external_id, "sam": model}) for c in clips))
    run, _ = drafts_import_files(project=project, paths=[path], provenance=GPT)
    project_drafts_set(project=project, actor=member(project, "admin"), mode="prefill",
                       run_id=run.pk, share=0.5)  # fmt: skip
    project.overlap_k = 1
    project.save()
    user = member(project, "annotator", "a")
    taken = same = 0
    for i in range(40):
        lease = assignment_next(user=user, project=project)
        served = draft_serve(assignment=lease, project=project)
        # shown: take the draft; hidden: rate one point up on valence every other time
        sam = model if served is not None else {**model, "valence": 5 + i % 2}
        taken += served is not None
        same += sam == model
        annotation_submit(assignment_id=lease.pk, user=user, payload=_payload(sam))
    sam_report = drafts_report(project, run)["layers"]["sam"]
    figures = sam_report["annotators"]["a"]
    assert figures["n"] == 40
    assert figures["agreement"] == pytest.approx(same / 40) and same < 40
    anchoring = sam_report["anchoring"]
    assert (anchoring["n_shown"], anchoring["n_hidden"]) == (taken, 40 - taken)
    assert anchoring["agree_shown"] == 1.0 and anchoring["agree_hidden"] < 1.0
