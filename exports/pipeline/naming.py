"""File names for clip ids, which may hold "/", spaces, Chinese text or be very long.

``safe_name`` percent-encodes everything but ASCII letters, digits, "-", "_" and "." (a leading
"." too), so short names decode back with ``urllib.parse.unquote``. Names longer than
``MAX_NAME`` are cut and end in "~" plus a hash; names that would clash on a case-insensitive
file system get the hash suffix too. Every release also carries an index (clip id -> file), so
no reader has to decode anything.
"""

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

MAX_NAME = 120


def _hash(clip_id: str) -> str:
    return hashlib.sha256(clip_id.encode()).hexdigest()[:16]


# What ``quote(clip_id, safe="-_.")`` escapes: everything but its always-safe characters.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]+")


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote(text, safe="")


def _quote(match: re.Match[str]) -> str:
    return _quoted(match.group())  # the same few separators ("/", " ") in most ids


def safe_name(clip_id: str) -> str:
    # quote() only where needed: it walks every byte in Python (100,000 ids in a release).
    name = _UNSAFE.sub(_quote, clip_id)
    if name.startswith("."):
        name = "%2E" + name[1:]
    if not name:
        name = "%00empty"
    if len(name) > MAX_NAME:
        name = f"{name[: MAX_NAME - 17].rstrip('%')}~{_hash(clip_id)}"
    return name


def safe_names(clip_ids: Iterable[str]) -> dict[str, str]:
    """Clip id -> file name, unique even on case-insensitive file systems."""
    ids = sorted(set(clip_ids))
    names = {clip_id: safe_name(clip_id) for clip_id in ids}
    folded: dict[str, list[str]] = {}
    for clip_id, name in names.items():
        folded.setdefault(name.casefold(), []).append(clip_id)
    for clashing in folded.values():
        if len(clashing) > 1:
            for clip_id in clashing:
                names[clip_id] = f"{names[clip_id][: MAX_NAME - 17]}~{_hash(clip_id)}"
    return names
