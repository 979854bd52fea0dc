"""``SHA256SUMS`` and the deterministic ``.tar.gz``.

The archive holds every file under one top directory (the archive's name without
``.tar.gz``), entries sorted by path, directories 0755 and files 0644, mtime 0, uid/gid 0, no
user or group names, PAX format; the gzip header has mtime 0 and no file name. The same
directory gives the same archive bytes.
"""

import gzip
import tarfile
from collections.abc import Mapping
from pathlib import Path

from exports.pipeline.writers import sha256_file, write_text

SUMS = "SHA256SUMS"


def release_files(out_dir: Path) -> list[str]:
    """Every file under ``out_dir``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())


def write_sha256sums(out_dir: Path, known: Mapping[str, str] | None = None) -> Path:
    """``sha256sum`` format (``<hex>  <path>``), sorted, every file but itself; ``known``:
    digests already taken of files not changed since (by relative path), not read again."""
    known = known or {}
    lines = [f"{known.get(rel) or sha256_file(out_dir / rel)}  {rel}\n"
             for rel in release_files(out_dir) if rel != SUMS]  # fmt: skip
    return write_text(out_dir / SUMS, "".join(lines))


def _info(name: str, *, directory: bool, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.size = size
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def make_archive(out_dir: Path | str, archive_path: Path | str, *, root: str | None = None) -> Path:
    """Pack ``out_dir`` into ``archive_path`` (``.tar.gz``); returns ``archive_path``."""
    out_dir, archive_path = Path(out_dir), Path(archive_path)
    top = root or archive_path.name.removesuffix(".tar.gz").removesuffix(".tgz")
    files = release_files(out_dir)
    folders = sorted(
        {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    )
    entries = sorted([(d, True) for d in folders] + [(f, False) for f in files])
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        archive_path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_info(top, directory=True))
        for rel, directory in entries:
            name = f"{top}/{rel}"
            if directory:
                tar.addfile(_info(name, directory=True))
                continue
            path = out_dir / rel
            with path.open("rb") as handle:
                size = path.stat().st_size
                tar.addfile(_info(name, directory=False, size=size), handle)
    return archive_path
