"""The live server of the tests: requests are counted so that a test's end can wait for
them, and one at a time on in-memory SQLite."""

import threading

from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection


class _Gate:
    """The requests the live server is answering. A page closing at the end of a test still
    sends its last draft (keepalive): a request writing while the test database is flushed
    can deadlock the flush. So at a test's end the gate closes (later requests get a 503
    without touching the database) and the flush waits for those in flight."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.in_flight = 0
        self.closed = False

    def enter(self) -> bool:
        with self.changed:
            if self.closed:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self.changed:
            self.in_flight -= 1
            self.changed.notify_all()

    def close_and_drain(self) -> None:
        with self.changed:
            self.closed = True
            # Bounded so that a wedged request shows up as the flush's own error, not a hang.
            self.changed.wait_for(lambda: self.in_flight == 0, timeout=60)


GATE = _Gate()
# In-memory SQLite: the live server's threads share the test's single connection, and a
# page's parallel requests on it fail with "database table is locked": one at a time there.
ONE_AT_A_TIME = threading.Lock()


class _Counted:
    """The app's response, left in flight until the server closes it. Closing it is what
    sends Django's request_finished (which closes the request's database connection), so
    the response is passed on as it came, not read into a list here."""

    def __init__(self, response) -> None:  # type: ignore[no-untyped-def]
        self.response = response

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.response)

    def close(self) -> None:
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            GATE.leave()


class GatedServer(ThreadedWSGIServer):
    def get_app(self):  # type: ignore[no-untyped-def]
        app = super().get_app()
        serialise = connection.vendor == "sqlite"

        def gated(environ, start_response):  # type: ignore[no-untyped-def]
            if not GATE.enter():
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"the test is over"]
            if serialise:  # the whole exchange under the lock, as before the gate
                try:
                    with ONE_AT_A_TIME:
                        return list(app(environ, start_response))
                finally:
                    GATE.leave()
            try:
                return _Counted(app(environ, start_response))
            except BaseException:
                GATE.leave()
                raise

        return gated
