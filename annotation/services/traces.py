"""Live valence/arousal traces: start or resume, store chunks idempotently, finalise."""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.compiled_sql import fetched, prepared_cursor
from annotation.errors import Conflict, Invalid, state_word
from annotation.models import Assignment, Role, Trace, TraceChunk
from annotation.selectors import active_role
from annotation.selectors.traces import trace_grid
from annotation.services.audit import audit_record
from annotation.trace_chunks import (
    Chunk,
    assemble,
    contiguous_ack,
    describe_ranges,
    parse_chunk,
    unpack,
)
from clips.models import Clip


def trace_start(*, assignment_id: int, user: User, restart: bool = False) -> Trace:
    """The annotator's current trace for the leased clip, created on first use. ``restart``
    keeps the old recording as an earlier revision and begins a new one."""
    with transaction.atomic():
        # The lease's row locked: two devices starting (or restarting) at once take turns, the
        # second finding the first one's trace, and a submit meanwhile is seen.
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("clip__project")
            .get(pk=assignment_id, user=user, layer=1)
        )
        clip = assignment.clip
        if clip.kind != Clip.Kind.STREAM:
            raise Invalid(_("traces are recorded on streaming clips only"), field="assignment")
        if assignment.status != Assignment.Status.ACTIVE:
            raise Conflict(
                _("this assignment is %(status)s, not active")
                % {"status": state_word(assignment.status)}
            )
        current = (
            Trace.objects.select_for_update()
            .filter(clip=clip, annotator=user, is_current=True)
            .first()
        )
        if current is not None and not restart:
            return current
        revision = (
            Trace.objects.filter(clip=clip, annotator=user).aggregate(r=Max("revision"))["r"] or 0
        ) + 1
        if current is not None:
            Trace.objects.filter(pk=current.pk).update(is_current=False)
        trace = Trace.objects.create(
            clip=clip,
            annotator=user,
            revision=revision,
            config=dict(clip.project.trace_config),
        )
        audit_record(
            action="trace.started",
            project=clip.project,
            actor=user,
            target=trace,
            data={"clip": clip.pk, "revision": revision},
        )
        return trace


def _recording_trace(trace_id: int, user: User) -> Trace:
    """The annotator's own trace while they are an active member (SQL compiled once: every
    chunk asks); DoesNotExist otherwise."""

    def build(v: Mapping[str, Any]) -> QuerySet[Trace]:
        annotator = User(pk=v["user"])
        return (
            Trace.objects.select_related("clip")
            .only(
                "pk",
                "status",
                "is_current",
                "annotation",
                "config",
                "acked_seq",
                "clip__duration_s",
            )
            .filter(active_role(annotator, Role.ANNOTATOR))  # active members only
            .filter(pk=v["trace"], annotator_id=v["user"])
        )

    found = 0 < trace_id < 2**63 and fetched("trace", build, trace=trace_id, user=user.pk)
    if not found:
        raise Trace.DoesNotExist("Trace matching query does not exist.")
    return found[0]


@dataclass(frozen=True)
class _Shape:
    """What checking a trace's chunks needs of it: the config (the project's as the trace
    started, fixed), and the clip's duration, which a new ingest may correct (the statement
    storing the chunks checks it is still the clip's)."""

    annotator_id: int
    closed: Conflict | None  # why it takes no chunks (see _closed), if it does not
    config: dict[str, Any]
    duration_s: float | None
    read_at: float


# PostgreSQL: each process keeps the shapes of the traces it took chunks for, so a chunk is one
# round trip, its statement checking again what the read checked (the annotator's own current
# trace, recording, its label not submitted, an active member, the clip's duration): a trace
# finalised, restarted, given up with its clip or labelled since, a membership ended since or a
# duration corrected since, is refused there.
_SHAPES: dict[int, _Shape] = {}
SHAPE_SECONDS = 60.0  # read again by then (the statement checks the duration kept is current)
SHAPES_KEPT = 10_000


def _trace_shape(trace_id: int, user: User) -> _Shape:
    kept = _SHAPES.get(trace_id) if connection.vendor == "postgresql" else None
    fresh = kept is not None and time.monotonic() - kept.read_at < SHAPE_SECONDS
    if kept is not None and fresh and kept.annotator_id == user.pk:
        return kept
    trace = _recording_trace(trace_id, user)
    shape = _Shape(user.pk, _closed(trace), trace.config, trace.clip.duration_s, time.monotonic())
    if shape.closed is None and connection.vendor == "postgresql":
        if len(_SHAPES) >= SHAPES_KEPT:
            _SHAPES.clear()
        _SHAPES[trace_id] = shape
    return shape


class _ShapeChanged(Exception):
    """The clip's duration is no longer the one the chunks were checked against."""


def trace_store_chunks(*, trace_id: int, user: User, raw_chunks: list[Any]) -> dict[str, Any]:
    """Validate every chunk, then store the new ones. A replayed chunk (same seq, same
    samples) is acknowledged again and stored once; the same seq with other samples is a
    conflict, and nothing of the request is stored. Returns the acknowledged sequence: every
    chunk up to it is safe on the server."""
    try:
        return _store_checked(trace_id, user, raw_chunks)
    except _ShapeChanged:  # a new ingest corrected the clip's duration: check against it
        try:
            return _store_checked(trace_id, user, raw_chunks)
        except _ShapeChanged:
            raise Conflict(
                _("the clip changed while the chunk was checked: send it again")
            ) from None


def _store_checked(trace_id: int, user: User, raw_chunks: list[Any]) -> dict[str, Any]:
    shape = _trace_shape(trace_id, user)
    chunks = [
        parse_chunk(
            raw,
            dimensions=shape.config["dimensions"],
            rate_hz=shape.config["rate_hz"],
            duration_s=shape.duration_s,
            chunk_seconds=shape.config.get("chunk_seconds", 1.0),
            where=f"chunks[{i}]" if len(raw_chunks) > 1 else "",
        )
        for i, raw in enumerate(raw_chunks)
    ]
    if shape.closed is not None:
        raise shape.closed
    batch: dict[int, Chunk] = {}
    repeated: list[int] = []  # sent twice in this request
    for chunk in chunks:
        if chunk.seq not in batch:
            batch[chunk.seq] = chunk
        elif batch[chunk.seq].digest == chunk.digest:
            repeated.append(chunk.seq)
        else:
            raise _clash(chunk.seq)
    store = _store_in_one_statement if connection.vendor == "postgresql" else _store_locked
    stored, duplicates, acked_seq = store(trace_id, user, shape, list(batch.values()))
    return {
        "trace": trace_id,
        "acked_seq": acked_seq,
        "stored": sorted(stored),
        "duplicates": sorted(duplicates + repeated),
    }


def _finalised() -> Conflict:
    return Conflict(_("this trace is finalised; start a new revision to record again"))


def _superseded() -> Conflict:
    return Conflict(_("this trace is no longer current (restarted, or its clip was given back)"))


def _closed(trace: Trace) -> Conflict | None:
    """Why the trace takes no more chunks, if it does not: finalised, no longer current (a
    newer revision replaced it, or its annotator gave the clip back), or its label is
    submitted (whose coverage was measured on the chunks stored then)."""
    if trace.status == Trace.Status.FINALISED:
        return _finalised()
    if not trace.is_current:
        return _superseded()
    if trace.annotation_id is not None:
        return Conflict(_("the label of this trace is submitted: it takes no more chunks"))
    return None


def _clash(seq: int) -> Conflict:
    return Conflict(_("chunk %(seq)s was received before with other samples") % {"seq": seq})


def _store_locked(
    trace_id: int, user: User, shape: _Shape, chunks: list[Chunk]
) -> tuple[list[int], list[int], int]:
    """Embedded (SQLite, writers serialised): read the digests, insert, count (the trace was
    just read as the user's: _trace_shape keeps no shapes here)."""
    with transaction.atomic():
        trace = (
            Trace.objects.select_for_update()
            .only(
                "pk",
                "status",
                "is_current",
                "annotation",
                "acked_seq",
                "chunk_count",
                "sample_count",
            )
            .get(pk=trace_id)
        )
        if (closed := _closed(trace)) is not None:
            raise closed
        known = dict(
            TraceChunk.objects.filter(trace=trace, seq__in=[c.seq for c in chunks]).values_list(
                "seq", "digest"
            )
        )
        for chunk in chunks:
            if known.get(chunk.seq, chunk.digest) != chunk.digest:
                raise _clash(chunk.seq)
        fresh = [c for c in chunks if c.seq not in known]
        TraceChunk.objects.bulk_create(
            TraceChunk(
                trace=trace,
                seq=c.seq,
                t0=c.t0,
                n_samples=len(c.samples),
                samples=c.packed,
                digest=c.digest,
            )
            for c in fresh
        )
        later = TraceChunk.objects.filter(trace=trace, seq__gt=trace.acked_seq)
        trace.acked_seq = contiguous_ack(trace.acked_seq, list(later.values_list("seq", flat=True)))
        trace.chunk_count += len(fresh)
        trace.sample_count += sum(len(c.samples) for c in fresh)
        trace.save(update_fields=["acked_seq", "chunk_count", "sample_count"])
    return [c.seq for c in fresh], list(known), trace.acked_seq


# One statement, committed on its own. ``live`` takes the trace's row lock: chunk writers and
# finalising take turns on it, and a trace finalised meanwhile is re-checked on its new
# version. ``clash`` (the digests this statement's snapshot sees) stops every insert when a seq
# came before with other samples. The upsert answers for rows committed after the snapshot
# too (a concurrent request with the same seqs): the same samples are returned as existing
# (xmax is set on the row it touched), other samples turn the digest NULL, which the column
# refuses, so the whole statement fails and is run again, now seeing them. The ack moves over
# every stored seq from the row's current one (never back, never past a missing chunk).
# ``behind``: the row ``live`` locked is the newest version (its counters count chunks
# committed after this statement's snapshot, by a request it waited for), while the ack reads
# the snapshot; when the snapshot lacks chunks the counters count above the ack, the ack may
# stop short of them, and the statement is run again without chunks to catch it up.
_STORE_CHUNKS = """
WITH incoming(seq, t0, n_samples, samples, digest) AS ({rows}),
live AS (
    SELECT t.id, t.acked_seq, t.chunk_count
    FROM annotation_trace t JOIN clips_clip c ON c.id = t.clip_id
    WHERE t.id = %(trace)s AND t.status = 'recording' AND t.is_current
      AND t.annotation_id IS NULL
      AND t.annotator_id = %(user)s AND c.duration_s IS NOT DISTINCT FROM %(duration)s::float8
      AND EXISTS (SELECT 1 FROM annotation_membership m
                  WHERE m.project_id = c.project_id AND m.user_id = %(user)s
                    AND m.role = 'annotator' AND m.is_active)
    FOR UPDATE OF t
),
clash AS (
    SELECT c.seq FROM annotation_tracechunk c JOIN incoming i ON i.seq = c.seq
    WHERE c.trace_id = %(trace)s AND c.digest <> i.digest
),
stored AS (
    INSERT INTO annotation_tracechunk (trace_id, seq, t0, n_samples, samples, digest, received_at)
    SELECT %(trace)s, seq, t0, n_samples, samples, digest, %(now)s FROM incoming
    WHERE EXISTS (SELECT 1 FROM live) AND NOT EXISTS (SELECT 1 FROM clash)
    ON CONFLICT (trace_id, seq) DO UPDATE SET digest = CASE
        WHEN annotation_tracechunk.digest = EXCLUDED.digest THEN EXCLUDED.digest END
    RETURNING seq, n_samples, xmax = 0 AS inserted
),
counted AS (
    UPDATE annotation_trace t SET
        chunk_count = chunk_count + (SELECT count(*) FROM stored WHERE inserted),
        sample_count = sample_count
            + (SELECT coalesce(sum(n_samples), 0) FROM stored WHERE inserted),
        acked_seq = (
            SELECT min(n) - 1 FROM generate_series(t.acked_seq + 1, t.acked_seq + 1 + %(n)s
                + (SELECT count(*) FROM annotation_tracechunk c
                   WHERE c.trace_id = t.id AND c.seq > t.acked_seq)) AS n
            WHERE n NOT IN (
                SELECT seq FROM annotation_tracechunk c
                WHERE c.trace_id = t.id AND c.seq > t.acked_seq
                UNION ALL SELECT seq FROM stored
            )
        )
    WHERE id IN (SELECT id FROM live) AND NOT EXISTS (SELECT 1 FROM clash)
    RETURNING acked_seq
)
SELECT EXISTS (SELECT 1 FROM live), (SELECT min(seq) FROM clash),
       array(SELECT seq FROM stored WHERE inserted),
       array(SELECT seq FROM stored WHERE NOT inserted), (SELECT acked_seq FROM counted),
       (SELECT l.chunk_count - l.acked_seq - 1 > (
            SELECT count(*) FROM annotation_tracechunk c
            WHERE c.trace_id = l.id AND c.seq > l.acked_seq) FROM live l) AS behind
"""
NO_CHUNKS = (
    "SELECT NULL::integer, NULL::float8, NULL::integer, NULL::bytea, NULL::varchar WHERE false"
)
CATCH_UPS = 5  # each one waits for a request that committed chunks meanwhile


def _store_in_one_statement(
    trace_id: int, user: User, shape: _Shape, chunks: list[Chunk]
) -> tuple[list[int], list[int], int]:
    """PostgreSQL: the checks (the user's own current trace, recording, an active member, the
    clip's duration the chunks were checked against; the digests), the inserts and the
    counters in one round trip."""
    rows = "VALUES " + ", ".join(
        f"(%(seq{i})s::integer, %(t0{i})s::float8, %(n{i})s::integer, %(samples{i})s::bytea, "
        f"%(digest{i})s::varchar)"
        for i in range(len(chunks))
    )
    params: dict[str, Any] = {
        "trace": trace_id, "user": user.pk, "now": timezone.now(), "n": len(chunks),
        "duration": shape.duration_s,
    }  # fmt: skip
    for i, c in enumerate(chunks):
        params |= {
            f"seq{i}": c.seq,
            f"t0{i}": c.t0,
            f"n{i}": len(c.samples),
            f"samples{i}": c.packed,
            f"digest{i}": c.digest,
        }
    sql = _STORE_CHUNKS.format(rows=rows)
    try:
        live, clash, stored, existing, acked_seq, behind = _fetch_one(sql, params)
    except IntegrityError:  # other samples for one of these seqs, committed after the snapshot
        live, clash, stored, existing, acked_seq, behind = _fetch_one(sql, params)
    if not live:  # closed, no longer theirs, or its clip changed: the read says which
        _SHAPES.pop(trace_id, None)
        trace = _recording_trace(trace_id, user)  # a 404 when no longer theirs
        if (closed := _closed(trace)) is not None:
            raise closed
        raise _ShapeChanged()
    if clash is not None:
        raise _clash(clash)
    if behind:
        acked_seq = _ack_caught_up(params, acked_seq)
    return stored, existing, acked_seq


def _ack_caught_up(params: dict[str, Any], acked_seq: int) -> int:
    """The ack moved over the chunks committed while the statement waited (``behind``): the
    statement again, without chunks, in a newer snapshot."""
    catch_up = _STORE_CHUNKS.format(rows=NO_CHUNKS)
    for _attempt in range(CATCH_UPS):
        row = _fetch_one(catch_up, params | {"n": 0})
        live, caught, behind = row[0], row[4], row[5]
        if not live:  # finalised meanwhile (finalising reads every chunk)
            break
        acked_seq = caught
        if not behind:
            break
    return acked_seq


def _fetch_one(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone() or ())


def trace_finalise(*, trace_id: int, user: User, allow_gaps: bool = False) -> Trace:
    """Assemble the chunks into one trace with a gap report. Missing sequence numbers mean
    chunks still on their way: refused unless ``allow_gaps``. Idempotent."""
    with transaction.atomic():
        trace = (
            Trace.objects.select_for_update()
            .select_related("clip__project")
            .filter(active_role(user, Role.ANNOTATOR))  # active members only
            .get(pk=trace_id, annotator=user)
        )
        if trace.status == Trace.Status.FINALISED:
            return trace
        if not trace.is_current:  # (one whose label is submitted may still be finalised)
            raise _superseded()
        dims = len(trace.config["dimensions"])
        chunks = [
            (seq, t0, unpack(bytes(samples), dims))
            for seq, t0, samples in TraceChunk.objects.filter(trace=trace).values_list(
                "seq", "t0", "samples"
            )
        ]
        if not chunks:
            raise Conflict(_("nothing recorded yet"))
        result = assemble(chunks, rate_hz=trace.config["rate_hz"], duration_s=trace.clip.duration_s)
        missing = result.report["missing_seq_ranges"]
        if missing and not allow_gaps:
            raise Conflict(
                _("chunks %(seqs)s have not arrived; send them, or finalise with allow_gaps")
                % {"seqs": describe_ranges([(a, b) for a, b in missing])}
            )
        trace.data = result.samples.tobytes()
        trace.gap_report = result.report
        trace.status = Trace.Status.FINALISED
        trace.finalised_at = timezone.now()
        trace.save(update_fields=["data", "gap_report", "status", "finalised_at"])
        audit_record(
            action="trace.finalised",
            project=trace.clip.project,
            actor=user,
            target=trace,
            data={k: v for k, v in result.report.items() if k != "gaps"},
        )
        return trace


def trace_coverage(trace: Trace | None) -> float:
    """The share of the clip's grid the trace covers; 0 without a trace."""
    if trace is None:
        return 0.0
    if trace.status == Trace.Status.FINALISED and "coverage" in trace.gap_report:
        return float(trace.gap_report["coverage"])
    grid = trace_grid(trace)
    return float((~np.isnan(grid).any(axis=1)).mean()) if len(grid) else 0.0
