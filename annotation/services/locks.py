"""Work on a whole project that must not interleave (a refit of its adaptive overlap, a
settings change, a withdrawal of labels, an import) takes turns on the project's row."""

from django.db import transaction

from annotation.models import Project


def project_lock(project: Project) -> None:
    """Lock the project's row for the rest of the transaction and bring ``project`` up to
    date with it (what was read before the lock may be stale). ``FOR NO KEY UPDATE``: rows
    that only reference the project (a submit's audit event) still go in meanwhile. SQLite
    ignores it; there a write transaction holds the whole database (settings: IMMEDIATE)."""
    assert transaction.get_connection().in_atomic_block, "lock inside a transaction"
    project.refresh_from_db(from_queryset=Project.objects.select_for_update(no_key=True))
