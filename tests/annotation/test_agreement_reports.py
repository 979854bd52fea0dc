"""Agreement reports on the real EmoS data, the API and command around them, and the routing
evidence they feed (Dawid–Skene confidence, trace concordance)."""

import json
import statistics
from collections import Counter, defaultdict
from io import StringIO
from itertools import combinations
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from scipy.stats import entropy
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from annotation.models import AgreementReport, Annotation, GoldLabel, Project, Trace
from annotation.services.agreement import (
    agreement_report_run,
    ds_posterior,
    projects_needing_agreement,
    trace_concordance,
)
from annotation.services.routing import clip_route
from clips.models import Clip, Segment
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

EMOS = Path(__file__).resolve().parents[3] / "shared" / "emos"
BATCH1 = EMOS / "ch-simsv2" / "first-2500"


def votes_by_clip() -> dict[str, list[str]]:
    votes: dict[str, list[str]] = defaultdict(list)
    for sheet in sorted(BATCH1.glob("*.xlsx")):
        rows = openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True)
        header = next(rows)
        vid, cid, label = (header.index(n) for n in ("video_id", "clip_id", "basic-7-class"))
        for row in rows:
            if row[label]:
                votes[f"{row[vid]}/{row[cid]}"].append(str(row[label]).strip().lower())
    return votes


@pytest.fixture
def chsims():
    call_command(
        "import_labels", str(BATCH1), project="chsims", format="emos-xlsx",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    return Project.objects.get(slug="chsims")


def test_report_on_chsims_batch1_matches_independent_figures(chsims):
    out = StringIO()
    call_command("agreement", "chsims", "--json", stdout=out)
    report = json.loads(out.getvalue())
    basic7 = report["layers"]["basic7"]["overall"]

    votes = votes_by_clip()
    classes = sorted({v for vs in votes.values() for v in vs})
    table = np.array([[vs.count(c) for c in classes] for vs in votes.values()])
    assert basic7["fleiss_kappa"] == pytest.approx(sm_fleiss(table), abs=1e-6)
    unanimous = sum(len(set(vs)) == 1 for vs in votes.values())
    assert basic7["all_same"] == unanimous
    assert basic7["all_different"] == sum(len(set(vs)) == 3 for vs in votes.values())
    tiers = report["layers"]["basic7"]["dawid_skene"]["tiers"]
    assert sum(tiers.values()) == 2499 and tiers["high"] >= unanimous
    assert {a["annotator"] for a in report["layers"]["basic7"]["annotators"]} == {
        "a1@chsims", "a2@chsims", "a3@chsims",
    }  # fmt: skip
    goemotions = report["layers"]["goemotions"]["overall"]
    assert 0 < goemotions["jaccard_mean"] < 1
    assert goemotions["krippendorff_alpha_masi"] is not None

    text = StringIO()
    call_command("agreement", "chsims", stdout=text)
    assert "Fleiss κ" in text.getvalue() and "Krippendorff α (MASI)" in text.getvalue()
    assert AgreementReport.objects.filter(project=chsims, status="done").count() == 2


def sheets() -> dict[str, dict[str, tuple[str, frozenset[str]]]]:
    """annotator -> clip -> (Basic-7 label, GoEmotions set), read straight from the files."""
    out: dict[str, dict[str, tuple[str, frozenset[str]]]] = {}
    for sheet in sorted(BATCH1.glob("*.xlsx")):
        rows = openpyxl.load_workbook(sheet, read_only=True).active.iter_rows(values_only=True)
        header = next(rows)
        vid, cid, label, go = (
            header.index(n) for n in ("video_id", "clip_id", "basic-7-class", "goemotion")
        )
        out[sheet.stem] = {
            f"{row[vid]}/{row[cid]}": (
                str(row[label]).strip().lower(),
                frozenset(g.strip().lower() for g in str(row[go] or "").split(";") if g.strip()),
            )
            for row in rows
            if row[label]
        }
    return out


# EmoS's published First-2500 summaries (analysis_summary.json, goemotion_summary.json),
# printed to 5 decimals: equal means within one unit of the 5th.
EMOS_KAPPA = {("a1", "a2"): 0.49274, ("a1", "a3"): 0.48306, ("a2", "a3"): 0.50249}
EMOS_JACCARD = {("a1", "a2"): 0.34013, ("a1", "a3"): 0.36281, ("a2", "a3"): 0.37985}
EMOS_ROWS = 2500  # its GoEmotions summary also counts row 2500, blank in all three sheets


def test_dawid_skene_figures_agree_with_crowd_kit(chsims):
    """The independent check of the Dawid–Skene figures: crowd-kit's EM (which gives EmoS's
    published figures exactly) on the same votes. Ours smooths the confusion matrices
    (``smoothing=0.01``), so the two agree to within 0.005, not to the last digit."""
    import pandas as pd
    from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene

    out = StringIO()
    call_command("agreement", "chsims", "--json", stdout=out)
    basic7 = json.loads(out.getvalue())["layers"]["basic7"]
    data = sheets()
    clips = sorted(data["a1"])
    votes = pd.DataFrame(
        [(c, a, data[a][c][0]) for a in data for c in clips], columns=["task", "worker", "label"]
    )
    proba = CrowdKitDawidSkene(n_iter=100, tol=1e-6).fit_predict_proba(votes)
    confidence = proba.max(axis=1)
    assert confidence.mean() == pytest.approx(0.9158, abs=1e-4)  # EmoS's published figure
    ds = basic7["dawid_skene"]
    assert ds["confidence"]["mean"] == pytest.approx(confidence.mean(), abs=0.005)
    assert ds["confidence"]["median"] == pytest.approx(confidence.median(), abs=0.005)
    distinct = votes.groupby("task")["label"].nunique()
    for n in (1, 2, 3):
        theirs = confidence[distinct[distinct == n].index].mean()
        assert ds["confidence_by_distinct_labels"][str(n)] == pytest.approx(theirs, abs=0.01)
    labels = proba.idxmax(axis=1)
    for row in basic7["annotators"]:
        name = row["annotator"].split("@")[0]
        theirs = statistics.fmean(data[name][c][0] == labels[c] for c in clips)
        assert row["accuracy_vs_aggregate"] == pytest.approx(theirs, abs=0.005)


def test_report_on_chsims_batch1_equals_emos_published_figures(chsims):
    out = StringIO()
    call_command("agreement", "chsims", "--json", stdout=out)
    basic7 = json.loads(out.getvalue())["layers"]["basic7"]
    goemotions = json.loads(out.getvalue())["layers"]["goemotions"]
    data = sheets()
    clips = sorted(data["a1"])
    assert basic7["coverage"] == goemotions["coverage"] == {"min_ratings": 2, "n_items": 2499}

    overall = basic7["overall"]
    assert overall["fleiss_kappa"] == pytest.approx(0.48905, abs=1e-5)
    assert overall["all_same_ratio"] == pytest.approx(0.43898, abs=1e-5)
    assert overall["all_different_ratio"] == pytest.approx(0.11325, abs=1e-5)
    pairs = {(p["a"].split("@")[0], p["b"].split("@")[0]): p for p in basic7["cohen_kappa_pairs"]}
    assert set(pairs) == set(EMOS_KAPPA)
    for (a, b), published in EMOS_KAPPA.items():
        independent = cohen_kappa_score(
            [data[a][c][0] for c in clips], [data[b][c][0] for c in clips]
        )
        assert pairs[(a, b)]["n_items"] == 2499
        assert pairs[(a, b)]["kappa"] == pytest.approx(published, abs=1e-5)
        assert pairs[(a, b)]["kappa"] == pytest.approx(independent, abs=1e-6)
    ds = basic7["dawid_skene"]
    assert ds["confidence"]["mean"] == pytest.approx(0.9158, abs=0.005)
    assert ds["confidence"]["median"] == pytest.approx(0.96892, abs=0.005)
    assert ds["confidence_by_distinct_labels"] == {
        "1": pytest.approx(0.99757, abs=0.005),
        "2": pytest.approx(0.89213, abs=0.005),
        "3": pytest.approx(0.69218, abs=0.01),
    }

    votes = [Counter(data[a][c][0] for a in data) for c in clips]
    conflict, majority_of, minority_of = Counter(), Counter(), Counter()
    for v in votes:
        if len(v) > 1:
            conflict.update(v.keys())
        if sorted(v.values()) == [1, 2]:
            majority_of.update(k for k, n in v.items() if n == 2)
            minority_of.update(k for k, n in v.items() if n == 1)
    details = basic7["disagreement"]
    assert {k.lower(): n for k, n in details["conflict_involvement"].items() if n} == conflict
    assert {k.lower(): n for k, n in details["two_vs_one_majority"].items() if n} == majority_of
    assert {k.lower(): n for k, n in details["two_vs_one_minority"].items() if n} == minority_of
    assert conflict["neutral"] == 936 and majority_of["neutral"] == 405  # EmoS's figures

    for row in basic7["annotators"]:
        mine = Counter(v[0] for v in data[row["annotator"].split("@")[0]].values())
        assert {k.lower(): n for k, n in row["label_distribution"].items() if n} == mine
        assert row["entropy_bits"] == pytest.approx(entropy(list(mine.values()), base=2), 1e-6)
    accuracy = {
        a["annotator"].split("@")[0]: a["accuracy_vs_aggregate"] for a in basic7["annotators"]
    }
    assert accuracy == {
        "a1": pytest.approx(0.73870, abs=0.005),
        "a2": pytest.approx(0.79432, abs=0.005),
        "a3": pytest.approx(0.78952, abs=0.005),
    }

    go_pairs = {(p["a"].split("@")[0], p["b"].split("@")[0]): p for p in goemotions["pairs"]}
    for (a, b), published in EMOS_JACCARD.items():
        sets = [(data[a][c][1], data[b][c][1]) for c in clips]
        jaccard = [len(x & y) / len(x | y) if x | y else 1.0 for x, y in sets]
        got = go_pairs[(a, b)]
        assert got["jaccard_mean"] == pytest.approx(sum(jaccard) / len(jaccard), abs=1e-6)
        assert got["jaccard_median"] == pytest.approx(statistics.median(jaccard), abs=1e-6)
        assert got["overlap_ratio"] == pytest.approx(
            sum(bool(x & y) for x, y in sets) / len(sets), abs=1e-6
        )
        assert got["exact_match_ratio"] == pytest.approx(
            sum(x == y for x, y in sets) / len(sets), abs=1e-6
        )
        # EmoS's mean adds the blank row 2500 as two empty sets (Jaccard 1) over 2500 rows
        assert (got["jaccard_mean"] * 2499 + 1) / EMOS_ROWS == pytest.approx(published, abs=1e-5)
    hist = {
        a["annotator"].split("@")[0]: a["label_count_histogram"] for a in goemotions["annotators"]
    }
    assert hist["a3"] == {"1": 1548, "2": 868, "3": 83}  # EmoS's, less its blank row
    assert hist == {
        a: {str(n): k for n, k in Counter(len(v[1]) for v in data[a].values()).items()}
        for a in data
    }
    assert goemotions["union_label_count_histogram"] == {
        str(n): k
        for n, k in Counter(
            len(frozenset().union(*(data[a][c][1] for a in data))) for c in clips
        ).items()
    }

    emos = StringIO()
    call_command("agreement", "chsims", "--format", "emos", stdout=emos)
    summaries = json.loads(emos.getvalue())
    assert set(summaries) == {"basic7/analysis_summary.json", "goemotions/goemotion_summary.json"}
    assert set(summaries["basic7/analysis_summary.json"]) == {
        "num_items", "label_distribution", "fleiss_kappa", "pairwise_cohen",
        "disagreement_details", "agreement_ratios", "ds_distribution", "ds_confidence",
        "confidence_by_unique_labels", "accuracy_vs_ds", "entropy",
    }  # fmt: skip
    go = summaries["goemotions/goemotion_summary.json"]
    assert set(go) == {
        "num_items", "annotators", "label_distribution", "avg_labels_per_sample",
        "label_count_hist", "identical_sets_ratio", "pairwise_comparisons", "union_label_hist",
    }  # fmt: skip
    assert (
        go["pairwise_comparisons"]["a1@chsims_vs_a2@chsims"]["mean_jaccard"]
        == (go_pairs[("a1", "a2")]["jaccard_mean"])
    )
    assert list(combinations(sorted(data), 2)) == sorted(go_pairs)


def test_dawid_skene_routing_accepts_the_model_confident_clips(chsims):
    """With the Dawid–Skene aggregator the latest report's model is part of the rule: a new
    report re-derives every gold label not decided by an adjudicator (before, clips routed
    by the old model, or by majority before any model existed, kept that gold)."""
    admin = APIClient()
    admin.force_authenticate(member(chsims, "admin"))
    rule = {**chsims.routing_rule, "aggregator": "dawid_skene"}
    response = admin.patch("/api/projects/chsims/settings/", {"routing_rule": rule}, format="json")
    assert response.status_code == 200
    current = GoldLabel.objects.filter(clip__project=chsims, is_current=True)
    assert not current.filter(provenance="model_confident").exists()  # no model yet

    call_command("agreement", "chsims", "--json", stdout=StringIO())
    report = AgreementReport.objects.filter(project=chsims).latest("finished_at").report
    tiers = report["layers"]["basic7"]["dawid_skene"]["tiers"]
    unanimous = current.filter(provenance="unanimous").count()
    assert current.filter(provenance="model_confident").count() == tiers["high"] - unanimous
    assert Clip.objects.filter(project=chsims, stage="gold").count() == tiers["high"]


def test_reports_through_the_api_with_history(chsims):
    admin = APIClient()
    admin.force_authenticate(member(chsims, "admin"))
    created = admin.post("/api/projects/chsims/agreement/")
    assert created.status_code == 202
    latest = admin.get("/api/projects/chsims/agreement/latest/").json()
    assert latest["status"] == "done" and latest["id"] == created.json()["id"]
    history = admin.get("/api/projects/chsims/agreement/").json()["results"]
    assert history[0]["summary"]["basic7"]["fleiss_kappa"] == pytest.approx(
        latest["report"]["layers"]["basic7"]["overall"]["fleiss_kappa"]
    )
    annotator = APIClient()
    annotator.force_authenticate(member(chsims, "annotator"))
    assert annotator.get("/api/projects/chsims/agreement/latest/").status_code == 403


def test_the_periodic_task_picks_projects_with_new_labels(chsims):
    assert projects_needing_agreement() == [chsims]
    call_command("agreement", "chsims", "--json", stdout=StringIO())
    assert projects_needing_agreement() == []


WHOLE_CLIP_JOY = {
    "segments": [{"start": 0, "end": 20, "basic7": "Joy", "goemotions": ["joy"], "intensity": 3}]
}


def finalised_trace(clip, annotator, valence, arousal):
    """The annotator's label of the clip and their finalised trace (a trace counts with its
    label: one without is no rater's)."""
    clip.annotations.create(
        annotator=annotator, status="submitted", is_current=True, payload=WHOLE_CLIP_JOY
    )
    data = np.stack([valence, arousal], axis=1).astype("<f4").tobytes()
    return Trace.objects.create(
        clip=clip, annotator=annotator, config=clip.project.trace_config,
        status="finalised", data=data,
    )  # fmt: skip


def test_trace_concordance_gates_routing():
    project = ProjectFactory(
        routing_rule={
            "aggregator": "majority", "accept_unanimous": True,
            "min_confidence": 0.9, "min_trace_ccc": 0.5,
        }
    )  # fmt: skip
    t = np.linspace(0, 20, 500)
    rng = np.random.default_rng(7)

    def clip_with(traces):
        clip = ClipFactory(project=project, kind="stream", duration_s=20.0, stage="aggregating")
        for valence in traces:
            finalised_trace(clip, member(project, "annotator"), valence, valence * 0.5)
        clip.layer1_count = 3
        clip.save()
        return clip

    agreeing = clip_with([np.sin(t) * 0.8 + rng.normal(0, 0.05, t.size) for _ in range(3)])
    clashing = clip_with([np.sin(t) * 0.8, -np.sin(t) * 0.8, np.cos(t) * 0.8])
    assert trace_concordance(agreeing) > 0.9
    assert trace_concordance(clashing) < 0
    assert clip_route(clip_id=agreeing.pk).stage == "gold"
    routed = clip_route(clip_id=clashing.pk)
    assert routed.stage == "disputed"
    assert "trace concordance" in routed.agreement.metrics["reason"]


def test_the_report_covers_traces():
    project = ProjectFactory()
    t = np.arange(0, 60, 1 / 25)
    rng = np.random.default_rng(3)
    signal = np.sin(t / 3)
    for i in range(4):
        clip = ClipFactory(project=project, kind="stream", duration_s=60.0)
        for lag in (0.0, 1.0, 2.0):  # raters react later and later: the lag search sees it
            user = member(project, "annotator")
            valence = np.interp(t - lag - i * 0.1, t, signal) * 0.8 + rng.normal(0, 0.03, t.size)
            finalised_trace(clip, user, valence, np.clip(valence * 0.5, -1, 1))
    out = StringIO()
    call_command("agreement", project.slug, "--json", stdout=out)
    traces = json.loads(out.getvalue())["traces"]
    assert traces["n_clips"] == 4
    valence = traces["dimensions"]["valence"]
    assert valence["ccc_lag_compensated"]["mean"] > valence["ccc_pairwise"]["mean"]
    assert valence["lag_s"]["mean"] == pytest.approx(4 / 3, abs=0.1)  # |0-1|, |0-2|, |1-2|
    for key in ("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k", "cronbach_alpha"):
        assert valence[key]["n"] == 4
    assert valence["alpha_interval_binned"]["mean"] > 0.5


# Two monologues, three reference utterances each; three annotators cut them their own way.
UTTERANCES = [[(0.0, 4.0), (4.0, 5.0), (5.0, 12.0)], [(0.0, 2.0), (2.0, 9.0), (9.0, 10.0)]]
CUTS = [  # per clip, per annotator: (start, end, primary, secondary, intensity)
    [
        [(0, 4, "Joy", ["joy"], 3), (4, 12, "Anger", ["anger", "annoyance"], 4)],
        [(0, 5, "Joy", ["joy", "pride"], 3), (5, 12, "Anger", ["anger"], 5)],
        [(0, 3, "Neutral", [], 2), (3, 4.5, "Joy", ["joy"], 3), (4.5, 12, "Sadness", ["grief"], 4)],
    ],
    [
        [(0, 10, "Fear", ["fear"], 2)],
        [(0, 1.5, "Fear", ["fear", "nervousness"], 2), (1.5, 10, "Fear", ["fear"], 3)],
        [(0.5, 10, "Surprise", ["surprise"], 2)],
    ],
]


def at_midpoint(start: float, end: float, cuts: list[tuple]) -> tuple | None:
    return next((c for c in cuts if c[0] <= (start + end) / 2 < c[1]), None)


def test_monologues_get_utterance_agreement_beside_the_traces():
    project = ProjectFactory()
    users = [member(project, "annotator") for _ in range(3)]
    for refs, per_user in zip(UTTERANCES, CUTS, strict=True):
        clip = ClipFactory(project=project, kind="stream", duration_s=12.0)
        for index, (start, end) in enumerate(refs):
            Segment.objects.create(clip=clip, index=index, start_s=start, end_s=end)
        for user, cuts in zip(users, per_user, strict=True):
            Annotation.objects.create(
                clip=clip, annotator=user, status="submitted", is_current=True,
                payload={"segments": [
                    {"start": a, "end": b, "basic7": p, "goemotions": s, "intensity": i}
                    for a, b, p, s, i in cuts
                ]},
            )  # fmt: skip
    out = StringIO()
    call_command("agreement", project.slug, "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["n_clips"] == 0  # the static-clip figures do not count monologues
    mono = report["monologues"]

    read = [
        [at_midpoint(start, end, cuts) for cuts in per_user]
        for refs, per_user in zip(UTTERANCES, CUTS, strict=True)
        for start, end in refs
    ]
    weights = [end - start for refs in UTTERANCES for start, end in refs]
    assert mono["n_clips"] == 2
    assert mono["coverage"] == {"min_ratings": 2, "n_items": 6, "seconds": 22.0}
    classes = sorted({c[2] for row in read for c in row})
    table = np.array([[[c[2] for c in row].count(k) for k in classes] for row in read])
    primary = mono["primary"]
    assert primary["fleiss_kappa"] == pytest.approx(sm_fleiss(table), abs=1e-6)
    p_i = [(sum(n * n for n in row) - 3) / 6 for row in table]
    p_j = (table * np.array(weights)[:, None]).sum(axis=0) / (3 * sum(weights))
    p_e = float((p_j**2).sum())
    weighted_p = sum(w * p for w, p in zip(weights, p_i, strict=True)) / sum(weights)
    assert primary["fleiss_kappa_time_weighted"] == pytest.approx(
        (weighted_p - p_e) / (1 - p_e), abs=1e-6
    )
    pairs = [
        (w, a, b) for w, row in zip(weights, read, strict=True) for a, b in combinations(row, 2)
    ]
    total = sum(w for w, _, _ in pairs)
    assert primary["pairwise_agreement_time_weighted"] == pytest.approx(
        sum(w * (a[2] == b[2]) for w, a, b in pairs) / total, abs=1e-6
    )
    jaccard = [
        (w, len(set(a[3]) & set(b[3])) / len(set(a[3]) | set(b[3])) if a[3] or b[3] else 1.0)
        for w, a, b in pairs
    ]
    assert mono["secondary"]["jaccard_mean"] == pytest.approx(
        sum(j for _, j in jaccard) / len(jaccard), abs=1e-6
    )
    assert mono["secondary"]["jaccard_mean_time_weighted"] == pytest.approx(
        sum(w * j for w, j in jaccard) / total, abs=1e-6
    )
    intensity = mono["intensity"]
    assert intensity["mean_abs_difference"] == pytest.approx(
        sum(abs(a[4] - b[4]) for _, a, b in pairs) / len(pairs), abs=1e-6
    )
    assert intensity["mean_abs_difference_time_weighted"] == pytest.approx(
        sum(w * abs(a[4] - b[4]) for w, a, b in pairs) / total, abs=1e-6
    )
    assert intensity["krippendorff_alpha_ordinal"] is not None

    text = StringIO()
    call_command("agreement", project.slug, stdout=text)
    assert "2 streaming monologues are compared per utterance below." in text.getvalue()
    assert "## monologues: utterance agreement (2 clips, 6 utterances, 22.0 s)" in text.getvalue()


def test_a_minimum_confidence_below_the_medium_tier_still_reports():
    """Lowering the routing threshold under the default medium tier (0.8) is allowed: that
    tier is then empty, and the report says so instead of failing."""
    project = ProjectFactory()
    project.routing_rule = {**project.routing_rule, "min_confidence": 0.5}
    project.save()
    users = [member(project, "annotator") for _ in range(3)]
    for votes in (["Joy", "Joy", "Fear"], ["Joy", "Joy", "Joy"]):
        clip = ClipFactory(project=project)
        for user, vote in zip(users, votes, strict=True):
            clip.annotations.create(
                annotator=user, status="submitted", is_current=True, payload={"basic7": vote}
            )
    report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    ds = report.report["layers"]["basic7"]["dawid_skene"]
    assert report.status == "done" and ds["thresholds"] == {"high": 0.5, "medium": 0.5}
    assert ds["tiers"]["medium"] == 0


def test_several_annotators_the_model_has_not_seen_are_several_raters():
    """Two newcomers on one clip crashed routing ("a rater rates an item at most once"),
    leaving the clip aggregating; they are uninformative, the known rater decides."""
    model = {
        "classes": ["fear", "joy"],
        "priors": [0.5, 0.5],
        "confusion": {"1": [[0.9, 0.1], [0.1, 0.9]]},
    }
    label, confidence = ds_posterior(model, [1, 2, 3], ["joy", "fear", "fear"])
    assert (label, confidence) == ("joy", pytest.approx(0.9))
    assert ds_posterior(model, [7, 8], ["joy", "fear"]) == ("fear", pytest.approx(0.5))
