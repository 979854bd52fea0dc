"""Shared fixtures. Real-stack tests (PostgreSQL + Redis + a Celery worker) are marked
``realstack``: without those services they are skipped with the reason; under CI=true a
missing service is an error, never a skip."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test.testcases import LiveServerThread
from live_gate import GATE, GatedServer
from object_storage import CREDENTIALS, REGION, client, start_moto
from web_server import stop

from clips.media.synth import synth_clip

SHARED = Path(__file__).resolve().parents[2] / "shared"
EMOS = SHARED / "emos"


def postgres_missing() -> str | None:
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "DATABASE_URL does not point at PostgreSQL"
    return None


def real_stack_missing() -> str | None:
    """Why the real stack is not configured, or None when it is."""
    if reason := postgres_missing():
        return reason
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "CELERY_BROKER_URL is not set (tasks run eagerly)"
    return None


def pytest_configure(config: pytest.Config) -> None:
    reason = real_stack_missing()
    if reason and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true needs the real stack, but {reason}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for marker, missing in (("realstack", real_stack_missing()), ("postgres", postgres_missing())):
        if missing is None:
            continue
        # Justified skip: these tests need a service this machine lacks (the issue asks that
        # `make test` still runs on SQLite and says so). It can never hide a failure in CI:
        # pytest_configure above refuses to start under CI=true without the real stack, and
        # pytest_terminal_summary prints how many real-stack tests did not run.
        skip = pytest.mark.skip(reason=f"real-stack test not run: {missing}")
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    reason = real_stack_missing()
    skipped = [
        r for r in terminalreporter.stats.get("skipped", []) if "real-stack" in str(r.longrepr)
    ]
    if reason and skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} real-stack tests were NOT run ({reason}). "
            "Run `make test` with PostgreSQL and Redis up, or see README.",
            yellow=True,
        )


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """Tests read the Chinese catalogue as it is in the tree now, not as setup last left it."""
    from django.core.management import call_command

    from annotation.management.commands.update_catalogues import IGNORED, LOCALE

    call_command("compilemessages", locale=[LOCALE], ignore_patterns=IGNORED, verbosity=0)
    from django.utils.translation import trans_real

    trans_real._translations = {}  # forget catalogues loaded before they were compiled


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """A request in Chinese leaves Chinese active in the thread (the locale middleware never
    switches back), and the next test's messages would be Chinese."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_kept_trace_shapes() -> None:
    """Each test starts with no trace shapes kept (annotation.services.traces): a database
    emptied between tests may give a new trace the id of one kept before."""
    from annotation.services import traces

    traces._SHAPES.clear()


@pytest.fixture(scope="session", autouse=True)
def live_server_media_through_the_app() -> None:
    """Django's live server answers /media/ itself, from MEDIA_ROOT, to anyone; ours checks
    who may have each file. Live-server tests (browsers, raw HTTP) must meet our view."""
    from django.test.testcases import _MediaFilesHandler

    _MediaFilesHandler._should_handle = lambda self, path: False  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _gated_live_server() -> Iterator[None]:
    original = LiveServerThread.server_class
    LiveServerThread.server_class = GatedServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(autouse=True)
def _requests_end_before_the_flush() -> Iterator[None]:
    """Torn down after the test's own fixtures (its pages) and before pytest-django flushes
    the database; every test opens the gate again for the session's one live server."""
    GATE.closed = False
    yield
    GATE.close_and_drain()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """PBKDF2 is slow on purpose; tests create many users and are not attacked."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def eager_tasks_unless_real_stack(request: pytest.FixtureRequest, settings):
    """Tests run their tasks in-process; ``realstack`` tests send them to a real worker."""
    if request.node.get_closest_marker("realstack"):
        yield
        return
    from annotation.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def sample_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real encoded media made by ffmpeg, one file per case an importer meets."""
    folder = tmp_path_factory.mktemp("sample-media")
    files = {
        "playable": synth_clip(folder / "playable.mp4", seconds=3),
        "mpeg2": synth_clip(folder / "mpeg2.mpg", seconds=3, fmt="mpg"),
        "mjpeg": synth_clip(folder / "mjpeg.avi", seconds=2, fmt="avi"),
        "silent": synth_clip(folder / "silent.mp4", seconds=2, audio=False),
    }
    # moov atom at the end, cut off: ffprobe cannot read it at all.
    whole = synth_clip(folder / "whole.mov", seconds=3, fmt="mov").read_bytes()
    (folder / "truncated.mov").write_bytes(whole[: len(whole) // 2])
    files["truncated"] = folder / "truncated.mov"
    # faststart (header first), cut off: ffprobe believes the header, the media stops early.
    whole = synth_clip(folder / "whole-faststart.mp4", seconds=6).read_bytes()
    (folder / "truncated-faststart.mp4").write_bytes(whole[: len(whole) * 2 // 5])
    files["truncated_faststart"] = folder / "truncated-faststart.mp4"
    (folder / "notes.mp4").write_text("These are meeting notes, not a video.\n")
    files["text"] = folder / "notes.mp4"
    return files


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's standalone S3 server, over HTTP on a free port, for the whole session."""
    url, proc = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield url
    stop(proc)


@pytest.fixture
def s3(s3_endpoint: str, settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A fresh bucket, and this process's storage pointed at it (STORAGE_BACKEND=s3); the
    variables, for processes the test starts."""
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": f"emos-{uuid.uuid4().hex[:12]}",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        **CREDENTIALS,
    }
    client(env).create_bucket(Bucket=env["AWS_STORAGE_BUCKET_NAME"])
    for name, value in env.items():
        setattr(settings, name, value)
    s3_storage = {"BACKEND": "annotation.storage_s3.MediaS3Storage"}
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage}  # last: storages reset
    return env
