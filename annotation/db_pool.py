"""The health check of the web processes' connection pool (settings: DB_POOL_MAX_SIZE).

Django's pool with CONN_HEALTH_CHECKS checks every connection it hands out with a round trip
(psycopg_pool's ``check_connection``): on a trace chunk that was about a tenth of the web
process's CPU (issue 17, sampled under load), for connections that had served a request a
millisecond before. A connection breaks while it sits idle (PostgreSQL restarted, a
firewall dropping quiet sockets), so this checks only one that has not been handed out for
``IDLE_S``: a busy pool skips the round trip, a pool left quiet checks as before. The pool
discards a connection that fails its check and hands out another. What a check never covered
either way: a server lost while a request holds its connection (the pool discards it when it
is returned).
"""

import time
import weakref
from typing import Any

from psycopg_pool import ConnectionPool

IDLE_S = 2.0

_handed_out: "weakref.WeakKeyDictionary[Any, float]" = weakref.WeakKeyDictionary()


def check_when_idle(conn: Any) -> None:
    """psycopg_pool's ``check``: run as a connection is handed out, raising if it is broken."""
    now = time.monotonic()
    last = _handed_out.get(conn)
    if last is None or now - last > IDLE_S:
        ConnectionPool.check_connection(conn)
    _handed_out[conn] = now
