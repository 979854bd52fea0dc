"""Turn import arguments (media files, folders, CSV manifests) into clip records.

Nothing here touches the database: problems with one input are collected and reported, and
the rest of the import goes on.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clips.importers.records import ClipRecord
from clips.importers.segments import (
    SegmentFileError,
    parse_segments,
    read_emos_sentence_file,
    read_emos_sentence_source,
)

VIDEO_EXTENSIONS = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ogv", ".avi", ".mpg", ".mpeg", ".ts", ".flv",
    ".wmv", ".3gp",
}  # fmt: skip
# Speech-emotion corpora are audio: ingested as audio-only clips.
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wma"}
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
SUBTITLE_EXTENSIONS = (".srt", ".vtt")
EMOS_SENTENCES = "sentence_level_timestamps.json"
KINDS = ("static", "stream")
# A manifest's path naming a source the ingest fetches itself (clips.sources).
REMOTE = re.compile(r"^(s3|https?)://", re.IGNORECASE)
LANGUAGES = ("zh", "en")
MANIFEST_FIELDS = (
    "path", "external_id", "kind", "language", "title", "transcript", "speaker",
    "source_video", "batch", "segments",
)  # fmt: skip


class ManifestError(ValueError):
    """A manifest that cannot be read at all (as opposed to one bad row)."""


@dataclass(slots=True)
class Collected:
    records: list[ClipRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    segment_files: set[Path] = field(default_factory=set)  # read beside the media


def collect(paths: Iterable[Path], *, kind: str | None, language: str | None) -> Collected:
    """Records for every input. ``kind``/``language`` override what the inputs say."""
    out = Collected()
    for path in paths:
        if not path.exists():
            out.problems.append(f"{path}: no such file or folder")
        elif path.is_dir():
            _collect_folder(path, out, kind=kind, language=language)
        elif path.suffix.lower() == ".csv":
            _collect_manifest(path, out, kind=kind, language=language)
        else:
            out.records.append(
                _media_record(path, path.stem, kind=kind, language=language, out=out)
            )
    return out


def folder_clip_id(root: Path, video: Path) -> str:
    """The clip id of a video found in a folder: its relative path without extension
    (``video_0001/0001``, CH-SIMS style), or the folder's path when the video is the folder's
    film: named like its folder (``A Few Good Men/A Few Good Men.mp4`` is ``A Few Good Men``)
    or as the folder's EmoS sentence file names it (``Black Ice/黑冰.mp4``, its ``clip``
    field, is ``Black Ice``) — the id the film's labels carry."""
    relative = video.relative_to(root).with_suffix("")
    if relative.name == relative.parent.name or _is_emos_film(video):
        return relative.parent.as_posix() if relative.parent != Path(".") else root.name
    return relative.as_posix()


def _is_emos_film(video: Path) -> bool:
    sentences = video.parent / EMOS_SENTENCES
    return sentences.is_file() and read_emos_sentence_source(sentences).get("clip") == video.name


def _collect_folder(root: Path, out: Collected, *, kind: str | None, language: str | None) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    videos = [p for p in files if p.suffix.lower() in MEDIA_EXTENSIONS]
    if not videos:
        out.problems.append(
            f"{root}: no media files (looked for {', '.join(sorted(MEDIA_EXTENSIONS))})"
        )
    for video in videos:
        external_id = folder_clip_id(root, video)
        out.records.append(_media_record(video, external_id, kind=kind, language=language, out=out))
    # Every file the import did not take, with why: nothing is left out silently.
    for path in files:
        if path not in out.segment_files and path.suffix.lower() not in MEDIA_EXTENSIONS:
            out.problems.append(f"{path}: not imported, {_skip_reason(path)}")


def _skip_reason(path: Path) -> str:
    if path.suffix.lower() in SUBTITLE_EXTENSIONS or path.name == EMOS_SENTENCES:
        return "segments without a media file they belong to"
    return f"{path.suffix or 'no extension'} is not a media file"


def _segment_file_for(video: Path) -> Path | None:
    """A subtitle named like the video, or EmoS's per-film sentence file beside a lone video."""
    for suffix in SUBTITLE_EXTENSIONS:
        candidate = video.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    emos = video.parent / EMOS_SENTENCES
    siblings = [p for p in video.parent.iterdir() if p.suffix.lower() in MEDIA_EXTENSIONS]
    return emos if emos.is_file() and len(siblings) == 1 else None


def _media_record(
    video: Path, external_id: str, *, kind: str | None, language: str | None, out: Collected
) -> ClipRecord:
    record = ClipRecord(external_id=external_id, source=video.resolve(), title=video.stem)
    _attach_segments(record, _segment_file_for(video), out)
    if "emos" in record.meta:  # an EmoS film is titled as its labels title it: by its folder
        record.title = video.parent.name
    return _finish(record, kind=kind, language=language)


def _attach_segments(record: ClipRecord, segment_file: Path | None, out: Collected) -> None:
    if segment_file is None:
        return
    out.segment_files.add(segment_file)
    try:
        if segment_file.suffix.lower() == ".json":
            lang, record.segments = read_emos_sentence_file(segment_file)
            if lang in LANGUAGES and not record.language:
                record.language = lang
            describe_emos_film(record, read_emos_sentence_source(segment_file))
        else:
            record.segments = parse_segments(segment_file)
    except SegmentFileError as exc:
        out.problems.append(f"{record.external_id}: segments not imported: {exc}")
        return
    if not record.transcript:
        record.transcript = "\n".join(seg.text for seg in record.segments if seg.text)


def describe_emos_film(record: ClipRecord, source: dict[str, Any]) -> None:
    """What the media and the label import both take from an EmoS sentence file, the same way
    whichever comes first: its fields as source metadata, and the compilation the film was cut
    from as its source video (films of one compilation stay in one split)."""
    if not source:
        return
    record.meta["emos"] = source
    if isinstance(source.get("source_rel"), str) and not record.source_video:
        record.source_video = source["source_rel"]


def _finish(record: ClipRecord, *, kind: str | None, language: str | None) -> ClipRecord:
    # A clip that brings utterance segments is a streaming monologue unless told otherwise.
    record.kind = kind or record.kind or ("stream" if record.segments else "static")
    record.language = language or record.language or "en"
    return record


def _collect_manifest(
    path: Path, out: Collected, *, kind: str | None, language: str | None
) -> None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc})") from exc
    # newline="": the csv module splits rows itself, so a quoted cell may hold line breaks and
    # U+2028/U+0085 (str.splitlines would cut the row there).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {(name or "").strip() for name in reader.fieldnames or []}
    if not columns & {"path", "external_id"}:
        raise ManifestError(
            f"{path}: a manifest needs a 'path' or an 'external_id' column "
            f"(found: {', '.join(sorted(columns)) or 'no header'})"
        )
    seen: set[str] = set()
    row_end = 1  # the header's line
    for raw in reader:
        line_no, row_end = row_end + 1, reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        problem = _row_problem(row)
        if problem:
            out.problems.append(f"{path}:{line_no}: {problem}; row skipped")
            continue
        media = _source(path, row["path"]) if row.get("path") else None
        external_id = row.get("external_id") or _id_of(row["path"])
        if external_id in seen:
            out.problems.append(
                f"{path}:{line_no}: external_id {external_id!r} repeated; row skipped"
            )
            continue
        seen.add(external_id)
        record = ClipRecord(
            external_id=external_id,
            source=media,
            kind=row.get("kind", ""),
            language=row.get("language", ""),
            title=row.get("title", ""),
            transcript=row.get("transcript", ""),
            speaker=row.get("speaker", ""),
            source_video=row.get("source_video", ""),
            batch=row.get("batch", ""),
            meta={k: v for k, v in row.items() if k not in MANIFEST_FIELDS and k and v},
        )
        if row.get("segments"):
            _attach_segments(record, path.parent / row["segments"], out)
        elif isinstance(media, Path):
            _attach_segments(record, _segment_file_for(media) if media.exists() else None, out)
        out.records.append(_finish(record, kind=kind, language=language))


def _source(manifest: Path, value: str) -> Path | str:
    """A file beside the manifest, or a URI the ingest reads (``s3://bucket/key``,
    ``http(s)://…``; clips.sources) as it is."""
    if REMOTE.match(value):
        return value
    return (manifest.parent / value).resolve()


def _id_of(value: str) -> str:
    """The clip id a path or URI gives: without its extension (a URI: its path, ``a/b``)."""
    if REMOTE.match(value):
        value = urlsplit(value).path.lstrip("/")
    return Path(value).with_suffix("").as_posix()


def _row_problem(row: dict[str, str]) -> str | None:
    if not row.get("path") and not row.get("external_id"):
        return "neither path nor external_id given"
    if row.get("kind") and row["kind"] not in KINDS:
        return f"kind {row['kind']!r} is not one of {', '.join(KINDS)}"
    if row.get("language") and row["language"] not in LANGUAGES:
        return f"language {row['language']!r} is not one of {', '.join(LANGUAGES)}"
    return None
