"""Nothing waits forever (issue 12): a job whose worker died is taken again, one alive is not,
a worker presumed dead writes nothing, and work committed while the broker was down is sent
by the sweeper once it is back. The broker's failure is Celery's own: ``delay`` raising
kombu's ``OperationalError``, as it does with Redis stopped."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from annotation.models import AgreementReport, GoldLabel, Role
from annotation.services.agreement import agreement_report_request, agreement_report_run
from annotation.services.jobs import JobLost, job_beat, job_claim, job_finish
from annotation.tasks import agreement_recompute_project, agreement_route_clips, work_sweep
from clips.models import Clip
from exports.models import Release
from exports.services import release_build, release_create, releases_root
from exports.tasks import release_build_task
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
LABELS = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(user)
    return api


def _silent_for(job, seconds: float) -> None:  # type: ignore[no-untyped-def]
    type(job).objects.filter(pk=job.pk).update(
        status=type(job).RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=seconds),
        attempts=1,
    )  # fmt: skip


@pytest.fixture
def broker_down(monkeypatch):  # type: ignore[no-untyped-def]
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (agreement_route_clips, agreement_recompute_project, release_build_task):
        monkeypatch.setattr(task, "delay", refuse)
    return monkeypatch


def test_a_report_left_running_by_a_dead_worker_is_taken_again(settings):
    """Was: "running 0/0" forever, the redelivered task declining to claim it."""
    settings.JOB_STALE_SECONDS = 60
    project = ProjectFactory(slug="stale")
    report = AgreementReport.objects.create(project=project)
    _silent_for(report, 30)
    assert agreement_report_run(report_id=report.pk).status == "running"  # alive: left alone
    _silent_for(report, 61)
    done = agreement_report_run(report_id=report.pk)
    assert (done.status, done.attempts) == ("done", 2)
    assert agreement_report_request(project=project).pk != report.pk  # not the stuck one


def test_a_redelivered_message_takes_over_at_once():
    project = ProjectFactory(slug="redeliver")
    report = AgreementReport.objects.create(project=project)
    _silent_for(report, 0)
    assert agreement_report_run(report_id=report.pk, takeover=True).status == "done"


def test_a_worker_presumed_dead_writes_nothing(settings):
    settings.JOB_STALE_SECONDS = 60
    project = ProjectFactory(slug="fence")
    report = AgreementReport.objects.create(project=project)
    first = job_claim(AgreementReport, report.pk)
    assert first is not None and job_claim(AgreementReport, report.pk) is None
    AgreementReport.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    second = job_claim(AgreementReport, report.pk)
    assert second is not None and second.attempts == 2
    with pytest.raises(JobLost):
        job_beat(first, processed=5)
    assert not job_finish(first, AgreementReport.FAILED, error="late")
    assert job_finish(second, AgreementReport.DONE, report={"ok": True})
    report.refresh_from_db()
    assert (report.status, report.error, report.processed) == ("done", "", 0)


def test_one_open_report_per_project_is_a_database_constraint():
    project = ProjectFactory(slug="one-open")
    AgreementReport.objects.create(project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementReport.objects.create(project=project, status="running")
    AgreementReport.objects.create(project=project, status="done")  # closed ones are history


def test_a_release_left_building_by_a_dead_worker_is_rebuilt(settings, media_root: Path):
    settings.JOB_STALE_SECONDS = 60
    project = ProjectFactory(slug="rebuild")
    release = release_create(project=project, version="1.0.0")  # eager: built at once
    assert Release.objects.get(pk=release.pk).status == "published"
    second = release_create(project=project, version="1.1.0")
    _silent_for(second, 61)
    leftover = releases_root(project) / f".build-{second.pk}-1"
    (leftover / "release").mkdir(parents=True)  # what the killed attempt left
    rebuilt = release_build(release_id=second.pk)
    assert (rebuilt.status, rebuilt.attempts) == ("published", 2)
    assert not list(releases_root(project).glob(".build-*"))


def test_a_failed_build_leaves_no_build_folder(media_root: Path, monkeypatch):
    from exports import services

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(services.pipeline, "make_archive", explode)
    project = ProjectFactory(slug="failing")
    release = release_create(project=project, version="1.0.0")
    release.refresh_from_db()
    assert release.status == "failed" and "disk full" in release.error
    assert not list(releases_root(project).glob(".build-*"))
    assert not (releases_root(project) / "1.0.0").exists()


def test_work_committed_while_the_broker_is_down_is_done_once_it_is_back(
    settings, media_root: Path, broker_down
):
    """The k-th submit, an agreement request and a release request with Redis down: each
    answers as usual (was a 500 after committing), and the sweeper finishes them later."""
    settings.ROUTING_RESEND_SECONDS = 0
    project = ProjectFactory(slug="down", overlap_k=2)
    admin = member(project, Role.ADMIN, "down-admin")
    clip = ClipFactory(project=project)
    for name in ("down-a", "down-b"):
        user = member(project, Role.ANNOTATOR, name)
        lease = _api(user).post("/api/projects/down/next/").json()["assignment"]
        submitted = _api(user).post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": LABELS}, format="json"
        )
        assert submitted.status_code == 201, submitted.content
    clip.refresh_from_db()
    assert clip.stage == Clip.Stage.AGGREGATING  # committed, its routing not sent

    asked = _api(admin).post("/api/projects/down/agreement/")
    assert asked.status_code in (201, 202), asked.content
    report = AgreementReport.objects.get(project=project)
    assert (report.status, report.enqueued_at) == ("pending", None)
    again = _api(admin).post("/api/projects/down/agreement/")
    assert again.status_code in (200, 201, 202)  # joins the open report: no 409, no second row
    assert AgreementReport.objects.filter(project=project).count() == 1

    created = _api(admin).post("/api/projects/down/releases/", {"version": "1.0.0"}, format="json")
    assert created.status_code == 202, created.content
    release = Release.objects.get(project=project)
    assert release.status == "pending"

    broker_down.undo()  # Redis is back
    swept = work_sweep()
    assert swept["routing"] == 1 and swept["agreement_reports"] == 1 and swept["releases"] == 1
    clip.refresh_from_db()
    report.refresh_from_db()
    release.refresh_from_db()
    assert clip.stage == Clip.Stage.GOLD
    assert GoldLabel.objects.get(clip=clip, is_current=True).provenance == "unanimous"
    assert report.status == "done" and report.enqueued_at is not None
    assert release.status == "published"
    assert set(work_sweep().values()) == {0}


def test_releases_requested_together_each_follow_their_real_predecessor(
    media_root: Path, broker_down
):
    """Both asked for before either was built: each used to record the release published when
    it was asked for (none), so 1.1.0's changelog did not follow 1.0.0."""
    project = ProjectFactory(slug="together")
    first = release_create(project=project, version="1.0.0")
    second = release_create(project=project, version="1.1.0")
    assert release_build(release_id=first.pk).status == "published"
    built = release_build(release_id=second.pk)
    assert (built.status, built.previous_id) == ("published", first.pk)


def test_one_clip_that_fails_to_route_does_not_hold_up_its_batch(settings, monkeypatch):
    """A crash on one clip (a bug, a bad payload) left every later clip of its batch
    aggregating, and so again at every sweep; now the others are routed and it waits alone."""
    import annotation.tasks

    settings.ROUTING_RESEND_SECONDS = 0
    project = ProjectFactory(slug="batch", overlap_k=1)
    clips = [ClipFactory(project=project, layer1_count=1) for _ in range(3)]
    for clip in clips:
        GoldLabel.objects.filter(clip=clip).delete()
        annotator = member(project, Role.ANNOTATOR)
        clip.annotations.create(annotator=annotator, status="submitted", is_current=True,
                                payload=LABELS)  # fmt: skip
    Clip.objects.filter(pk__in=[c.pk for c in clips]).update(stage=Clip.Stage.AGGREGATING)
    route = annotation.tasks.clip_route

    def broken(*, clip_id: int) -> Clip:
        if clip_id == clips[0].pk:
            raise ValueError("a bug")
        return route(clip_id=clip_id)

    monkeypatch.setattr(annotation.tasks, "clip_route", broken)
    assert agreement_route_clips([c.pk for c in clips]) == 2
    stages = dict(Clip.objects.filter(project=project).values_list("pk", "stage"))
    assert stages == {clips[0].pk: "aggregating", clips[1].pk: "gold", clips[2].pk: "gold"}
    monkeypatch.setattr(annotation.tasks, "clip_route", route)  # the fix is deployed
    assert work_sweep()["routing"] == 1
    assert Clip.objects.get(pk=clips[0].pk).stage == "gold"


def test_a_clip_import_whose_command_died_is_finished_by_the_sweeper():
    """Killed after creating its job, before attaching or sending its clips: the import was
    "running" on the dashboard forever."""
    from clips.models import ImportJob

    project = ProjectFactory(slug="dead-import")
    job = ImportJob.objects.create(project=project, kind=ImportJob.Kind.CLIPS, total=3)
    assert work_sweep()["imports"] == 0  # just started: its command may still be working
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert work_sweep()["imports"] == 1
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at is not None
