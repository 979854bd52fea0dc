"""Celery tasks: thin wrappers taking ids; the services hold the logic."""

from celery import shared_task

from annotation.services.agreement import (
    agreement_report_request,
    agreement_report_run,
    projects_needing_agreement,
)
from annotation.services.assignment import assignments_reclaim_expired
from annotation.services.routing import clip_route


# Routing is idempotent (a routed clip is left alone), so a lost run is simply run again.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def agreement_route_clips(clip_ids: list[int]) -> int:
    for clip_id in clip_ids:
        clip_route(clip_id=clip_id)
    return len(clip_ids)


@shared_task
def reclaim_expired_leases() -> int:
    return assignments_reclaim_expired()


# A report is claimed before it is computed, so a redelivered message cannot run it twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def agreement_recompute_project(report_id: int) -> str:
    return agreement_report_run(report_id=report_id).status


@shared_task
def agreement_recompute_changed() -> int:
    """Periodic: a fresh report for every project whose labels changed since its last one."""
    projects = projects_needing_agreement()
    for project in projects:
        agreement_report_request(project=project)
    return len(projects)
