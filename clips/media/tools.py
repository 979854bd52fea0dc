"""Locating and running the ffmpeg binaries, with a time limit and readable failures."""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import MediaError, MediaToolMissing


def binary(name: str) -> str:
    """Absolute path of ffmpeg or ffprobe as configured, or a clear MediaToolMissing."""
    configured = settings.FFMPEG_BINARY if name == "ffmpeg" else settings.FFPROBE_BINARY
    path = shutil.which(configured)
    if path is None:
        var = "FFMPEG_BINARY" if name == "ffmpeg" else "FFPROBE_BINARY"
        raise MediaToolMissing(
            _(
                "%(tool)s not found (%(configured)s): install Debian's ffmpeg package "
                "(apt-get install ffmpeg) or set %(setting)s"
            )
            % {"tool": name, "configured": repr(configured), "setting": var}
        )
    return path


def tool_versions() -> dict[str, str]:
    """First line of ``-version`` for both binaries; raises MediaToolMissing."""
    versions = {}
    for name in ("ffmpeg", "ffprobe"):
        out = subprocess.run(
            [binary(name), "-hide_banner", "-version"], capture_output=True, text=True, timeout=10
        )
        versions[name] = out.stdout.splitlines()[0] if out.stdout else "unknown"
    return versions


# "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c8f4e1c0] " before a demuxer's or decoder's own message.
_COMPONENT = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*")


def last_error_line(stderr: bytes) -> str:
    """The most telling part of ffmpeg's stderr: its last line, after the component's cause
    when one said why just before (``moov atom not found``, then the generic ``Invalid data
    found when processing input``)."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    if not lines:
        return _("no output")
    # "/path/to/file: Invalid data ..." -> the reason; the clip already names its file.
    path, sep, reason = lines[-1].partition(": ")
    last = _COMPONENT.sub("", reason if sep and path.startswith("/") else lines[-1])
    causes = [_COMPONENT.sub("", line) for line in lines[:-1] if _COMPONENT.match(line)]
    return f"{causes[-1]} ({last})" if causes and causes[-1] != last else last


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _dies_with_caller() -> Callable[[], None] | None:
    """A pre-exec hook that has the kernel SIGKILL the tool when the process that started it
    dies (a worker SIGKILLed, OOM-killed, or taken down with its host): an orphaned ffmpeg
    would transcode on for nothing, into a work folder the job's next attempt removes. Only
    Linux has it; the hook calls prctl and nothing else (safe between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    caller = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != caller:  # died before prctl took effect
            os._exit(1)

    return hook


def run(args: Sequence[str], *, what: str, timeout: float | None = None) -> bytes:
    """Run an ffmpeg/ffprobe command line; return stdout or raise MediaError naming ``what``
    (a translated phrase such as "ffmpeg poster")."""
    try:
        proc = subprocess.run(
            list(args),
            capture_output=True,
            timeout=timeout or settings.FFMPEG_TIMEOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_dies_with_caller(),
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(
            # Translators: %(what)s is a step such as "ffmpeg poster" (translated on its own).
            _("%(what)s took longer than %(seconds).0f s and was stopped")
            % {"what": what, "seconds": exc.timeout}
        ) from exc
    if proc.returncode != 0:
        raise MediaError(
            # Translators: %(what)s is a step such as "ffmpeg poster"; %(reason)s is ffmpeg's
            # own (English) error line.
            _("%(what)s failed: %(reason)s")
            % {"what": what, "reason": last_error_line(proc.stderr)}
        )
    return proc.stdout
