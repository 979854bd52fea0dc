from typing import Any

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from annotation.db_pool import check_when_idle


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's, but the pool checks a connection it hands out only once it has idled.

    Django makes the pool with psycopg_pool's check of every hand-out (CONN_HEALTH_CHECKS) and
    takes no other: this swaps in ``check_when_idle``, where psycopg_pool keeps its check
    (``_check``, the one private name used). Were that renamed, the pool would keep Django's
    check: slower, as safe (tests/test_connection_pool.py)."""

    @property
    def pool(self) -> Any:
        pool = super().pool
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = check_when_idle
        return pool
