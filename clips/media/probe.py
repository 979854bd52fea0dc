"""What a file holds, according to ffprobe, and whether a browser can play it as is.

A file with audio and no picture (a speech corpus's WAV, MP3, Ogg/Opus...) is media too: its
video fields are empty and ``has_video`` is false."""

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import orjson
from django.utils.translation import gettext as _

from .errors import MediaError
from .tools import binary, run

# Containers and codecs every current browser plays in <video> without help.
MP4_FAMILY = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
PLAYABLE_VIDEO = {"h264"}
PLAYABLE_PIX_FMT = {"yuv420p", "yuvj420p"}
PLAYABLE_AUDIO = {"aac", "mp3"}


@dataclass(frozen=True, slots=True)
class MediaInfo:
    container: str
    duration_s: float
    video_codec: str  # "" for audio only
    pix_fmt: str
    width: int  # as displayed: a 90°-rotated 1280×720 stream is 720 wide
    height: int
    fps: float | None
    audio_codec: str | None
    audio_channels: int | None
    audio_sample_rate: int | None
    extra_streams: int

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    @property
    def browser_playable(self) -> bool:
        return (
            bool(MP4_FAMILY.intersection(self.container.split(",")))
            and (
                not self.has_video
                or (self.video_codec in PLAYABLE_VIDEO and self.pix_fmt in PLAYABLE_PIX_FMT)
            )
            and (self.audio_codec is None or self.audio_codec in PLAYABLE_AUDIO)
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(value: str | None) -> float | None:
    try:
        rate = Fraction(value or "")
    except (ValueError, ZeroDivisionError):
        return None
    return float(rate) if rate > 0 else None


def _duration(fmt: dict[str, Any], stream: dict[str, Any]) -> float | None:
    for source in (fmt, stream):
        try:
            value = float(source.get("duration", ""))
        except ValueError:
            continue
        if value > 0:
            return value
    return None


def _rotation(video: dict[str, Any]) -> int:
    """Degrees the player turns the picture: the display matrix's, else the old ``rotate`` tag."""
    for side in video.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"]))
    try:
        return int(float((video.get("tags") or {}).get("rotate", 0)))
    except ValueError:
        return 0


def _display_size(video: dict[str, Any]) -> tuple[int, int]:
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    return (height, width) if _rotation(video) % 180 == 90 else (width, height)


def probe(path: Path) -> MediaInfo:
    """Probe ``path``; a file that is neither video nor audio raises MediaError saying why."""
    if not path.is_file():
        raise MediaError(_("file not found: %(path)s") % {"path": path})
    if path.stat().st_size == 0:
        raise MediaError(_("file is empty"))
    out = run(
        [
            binary("ffprobe"),
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
            str(path),
        ],
        what=_("not a readable media file: ffprobe"),
        timeout=120,
    )
    data = orjson.loads(out)
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        kinds = sorted({str(s.get("codec_type")) for s in streams}) or ["none"]
        raise MediaError(
            _("no video or audio stream (found: %(kinds)s); not a media file")
            % {"kinds": ", ".join(kinds)}
        )
    video = videos[0] if videos else {}
    audio = audios[0] if audios else None
    duration = _duration(fmt, video or audios[0])
    if duration is None:
        raise MediaError(
            _("could not determine the duration; the file may be truncated or corrupt")
        )
    width, height = _display_size(video)
    return MediaInfo(
        container=str(fmt.get("format_name", "")),
        duration_s=duration,
        video_codec=str(video.get("codec_name", "")),
        pix_fmt=str(video.get("pix_fmt", "")),
        width=width,
        height=height,
        fps=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        audio_codec=str(audio["codec_name"]) if audio else None,
        audio_channels=int(audio["channels"]) if audio and audio.get("channels") else None,
        audio_sample_rate=int(audio["sample_rate"]) if audio and audio.get("sample_rate") else None,
        extra_streams=len(streams) - (1 if videos else 0) - (1 if audio else 0),
    )
