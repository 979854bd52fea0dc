"""Agreement reports on the real EmoS data, the API and command around them, and the routing
evidence they feed (Dawid–Skene confidence, trace concordance)."""

import json
from collections import defaultdict
from io import StringIO
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from annotation.models import AgreementReport, GoldLabel, Project, Trace
from annotation.services.agreement import (
    agreement_report_run,
    ds_posterior,
    projects_needing_agreement,
    trace_concordance,
)
from annotation.services.routing import clip_route
from clips.models import Clip
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


def finalised_trace(clip, annotator, valence, arousal):
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
    segments = {
        "segments": [
            {"start": 0, "end": 20, "basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
        ]
    }

    def clip_with(traces):
        clip = ClipFactory(project=project, kind="stream", duration_s=20.0, stage="aggregating")
        for valence in traces:
            user = member(project, "annotator")
            clip.annotations.create(
                annotator=user, status="submitted", is_current=True, payload=segments
            )
            finalised_trace(clip, user, valence, valence * 0.5)
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
