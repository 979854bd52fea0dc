"""Model drafts: importing a model's predictions as a run, serving a run's drafts as a
pre-fill, and the flags a submission records about them.

Drafts are no labels: nothing here writes an ``Annotation``, so routing, agreement between
people and gold never see a model (``tests/annotation/test_model_drafts.py`` holds that).
"""

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from django.contrib.auth.models import User
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from annotation.errors import Conflict, Invalid
from annotation.importers.drafts import DraftFileError, DraftRecord, read_draft_files
from annotation.models import Assignment, DraftShown, DraftsMode, ModelDraft, ModelRun, Project
from annotation.payloads import validate_payload
from annotation.services.audit import audit_record
from annotation.services.label_import import clamp_ends
from annotation.services.label_upload import UploadedFile, upload_names
from clips.models import Clip

MAX_ERRORS = 20  # listed in one refusal; the rest are counted


@dataclass(frozen=True, slots=True)
class Provenance:
    model_name: str
    model_version: str = ""
    config_id: str = ""
    run_date: date | None = None


def _digest(drafts: list[ModelDraft], external: dict[int, str]) -> str:
    """What a run holds, independent of file names and order: re-importing it is recognised."""
    rows = sorted((external[d.clip_id], d.payload, d.meta) for d in drafts)
    return hashlib.sha256(orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _form_part(schema: dict[str, Any], payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A streaming draft split into what the label form holds (times, the segment layers and
    the schema's text fields: what an annotator can take unchanged, so what "accepted" is
    compared on) and the rest (EmoS's speaker guess and transcripts, a note), kept as meta."""
    segments = payload.get("segments")
    if not isinstance(segments, list):
        return payload, None
    roles = schema.get("segments") or {}
    form = {"start", "end", *roles.get("text_fields", [])}
    form |= {str(roles[r]) for r in ("primary", "secondary", "intensity") if roles.get(r)}
    rest = [{k: v for k, v in seg.items() if k not in form} for seg in segments]
    kept = {"segments": [{k: v for k, v in seg.items() if k in form} for seg in segments]}
    extra = {"segments": rest} if any(rest) else {}
    if "note" in payload:
        extra["note"] = payload["note"]
    return kept, extra or None


def _validated(
    project: Project, records: list[DraftRecord]
) -> tuple[list[ModelDraft], list[str], list[str]]:
    """Unsaved drafts of the records whose clip the project has; the external ids of those
    it has not; every validation error (file, line, field). Drafts may leave layers out (a
    model that predicts Basic-7 only); what they hold is checked as a submission is."""
    clips = {
        c.external_id: c
        for c in Clip.objects.filter(project=project, external_id__in=[r.clip_id for r in records])
    }
    drafts: list[ModelDraft] = []
    unmatched: list[str] = []
    errors: list[str] = []
    for record in records:
        clip = clips.get(record.clip_id)
        if clip is None:
            unmatched.append(record.clip_id)
            continue
        if clip.stage == Clip.Stage.CONTROL:
            errors.append(
                _("%(where)s: clip_id: %(clip)s is a control item")
                % {"where": record.source_ref, "clip": record.clip_id}
            )
            continue
        clamped: list[str] = []
        try:
            payload = validate_payload(
                project.label_schema,
                clamp_ends(record, clip.duration_s, clamped),
                kind=clip.kind,
                duration_s=clip.duration_s,
                complete=False,
            )
        except Invalid as exc:
            errors.append(f"{record.source_ref}: {exc.field}: {exc.message}")
            continue
        payload, rest = _form_part(project.label_schema, payload)
        drafts.append(
            ModelDraft(
                clip=clip,
                payload=payload,
                meta={**record.meta, **({"beyond_the_form": rest} if rest else {})},
                source_ref=record.source_ref[:500],
            )
        )
    return drafts, unmatched, errors


def drafts_import(
    *,
    project: Project,
    records: list[DraftRecord],
    provenance: Provenance,
    source_name: str,
    notes: list[str] | None = None,
    actor: User | None = None,
) -> tuple[ModelRun, bool]:
    """Import a model run's drafts in one transaction: all of them or, on any invalid record,
    none (``Invalid`` lists the records, each with its file, line and field). The same
    provenance again with the same drafts is the run already imported (``created`` False);
    with other drafts it is refused: a changed run is a new version."""
    if not provenance.model_name.strip():
        raise Invalid(_("name the model"), field="model_name")
    drafts, unmatched, errors = _validated(project, records)
    if errors:
        more = len(errors) - MAX_ERRORS
        listing = "\n".join(errors[:MAX_ERRORS])
        if more > 0:
            listing += "\n" + _("… and %(n)s more") % {"n": more}
        raise Invalid(
            _("%(n)s draft(s) are invalid; nothing was imported:\n%(errors)s")
            % {"n": len(errors), "errors": listing},
            field="file",
        )
    if not drafts:
        raise Invalid(_("no draft is for a clip of this project"), field="file")
    digest = _digest(drafts, {d.clip_id: d.clip.external_id for d in drafts})
    key = {
        "project": project,
        "model_name": provenance.model_name.strip(),
        "model_version": provenance.model_version.strip(),
        "config_id": provenance.config_id.strip(),
    }
    with transaction.atomic():
        existing = ModelRun.objects.select_for_update().filter(**key).first()
        if existing is not None:
            if existing.digest == digest:
                return existing, False
            raise Conflict(
                _(
                    "run %(run)s has this model, version and config with other drafts: give "
                    "the new run its own version or config id"
                )
                % {"run": existing.pk},
                field="model_version",
            )
        try:
            with transaction.atomic():
                run = ModelRun.objects.create(
                    **key,
                    run_date=provenance.run_date,
                    source_name=source_name[:500],
                    digest=digest,
                    n_drafts=len(drafts),
                    n_unmatched=len(unmatched),
                    notes=notes or [],
                    created_by=actor,
                )
        except IntegrityError:  # the same run imported at the same moment: theirs stands
            return drafts_import(
                project=project, records=records, provenance=provenance,
                source_name=source_name, notes=notes, actor=actor,
            )  # fmt: skip
        for draft in drafts:
            draft.run = run
        ModelDraft.objects.bulk_create(drafts, batch_size=1000)
        audit_record(
            action="drafts.imported", project=project, actor=actor, target=run,
            data={"drafts": len(drafts), "unmatched": unmatched[:100], "source": source_name},
        )  # fmt: skip
    return run, True


def drafts_import_files(
    *, project: Project, paths: list[Path], provenance: Provenance, actor: User | None = None
) -> tuple[ModelRun, bool]:
    """Read JSONL/CSV predictions or EmoS ``emotion.json`` files, then ``drafts_import``."""
    try:
        records, notes = read_draft_files(paths, project.label_schema)
    except DraftFileError as exc:
        raise Invalid(str(exc), field="file") from exc
    return drafts_import(
        project=project,
        records=records,
        provenance=provenance,
        source_name=", ".join(p.name for p in paths),
        notes=notes,
        actor=actor,
    )


def drafts_import_uploads(
    *,
    project: Project,
    files: Sequence[UploadedFile],
    provenance: Provenance,
    actor: User | None = None,
) -> tuple[ModelRun, bool]:
    """Uploaded files (the API's) into a temporary folder, then ``drafts_import_files``.
    Named and written as the label upload's are (``upload_names``, Django's storage: chunks,
    no name outside the folder, none overwritten); an EmoS file goes in its film's folder,
    after which its reader names the clip."""
    with tempfile.TemporaryDirectory() as folder:
        storage = FileSystemStorage(location=folder)
        paths = []
        for upload in files:
            film, name = upload_names(upload.name)
            stored = storage.save(f"{film}/{name}" if film else name, upload)  # type: ignore[arg-type]
            paths.append(Path(storage.path(stored)))
        return drafts_import_files(project=project, paths=paths, provenance=provenance, actor=actor)


def project_drafts_set(
    *, project: Project, actor: User, mode: str, run_id: int | None, share: float = 1.0
) -> Project:
    """Hide drafts, or pre-fill the label form with run ``run_id``'s (one of the project's)
    on a random ``share`` of claims."""
    run = None
    if mode == DraftsMode.PREFILL:
        run = ModelRun.objects.filter(project=project, pk=run_id or 0).first()
        if run is None:
            raise Invalid(_("choose one of this project's model runs"), field="run")
    before = {"drafts": project.drafts, "run": project.draft_run_id, "share": project.draft_share}
    project.drafts, project.draft_run, project.draft_share = mode, run, share
    project.save(update_fields=["drafts", "draft_run", "draft_share", "updated_at"])
    after = {"drafts": mode, "run": project.draft_run_id, "share": share}
    audit_record(
        action="project.drafts_changed", project=project, actor=actor, target=project,
        data={"before": before, "after": after},
    )  # fmt: skip
    return project


def _shows(assignment: Assignment, project: Project) -> bool:
    """Whether the lease is one of the random ``draft_share`` shown a draft: a draw keyed by
    the project, clip and annotator (one layer-1 lease per pair), not by row ids, so the same
    work gives the same draws on any database."""
    if project.draft_share >= 1:
        return True
    key = f"{project.slug}\0{assignment.clip.external_id}\0{assignment.user.get_username()}"
    draw = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(draw[:8], "big") / 2**64 < project.draft_share


def draft_serve(*, assignment: Assignment, project: Project) -> dict[str, Any] | None:
    """The model draft to pre-fill this layer-1 lease's form with, recorded as shown; None
    (without a query) when the project hides drafts. A lease keeps the draft it was first
    served whatever changes later, and one served none is not shown one later."""
    if project.drafts == DraftsMode.HIDDEN or assignment.layer != 1:
        return None
    if not assignment.claimed_now:  # a lease opened before: what it was served, if anything
        shown = DraftShown.objects.filter(assignment=assignment).select_related("draft").first()
        return shown.draft.payload if shown is not None else None
    if (
        assignment.status != Assignment.Status.ACTIVE
        or assignment.clip.stage == Clip.Stage.CONTROL
        or not _shows(assignment, project)
    ):
        return None
    draft = ModelDraft.objects.filter(
        run_id=project.draft_run_id, clip_id=assignment.clip_id
    ).first()
    if draft is None:
        return None
    DraftShown.objects.create(assignment=assignment, draft=draft)  # a lease is new once
    return draft.payload


def draft_flags(assignment: Assignment | None, clean: dict[str, Any]) -> tuple[bool, bool]:
    """(a draft was shown on the lease, the labels are that draft unchanged): from what the
    claim served, never from the browser."""
    if assignment is None:
        return False, False
    shown = DraftShown.objects.filter(assignment=assignment).select_related("draft").first()
    if shown is None:
        return False, False
    return True, shown.draft.payload == clean
