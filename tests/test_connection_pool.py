"""Database connections are bounded per web process (issue 17: 200 annotators recording at
once ran PostgreSQL out of its 100 connections, one per gunicorn thread): the threads of a
process share Django's psycopg pool of DB_POOL_MAX_SIZE, set by the gunicorn config."""

import http.client
import os
import threading
import time

import pytest
from django.db import connection
from psycopg_pool import ConnectionPool
from test_settings_and_health import settings_with
from web_server import gunicorn_server

from annotation import db_pool

PRINT_POOL = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), "
    "'max_age': d['CONN_MAX_AGE'], 'engine': d['ENGINE'], "
    "'prepare': d['OPTIONS'].get('prepare_threshold')}))"
)


def test_the_pool_is_sized_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr("test_settings_and_health.PRINT_SETTINGS", PRINT_POOL)
    url = {"DATABASE_URL": "postgres://u:p@db.example:5432/emos"}
    pooled = settings_with({**url, "DB_POOL_MAX_SIZE": "4"}, tmp_path)
    assert pooled["pool"]["max_size"] == 4 and pooled["pool"]["min_size"] == 1
    assert pooled["max_age"] == 0  # the pool keeps the connections, not each thread
    assert pooled["engine"] == "annotation.postgresql"  # its pool's check: annotation.db_pool
    assert pooled["prepare"] == 0  # the hot statements prepared, pooled or not
    unpooled = settings_with(url, tmp_path)
    assert unpooled["pool"] is None  # one per thread, as before
    assert unpooled["engine"] == "django.db.backends.postgresql"


def _backends(application: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application]
        )
        return cursor.fetchone()[0]


def _pooled_web(application: str, *, workers: int, threads: int, pool: int) -> dict[str, str]:
    """gunicorn's environment on the test database, its connections named ``application``."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        f"?application_name={application}",
        "WEB_WORKERS": str(workers), "WEB_THREADS": str(threads),
        "DB_POOL_MAX_SIZE": str(pool), "WEB_ACCESS_LOG": "",
    }  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_threads_share_a_few_connections(tmp_path):
    """2 processes x 8 threads answering 48 requests at once hold at most 2 x 2 connections."""
    application = f"pool-test-{os.getpid()}"
    env = _pooled_web(application, workers=2, threads=8, pool=2)
    peak = 0
    with gunicorn_server(env, tmp_path / "web.log") as server:
        port = server.port
        statuses: list[int] = []

        def ask() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(5):
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)

        askers = [threading.Thread(target=ask) for _ in range(48)]
        for asker in askers:
            asker.start()
        while any(asker.is_alive() for asker in askers):
            peak = max(peak, _backends(application))
            time.sleep(0.01)
        assert statuses == [200] * 240
    assert 1 <= peak <= 4


def test_a_connection_is_checked_when_handed_out_after_idling(monkeypatch):
    """Not each time it is handed out: after IDLE_S without being handed out (or the first
    time). A failed check is not taken as a use."""
    checked: list[object] = []
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(checked.append))
    clock = [100.0]
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: clock[0])
    conn, other = threading.Lock(), threading.Lock()  # any objects a weak reference can hold
    db_pool.check_when_idle(conn)
    clock[0] += db_pool.IDLE_S / 2
    db_pool.check_when_idle(conn)  # busy: no round trip
    db_pool.check_when_idle(other)
    assert checked == [conn, other]
    clock[0] += db_pool.IDLE_S * 1.01
    db_pool.check_when_idle(conn)  # idle since its last hand-out
    assert checked == [conn, other, conn]

    def broken(_conn: object) -> None:
        raise OSError("server closed the connection")

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(broken))
    clock[0] += db_pool.IDLE_S * 2
    for _ in range(2):  # still checked on the next hand-out
        with pytest.raises(OSError, match="server closed"):
            db_pool.check_when_idle(conn)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pool_whose_connections_were_cut_while_idle_answers_the_next_request(tmp_path):
    """PostgreSQL ends every connection of the web processes (a restart, a failover) while
    they sit idle: the next request after the pool's idle time gets a working one."""
    application = f"pool-cut-{os.getpid()}"
    env = _pooled_web(application, workers=1, threads=2, pool=2)

    def ask(port: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status

    with gunicorn_server(env, tmp_path / "web.log") as server:
        assert ask(server.port) == 200 and _backends(application) >= 1
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [application],
            )
        time.sleep(db_pool.IDLE_S * 1.5)
        assert [ask(server.port) for _ in range(3)] == [200] * 3
