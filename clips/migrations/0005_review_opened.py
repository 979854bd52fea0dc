from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone


def mark_clips_opened_to_review(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Clips whose labels were readable in layer 2 before this mark existed: reviewable now,
    routed once (an agreement row), held in layer 2, or sent to adjudication by an admin."""
    Clip = apps.get_model("clips", "Clip")
    ClipAgreement = apps.get_model("annotation", "ClipAgreement")
    Assignment = apps.get_model("annotation", "Assignment")
    AuditEvent = apps.get_model("annotation", "AuditEvent")
    sent = (
        AuditEvent.objects.filter(action="clip.sent_to_adjudication", target_type="clips.clip")
        .annotate(clip_pk=Cast("target_id", models.BigIntegerField()))
        .values("clip_pk")
    )
    Clip.objects.filter(
        Q(stage__in=["disputed", "gold"])
        | Q(Exists(ClipAgreement.objects.filter(clip=OuterRef("pk"))))
        | Q(Exists(Assignment.objects.filter(clip=OuterRef("pk"), layer=2)))
        | Q(pk__in=sent)
    ).update(review_opened_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0005_user_profile"),
        ("clips", "0004_clip_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="clip",
            name="review_opened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_clips_opened_to_review, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="clip",
            constraint=models.CheckConstraint(
                condition=~Q(stage__in=["disputed", "gold"]) | Q(review_opened_at__isnull=False),
                name="clip_reviewable_is_marked",
            ),
        ),
    ]
