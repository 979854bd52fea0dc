"""Synthetic media from ffmpeg's lavfi test sources, for demo data, tests and benchmarks."""

from pathlib import Path

import ffmpeg

from .tools import binary, run

# Codec settings per container: the cases an importer meets in the wild.
FORMATS: dict[str, dict[str, str]] = {
    "mp4": {"vcodec": "libx264", "pix_fmt": "yuv420p", "acodec": "aac", "movflags": "+faststart"},
    "mov": {"vcodec": "libx264", "pix_fmt": "yuv420p", "acodec": "aac"},  # moov at the end
    "mpg": {"vcodec": "mpeg2video", "acodec": "mp2", "f": "mpeg"},
    "avi": {"vcodec": "mjpeg", "acodec": "pcm_s16le", "q:v": "5"},
    "webm": {"vcodec": "libvpx", "acodec": "libvorbis", "deadline": "realtime"},
}


def synth_clip(
    dst: Path,
    *,
    seconds: float,
    fmt: str = "mp4",
    audio: bool = True,
    size: str = "320x240",
    rate: int = 25,
    tone_hz: float = 220.0,
) -> Path:
    """Write a clip of moving test pattern with a speech-like amplitude-modulated tone."""
    video = ffmpeg.input(f"testsrc2=size={size}:rate={rate}:duration={seconds}", f="lavfi")
    streams = [video]
    if audio:
        expr = f"sin(2*PI*{tone_hz}*t)*(0.15+0.5*abs(sin(2*PI*0.4*t)))"
        streams.append(ffmpeg.input(f"aevalsrc={expr}:s=44100:d={seconds}", f="lavfi"))
    options = dict(FORMATS[fmt])
    if not audio:
        options.pop("acodec")
    if options.get("vcodec") == "libx264":
        options["preset"] = "ultrafast"
    cmd = (
        ffmpeg.output(*streams, str(dst), t=seconds, **options)
        .global_args("-hide_banner", "-nostdin", "-v", "error")
        .compile(cmd=binary("ffmpeg"), overwrite_output=True)
    )
    dst.parent.mkdir(parents=True, exist_ok=True)
    run(cmd, what=f"synthesising {dst.name}")
    return dst
