"""The demo project: bilingual clips made with ffmpeg's test sources, and a user per role."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from annotation.importers.labels import LabelRecord
from annotation.models import Project, Role
from annotation.services.agreement import agreement_report_request
from annotation.services.label_import import labels_import
from annotation.services.projects import membership_grant, project_get_or_create
from clips.importers.records import ClipRecord
from clips.media.synth import synth_clip
from clips.services import clips_import

DEMO_SLUG = "emos-demo"
DEMO_PASSWORD = "emos-demo"
DEMO_USERS: dict[str, list[Role]] = {
    "admin": [Role.ADMIN],
    "annotator1": [Role.ANNOTATOR],
    "annotator2": [Role.ANNOTATOR],
    "annotator3": [Role.ANNOTATOR],
    "adjudicator": [Role.ADJUDICATOR],
}


@dataclass(frozen=True)
class DemoClip:
    name: str
    fmt: str
    seconds: float
    language: str
    transcript: str
    audio: bool = True


STATIC_CLIPS = [
    DemoClip("greeting", "mp4", 4, "en", "I can't believe you remembered my birthday!"),
    DemoClip("rain", "mpg", 4, "zh", "外面又下雨了，今天哪儿也去不了。"),
    DemoClip("letter", "avi", 3, "en", "They said the letter never arrived."),
    DemoClip("silence", "mp4", 3, "zh", "（无声）他只是看着窗外。", audio=False),
    DemoClip("exam", "webm", 4, "zh", "我考上了！我真的考上了！"),
]

MONOLOGUE_SECONDS = 120
# Bilingual subtitles: each segment carries the Chinese line and its English translation.
MONOLOGUE_LINES = [
    (
        "我一直以为，只要足够努力，一切都会好起来。",
        "I always thought that if I worked hard enough, everything would be fine.",
    ),
    ("可是那天晚上，电话响了。", "But that night, the phone rang."),
    ("我不敢接。我知道是什么消息。", "I didn't dare answer. I knew what it was."),
    (
        "你们不懂那种感觉——心一下子空了。",
        "You don't know that feeling: your heart just goes empty.",
    ),
    (
        "后来我想明白了，有些事不是努力就能改变的。",
        "Later I understood that some things hard work can't change.",
    ),
    ("但我还是站在这里，对吧？", "But I'm still standing here, aren't I?"),
    (
        "所以今天，我想谢谢每一个没有放弃我的人。",
        "So today I want to thank everyone who never gave up on me.",
    ),
    ("谢谢你们。真的，谢谢。", "Thank you. Truly, thank you."),
]


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def _write_monologue_srt(path: Path) -> None:
    step = MONOLOGUE_SECONDS / len(MONOLOGUE_LINES)
    blocks = []
    for i, (zh, en) in enumerate(MONOLOGUE_LINES):
        start, end = i * step + 0.5, (i + 1) * step - 1.0
        blocks.append(f"{i + 1}\n{_srt_time(start)} --> {_srt_time(end)}\n{zh}\n{en}\n")
    path.write_text("\n".join(blocks), encoding="utf-8")


def build_demo_sources(folder: Path) -> Path:
    """Media, subtitles and a CSV manifest in ``folder``; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for clip in STATIC_CLIPS:
        media = folder / f"{clip.name}.{clip.fmt}"
        if not media.exists():
            synth_clip(media, seconds=clip.seconds, fmt=clip.fmt, audio=clip.audio)
        rows.append(
            {"path": media.name, "external_id": clip.name, "kind": "static",
             "language": clip.language, "transcript": clip.transcript, "segments": ""}
        )  # fmt: skip
    monologue = folder / "monologue.mp4"
    if not monologue.exists():
        synth_clip(monologue, seconds=MONOLOGUE_SECONDS, fmt="mp4", size="480x270", rate=15)
    _write_monologue_srt(folder / "monologue.srt")
    rows.append(
        {"path": monologue.name, "external_id": "monologue", "kind": "stream", "language": "zh",
         "transcript": "", "segments": "monologue.srt"}
    )  # fmt: skip
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


@transaction.atomic
def seed_users(project: Project) -> None:
    user_model = get_user_model()
    for username, roles in DEMO_USERS.items():
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = Role.ADMIN in roles
        user.save()
        membership_grant(project=project, user=user, roles=roles)


# Earlier first-layer work, as if imported from a spreadsheet by three other raters: one clip
# they agree on (gold), two they do not (the adjudicator's queue); the rest is left for the
# demo annotators.
DEMO_LABELS = {
    "greeting": ["Joy", "Joy", "Joy"],
    "rain": ["Sadness", "Sadness", "Neutral"],
    "letter": ["Surprise", "Fear", "Sadness"],
}


def seed_labels(project: Project) -> None:
    """Import the demo labels (again: nothing changes) and compute an agreement report."""
    records = [
        LabelRecord(
            clip=ClipRecord(external_id=clip),
            annotator=f"rater{i + 1}",
            payload={"basic7": label, "goemotions": [label.lower()], "intensity": 3},
            source_ref=f"demo:{clip}",
        )
        for clip, labels in DEMO_LABELS.items()
        for i, label in enumerate(labels)
    ]
    if labels_import(project=project, records=records, source="demo").report["created"]:
        agreement_report_request(project=project)


def seed_demo() -> Project:
    project, _ = project_get_or_create(slug=DEMO_SLUG, name="EmoS demo (中文 / English)")
    seed_users(project)
    manifest = build_demo_sources(Path(settings.DATA_DIR) / "demo-sources")
    clips_import(project=project, paths=[manifest])
    seed_labels(project)
    return project
