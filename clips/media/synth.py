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
    "ogv": {"vcodec": "libtheora", "acodec": "libvorbis"},
}
# Audio without picture, as speech-emotion corpora ship it.
AUDIO_FORMATS: dict[str, dict[str, str]] = {
    "wav": {"acodec": "pcm_s16le"},
    "mp3": {"acodec": "libmp3lame"},
    "ogg": {"acodec": "libvorbis"},
    "opus": {"acodec": "libopus"},
    "m4a": {"acodec": "aac", "movflags": "+faststart"},
}


def synth_clip(
    dst: Path,
    *,
    seconds: float,
    fmt: str = "mp4",
    audio: bool = True,
    video: bool = True,
    size: str = "320x240",
    rate: int = 25,
    tone_hz: float = 220.0,
    rotation: int = 0,
) -> Path:
    """Write a clip of moving test pattern with a speech-like amplitude-modulated tone;
    ``video=False``: the tone alone (``fmt`` from AUDIO_FORMATS); ``rotation``: degrees a
    player turns the picture (MP4/MOV display matrix, as phones record portrait video)."""
    streams = []
    if video:
        streams.append(
            ffmpeg.input(f"testsrc2=size={size}:rate={rate}:duration={seconds}", f="lavfi")
        )
    if audio:
        expr = f"sin(2*PI*{tone_hz}*t)*(0.15+0.5*abs(sin(2*PI*0.4*t)))"
        streams.append(ffmpeg.input(f"aevalsrc={expr}:s=44100:d={seconds}", f="lavfi"))
    options = dict(FORMATS[fmt] if video else AUDIO_FORMATS[fmt])
    if not audio:
        options.pop("acodec")
    if options.get("vcodec") == "libx264":
        options["preset"] = "ultrafast"
    dst.parent.mkdir(parents=True, exist_ok=True)
    plain = dst.with_name(f"unrotated-{dst.name}") if rotation else dst
    run(_compile(ffmpeg.output(*streams, str(plain), t=seconds, **options)), what=dst.name)
    if rotation:
        # ffmpeg 5 writes the rotation only when remuxing, not when encoding.
        rotate = {"metadata:s:v:0": f"rotate={rotation}"}
        run(_compile(ffmpeg.input(str(plain)).output(str(dst), c="copy", **rotate)), what=dst.name)
        plain.unlink()
    return dst


def _compile(out: ffmpeg.nodes.OutputStream) -> list[str]:
    return out.global_args("-hide_banner", "-nostdin", "-v", "error").compile(
        cmd=binary("ffmpeg"), overwrite_output=True
    )
