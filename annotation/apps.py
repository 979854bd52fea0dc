from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation workflow"

    def ready(self) -> None:
        # The Celery app must exist before any @shared_task is called from Django.
        from annotation import celery  # noqa: F401
