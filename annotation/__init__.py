"""The project package and core domain. The Celery app is loaded by AnnotationConfig.ready(),
not here, so the pure modules (``annotation.agreement``...) import without Celery or Django."""
