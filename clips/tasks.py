from celery import shared_task

from annotation.services.jobs import redelivered
from clips.services import clip_ingest_media, import_job_settle


# Re-running is safe (the service claims the clip and writes files atomically), so a job lost
# with its worker is delivered again rather than dropped, and the redelivery takes it over.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def ingest_clip(self, clip_id: int) -> str:
    clip = clip_ingest_media(clip_id=clip_id, takeover=redelivered(self.request))
    if clip.import_job_id is not None:  # the last clip of an import finishes it
        import_job_settle(job_id=clip.import_job_id)
    return clip.media_status
