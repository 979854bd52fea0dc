"""Ingestion cost against bare ffmpeg, and record import against a raw bulk INSERT.

make bench            (or: .venv/bin/pytest tests/benchmarks -s -o python_files='bench_*.py')
"""

import csv
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from benchutil import report, timed
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from annotation.models import Project
from clips.media.synth import synth_clip
from clips.media.transcode import AAC_BITRATE, X264_CRF, X264_PRESET
from clips.models import Clip
from clips.services import clip_ingest_media

pytestmark = pytest.mark.django_db(transaction=True)
REPEAT = 3
N_RECORDS = 10_000


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bench-media")
    return {
        "transcode": synth_clip(folder / "source.mpg", seconds=20, fmt="mpg", size="640x360"),
        "copy": synth_clip(folder / "source.mp4", seconds=20, size="640x360"),
    }


BARE = {
    "transcode": [
        "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF), "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", AAC_BITRATE, "-movflags", "+faststart",
    ],
    "copy": ["-c", "copy", "-movflags", "+faststart"],
}  # fmt: skip


@pytest.mark.parametrize("path", ["transcode", "copy"])
def test_ingest_one_clip_vs_bare_ffmpeg(path, sources, media_root, tmp_path):
    project = Project.objects.create(slug=f"bench-{path}", name="bench")
    source = sources[path]
    clip = Clip.objects.create(project=project, external_id="c", source_uri=str(source))

    def reset() -> None:
        Clip.objects.filter(pk=clip.pk).update(media_status="pending", content_sha256=None)

    def ours() -> None:
        assert clip_ingest_media(clip_id=clip.pk).media_status == "ready"

    def bare() -> None:
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-i",
                str(source),
                *BARE[path],
                str(tmp_path / "o.mp4"),
            ],
            check=True,
        )

    baseline = timed(bare, repeat=REPEAT)
    mine = timed(ours, repeat=REPEAT, setup=reset)
    report(
        f"ingest one 20 s 640x360 clip ({path}; ours adds hash, probe x2, poster, waveform)",
        mine,
        baseline,
        f"bare ffmpeg {path}",
    )


def test_import_records_vs_raw_bulk_insert(tmp_path):
    rows = [
        {
            "external_id": f"video_{i // 10:05d}/{i % 10:04d}",
            "language": "zh" if i % 2 else "en",
            "kind": "static",
            "transcript": f"第 {i} 句话 / sentence {i}",
            "speaker": f"S{i % 97}",
            "source_video": f"video_{i // 10:05d}",
        }
        for i in range(N_RECORDS)
    ]
    manifest = tmp_path / "records.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    def ours_setup() -> None:
        Project.objects.filter(slug="bench-import").delete()

    def ours() -> None:
        call_command("import_clips", str(manifest), project="bench-import", stdout=StringIO())

    project = Project.objects.create(slug="bench-raw", name="raw")
    fields = [f for f in Clip._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {Clip._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    )

    # The baseline gets its rows ready-made, outside the clock: only the INSERT is timed.
    now = timezone.now()
    params = []
    for row in rows:
        clip = Clip(project=project, created_at=now, updated_at=now, **row)
        params.append([f.get_db_prep_save(getattr(clip, f.attname), connection) for f in fields])

    def raw_setup() -> None:
        Clip.objects.filter(project=project).delete()

    def raw() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the fastest raw path there is COPY
                copy_sql = f"COPY {Clip._meta.db_table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for values in params:
                        copy.write_row(values)
            else:
                cursor.executemany(sql, params)

    baseline = timed(raw, repeat=REPEAT, setup=raw_setup)
    mine = timed(ours, repeat=REPEAT, setup=ours_setup)
    assert Clip.objects.filter(project__slug="bench-import").count() == N_RECORDS
    assert Clip.objects.filter(project=project).count() == N_RECORDS
    report(
        f"import {N_RECORDS:,} clip records from a CSV manifest ({connection.vendor}; ours "
        "parses the CSV and checks existing ids)",
        mine,
        baseline,
        "raw COPY" if connection.vendor == "postgresql" else "raw executemany INSERT",
    )
