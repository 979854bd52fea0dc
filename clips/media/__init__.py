"""ffmpeg-based media handling: probe, make browser-playable, poster, waveform peaks."""

from .errors import MediaError, MediaToolMissing

__all__ = ["MediaError", "MediaToolMissing"]
