"""Concurrency tests on PostgreSQL: hold rows locked in another thread while others queue
behind them, and know when they do."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import QuerySet


def waiting_on_locks() -> int:
    """How many sessions of this database wait on a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def until(done: Callable[[], bool]) -> None:
    """Poll ``done`` (no time limit: the machine may be slow; a hang is a failure too)."""
    while not done():
        threading.Event().wait(0.01)


@contextmanager
def held(rows: QuerySet) -> Iterator[None]:  # type: ignore[type-arg]
    """``rows`` locked (FOR UPDATE) by another connection until the block ends; then that
    transaction commits."""
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                list(rows.select_for_update().order_by("pk").values_list("pk"))
                locked.set()
                release.wait()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait()
    try:
        yield
    finally:
        release.set()
        thread.join()
    assert not errors, errors[0]


class Running:
    """Each call in its own thread (its own connection, closed after); ``join`` gives their
    results in order, or raises the first error."""

    def __init__(self, *calls: Callable[[], object]) -> None:
        self.results: list[object] = [None] * len(calls)
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._run, args=(i, call)) for i, call in enumerate(calls)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self, i: int, call: Callable[[], object]) -> None:
        try:
            self.results[i] = call()
        except BaseException as exc:  # surfaced by join
            self.errors.append(exc)
        finally:
            connection.close()

    def alive(self) -> int:
        return sum(thread.is_alive() for thread in self.threads)

    def join(self) -> list[object]:
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return self.results
