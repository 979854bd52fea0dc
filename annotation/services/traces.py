"""Live valence/arousal traces: start or resume, store chunks idempotently, finalise."""

from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import Conflict, Invalid, state_word
from annotation.models import Assignment, Role, Trace, TraceChunk
from annotation.selectors import active_role
from annotation.services.audit import audit_record
from annotation.trace_chunks import (
    DTYPE,
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
        assignment = Assignment.objects.select_related("clip__project").get(
            pk=assignment_id, user=user, layer=1
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


def trace_store_chunks(*, trace_id: int, user: User, raw_chunks: list[Any]) -> dict[str, Any]:
    """Validate every chunk, then store the new ones. A replayed chunk (same seq, same
    samples) is acknowledged again and stored once; the same seq with other samples is a
    conflict. Returns the acknowledged sequence: every chunk up to it is safe on the server."""
    with transaction.atomic():
        trace = (
            Trace.objects.select_for_update(of=("self",))
            .select_related("clip")
            .only(
                "pk",
                "status",
                "config",
                "acked_seq",
                "chunk_count",
                "sample_count",
                "clip__duration_s",
            )
            .filter(active_role(user, Role.ANNOTATOR))  # active members only
            .get(pk=trace_id, annotator=user)
        )
        chunks = [
            parse_chunk(
                raw,
                dimensions=trace.config["dimensions"],
                rate_hz=trace.config["rate_hz"],
                duration_s=trace.clip.duration_s,
                chunk_seconds=trace.config.get("chunk_seconds", 1.0),
                where=f"chunks[{i}]" if len(raw_chunks) > 1 else "",
            )
            for i, raw in enumerate(raw_chunks)
        ]
        if trace.status == Trace.Status.FINALISED:
            raise Conflict(_("this trace is finalised; start a new revision to record again"))
        known = dict(
            TraceChunk.objects.filter(trace=trace, seq__in=[c.seq for c in chunks]).values_list(
                "seq", "digest"
            )
        )
        fresh: dict[int, TraceChunk] = {}
        duplicates: list[int] = []
        for chunk in chunks:
            digest = known.get(chunk.seq) or (
                fresh[chunk.seq].digest if chunk.seq in fresh else None
            )
            if digest is None:
                fresh[chunk.seq] = TraceChunk(
                    trace=trace,
                    seq=chunk.seq,
                    t0=chunk.t0,
                    n_samples=len(chunk.samples),
                    samples=chunk.packed,
                    digest=chunk.digest,
                )
            elif digest == chunk.digest:
                duplicates.append(chunk.seq)
            else:
                raise Conflict(
                    _("chunk %(seq)s was received before with other samples") % {"seq": chunk.seq}
                )
        TraceChunk.objects.bulk_create(fresh.values())
        trace.chunk_count += len(fresh)
        trace.acked_seq = contiguous_ack(trace.acked_seq, list(fresh))
        if trace.chunk_count > trace.acked_seq + 1:
            # Chunks beyond a hole arrived earlier: read them to move the ack past the hole.
            later = TraceChunk.objects.filter(trace=trace, seq__gt=trace.acked_seq)
            trace.acked_seq = contiguous_ack(
                trace.acked_seq, list(later.values_list("seq", flat=True))
            )
        trace.sample_count += sum(c.n_samples for c in fresh.values())
        trace.save(update_fields=["acked_seq", "chunk_count", "sample_count"])
    return {
        "trace": trace.pk,
        "acked_seq": trace.acked_seq,
        "stored": sorted(fresh),
        "duplicates": sorted(duplicates),
    }


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


def trace_grid(trace: Trace) -> np.ndarray:
    """The trace on its grid, ``(n, dims)`` float32, NaN where nothing was recorded: the
    finalised data, or while recording the stored chunks assembled as finalising would (later
    seq wins), so that another browser sees what this one saved. One query either way."""
    dims = len(trace.config["dimensions"])
    if trace.status == Trace.Status.FINALISED:
        data = Trace.objects.values_list("data", flat=True).get(pk=trace.pk)
        return unpack(bytes(data or b""), dims)
    chunks = [
        (seq, t0, unpack(bytes(samples), dims))
        for seq, t0, samples in TraceChunk.objects.filter(trace_id=trace.pk).values_list(
            "seq", "t0", "samples"
        )
    ]
    if not chunks:
        return np.empty((0, dims), dtype=DTYPE)
    return assemble(
        chunks, rate_hz=trace.config["rate_hz"], duration_s=trace.clip.duration_s
    ).samples


def trace_coverage(trace: Trace | None) -> float:
    """The share of the clip's grid the trace covers; 0 without a trace."""
    if trace is None:
        return 0.0
    if trace.status == Trace.Status.FINALISED and "coverage" in trace.gap_report:
        return float(trace.gap_report["coverage"])
    grid = trace_grid(trace)
    return float((~np.isnan(grid).any(axis=1)).mean()) if len(grid) else 0.0
