"""Celery tasks: thin wrappers taking ids; the services hold the logic."""

import logging

from celery import shared_task

from annotation.models import AgreementReport
from annotation.services.agreement import (
    RECOMPUTE_TASK,
    agreement_report_request,
    agreement_report_run,
    projects_needing_agreement,
)
from annotation.services.assignment import assignments_reclaim_expired
from annotation.services.jobs import jobs_resend, redelivered
from annotation.services.label_upload import label_upload_import as label_upload_run
from annotation.services.label_upload import label_uploads_resend
from annotation.services.overlap import overlap_refit_all
from annotation.services.routing import clip_route, clips_routing_resend
from clips.services import clips_ingest_resend, import_jobs_settle_stale
from clips.uploads import uploads_sweep

log = logging.getLogger(__name__)


# Routing is idempotent (a routed clip is left alone), so a lost run is simply run again.
# One clip that fails does not hold up the rest of its batch: it is logged and stays
# aggregating (counted on the dashboard), and the sweeper tries it again. Not raised: run
# eagerly, the error would reach the request whose submit has committed.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def agreement_route_clips(clip_ids: list[int]) -> int:
    routed = 0
    for clip_id in clip_ids:
        try:
            clip_route(clip_id=clip_id)
            routed += 1
        except Exception:
            log.exception("routing clip %s failed; left aggregating for the sweeper", clip_id)
    return routed


# The import is one transaction and importing the same labels again changes nothing, so a
# message lost with its worker is delivered again and the job finished.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def label_upload_import(job_id: int) -> str:
    return label_upload_run(job_id=job_id).status


@shared_task
def reclaim_expired_leases() -> int:
    return assignments_reclaim_expired()


@shared_task
def overlap_refit_projects() -> int:
    """Adaptive overlap: refit the projects whose model is due (idempotent; a refit reads
    every label afresh)."""
    return overlap_refit_all()


# A report is claimed before it is computed, so two messages never run it at once; a
# redelivered one takes over the report its dead worker left running.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def agreement_recompute_project(self, report_id: int) -> str:
    return agreement_report_run(report_id=report_id, takeover=redelivered(self.request)).status


@shared_task
def work_sweep() -> dict[str, int]:
    """Periodic: ring again for every piece of work still waiting (annotation.services.jobs)."""
    from exports.models import Release
    from exports.services import BUILD_TASK

    return {
        "agreement_reports": jobs_resend(AgreementReport, RECOMPUTE_TASK),
        "releases": jobs_resend(Release, BUILD_TASK),
        "routing": clips_routing_resend(),
        "ingest": clips_ingest_resend(),
        "imports": import_jobs_settle_stale(),
        "label_imports": label_uploads_resend(),
        **{f"uploads_{k}": n for k, n in uploads_sweep().items()},
    }


@shared_task
def agreement_recompute_changed() -> int:
    """Periodic: a fresh report for every project whose labels changed since its last one."""
    projects = projects_needing_agreement()
    for project in projects:
        agreement_report_request(project=project)
    return len(projects)
