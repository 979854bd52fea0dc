from pathlib import Path

import ffmpeg
from django.utils.translation import gettext as _

from .tools import binary, run

POSTER_MAX_WIDTH = 640


def poster_time(duration_s: float) -> float:
    """A frame early in the clip but past a fade-in: 10% in, at most 1 s."""
    return min(1.0, duration_s * 0.1)


def write_poster(src: Path, dst: Path, duration_s: float) -> None:
    """A JPEG still, at most POSTER_MAX_WIDTH wide, aspect kept."""
    out = (
        ffmpeg.input(str(src), ss=f"{poster_time(duration_s):.3f}")
        .output(str(dst), vframes=1, vf=f"scale='min({POSTER_MAX_WIDTH},iw)':-2", **{"q:v": 3})
        .global_args("-hide_banner", "-nostdin", "-v", "error")
    )
    run(out.compile(cmd=binary("ffmpeg"), overwrite_output=True), what=_("ffmpeg poster"))
