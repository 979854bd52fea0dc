"""What changed since the previous release: per-clip digests of gold and raw labels, the
``changes.json`` record and the ``CHANGELOG.md`` section (newest first, earlier sections kept).

Digests are SHA-256 of the canonical JSON of the rows as written to ``data/gold.jsonl``
(without ``split``) and ``data/labels.jsonl``, so ``read_previous`` recomputes them from an
earlier release's files alone. ``Digests`` takes the rows as the writer streams them, in
batches of columns with their JSON spelling (Arrow arrays), and hashes each row's spelling with
sorted keys.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from annotation.domain.schema import LabelSchema
from exports.pipeline.arrowjson import arrow_objects
from exports.pipeline.data import SPLITS, PreviousRelease
from exports.pipeline.jsonfmt import canonical, fragments, text_lines
from exports.pipeline.mdtext import code_span, inline

HEADER = "# Changelog\n\n"
LIST_LIMIT = 200


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sha(value: Any) -> str:
    return _digest(canonical(value))


# A gold row's bookkeeping: re-deriving the same decision (a new version, a new time) or a
# new split is not "gold changed"; n_annotators moves with the raw labels, listed on their own.
BOOKKEEPING = frozenset({"split", "version", "decided_at", "n_annotators"})


def _confidence(row: dict[str, Any]) -> float | None:
    value = row.get("confidence")
    return round(value, 2) if isinstance(value, int | float) else None


def _labels_summary(row: dict[str, Any], layers: list[str]) -> str:
    if isinstance(row.get("segments"), list):
        return f"{row.get('primary_label') or '-'} ({len(row['segments'])} segments)"
    parts = []
    for key in layers:
        value = row.get(key)
        if isinstance(value, list):
            value = "+".join(str(v) for v in value) or "-"
        if value is not None:
            parts.append(f"{key}={value}")
    return ", ".join(parts) or "-"


def gold_summary(row: dict[str, Any], layers: list[str]) -> str:
    """ "basic7=Joy, goemotions=joy+pride, intensity=3 · majority, high, 0.67"; streaming:
    "Anger (5 segments) · …"; a rationale or note shows as its digest's first characters,
    so two summaries differ whenever the digests do."""
    how = [row.get("provenance") or "-", row.get("tier") or "-"]
    if (confidence := _confidence(row)) is not None:
        how.append(f"{confidence:.2f}")
    text = f"{_labels_summary(row, layers)} · {', '.join(how)}"
    words = {k: row[k] for k in ("rationale", "note") if row.get(k)}
    return text + (f" · rationale/note #{_sha(words)[:8]}" if words else "")


def layer_names(label_schema: dict[str, Any]) -> list[str]:
    return [layer.name for layer in LabelSchema.parse(label_schema)]


def _canonical(values: Sequence[Any], spelled: pa.Array) -> pa.Array:
    """``canonical`` of each value, given its ``compact`` spelling: they differ only where an
    object (whose keys get sorted) is inside."""
    objects = pc.match_substring(spelled, "{")
    if not pc.any(objects).as_py():
        return spelled
    texts = spelled.to_pylist()
    for i in pc.indices_nonzero(objects).to_pylist():
        texts[i] = canonical(values[i])
    return pa.array(texts, pa.string())


class Digests:
    """(gold digests, label digests) by clip id, from batches of rows.

    A gold digest covers the decision: labels, provenance, tier, confidence to the two places
    shown, rationale (not ``BOOKKEEPING``); a label digest covers a clip's rows, every column,
    ordered by annotator and revision. Label rows arrive sorted by clip."""

    def __init__(self) -> None:
        self.gold: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self._clip: str | None = None
        self._rows: list[tuple[str, Any, Any, str]] = []  # (clip, annotator, revision, row)

    def add_gold(self, batch: dict[str, Any], spelled: dict[str, pa.Array]) -> None:
        names = sorted(set(batch) - BOOKKEEPING | {"confidence"})
        confidence = [
            round(v, 2) if isinstance(v, int | float) else None
            for v in batch.get("confidence", [None] * len(batch["clip_id"]))
        ]
        columns = [
            pa.array(fragments(confidence), pa.string())
            if name == "confidence"
            else _canonical(batch[name], spelled[name])
            for name in names
        ]
        texts = arrow_objects(names, columns).to_pylist()
        self.gold.update(zip(batch["clip_id"], map(_digest, texts), strict=True))

    def add_labels(self, batch: dict[str, Any], spelled: dict[str, pa.Array]) -> None:
        names = sorted(batch)
        texts = arrow_objects(names, [_canonical(batch[n], spelled[n]) for n in names]).to_pylist()
        rows = zip(batch["clip_id"], batch["annotator"], batch["revision"], texts, strict=True)
        for clip_id, group in groupby(rows, key=itemgetter(0)):
            if clip_id != self._clip:
                self._close_clip()
                self._clip = clip_id
            self._rows += group

    def _close_clip(self) -> None:
        if self._clip is not None:
            rows = sorted(self._rows, key=itemgetter(1, 2))
            self.labels[self._clip] = _digest("[" + ",".join(r[3] for r in rows) + "]")
        self._clip, self._rows = None, []

    def result(self) -> tuple[dict[str, str], dict[str, str]]:
        self._close_clip()
        return self.gold, self.labels


def gold_summaries(rows: Iterable[dict[str, Any]], layers: list[str]) -> dict[str, str]:
    """``gold_summary`` of each gold row (as in ``data/gold.jsonl``) by clip id."""
    return {row["clip_id"]: gold_summary(row, layers) for row in rows}


def _batch(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, pa.Array]]:
    names = list(dict.fromkeys(k for row in rows for k in row))
    batch = {name: [row.get(name) for row in rows] for name in names}
    return batch, {name: pa.array(fragments(values), pa.string()) for name, values in batch.items()}


def digests(
    gold_rows: list[dict[str, Any]], label_rows: list[dict[str, Any]], layers: list[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(gold digests, label digests, gold summaries) by clip id, from rows as in the JSONL
    files."""
    result = Digests()
    if gold_rows:
        result.add_gold(*_batch(gold_rows))
    if label_rows:
        result.add_labels(*_batch(sorted(label_rows, key=lambda r: r["clip_id"])))
    return (*result.result(), gold_summaries(gold_rows, layers))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in text_lines(path.read_text("utf-8")) if line.strip()]


def read_previous(release_dir: Path | str) -> PreviousRelease:
    """What the next build needs of an earlier release, from its files (an unpacked archive or
    the build directory): ``release.json``, ``data/gold.jsonl``, ``data/labels.jsonl``,
    ``splits/*.txt`` and ``CHANGELOG.md``."""
    release_dir = Path(release_dir)
    manifest = json.loads((release_dir / "release.json").read_text("utf-8"))
    gold, labels, summaries = digests(
        _read_jsonl(release_dir / "data" / "gold.jsonl"),
        _read_jsonl(release_dir / "data" / "labels.jsonl"),
        layer_names(manifest.get("label_schema") or {}),
    )
    splits: dict[str, str] = {}
    for split in SPLITS:
        path = release_dir / "splits" / f"{split}.txt"
        if path.is_file():
            splits.update((line, split) for line in text_lines(path.read_text("utf-8")) if line)
    changelog = release_dir / "CHANGELOG.md"
    return PreviousRelease(
        version=str(manifest["version"]),
        gold_digests=gold,
        label_digests=labels,
        gold_summaries=summaries,
        splits=splits,
        changelog=changelog.read_text("utf-8") if changelog.is_file() else "",
    )


def changes(
    version: str,
    previous: PreviousRelease | None,
    current: tuple[dict[str, str], dict[str, str]],
    splits: dict[str, str],
    summarise: Callable[[list[str]], Mapping[str, str]],
) -> dict[str, Any]:
    """``current``: ``Digests.result()``; ``summarise``: the gold summaries of the given
    clips (asked only of those whose gold changed)."""
    gold, labels = current
    if previous is None:
        return {"version": version, "previous_version": None, "first_release": True,
                "n_clips": len(gold)}  # fmt: skip
    before, now = set(previous.gold_digests), set(gold)
    both = sorted(before & now)
    changed = [c for c in both if previous.gold_digests[c] != gold[c]]
    summaries = summarise(changed)
    return {
        "version": version,
        "previous_version": previous.version,
        "first_release": False,
        "n_clips": len(gold),
        "added": sorted(now - before),
        "removed": sorted(before - now),
        "gold_changed": [
            {
                "clip_id": c,
                "before": previous.gold_summaries.get(c, ""),
                "after": summaries[c],
            }
            for c in changed
        ],
        "labels_changed": [c for c in both if previous.label_digests.get(c) != labels.get(c)],
        "split_changed": [
            {"clip_id": c, "before": previous.splits[c], "after": splits[c]}
            for c in both
            if c in previous.splits and previous.splits[c] != splits[c]
        ],
    }


def _ids(title: str, ids: list[str]) -> list[str]:
    if not ids:
        return []
    lines = [f"### {title} ({len(ids)})", ""]
    lines += [f"- {code_span(c)}" for c in ids[:LIST_LIMIT]]  # clip ids are data: literal
    if len(ids) > LIST_LIMIT:
        lines.append(f"- … and {len(ids) - LIST_LIMIT} more (see changes.json)")
    return [*lines, ""]


def changelog_section(change: dict[str, Any], created: str) -> str:
    lines = [f"## {inline(change['version'])} ({inline(created)})", ""]
    if change["first_release"]:
        lines += [f"First release: {change['n_clips']} clips.", ""]
        return "\n".join(lines)
    lines += [
        f"Against {inline(change['previous_version'])}: {change['n_clips']} clips; "
        f"{len(change['added'])} added, {len(change['removed'])} removed, gold changed on "
        f"{len(change['gold_changed'])}, raw labels changed on {len(change['labels_changed'])}"
        f", split changed on {len(change['split_changed'])}.",
        "",
    ]
    lines += _ids("Added", change["added"])
    lines += _ids("Removed", change["removed"])
    if change["gold_changed"]:
        lines += [f"### Gold changed ({len(change['gold_changed'])})", ""]
        lines += ["| clip | before | after |", "| --- | --- | --- |"]
        lines += [
            f"| {code_span(c['clip_id'], in_table=True)} | {inline(c['before'])} "
            f"| {inline(c['after'])} |"
            for c in change["gold_changed"][:LIST_LIMIT]
        ]
        lines.append("")
    lines += _ids("Raw labels changed", change["labels_changed"])
    lines += _ids("Split changed", [c["clip_id"] for c in change["split_changed"]])
    return "\n".join(lines)


def changelog(change: dict[str, Any], created: str, previous: PreviousRelease | None) -> str:
    earlier = previous.changelog.removeprefix(HEADER).strip() if previous else ""
    text = HEADER + changelog_section(change, created).rstrip() + "\n"
    return text + ("\n" + earlier + "\n" if earlier else "")
