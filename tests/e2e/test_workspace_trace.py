"""An annotator records a valence/arousal trace on a streaming clip through a network outage
and a reload, then labels the segments and submits. The server must end up with exactly what
the page recorded: every sample once, in order, over the whole played span."""

import math
import re
import time

import numpy as np
import pytest
from playwright.sync_api import expect

from annotation.models import Annotation, Trace, TraceChunk
from annotation.trace_chunks import assemble, unpack
from clips.media.synth import synth_clip
from flows import VIDEO, annotator_with_clips, media_time, pause, sign_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECONDS = 36
RATE = 25
SRT = """1
00:00:00,000 --> 00:00:11,500
I came here with nothing but a suitcase.

2
00:00:11,500 --> 00:00:24,000
And the first winter was the hardest of my life.

3
00:00:24,000 --> 00:00:35,500
But look at us now.
"""
CHUNKS_URL = re.compile(r".*/api/traces/\d+/chunks/$")


@pytest.fixture
def monologue(media_root, tmp_path):
    folder = tmp_path / "stream"
    synth_clip(folder / "mono.mp4", seconds=SECONDS)
    (folder / "mono.srt").write_text(SRT)
    return annotator_with_clips(folder, slug="ws", kind="stream", language="en")


def wait_media(page, seconds: float) -> None:
    wait_until(page, f"{VIDEO}.currentTime >= {seconds}", timeout=60_000)


def wait_ready(page) -> None:
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "stream")
    expect(page.locator("trace-recorder")).to_have_attribute("data-state", "ready")


def wait_buffered(page, seconds: float) -> None:
    """The media the outage will play is loaded before the network goes away."""
    wait_until(
        page,
        f"(v => v.buffered.length && v.buffered.end(0) >= {seconds})"
        "(document.querySelector('clip-player video'))",
        timeout=30_000,
    )


def point_at(page, fx: float, fy: float) -> None:
    """Moves the mouse to a fraction of the pad (0, 0 = top left)."""
    box = page.get_by_role("application").bounding_box()
    page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def record_opening(page, live_server, *, seconds: float, at: tuple[float, float]) -> None:
    """Signs in, opens the monologue and records its first ``seconds`` with the pointer held
    at ``at`` on the pad, then pauses (K)."""
    sign_in(page, live_server, "/projects/ws/work")
    wait_ready(page)
    wait_buffered(page, seconds + 4)
    point_at(page, *at)
    page.mouse.down()
    page.mouse.up()
    page.keyboard.press("Space")
    wait_media(page, seconds)
    pause(page)


def page_record(page) -> list[dict]:
    return page.evaluate(
        "document.querySelector('trace-recorder').recordedChunks()"
        ".then(cs => cs.map(c => ({seq: c.seq, k0: c.k0, samples: c.samples})))"
    )


def test_trace_survives_offline_and_reload(seekable_media, live_server, monologue, screenshot):
    page = seekable_media
    recorder = page.locator("trace-recorder")
    sign_in(page, live_server, "/projects/ws/work")
    wait_ready(page)
    wait_buffered(page, 20)
    expect(page.get_by_role("img", name=re.compile("Recorded trace"))).to_be_attached()

    # Record: the pad has focus, Space plays, the pointer and the arrow keys move the value.
    point_at(page, 0.5, 0.5)
    page.mouse.down()
    page.mouse.up()
    page.keyboard.press("Space")
    wait_media(page, 2)
    point_at(page, 0.8, 0.2)  # pleasant, aroused
    wait_media(page, 4)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowLeft")
    wait_media(page, 6)

    # Offline for 10 s while recording goes on: the indicator shows what is unsaved.
    page.context.set_offline(True)
    for fx, fy in ((0.3, 0.7), (0.2, 0.9), (0.6, 0.6), (0.9, 0.1), (0.5, 0.4)):
        point_at(page, fx, fy)
        time.sleep(2)  # the deliberate outage: 5 x 2 s
    expect(recorder).to_have_attribute("data-connection", "offline")
    assert int(recorder.get_attribute("data-unsent")) > 8 * RATE
    expect(page.get_by_text(re.compile(r"^Offline: .* not saved yet"))).to_be_visible()
    screenshot("offline")
    page.context.set_offline(False)
    # Back online, the backlog goes at once: only the chunk being filled stays unsent.
    wait_until(
        page,
        f"+document.querySelector('trace-recorder').dataset.unsent < 2 * {RATE}",
        timeout=20_000,
    )
    expect(recorder).to_have_attribute("data-connection", "online")

    # Uploads now fail (a server that does not answer): the page keeps recording...
    page.context.route(CHUNKS_URL, lambda route: route.abort())
    resume_from = media_time(page)
    wait_media(page, resume_from + 3)
    pause(page)
    expect(page.locator("clip-player")).not_to_have_attribute("data-playing", "")
    assert int(recorder.get_attribute("data-unsent")) > 0

    # ... and is reloaded with unsent samples: the browser warns before leaving.
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    page.reload()
    assert dialogs == ["beforeunload"]
    wait_ready(page)
    # The unsent chunks came back from IndexedDB; the video resumes where recording stopped.
    assert int(recorder.get_attribute("data-unsent")) > 0
    expect(page.locator(".message")).to_contain_text("Resumed at")
    stopped = max(c["k0"] + len(c["samples"]) for c in page_record(page)) / RATE
    assert media_time(page) == pytest.approx(stopped, abs=0.05)
    page.context.unroute(CHUNKS_URL)
    expect(recorder).to_have_attribute("data-unsent", "0", timeout=30_000)

    # Record to the end, faster.
    point_at(page, 0.4, 0.3)
    page.get_by_role("application").focus()
    page.keyboard.press("Shift+Period")
    page.keyboard.press("Shift+Period")
    page.keyboard.press("Space")
    wait_media(page, stopped + 4)
    point_at(page, 0.1, 0.5)
    wait_until(page, f"{VIDEO}.ended", timeout=60_000)
    expect(recorder).to_have_attribute("data-unsent", "0", timeout=20_000)
    screenshot("recorded")

    # The server holds exactly what the page recorded.
    record = page_record(page)
    trace = Trace.objects.get(annotator=monologue, is_current=True)
    rows = list(TraceChunk.objects.filter(trace=trace).order_by("seq"))
    assert [r.seq for r in rows] == [c["seq"] for c in record] == list(range(len(record)))
    assert trace.acked_seq == len(record) - 1
    for row, chunk in zip(rows, record, strict=True):
        assert round(row.t0 * RATE) == chunk["k0"]
        sent = np.asarray(chunk["samples"], dtype=np.float32)
        assert np.array_equal(unpack(bytes(row.samples), 2), sent), f"chunk {row.seq}"
    # Every grid point from 0 to the end was recorded once, in order: no re-recording,
    # so the chunks tile the grid without overlap.
    points = [c["k0"] + i for c in record for i in range(len(c["samples"]))]
    assert points == list(range(len(points)))
    assert trace.sample_count == len(points)
    last_point = len(points) - 1
    assert last_point >= int(SECONDS * RATE) - 1
    # The values are the pointer's: the pad's corners were visited.
    values = np.array([s for c in record for s in c["samples"]])
    assert values.min() <= -0.5 and values.max() >= 0.5 and len(np.unique(values, axis=0)) >= 6
    chunks = [(r.seq, r.t0, unpack(bytes(r.samples), 2)) for r in rows]
    assembled = assemble(chunks, rate_hz=RATE, duration_s=trace.clip.duration_s)
    assert np.array_equal(assembled.samples[: len(points)], values.astype(np.float32))
    assert assembled.report["missing_seqs"] == []

    # Going back and recording a stretch again replaces it: later chunks win on the server.
    page.keyboard.press("Shift+J")  # back 5 s
    wait_until(page, f"{VIDEO}.currentTime < {SECONDS - 4} && !{VIDEO}.seeking")
    redo_from = int(np.ceil(media_time(page) * RATE - 1e-6))
    point_at(page, 0.95, 0.05)
    page.keyboard.press("Space")
    wait_until(page, f"{VIDEO}.ended", timeout=30_000)
    expect(recorder).to_have_attribute("data-unsent", "0", timeout=20_000)
    rows = TraceChunk.objects.filter(trace=trace).order_by("seq")
    redone = assemble(
        [(r.seq, r.t0, unpack(bytes(r.samples), 2)) for r in rows],
        rate_hz=RATE,
        duration_s=trace.clip.duration_s,
    ).samples
    assert np.array_equal(redone[:redo_from], assembled.samples[:redo_from])
    assert np.all(redone[redo_from : last_point + 1] == np.float32(0.9))

    # Label the three reference segments by keyboard and submit: the trace is finalised first.
    for primary, goemotion, intensity in (("2", "joy", 3), ("1", "anger", 2), ("7", "neutral", 1)):
        page.keyboard.press(primary)
        page.keyboard.press("/")
        page.keyboard.type(goemotion)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.keyboard.press(f"Shift+Digit{intensity}")
        page.keyboard.press("n")
    third = page.locator("segment-timeline").get_by_role("button", name=re.compile("Segment 3"))
    expect(third).to_contain_text("Neutral")
    page.keyboard.press("Control+Enter")
    expect(page.locator("annotation-workspace")).to_have_attribute("data-state", "empty")

    trace.refresh_from_db()
    assert trace.status == Trace.Status.FINALISED
    assert trace.gap_report["missing_seqs"] == []
    assert trace.gap_report["n_samples"] == len(points)  # the redone stretch counts once
    # Only a sliver past the last frame the player reached may be empty.
    assert all(a >= last_point / RATE for a, _ in trace.gap_report["gaps"])
    annotation = Annotation.objects.get(annotator=monologue, status=Annotation.Status.SUBMITTED)
    assert trace.annotation_id == annotation.pk
    assert [
        (s["start"], s["end"], s["basic7"], s["goemotions"], s["intensity"])
        for s in annotation.payload["segments"]
    ] == [
        (0.0, 11.5, "Joy", ["joy"], 3),
        (11.5, 24.0, "Anger", ["anger"], 2),
        (24.0, 35.5, "Neutral", ["neutral"], 1),
    ]


UNNAMED_CONTROLS = """() => {
  const unnamed = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      const control = 'button, input:not([type=hidden]), textarea, select, video, [tabindex="0"]';
      if (!el.matches(`${control}, [role=application], [role=img], [role=group]`)) continue;
      const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
      const name = el.getAttribute('aria-label') || label || el.textContent;
      if (!name.trim()) unnamed.push(el.outerHTML.slice(0, 100));
    }
  };
  walk(document);
  return unnamed;
}"""

DEEP_FOCUS = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  const style = getComputedStyle(el);
  return {label: el.getAttribute('aria-label') || el.textContent.slice(0, 30),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_workspace_controls_are_named_and_focus_visible(seekable_media, live_server, monologue):
    page = seekable_media
    sign_in(page, live_server, "/projects/ws/work")
    wait_ready(page)
    assert page.evaluate(UNNAMED_CONTROLS) == []
    # Fits 1280 px without sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Keyboard focus is drawn: Tab through the controls and look at each ring.
    for _ in range(14):
        page.keyboard.press("Tab")
        focus = page.evaluate(DEEP_FOCUS)
        assert focus["outline"] != "none" and focus["width"] >= 1, focus


def test_a_new_browser_resumes_the_trace_the_server_holds(
    browser, seekable_media, live_server, monologue
):
    """Recorded in one browser, the trace is on the server: another browser profile (no
    IndexedDB copy) shows it recorded, draws it, resumes after it and may submit."""
    page = seekable_media
    recorder = page.locator("trace-recorder")
    record_opening(page, live_server, seconds=6, at=(0.8, 0.2))
    expect(page.locator("clip-player")).not_to_have_attribute("data-playing", "")
    expect(recorder).to_have_attribute("data-unsent", "0", timeout=20_000)
    recorded = int(recorder.get_attribute("data-recorded"))
    assert recorded >= 5 * RATE
    trace = Trace.objects.get(annotator=monologue, is_current=True)
    assert trace.sample_count == recorded and trace.acked_seq >= 0
    seconds = f"{recorded / RATE:.1f}"

    # A new profile: nothing in IndexedDB, its own sign-in.
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        fresh = other.new_page()
        sign_in(fresh, live_server, "/projects/ws/work")
        wait_ready(fresh)
        fresh_recorder = fresh.locator("trace-recorder")
        assert fresh.evaluate(
            "document.querySelector('trace-recorder').recordedChunks().then(cs => cs.length)"
        ) == 0  # fmt: skip
        expect(fresh_recorder).to_have_attribute("data-recorded", str(recorded))
        expect(fresh_recorder).to_contain_text(f"All samples saved ({seconds} s recorded)")
        expect(
            fresh.get_by_role("img", name=re.compile(rf"^Recorded trace: {re.escape(seconds)} s"))
        ).to_be_attached()
        expect(fresh.locator(".message")).to_contain_text("Resumed at")
        # Coverage is shown while recording: the server's share of the clip, below the minimum.
        share = math.floor(float(fresh_recorder.get_attribute("data-coverage")) * 100)
        assert 0 < share < 90
        expect(fresh_recorder).to_contain_text(
            f"Traced: {share}% of the clip (the project asks for at least 90%)."
        )

        # The labels complete, Ctrl+Enter submits: the trace on the server is the one finalised.
        fresh.get_by_role("application").focus()
        for primary, goemotion in (("2", "joy"), ("1", "anger"), ("7", "neutral")):
            fresh.keyboard.press(primary)
            fresh.keyboard.press("/")
            fresh.keyboard.type(goemotion)
            fresh.keyboard.press("Enter")
            fresh.keyboard.press("Escape")
            fresh.keyboard.press("Shift+Digit2")
            fresh.keyboard.press("n")
        third = fresh.locator("segment-timeline").get_by_role(
            "button", name=re.compile("Segment 3")
        )
        expect(third).to_contain_text("Neutral")
        # A sixth of the clip traced: submitting asks first, and "Not yet" (focused, so a
        # habitual Space or Enter) leaves the trace open for recording.
        question = f"Only {share}% of the clip is traced; the project asks for at least 90%."
        fresh.keyboard.press("Control+Enter")
        expect(fresh.locator(".message")).to_contain_text(question)
        expect(fresh.get_by_role("button", name="Not yet")).to_be_focused()
        fresh.keyboard.press("Space")
        expect(fresh.get_by_role("button", name="Submit anyway")).to_be_hidden()
        expect(fresh.locator("annotation-workspace")).to_have_attribute("data-state", "stream")
        expect(fresh_recorder).to_have_attribute("data-state", "ready")  # not finalised
        assert not Annotation.objects.filter(annotator=monologue).exclude(status="draft")
        fresh.keyboard.press("Control+Enter")
        fresh.get_by_role("button", name="Submit anyway").click()
        expect(fresh.locator(".message")).not_to_contain_text("Record the valence/arousal trace")
        expect(fresh.locator("annotation-workspace")).to_have_attribute("data-state", "empty")
    finally:
        other.close()
    trace.refresh_from_db()
    assert trace.status == Trace.Status.FINALISED
    assert trace.gap_report["n_samples"] == recorded
    annotation = Annotation.objects.get(annotator=monologue, status=Annotation.Status.SUBMITTED)
    assert annotation.trace_coverage_confirmed  # the confirmation is recorded
    assert annotation.trace_coverage == pytest.approx(trace.gap_report["coverage"])
    assert annotation.trace_coverage < 0.9


def test_a_second_tab_waits_for_the_trace_and_takes_it_over(seekable_media, live_server, monologue):
    """Two tabs recording one trace numbered their chunks alike: the server kept the first
    tab's and refused the second's (409) — samples lost. One tab records; the other waits,
    says why, and takes over with everything recorded once the first is closed."""
    first = seekable_media
    record_opening(first, live_server, seconds=3, at=(0.7, 0.3))
    recorder = first.locator("trace-recorder")
    expect(recorder).to_have_attribute("data-unsent", "0", timeout=20_000)
    recorded = recorder.get_attribute("data-recorded")

    second = first.context.new_page()
    second.goto(f"{live_server.url}/projects/ws/work")
    other = second.locator("trace-recorder")
    expect(other).to_have_attribute("data-state", "waiting")
    expect(other).to_contain_text("being recorded in another tab")
    second.keyboard.press("Control+Enter")
    expect(second.locator(".message")).to_contain_text("being recorded in another tab")

    first.close()
    expect(other).to_have_attribute("data-state", "ready")
    expect(other).to_have_attribute("data-recorded", recorded)
    assert TraceChunk.objects.count() == Trace.objects.get().chunk_count
