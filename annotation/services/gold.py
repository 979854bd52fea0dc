from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max

from annotation.models import Adjudication, GoldLabel, Provenance
from annotation.services.audit import audit_record
from clips.models import Clip


def gold_record(
    *,
    clip: Clip,
    payload: dict[str, Any],
    provenance: str,
    confidence: float | None = None,
    tier: str = "",
    adjudication: Adjudication | None = None,
    decided_by: User | None = None,
) -> GoldLabel:
    """Add a gold version; the previous one is kept, no longer current. Call inside the
    transaction that holds the clip's row lock. The same decision twice (labels, provenance,
    tier) adds nothing; only its confidence is brought up to date (a new Dawid–Skene model
    moves every posterior a little: a version each would bury the real changes)."""
    current = GoldLabel.objects.filter(clip=clip, is_current=True).first()
    if (
        current is not None
        and adjudication is None
        and current.payload == payload
        and current.provenance == provenance
        and current.tier == tier
    ):
        if current.confidence != confidence:
            GoldLabel.objects.filter(pk=current.pk).update(confidence=confidence)
            current.confidence = confidence
        return current
    version = (GoldLabel.objects.filter(clip=clip).aggregate(v=Max("version"))["v"] or 0) + 1
    GoldLabel.objects.filter(clip=clip, is_current=True).update(is_current=False)
    gold = GoldLabel.objects.create(
        clip=clip,
        version=version,
        payload=payload,
        provenance=provenance,
        confidence=confidence,
        tier=tier,
        adjudication=adjudication,
        decided_by=decided_by,
    )
    audit_record(
        action="gold.recorded",
        project=clip.project,
        actor=decided_by,
        target=gold,
        data={
            "clip": clip.pk,
            "version": version,
            "provenance": provenance,
            "before": current.payload if current else None,
            "after": payload,
        },
    )
    return gold


def gold_retire(*, clip_ids: list[int], reason: str) -> int:
    """The rule no longer accepts these clips' aggregate (k, thresholds or aggregator changed,
    labels corrected): their current gold, unless an adjudicator decided it, stops being
    current. It is kept as history, and the clip's next acceptance adds a version."""
    retired = list(
        GoldLabel.objects.filter(clip_id__in=clip_ids, is_current=True)
        .exclude(provenance=Provenance.ADJUDICATED)
        .select_related("clip__project")
    )
    GoldLabel.objects.filter(pk__in=[g.pk for g in retired]).update(is_current=False)
    for gold in retired:
        audit_record(
            action="gold.retired", project=gold.clip.project, target=gold,
            data={"clip": gold.clip_id, "version": gold.version, "reason": reason},
        )  # fmt: skip
    return len(retired)
