from celery import shared_task

from annotation.services.jobs import redelivered
from exports.services import release_build


# Rebuilding is safe (the service starts over in a private folder and publishes atomically),
# so a build lost with its worker is delivered again, and the redelivery takes it over.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def release_build_task(self, release_id: int) -> str:
    return release_build(release_id=release_id, takeover=redelivered(self.request)).status
