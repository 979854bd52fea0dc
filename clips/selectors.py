from collections import Counter
from collections.abc import Sequence

from clips.models import Clip

TERMINAL = {Clip.MediaStatus.READY, Clip.MediaStatus.FAILED, Clip.MediaStatus.DUPLICATE}
WAITING = set(Clip.MediaStatus.values) - TERMINAL


def media_status_counts(clip_ids: Sequence[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for start in range(0, len(clip_ids), 5000):
        counts.update(
            Clip.objects.filter(pk__in=clip_ids[start : start + 5000]).values_list(
                "media_status", flat=True
            )
        )
    return counts
