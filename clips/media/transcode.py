"""Make a clip browser-playable: stream copy when it already is, H.264/AAC MP4 otherwise (AAC
in MP4 — an M4A — for audio only)."""

from pathlib import Path
from typing import Any

import ffmpeg
from django.utils.translation import gettext as _

from .errors import MediaError
from .probe import MediaInfo, probe
from .tools import binary, run

X264_PRESET = "veryfast"
X264_CRF = 23
AAC_BITRATE = "128k"
# A stream copy or transcode that yields less than this share of the declared duration means
# the source stopped early: a truncated upload, not a short clip.
MIN_DURATION_SHARE = 0.9


def playable_command(src: Path, dst: Path, info: MediaInfo) -> list[str]:
    """The ffmpeg command line that writes ``dst`` (MP4, faststart) from ``src``."""
    source = ffmpeg.input(str(src))
    audio = [source.audio] if info.has_audio else []
    video = [source.video] if info.has_video else []
    if info.browser_playable:
        out = ffmpeg.output(*video, *audio, str(dst), c="copy", movflags="+faststart", f="mp4")
    else:
        # libx264 with yuv420p needs even dimensions.
        scaled = [v.filter("scale", "trunc(iw/2)*2", "trunc(ih/2)*2") for v in video]
        x264: dict[str, Any] = {"vcodec": "libx264", "preset": X264_PRESET, "crf": X264_CRF}
        out = ffmpeg.output(
            *scaled,
            *audio,
            str(dst),
            **({**x264, "pix_fmt": "yuv420p"} if video else {}),
            acodec="aac",
            audio_bitrate=AAC_BITRATE,
            movflags="+faststart",
            f="mp4",
        )
    out = out.global_args("-hide_banner", "-nostdin", "-v", "error")
    return out.compile(cmd=binary("ffmpeg"), overwrite_output=True)


def make_playable(src: Path, dst: Path, info: MediaInfo) -> MediaInfo:
    """Write the playable MP4 and return what ffprobe says of it (so callers store the truth)."""
    what = _("ffmpeg stream copy") if info.browser_playable else _("ffmpeg transcode")
    run(playable_command(src, dst, info), what=what)
    result = probe(dst)
    if result.duration_s < info.duration_s * MIN_DURATION_SHARE - 0.5:
        raise MediaError(
            _(
                "file is truncated or corrupt: it declares %(declared).2f s but only "
                "%(read).2f s could be read"
            )
            % {"declared": info.duration_s, "read": result.duration_s}
        )
    return result
