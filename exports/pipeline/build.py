"""``build_release``: ReleaseData in, release files out (dataset → formatters → writers).

Deterministic: rows sorted, one JSON spelling, fixed Parquet and PNG settings, no wall-clock
time (``data.created`` is the only date). ``out_dir`` must be empty or absent.
"""

import gc
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from exports.pipeline import card, changelog, croissant, emos, plots, stats, tables
from exports.pipeline.archive import release_files, write_sha256sums
from exports.pipeline.data import SPLITS, ReleaseData
from exports.pipeline.messages import MediaNotFound, gettext_noop
from exports.pipeline.naming import safe_names
from exports.pipeline.selection import Selection, group_key, select
from exports.pipeline.splits import SplitItem, assign_splits, split_lists
from exports.pipeline.writers import sha256_file, write_json, write_table, write_text

# Progress texts are marked for the catalogue; whoever shows them translates them.
Progress = Callable[[float, str], None]
MEDIA_PROGRESS = {
    "reference": gettext_noop("media (reference)"),
    "include": gettext_noop("media (include)"),
    "none": gettext_noop("media (none)"),
}


def _no_progress(fraction: float, message: str) -> None:
    return None


def compute_splits(data: ReleaseData, sel: Selection) -> dict[str, str]:
    previous = data.previous
    fixed = {} if previous is None or data.options.resplit else dict(previous.splits)
    items = [
        SplitItem(c.clip_id, group_key(c), f"{sel.primary[c.clip_id]}\x00{c.language}")
        for c in sel.clips
    ]
    return assign_splits(
        items, ratios=data.options.split_ratios, seed=data.options.seed, fixed=fixed
    )


def collect_media(
    data: ReleaseData, sel: Selection, out_dir: Path, names: dict[str, str]
) -> dict[str, tables.Media]:
    """ "include": copy into ``media/<name><suffix>``; "reference": the given path with its
    hash and size (when the file is readable here); "none": nothing."""
    mode = data.options.media
    out: dict[str, tables.Media] = {}
    if mode == "none":
        return out
    for clip in sel.clips:
        if not clip.media_path:
            continue
        source = Path(clip.media_path)
        if mode == "include":
            if not source.is_file():
                raise MediaNotFound(
                    gettext_noop("media of clip %(clip)s not found: %(path)s"),
                    clip=repr(clip.clip_id),
                    path=source,
                )
            relative = f"media/{names[clip.clip_id]}{source.suffix.lower() or '.mp4'}"
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            out[clip.clip_id] = tables.Media(relative, sha256_file(target), target.stat().st_size)
        elif source.is_file():
            out[clip.clip_id] = tables.Media(
                clip.media_path, sha256_file(source), source.stat().st_size
            )
        else:
            out[clip.clip_id] = tables.Media(clip.media_path, None, None)
    return out


def _dimensions(data: ReleaseData, sel: Selection) -> list[str]:
    configured = [str(d["name"]) for d in data.trace_config.get("dimensions", [])]
    extra = sorted({d for t in sel.traces for d in t.dimensions} - set(configured))
    return configured + extra


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the build, back as it was after. The build makes
    millions of short-lived containers while the input's rows (millions of objects) stay alive;
    each collection the allocations trigger walked those rows again — a third of the build's
    time at 100,000 clips. The build leaves little cyclic garbage (a few thousand objects,
    mostly the plots' figures), collected once the collector is back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_release(
    data: ReleaseData, out_dir: Path | str, progress: Progress = _no_progress
) -> list[Path]:
    """Write the release into ``out_dir``; returns every file written, sorted."""
    with _collector_paused():
        return _build(data, Path(out_dir), progress)


def _build(data: ReleaseData, out_dir: Path, progress: Progress) -> list[Path]:
    data.options.validate()
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)

    progress(0.0, gettext_noop("selecting clips"))
    sel = select(data)
    names = safe_names(sel.clip_ids)

    progress(0.05, gettext_noop("assigning splits"))
    splits = compute_splits(data, sel)
    for split, ids in split_lists(splits).items():
        write_text(out_dir / "splits" / f"{split}.txt", "".join(f"{i}\n" for i in ids))

    progress(0.1, MEDIA_PROGRESS[data.options.media])
    media = collect_media(data, sel, out_dir, names)

    progress(0.3, gettext_noop("writing tables"))
    dimensions = _dimensions(data, sel)
    digests = changelog.Digests()
    taps = {"gold": digests.add_gold, "labels": digests.add_labels}
    all_tables = [
        write_table(table, out_dir / "data", taps.get(table.name))
        for table in (
            tables.clips_table(sel, splits, media),
            tables.labels_table(sel),
            tables.labels_table(sel, every_clip=True),
            tables.gold_table(sel, splits),
            tables.segments_table(sel),
            tables.agreement_table(sel),
            tables.traces_table(sel, dimensions),
            tables.model_drafts_table(sel, data.model_drafts),
        )
    ]

    progress(0.5, gettext_noop("EmoS layout"))
    emos.write_emos(sel, out_dir, names)

    progress(0.6, gettext_noop("plots"))
    distributions = stats.primary_distribution(sel), stats.secondary_distribution(sel)
    made = [
        plots.label_distribution(sel, out_dir / "plots" / "label_distribution.png", *distributions),
        plots.confusion(sel, out_dir / "plots" / "confusion.png"),
        plots.example_traces(sel, out_dir / "plots" / "traces.png", dimensions),
    ]
    plot_paths = [p.relative_to(out_dir).as_posix() for p in made if p is not None]

    progress(0.75, gettext_noop("changelog"))
    layers = [layer.name for layer in sel.schema]

    def summarise(clip_ids: list[str]) -> dict[str, str]:
        batches = tables.gold_table(sel, splits, clip_ids).batches
        rows = (
            dict(zip(b, values, strict=True))
            for b in batches
            for values in zip(*b.values(), strict=True)
        )
        return changelog.gold_summaries(rows, layers)

    change = changelog.changes(data.version, data.previous, digests.result(), splits, summarise)
    write_json(out_dir / "changes.json", change)
    write_text(out_dir / "CHANGELOG.md", changelog.changelog(change, data.created, data.previous))
    counts = split_lists(splits)
    write_json(
        out_dir / "release.json",
        {
            "name": data.project_slug,
            "title": data.project_name,
            "version": data.version,
            "created": data.created,
            "description": data.description,
            "previous_version": data.previous.version if data.previous else None,
            "options": data.options.as_json(),
            "label_schema": data.label_schema,
            "trace_config": data.trace_config,
            "counts": {
                "clips": len(sel.clips),
                "labels": len(sel.labels),
                "traces": len(sel.traces),
                **{f"split_{s}": len(counts[s]) for s in SPLITS},
            },
        },
    )

    progress(0.8, gettext_noop("dataset card"))
    write_text(
        out_dir / "README.md",
        card.render_card(data, sel, splits, all_tables, plot_paths, distributions),
    )

    progress(0.85, gettext_noop("Croissant metadata"))
    listed = {
        rel: sha256_file(out_dir / rel)
        for rel in release_files(out_dir)
        if rel.startswith(("data/", "splits/")) or (rel.startswith("emos/") and rel.count("/") == 1)
    }
    file_sets: dict[str, tuple[str, str]] = {}
    if any(c.kind == "stream" for c in sel.clips):
        file_sets["emos-streaming"] = ("emos/streaming/*/*.json", "application/json")
    if data.options.media == "include" and media:
        file_sets["media"] = ("media/*", "video/mp4")
    metadata = croissant.croissant(
        data,
        all_tables,
        listed,
        languages=sorted({c.language for c in sel.clips}),
        file_sets=file_sets,
    )
    write_json(out_dir / "croissant.json", metadata)

    progress(0.95, gettext_noop("checksums"))
    write_sha256sums(out_dir, listed)
    progress(1.0, gettext_noop("done"))
    return [out_dir / rel for rel in release_files(out_dir)]
