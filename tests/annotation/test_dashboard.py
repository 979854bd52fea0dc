"""The admin dashboard's panels: what they count, from real computations, in few queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import AgreementReport, Annotation, Assignment, ClipAgreement, GoldLabel
from annotation.services.agreement import agreement_report_run
from clips.models import Clip, ImportJob
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

VOTES = [  # three annotators' Basic-7 votes on six clips: 4 unanimous, 2 split
    ("Joy", "Joy", "Joy"),
    ("Sadness", "Sadness", "Sadness"),
    ("Anger", "Anger", "Anger"),
    ("Joy", "Joy", "Joy"),
    ("Joy", "Fear", "Joy"),
    ("Fear", "Surprise", "Unsure"),
]


@pytest.fixture
def project():
    project = ProjectFactory(slug="dash")
    users = [member(project, "annotator", f"ann{i}") for i in range(3)]
    now = timezone.now()
    for n, votes in enumerate(VOTES):
        unanimous = len(set(votes)) == 1
        clip = ClipFactory(project=project, stage="gold" if unanimous else "disputed")
        for user, vote in zip(users, votes, strict=True):
            done = Assignment.objects.create(
                clip=clip, user=user, status="submitted", expires_at=now
            )
            Annotation.objects.create(
                clip=clip, annotator=user, assignment=done, status="submitted", is_current=True,
                payload={"basic7": vote}, submitted_at=now - timedelta(days=n % 3),
            )  # fmt: skip
        ClipAgreement.objects.create(
            clip=clip, n_annotations=3, tier="high" if unanimous else "low"
        )
        if unanimous:
            GoldLabel.objects.create(
                clip=clip, version=1, payload={"basic7": votes[0]}, provenance="unanimous"
            )
    ClipFactory(project=project)  # waiting in layer 1
    ClipFactory(project=project, media_status=Clip.MediaStatus.FAILED)
    return project


def admin_api(project) -> APIClient:
    client = APIClient()
    client.force_authenticate(member(project, "admin"))
    return client


def test_progress_counts_stages_and_days(project, django_assert_max_num_queries):
    api = admin_api(project)
    with django_assert_max_num_queries(12):
        body = api.get("/api/projects/dash/dashboard/progress/?days=7").json()
    assert body["total"] == 8 and body["ready"] == 7
    assert body["stages"] == {"layer1": 2, "aggregating": 0, "disputed": 2, "gold": 4}
    assert body["media"] == {"ready": 7, "failed": 1}
    throughput = body["throughput"]
    assert len(throughput["days"]) == 7 and throughput["days"][-1] == str(timezone.localdate())
    # clips 0..5 were labelled 0, 1, 2, 0, 1, 2 days ago, three annotations each
    assert throughput["annotations"][-3:] == [6, 6, 6] and sum(throughput["annotations"]) == 18
    assert throughput["gold"][-1] == 4 and sum(throughput["adjudicated"]) == 0


def test_agreement_over_time_from_stored_reports(project, django_assert_max_num_queries):
    for _ in range(2):
        agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    api = admin_api(project)
    with django_assert_max_num_queries(8):
        body = api.get("/api/projects/dash/dashboard/agreement/").json()
    keys = [f["key"] for f in body["figures"]]
    assert "basic7.fleiss_kappa" in keys and "traces.valence.ccc" in keys
    assert len(body["reports"]) == 2
    latest = AgreementReport.objects.latest("created_at").report["layers"]["basic7"]
    values = body["reports"][-1]["values"]
    assert values["basic7.fleiss_kappa"] == pytest.approx(latest["overall"]["fleiss_kappa"])
    assert values["traces.valence.ccc"] is None  # no traces in this project
    assert body["reports"][-1]["ds_tiers"]["basic7"] == latest["dawid_skene"]["tiers"]
    chinese = api.get("/api/projects/dash/dashboard/agreement/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["figures"][0]["label"] != body["figures"][0]["label"]


def test_annotators_radar_from_the_latest_report(project, django_assert_max_num_queries):
    agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    api = admin_api(project)
    with django_assert_max_num_queries(10):
        body = api.get("/api/projects/dash/dashboard/annotators/").json()
    rows = {a["username"]: a for a in body["annotators"]}
    assert set(rows) == {"ann0", "ann1", "ann2"}
    assert rows["ann2"]["submitted"] == 6 and rows["ann2"]["last_7_days"] == 6
    assert rows["ann2"]["label_distribution"]["Unsure"] == 1
    assert rows["ann2"]["unsure_share"] == pytest.approx(1 / 6)
    report = AgreementReport.objects.get().report["layers"]["basic7"]["annotators"]
    for stats in report:  # agreement with the aggregate comes from the report, by name
        assert rows[stats["annotator"]]["accuracy_vs_aggregate"] == stats["accuracy_vs_aggregate"]
    axes = [axis["key"] for axis in body["radar"]["axes"]]
    assert axes == ["throughput", "agreement", "gold", "diversity", "certainty"]
    radar = body["radar"]["values"]["ann2"]
    assert radar[0] == 1.0 and radar[4] == pytest.approx(5 / 6)
    assert all(0.0 <= v <= 1.0 for values in body["radar"]["values"].values() for v in values)
    assert [c["value"] for c in body["classes"]][-1] == "Unsure"


def test_annotators_without_a_report_still_show_throughput(project):
    body = admin_api(project).get("/api/projects/dash/dashboard/annotators/").json()
    assert body["report"] is None
    assert {a["submitted"] for a in body["annotators"]} == {6}
    assert body["annotators"][0]["accuracy_vs_aggregate"] is None


def test_routing_breakdown(project, django_assert_max_num_queries):
    judge = member(project, "adjudicator")
    clip = Clip.objects.filter(project=project, stage="disputed").first()
    Assignment.objects.create(clip=clip, user=judge, layer=2, expires_at=timezone.now())
    api = admin_api(project)
    with django_assert_max_num_queries(6):
        body = api.get("/api/projects/dash/dashboard/routing/").json()
    assert body["tiers"] == {"high": 4, "medium": 0, "low": 2}
    assert body["provenance"] == {
        "unanimous": 4, "majority": 0, "model_confident": 0, "adjudicated": 0
    }  # fmt: skip
    assert body["disputed"] == 2 and body["in_adjudication"] == 1
    assert body["rule"]["min_confidence"] == 0.9


def test_imports_with_progress(project):
    running = ImportJob.objects.create(project=project, kind="clips", total=10)
    for n, status in enumerate(["ready"] * 3 + ["failed"] + ["pending"] * 6):  # live progress
        ClipFactory(project=project, import_job=running, media_status=status, external_id=f"i{n}")
    ImportJob.objects.create(
        project=project, kind="labels", status="done", total=5, processed=5, failed=1
    )
    jobs = admin_api(project).get("/api/projects/dash/dashboard/imports/").json()["jobs"]
    assert [(j["kind"], j["summary"]) for j in jobs] == [
        ("labels", "4 imported, 1 failed"),
        ("clips", "4 of 10 processed"),
    ]


def test_days_are_bounded(project):
    api = admin_api(project)
    assert (
        len(
            api.get("/api/projects/dash/dashboard/progress/?days=9999").json()["throughput"]["days"]
        )
        == 365
    )
    assert (
        len(api.get("/api/projects/dash/dashboard/progress/?days=x").json()["throughput"]["days"])
        == 30
    )


def test_an_ordinal_layers_headline_is_read_where_its_report_keeps_it():
    """An ordinal layer's report is one set of figures (no ``overall``): the dashboard reads
    its α there (it read ``overall`` and always showed nothing)."""
    project = ProjectFactory(slug="scale")
    users = [member(project, "annotator", f"rater{i}") for i in range(3)]
    for levels in ([1, 1, 2], [4, 5, 5], [3, 3, 3]):
        clip = ClipFactory(project=project)
        for user, level in zip(users, levels, strict=True):
            Annotation.objects.create(
                clip=clip, annotator=user, status="submitted", is_current=True,
                payload={"intensity": level},
            )  # fmt: skip
    report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    alpha = report.report["layers"]["intensity"]["krippendorff_alpha_ordinal"]
    body = admin_api(project).get("/api/projects/scale/dashboard/agreement/").json()
    assert alpha > 0.5
    assert body["reports"][-1]["values"]["intensity.krippendorff_alpha_ordinal"] == pytest.approx(
        alpha
    )
