"""Audio peaks for the timeline, in the audiowaveform JSON format (version 2, 8-bit)."""

from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np
from django.utils.translation import gettext as _

from .tools import binary, run

SAMPLE_RATE = 8000


def peaks(samples: np.ndarray, samples_per_peak: int) -> np.ndarray:
    """Interleaved (min, max) per window of mono float samples, scaled to int8 [-127, 127]."""
    n_windows = -(-len(samples) // samples_per_peak)
    if n_windows == 0:
        return np.zeros(0, dtype=np.int8)
    padded = np.zeros(n_windows * samples_per_peak, dtype=np.float32)
    padded[: len(samples)] = samples
    windows = np.clip(padded.reshape(n_windows, samples_per_peak), -1.0, 1.0)
    pairs = np.stack([windows.min(axis=1), windows.max(axis=1)], axis=1)
    return np.round(pairs * 127).astype(np.int8).reshape(-1)


def waveform(src: Path, *, peaks_per_second: int, has_audio: bool) -> dict[str, Any]:
    """Decode the first audio stream to mono and reduce it to peaks; silence when no audio."""
    samples_per_peak = max(1, SAMPLE_RATE // peaks_per_second)
    data: list[int] = []
    if has_audio:
        cmd = (
            ffmpeg.input(str(src))
            .output("pipe:", format="f32le", ac=1, ar=SAMPLE_RATE, map="0:a:0")
            .global_args("-hide_banner", "-nostdin", "-v", "error")
            .compile(cmd=binary("ffmpeg"))
        )
        raw = run(cmd, what=_("ffmpeg audio decode"))
        data = peaks(np.frombuffer(raw, dtype="<f4"), samples_per_peak).tolist()
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": SAMPLE_RATE,
        "samples_per_pixel": samples_per_peak,
        "bits": 8,
        "length": len(data) // 2,
        "data": data,
    }
