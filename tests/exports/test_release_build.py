"""build_release: byte-identical output, the file list, checksums, the archive, progress,
media modes, filters, and exactly-the-right-files-change when one gold label changes."""

import dataclasses
import gc
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from synthetic import synthetic_release, with_gold

from exports.pipeline import (
    ReleaseData,
    ReleaseOptions,
    build_release,
    make_archive,
    read_previous,
)
from exports.pipeline.archive import release_files

STATIC_FILES = {
    "CHANGELOG.md",
    "README.md",
    "SHA256SUMS",
    "changes.json",
    "croissant.json",
    "release.json",
    *(f"data/{t}.{ext}" for t in ("clips", "labels", "labels_all", "gold", "segments", "agreement",
                                  "model_drafts")
      for ext in ("parquet", "jsonl")),
    "data/traces.parquet",
    "emos/basic7_high.jsonl",
    "emos/basic7_medium.jsonl",
    "emos/basic7_low.jsonl",
    "emos/goemotions_soft.jsonl",
    "emos/streaming_index.jsonl",
    "plots/label_distribution.png",
    "plots/confusion.png",
    "plots/traces.png",
    "splits/train.txt",
    "splits/validation.txt",
    "splits/test.txt",
}  # fmt: skip


def _contents(folder: Path) -> dict[str, bytes]:
    return {rel: (folder / rel).read_bytes() for rel in release_files(folder)}


def _changed(a: Path, b: Path) -> set[str]:
    left, right = _contents(a), _contents(b)
    return {rel for rel in left.keys() | right.keys() if left.get(rel) != right.get(rel)}


def test_release_has_the_documented_files(release_dir: Path) -> None:
    files = set(release_files(release_dir))
    assert files >= STATIC_FILES
    streaming = sorted(f for f in files - STATIC_FILES)
    assert streaming == sorted(
        f"emos/streaming/{name}/{leaf}"
        for name in ("Film%20A", "Film%2FB", "%E7%94%B5%E5%BD%B1%20C", "Film%20D")
        for leaf in (f"{name}.emotion.json", "sentence_level_timestamps.json")
    )


def test_building_twice_gives_identical_files_and_archives(tmp_path: Path) -> None:
    media = tmp_path / "media-source"
    data = synthetic_release(media_dir=media, options=ReleaseOptions(media="include"))
    first, second = tmp_path / "one" / "rel", tmp_path / "two" / "rel"
    build_release(data, first)
    build_release(synthetic_release(media_dir=media, options=ReleaseOptions(media="include")),
                  second)  # fmt: skip
    assert (first / "SHA256SUMS").read_bytes() == (second / "SHA256SUMS").read_bytes()
    assert _contents(first) == _contents(second)
    one = make_archive(first, tmp_path / "one" / "emos-demo-1.0.0.tar.gz")
    two = make_archive(second, tmp_path / "two" / "emos-demo-1.0.0.tar.gz")
    assert one.read_bytes() == two.read_bytes()


def test_pngs_carry_no_software_or_time_chunk(release_dir: Path) -> None:
    for png in (release_dir / "plots").glob("*.png"):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG")
        assert b"Software" not in data and b"tIME" not in data


def test_sha256sums_cover_every_file(release_dir: Path) -> None:
    lines = (release_dir / "SHA256SUMS").read_text().splitlines()
    listed = [line.split("  ", 1)[1] for line in lines]
    assert listed == sorted(listed)
    assert set(listed) == set(release_files(release_dir)) - {"SHA256SUMS"}
    for line in lines:
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256((release_dir / rel).read_bytes()).hexdigest() == digest


def test_archive_is_normalised(release_dir: Path, tmp_path: Path) -> None:
    archive = make_archive(release_dir, tmp_path / "emos-demo-1.0.0.tar.gz")
    raw = archive.read_bytes()
    assert raw[:3] == b"\x1f\x8b\x08"
    assert raw[3] & 0x08 == 0  # no file name in the gzip header
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "emos-demo-1.0.0"
    assert names[1:] == sorted(names[1:])
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 for m in members)
    assert all(m.uname == "" and m.gname == "" for m in members)
    assert {m.mode for m in members if m.isfile()} == {0o644}
    assert {m.mode for m in members if m.isdir()} == {0o755}
    files = {m.name.split("/", 1)[1] for m in members if m.isfile()}
    assert files == set(release_files(release_dir))
    assert gzip.decompress(raw)  # a valid stream


def test_progress_rises_to_one(release_data: ReleaseData, tmp_path: Path) -> None:
    calls: list[tuple[float, str]] = []
    build_release(release_data, tmp_path / "rel", lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)
    assert len(calls) >= 8


def test_the_collector_pauses_for_the_build_and_is_left_as_it_was(
    release_data: ReleaseData, tmp_path: Path
) -> None:
    """The cyclic collector walked the input's rows again and again while the build
    allocated (a third of a 100,000-clip build): it is off for the build, then as before."""
    during: list[bool] = []
    build_release(release_data, tmp_path / "on", lambda f, m: during.append(gc.isenabled()))
    assert during and not any(during)
    assert gc.isenabled()
    gc.disable()
    try:
        build_release(release_data, tmp_path / "off")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_refuses_a_non_empty_directory(release_data: ReleaseData, tmp_path: Path) -> None:
    (tmp_path / "stale.txt").write_text("left over")
    with pytest.raises(ValueError, match="not empty"):
        build_release(release_data, tmp_path)


def _a_static_high_clip(data: ReleaseData) -> str:
    return next(
        g.clip_id for g in sorted(data.gold, key=lambda g: g.clip_id)
        if g.provenance == "unanimous" and "basic7" in g.payload
    )  # fmt: skip


def test_one_gold_label_changes_exactly_the_files_it_should(
    release_dir: Path, release_data: ReleaseData, tmp_path: Path
) -> None:
    previous = read_previous(release_dir)
    base = dataclasses.replace(release_data, version="1.1.0", previous=previous)
    clip_id = _a_static_high_clip(release_data)
    old = next(g for g in release_data.gold if g.clip_id == clip_id).payload["basic7"]
    new = "Anger" if old != "Anger" else "Joy"
    build_release(base, tmp_path / "same")
    build_release(with_gold(base, clip_id, basic7=new), tmp_path / "changed")

    assert _changed(tmp_path / "same", tmp_path / "changed") == {
        "data/gold.parquet",
        "data/gold.jsonl",
        "emos/basic7_high.jsonl",  # the clip's tier file
        "plots/label_distribution.png",
        "plots/confusion.png",
        "README.md",  # label distribution table
        "CHANGELOG.md",
        "changes.json",
        "croissant.json",  # the gold files' SHA-256
        "SHA256SUMS",
    }
    unchanged = json.loads((tmp_path / "same" / "changes.json").read_text())
    assert unchanged["gold_changed"] == [] and unchanged["labels_changed"] == []
    assert unchanged["added"] == [] and unchanged["removed"] == []
    changes = json.loads((tmp_path / "changed" / "changes.json").read_text())
    assert changes["previous_version"] == "1.0.0"
    assert [c["clip_id"] for c in changes["gold_changed"]] == [clip_id]
    assert f"basic7={old}" in changes["gold_changed"][0]["before"]
    assert f"basic7={new}" in changes["gold_changed"][0]["after"]
    changelog = (tmp_path / "changed" / "CHANGELOG.md").read_text()
    assert f"| `{clip_id}` |" in changelog and f"basic7={new}" in changelog
    assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")  # history kept


def test_gold_changed_lists_only_clips_whose_decision_changed(
    release_dir: Path, release_data: ReleaseData, tmp_path: Path
) -> None:
    """A gold label re-derived to the same decision (new version and time) is not a change;
    the same labels with another provenance or tier are, and the summaries show how."""
    clip_id = _a_static_high_clip(release_data)
    rederived, reprovenanced = (
        [dataclasses.replace(g, **fields) if g.clip_id == clip_id else g for g in release_data.gold]
        for fields in (
            {"version": 7, "decided_at": "2031-01-01T00:00:00+00:00"},
            {"provenance": "adjudicated", "tier": "", "confidence": None, "rationale": "seen"},
        )
    )
    previous = read_previous(release_dir)
    for gold, out in ((rederived, "same"), (reprovenanced, "decided")):
        data = dataclasses.replace(release_data, version="1.1.0", previous=previous, gold=gold)
        build_release(data, tmp_path / out)
    same = json.loads((tmp_path / "same" / "changes.json").read_text())
    assert same["gold_changed"] == []
    decided = json.loads((tmp_path / "decided" / "changes.json").read_text())["gold_changed"]
    assert [c["clip_id"] for c in decided] == [clip_id]
    assert decided[0]["before"] != decided[0]["after"]
    assert "adjudicated" in decided[0]["after"] and "adjudicated" not in decided[0]["before"]


def test_changelog_lists_added_removed_and_relabelled_clips(
    release_dir: Path, release_data: ReleaseData, tmp_path: Path
) -> None:
    gone = sorted(c.clip_id for c in release_data.clips if c.kind == "static")[0]
    relabelled = sorted(c.clip_id for c in release_data.clips if c.kind == "static")[5]
    label = next(r for r in release_data.labels if r.clip_id == relabelled)
    fresh = dataclasses.replace(
        next(c for c in release_data.clips if c.clip_id == gone), clip_id="new/clip 1"
    )
    fresh_gold = dataclasses.replace(
        next(g for g in release_data.gold if g.clip_id == gone), clip_id="new/clip 1"
    )
    data = dataclasses.replace(
        release_data,
        version="1.1.0",
        previous=read_previous(release_dir),
        clips=[c for c in release_data.clips if c.clip_id != gone] + [fresh],
        gold=[g for g in release_data.gold if g.clip_id != gone] + [fresh_gold],
        labels=[
            dataclasses.replace(r, payload={**r.payload, "intensity": 1}) if r is label else r
            for r in release_data.labels
        ],
    )
    out = tmp_path / "rel"
    build_release(data, out)
    changes = json.loads((out / "changes.json").read_text())
    assert changes["added"] == ["new/clip 1"]
    assert changes["removed"] == [gone]
    assert changes["labels_changed"] == [relabelled]
    assert changes["gold_changed"] == []
    text = (out / "CHANGELOG.md").read_text()
    assert "1 added, 1 removed" in text and "`new/clip 1`" in text and f"`{relabelled}`" in text


def test_first_release_changelog(release_dir: Path) -> None:
    assert "First release: 64 clips." in (release_dir / "CHANGELOG.md").read_text()
    assert json.loads((release_dir / "changes.json").read_text())["first_release"] is True


def test_read_previous_matches_the_release(release_dir: Path) -> None:
    previous = read_previous(release_dir)
    assert previous.version == "1.0.0"
    assert len(previous.gold_digests) == 64 and len(previous.label_digests) == 64
    assert sum(1 for _ in previous.splits) == 64
    assert previous.changelog.startswith("# Changelog")


@pytest.mark.parametrize("mode", ["include", "reference", "none"])
def test_media_modes(mode: str, tmp_path: Path) -> None:
    import pandas as pd

    data = synthetic_release(media_dir=tmp_path / "src", options=ReleaseOptions(media=mode))  # type: ignore[arg-type]
    out = tmp_path / "rel"
    build_release(data, out)
    clips = pd.read_parquet(out / "data" / "clips.parquet")
    media_files = sorted((out / "media").glob("*")) if (out / "media").exists() else []
    if mode == "none":
        assert clips["media_path"].isna().all() and not media_files
        return
    sums = (out / "SHA256SUMS").read_text()
    for row in clips.itertuples():
        assert isinstance(row.media_path, str) and isinstance(row.media_sha256, str)
        source = out / row.media_path if mode == "include" else Path(row.media_path)
        assert hashlib.sha256(source.read_bytes()).hexdigest() == row.media_sha256
        assert source.stat().st_size == row.media_bytes
        if mode == "include":
            assert row.media_path.startswith("media/") and f"  {row.media_path}\n" in sums
        else:
            assert Path(row.media_path).is_absolute()
    assert len(media_files) == (64 if mode == "include" else 0)


def test_filters_choose_the_clips(release_data: ReleaseData, tmp_path: Path) -> None:
    import pandas as pd

    options = ReleaseOptions(tiers=("high",), provenances=("unanimous", "adjudicated"))
    out = tmp_path / "rel"
    build_release(dataclasses.replace(release_data, options=options), out)
    expected = sorted(
        g.clip_id for g in release_data.gold
        if g.provenance in ("unanimous", "adjudicated") and (g.tier or "high") == "high"
    )  # fmt: skip
    gold = pd.read_parquet(out / "data" / "gold.parquet")
    assert sorted(gold["clip_id"]) == expected
    assert set(pd.read_parquet(out / "data" / "labels.parquet")["clip_id"]) == set(expected)
    # labels_all: every clip's first-layer labels, those the filters leave out too.
    every = pd.read_parquet(out / "data" / "labels_all.parquet")
    assert set(every["clip_id"]) == {r.clip_id for r in release_data.labels} > set(expected)
    assert set(pd.read_parquet(out / "data" / "traces.parquet")["clip_id"]) <= set(expected)
    in_splits = [
        line for s in ("train", "validation", "test")
        for line in (out / "splits" / f"{s}.txt").read_text().splitlines()
    ]  # fmt: skip
    assert sorted(in_splits) == expected
    assert (out / "emos" / "basic7_medium.jsonl").read_text() == ""


def test_bad_options_are_refused(release_data: ReleaseData, tmp_path: Path) -> None:
    for options, message in [
        (ReleaseOptions(split_ratios=(0.5, 0.2, 0.2)), "sum to 1"),
        (ReleaseOptions(tiers=("gold",)), "unknown tier"),
        (ReleaseOptions(provenances=("guess",)), "unknown provenance"),
    ]:
        with pytest.raises(ValueError, match=message):
            build_release(dataclasses.replace(release_data, options=options), tmp_path / "x")


BUILD_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[2])
from synthetic import synthetic_release
from exports.pipeline import build_release
build_release(synthetic_release(), sys.argv[1])
"""


def test_other_processes_build_the_same_bytes(release_dir: Path, tmp_path: Path) -> None:
    """Across interpreter runs, with different hash seeds (set iteration order) too."""
    here = Path(__file__).parent
    for seed in ("1", "2"):
        out = tmp_path / f"rel-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLCONFIGDIR": str(tmp_path / "mpl")}
        env.setdefault("DJANGO_SETTINGS_MODULE", "annotation.settings")
        subprocess.run(
            [sys.executable, "-c", BUILD_SCRIPT, str(out), str(here)],
            check=True, env=env, cwd=here.parents[1], timeout=300,
        )  # fmt: skip
        assert (out / "SHA256SUMS").read_text() == (release_dir / "SHA256SUMS").read_text()


def test_line_separators_inside_text_survive_the_next_release(
    release_dir: Path, release_data: ReleaseData, tmp_path: Path
) -> None:
    """JSONL rows end at "\\n" only: U+2028, U+2029 and U+0085 are written unescaped inside
    strings (a rationale, a clip id) and must not split a row when the release is read back."""
    odd = "line\u2028sep\u2029para\x85next"
    clip_id = _a_static_high_clip(release_data)
    renamed = "clip\u2028" + clip_id

    def rename(row: object) -> object:
        return dataclasses.replace(row, clip_id=renamed) if row.clip_id == clip_id else row  # type: ignore[attr-defined]

    data = dataclasses.replace(
        release_data,
        clips=[rename(c) for c in release_data.clips],  # type: ignore[misc]
        labels=[rename(r) for r in release_data.labels],  # type: ignore[misc]
        agreement=[rename(a) for a in release_data.agreement],  # type: ignore[misc]
        gold=[
            dataclasses.replace(rename(g), rationale=odd)  # type: ignore[type-var]
            for g in release_data.gold
        ],
    )
    build_release(data, tmp_path / "first")
    previous = read_previous(tmp_path / "first")
    assert renamed in previous.gold_digests and renamed in previous.splits
    build_release(
        dataclasses.replace(data, version="1.1.0", previous=previous), tmp_path / "second"
    )
    changes = json.loads((tmp_path / "second" / "changes.json").read_text())
    assert (changes["added"], changes["removed"]) == ([], [])
    assert (changes["gold_changed"], changes["labels_changed"]) == ([], [])
