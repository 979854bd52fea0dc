"""Celery tasks: thin wrappers taking ids; the services hold the logic."""

from celery import shared_task

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
