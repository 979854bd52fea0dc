import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from annotation.storage import media_storage

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation.settings")
application = get_wsgi_application()


def load_for_fork() -> None:
    """What a server that forks its workers from a loaded application (gunicorn's preload_app)
    runs before the first fork: the URLconf, which loads every view, and the media storage's
    code (boto3 with STORAGE_BACKEND=s3), then a garbage-collector freeze of all that is
    loaded, so that the workers' collections never write to (and so copy) the pages they share
    with the master. Opens no connection and starts no thread."""
    get_resolver().url_patterns  # noqa: B018 (a lazy property: reading it loads the URLconf)
    media_storage()  # made, not connected: S3's connections are opened per thread on use
    gc.freeze()
