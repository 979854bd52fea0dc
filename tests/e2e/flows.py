"""Steps the browser tests share: an annotator with a project of imported clips, disputed clips
for an adjudicator, signing in, reading the player's media clock."""

import re
import time
from io import StringIO
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command

from annotation.models import Project, Role, Trace
from annotation.services.assignment import assignment_next
from annotation.services.projects import membership_grant
from annotation.services.submission import annotation_submit
from annotation.trace_chunks import DTYPE
from clips.media.synth import synth_clip
from clips.models import Clip

USERNAME, PASSWORD = "ann", "pw-e2e-123"
VIDEO = "document.querySelector('clip-player video')"
STATIC_VOTES = ["Joy", "Sadness", "Joy"]
STREAM_VOTES = [("Neutral", "Joy"), ("Neutral", "Neutral"), ("Sadness", "Joy")]


def annotator_with_clips(folder: Path, *, slug: str, **import_options: str) -> User:
    """Import ``folder`` into project ``slug`` and make the annotator who signs in."""
    call_command(
        "import_clips", str(folder), project=slug, stdout=StringIO(), stderr=StringIO(),
        **import_options,
    )  # fmt: skip
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    membership_grant(project=Project.objects.get(slug=slug), user=user, roles=[Role.ANNOTATOR])
    return user


def annotator_with_a_layer(folder: Path, *, slug: str, layer: dict) -> User:  # type: ignore[type-arg]
    """An annotator with one static clip in project ``slug``, whose label schema is the
    default one plus ``layer``."""
    from annotation.schema import default_label_schema

    synth_clip(folder / "one.mp4", seconds=4)
    user = annotator_with_clips(folder, slug=slug, kind="static")
    schema = default_label_schema()
    Project.objects.filter(slug=slug).update(
        label_schema={**schema, "layers": [*schema["layers"], layer]}
    )
    return user


UTTERANCES = (
    "I came here with nothing but a suitcase.",
    "The first winter was the hardest of my life.",
    "I did not know a single word of the language.",
    "My neighbour taught me to cook with what was cheap.",
    "We laughed at my accent every evening.",
    "Then the factory closed.",
    "I stood at the gate for an hour.",
    "But look at us now.",
)


def write_monologue(folder: Path) -> None:
    """A 24 s monologue in ``folder``: the video and its transcript, one utterance per 3 s."""
    synth_clip(folder / "suitcase.mp4", seconds=3 * len(UTTERANCES))
    (folder / "suitcase.srt").write_text(
        "\n".join(
            f"{i + 1}\n00:00:{3 * i:02d},000 --> 00:00:{3 * i + 3:02d},000\n{line}\n"
            for i, line in enumerate(UTTERANCES)
        )
    )


STATIC_VOTES = ["Joy", "Sadness", "Joy"]
STREAM_VOTES = [("Neutral", "Joy"), ("Neutral", "Neutral"), ("Sadness", "Joy")]


def _user(project: Project, name: str, role: str):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    membership_grant(project=project, user=user, roles=[role])
    return user


def disputed_project(tmp_path: Path, *, audio_only: bool = False) -> Project:
    """Project "adj": a static clip and a 20 s monologue (``audio_only``: WAV files, as a
    speech corpus has them), each labelled differently by three annotators (the monologue
    with lagging traces), and the adjudicator "judge"."""
    for kind, seconds in (("static", 4), ("stream", 20)):
        if audio_only:
            synth_clip(tmp_path / kind / f"{kind}.wav", seconds=seconds, fmt="wav", video=False)
        else:
            synth_clip(tmp_path / kind / f"{kind}.mp4", seconds=seconds)
        call_command(
            "import_clips", str(tmp_path / kind), project="adj", kind=kind, language="zh",
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    project = Project.objects.get(slug="adj")
    annotators = [_user(project, f"ann{i}", Role.ANNOTATOR) for i in range(3)]
    rate = project.trace_config["rate_hz"]
    t = np.arange(0, 20, 1 / rate)
    for i, user in enumerate(annotators):
        for _ in range(2):  # the static clip first (least annotated), then the stream
            work = assignment_next(user=user, project=project)
            if work.clip.kind == Clip.Kind.STATIC:
                payload = {"basic7": STATIC_VOTES[i], "goemotions": ["joy"], "intensity": 3}
            else:
                first, second = STREAM_VOTES[i]
                payload = {
                    "segments": [
                        {"start": 0.0, "end": 8.0 + i, "basic7": first, "goemotions": ["neutral"],
                         "intensity": 2},
                        {"start": 8.0 + i, "end": 20.0, "basic7": second, "goemotions": ["joy"],
                         "intensity": 3},
                    ]
                }  # fmt: skip
                lag = 1.0 * i  # each annotator reacts a second later than the one before
                valence = np.sin(np.clip(t - lag, 0, None) / 2)
                Trace.objects.create(
                    clip=work.clip, annotator=user, config=project.trace_config,
                    status=Trace.Status.FINALISED, sample_count=len(t),
                    gap_report={"coverage": 1.0, "n_samples": len(t), "gaps": []},
                    data=np.stack([valence, valence / 2], axis=1).astype(DTYPE).tobytes(),
                )  # fmt: skip
            annotation_submit(assignment_id=work.pk, user=user, payload=payload)
    assert Clip.objects.filter(project=project, stage=Clip.Stage.DISPUTED).count() == 2
    _user(project, "judge", Role.ADJUDICATOR)
    return project


def sign_in(page, live_server, next_path: str = "/", username: str = USERNAME) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def label_default_layers(page, basic7: str = "2") -> None:  # type: ignore[no-untyped-def]
    """In the static workspace, by keyboard: Basic-7 by its number (2 Joy, 3 Sadness),
    GoEmotions "joy", intensity 4."""
    page.keyboard.press(basic7)
    page.keyboard.press("/")
    page.keyboard.type("joy")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Digit4")


def label_and_submit(page, basic7: str = "2") -> None:  # type: ignore[no-untyped-def]
    """``label_default_layers``, then submit."""
    label_default_layers(page, basic7)
    page.keyboard.press("Control+Enter")


def media_time(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate(f"{VIDEO}.currentTime"))


def pause(page) -> None:  # type: ignore[no-untyped-def]
    """Presses K and returns once the page has handled the pause: the trace recorder samples
    the last frames on the pause event, which comes after ``video.paused`` turns true."""
    page.evaluate(
        f"window.pauseHandled = new Promise(done => {VIDEO}.addEventListener("
        "'pause', () => setTimeout(done), {once: true})); undefined"
    )
    page.keyboard.press("k")
    page.evaluate("window.pauseHandled")


def wait_until(page, expression: str, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """``page.wait_for_function(expression, timeout=ms)`` without ``eval()`` in the page.

    Playwright's wait_for_function polls by calling eval() inside the page, which the site's
    Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses on every page after
    a context's first. page.evaluate() goes through the DevTools protocol, which the page's
    policy does not govern, so the tests poll with it and keep running under the real policy.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(50)


def refused_links(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The page's same-site links that do not answer 200 to the person signed in."""
    origin = page.evaluate("location.origin")
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    return [
        f"{href} {status}"
        for href in sorted(set(hrefs))
        if href.startswith(origin) and (status := page.request.get(href).status) != 200
    ]


CONTROLS = "button|textbox|searchbox|checkbox|radio|combobox|spinbutton|slider|link"
# A control in Playwright's ARIA snapshot without a quoted name after its role: unnamed.
UNNAMED = re.compile(rf"^\s*- ({CONTROLS})(?=\s*(?:\[|:|$))", re.MULTILINE)


def unnamed_controls(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Controls a screen reader would announce without a name (shadow roots included)."""
    snapshot = page.locator("body").aria_snapshot()
    return [line.strip() for line in snapshot.splitlines() if UNNAMED.match(line)]
