"""Deterministic, seeded, group-aware stratified splits.

Every clip has a group (source video, else speaker, else itself) and a stratum (primary gold
label × language). Whole groups are assigned, largest first, ties in the order of a seeded
hash of the group key; each goes to the split that is furthest below its target over the
group's strata (target = ratio × the stratum's size), ties to the split furthest below its
overall target, then to train, validation, test. No group ever spans two splits.

Clips that already had a split (the previous release, unless ``resplit``) keep it: their groups
are placed first and count towards the targets, so new clips fill what is missing.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from exports.pipeline.data import SPLITS


@dataclass(frozen=True)
class SplitItem:
    clip_id: str
    group: str
    stratum: str


def _seeded(seed: int, group: str) -> str:
    return hashlib.sha256(f"{seed}\x00{group}".encode()).hexdigest()


def assign_splits(
    items: list[SplitItem],
    *,
    ratios: tuple[float, float, float],
    seed: int,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Clip id -> "train" | "validation" | "test"."""
    fixed = fixed or {}
    groups: dict[str, list[SplitItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.clip_id):
        groups[item.group].append(item)
    totals = Counter(item.stratum for item in items)
    have = {s: Counter[str]() for s in SPLITS}
    have_total = dict.fromkeys(SPLITS, 0)
    out: dict[str, str] = {}

    def place(members: list[SplitItem], split: str) -> None:
        for item in members:
            out[item.clip_id] = split
            have[split][item.stratum] += 1
        have_total[split] += len(members)

    open_groups = []
    for key in sorted(groups):
        members = groups[key]
        before = Counter(fixed[i.clip_id] for i in members if fixed.get(i.clip_id) in SPLITS)
        if before:
            # The split most of the group had (ties in split order): it stays whole.
            place(members, max(SPLITS, key=lambda s: (before[s], -SPLITS.index(s))))
        else:
            open_groups.append(key)
    open_groups.sort(key=lambda k: (-len(groups[k]), _seeded(seed, k)))
    candidates = [s for s, r in zip(SPLITS, ratios, strict=True) if r > 0] or ["train"]
    ratio = dict(zip(SPLITS, ratios, strict=True))
    n = len(items)
    for key in open_groups:
        members = groups[key]
        counts = Counter(i.stratum for i in members)

        def need(split: str, counts: Counter[str] = counts) -> tuple[float, float, int]:
            per_stratum = sum(
                c * (ratio[split] * totals[k] - have[split][k]) for k, c in counts.items()
            )
            overall = ratio[split] * n - have_total[split]
            return (round(per_stratum, 9), round(overall, 9), -SPLITS.index(split))

        place(members, max(candidates, key=need))
    return out


def split_lists(assignment: Mapping[str, str]) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {s: [] for s in SPLITS}
    for clip_id, split in assignment.items():
        lists[split].append(clip_id)
    return {s: sorted(ids) for s, ids in lists.items()}
