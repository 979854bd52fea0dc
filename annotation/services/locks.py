"""Work on a whole project that must not interleave (a refit of its adaptive overlap, a
settings change, a withdrawal of labels, an import) takes turns on one lock per project."""

from django.db import connection, transaction

from annotation.models import Project

# The first key of the project's advisory lock ("proj"): the second is the project's id.
PROJECT_WORK = 0x70726F6A


def project_lock(project: Project) -> None:
    """Take the project's lock for the rest of the transaction and bring ``project`` up to
    date (what was read before the lock may be stale). On PostgreSQL a transaction-level
    advisory lock, not the row's: a submit locks the project's row with its lease (FOR
    UPDATE through ``select_related``), and must not wait for a refit's fit. SQLite needs
    none: there a write transaction holds the whole database (settings: IMMEDIATE)."""
    assert transaction.get_connection().in_atomic_block, "lock inside a transaction"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PROJECT_WORK, project.pk])
    project.refresh_from_db()
