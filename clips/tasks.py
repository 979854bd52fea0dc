from celery import shared_task

from clips.services import clip_ingest_media


# Re-running is safe (the service claims the clip and writes files atomically), so a job lost
# with its worker is delivered again rather than dropped.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def ingest_clip(clip_id: int) -> str:
    return clip_ingest_media(clip_id=clip_id).media_status
