"""The dashboard reads right in English and Chinese, at 1280 and 900 px: one agreement report
gives one date on the time axis, annotator names do not overlap, a missing figure reads as
missing (never 0), and no raw key or English word is left on the Chinese page."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from annotation.importers.labels import LabelRecord
from annotation.models import AgreementReport, Project, Role
from annotation.services.agreement import agreement_report_run
from annotation.services.label_import import labels_import
from annotation.services.preferences import user_language_set
from annotation.services.projects import membership_grant, project_get_or_create
from clips.importers.records import ClipRecord
from clips.models import ImportJob
from exports.models import Release
from flows import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Long names, as institutions hand them out: each is wider than its share of a bar chart.
RATERS = [f"annotator_{name}_{i}" for i, name in enumerate(
    ["wang_xiaoming", "li_jiayi", "zhang_wei", "chen_jingjing", "liu_yang", "huang_lei",
     "zhao_min", "sun_haoran", "guest"]
)]  # fmt: skip
LABELS = ["Joy", "Sadness", "Anger", "Fear", "Surprise", "Neutral", "Disgust"]
WIDTHS = [1280, 900]


# Rates one clip only: with a single gold class, their κ against gold is undefined.
GUEST = RATERS[-1]


@pytest.fixture
def project() -> Project:
    project, _ = project_get_or_create(slug="read", name="Readable dashboard")
    records = [
        LabelRecord(
            clip=ClipRecord(external_id=f"c{c}", kind="static", language="zh"),
            annotator=rater,
            # most raters agree on a clip; every third rater differs on every other clip
            payload={
                "basic7": LABELS[(c + (r % 3 == 0) * (c % 2)) % len(LABELS)],
                "goemotions": ["joy"],
                "intensity": 3,
            },
            source_ref=f"sheet:{c}",
        )
        for c in range(10)
        for r, rater in enumerate(RATERS)
        if rater != GUEST or c == 0
    ]
    labels_import(project=project, records=records, source="csv")
    ImportJob.objects.create(project=project, kind="labels", status="done", total=81, processed=81)
    ImportJob.objects.create(project=project, kind="clips", status="failed", total=5, processed=2)
    agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
    now = timezone.now()
    Release.objects.create(
        project=project, major=1, minor=0, patch=0, status="published", progress=1.0,
        published_at=now - timedelta(days=2), size_bytes=12_480_000, archive_path="x.zip",
    )  # fmt: skip
    Release.objects.create(project=project, major=1, minor=1, patch=0, status="failed")
    Release.objects.create(
        project=project, major=1, minor=2, patch=0, status="building", progress=0.4
    )
    admin = get_user_model().objects.create_user("boss", password=PASSWORD)
    membership_grant(project=project, user=admin, roles=[Role.ADMIN])
    return project


def open_dashboard(page, live_server, *, language: str, width: int):  # type: ignore[no-untyped-def]
    user_language_set(user=get_user_model().objects.get(username="boss"), language=language)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "/projects/read/dashboard", username="boss")
    dashboard = page.locator("project-dashboard")
    for panel in ("progress", "agreement", "annotators", "routing", "imports", "releases"):
        content = dashboard.locator(f'section[data-panel="{panel}"] .panel-content')
        expect(content.locator("> *").first).to_be_visible()
        expect(content.locator(".loading")).to_have_count(0)
    # every chart has drawn its x axis
    expect(dashboard.locator(".chart-plot:not(:has(.chart-ticks .tick))")).to_have_count(0)
    return dashboard


def usernames() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(username__startswith="annotator_")
        .values_list("username", flat=True)
    )


# Pairs of tick labels of one chart whose boxes intersect (by more than half a pixel).
OVERLAPS = """(dashboard) => {
  const found = [];
  for (const figure of dashboard.querySelectorAll("figure.chart")) {
    const ticks = [...figure.querySelectorAll(".chart-ticks .tick")];
    const boxes = ticks.map((t) => t.getBoundingClientRect());
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5)
          found.push(`${figure.querySelector("figcaption").textContent}: ` +
                     `${ticks[i].textContent} × ${ticks[j].textContent}`);
      }
  }
  return found;
}"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_report_gives_one_date_on_the_time_axis(page, live_server, project, language):
    dashboard = open_dashboard(page, live_server, language=language, width=1280)
    figure = dashboard.locator('section[data-panel="agreement"] figure.chart').first
    at = AgreementReport.objects.get().finished_at.isoformat()
    day = page.evaluate(
        "([at, locale]) => new Intl.DateTimeFormat(locale, {month: 'short', day: 'numeric'})"
        ".format(new Date(at))",
        [at, "en" if language == "en" else "zh-CN"],
    )
    expect(figure.locator(".chart-ticks .tick")).to_have_text([day])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", WIDTHS)
def test_axis_labels_do_not_overlap(page, live_server, project, screenshot, language, width):
    dashboard = open_dashboard(page, live_server, language=language, width=width)
    screenshot("page")
    assert dashboard.evaluate(OVERLAPS) == []
    # each annotator's name is there in full, as a tooltip where it is cut short
    panel = dashboard.locator('section[data-panel="annotators"]')
    for figure in panel.locator("figure.chart:has(.chart-ticks)").all():
        ticks = figure.locator(".tick")
        names = ticks.evaluate_all("(ts) => ts.map((t) => t.title || t.textContent)")
        assert sorted(names) == sorted(usernames())
        widths = ticks.evaluate_all("(ts) => ts.map((t) => t.getBoundingClientRect().width)")
        assert min(widths) >= 80  # room for a readable part of the name


def test_missing_kappa_reads_as_missing_everywhere(page, live_server, project):
    dashboard = open_dashboard(page, live_server, language="en", width=1280)
    guest = next(name for name in usernames() if name.startswith(GUEST))
    row = dashboard.locator("table.figures tbody tr").filter(has_text=guest)
    expect(row.locator("td").nth(3)).to_have_text("—")  # κ against gold
    radar = dashboard.locator("radar-chart")
    summary = radar.locator("svg").get_attribute("aria-label") or ""
    said = next(part for part in summary.split("; ") if part.startswith(guest))
    assert "κ against gold —" in said, said
    expect(radar.locator("polygon.series title").filter(has_text=guest)).to_contain_text(
        "κ against gold —"
    )
    expect(dashboard).not_to_contain_text("NaN")


# Words in Latin letters on the Chinese page that are not names, labels' own English or
# the figures' names (Fleiss κ…): raw keys and English left over.
LATIN = """(dashboard, allowed) => {
  const texts = [];
  const walker = document.createTreeWalker(dashboard, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement.closest("textarea, style, script")) texts.push(node.textContent);
  for (const element of dashboard.querySelectorAll("[aria-label], [title]"))
    texts.push(element.getAttribute("aria-label") ?? "", element.getAttribute("title") ?? "");
  let all = texts.join(" ");
  for (const phrase of allowed) all = all.split(phrase).join(" ");
  return [...new Set(all.match(/[A-Za-z][A-Za-z0-9_]{2,}/g) ?? [])];
}"""
FIGURE_NAMES = [
    "Fleiss",
    "Cohen",
    "Krippendorff",
    "MASI",
    "Jaccard",
    "CCC",
    "Dawid",
    "Skene",
    "JSON",
]
# File formats and the field the drafts import needs, named as in the files.
FORMAT_NAMES = ["JSONL", "CSV", "clip_id", "EmoS", ".emotion.json"]


@pytest.mark.parametrize("width", WIDTHS)
def test_chinese_dashboard_has_no_raw_keys(page, live_server, project, width):
    dashboard = open_dashboard(page, live_server, language="zh-hans", width=width)
    tiers = dashboard.locator('section[data-panel="agreement"] figcaption', has_text="Dawid")
    expect(tiers).to_contain_text("基本情绪")  # the layer's title, not its key "basic7"
    english = [label["en"] for label in project.label_schema["layers"][0]["labels"]]
    allowed = usernames() + english + ["Unsure"] + FIGURE_NAMES + FORMAT_NAMES
    assert dashboard.evaluate(LATIN, allowed) == []


# The texts of these elements whose lines stack: taller than one and a half of their lines.
WRAPPED = """(elements) => elements.filter((e) => e.getClientRects().length > 0).flatMap((e) => {
  const range = document.createRange();
  range.selectNodeContents(e);
  const style = getComputedStyle(e.firstElementChild ?? e);
  let line = parseFloat(style.lineHeight);
  if (Number.isNaN(line)) line = parseFloat(style.fontSize) * 1.2;  // "normal"
  return range.getBoundingClientRect().height > line * 1.5 ? [e.textContent] : [];
})"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", WIDTHS)
def test_statuses_and_buttons_keep_to_one_line(page, live_server, project, language, width):
    dashboard = open_dashboard(page, live_server, language=language, width=width)
    badges = dashboard.locator(
        '[data-panel="releases"] tbody td:nth-child(2), [data-panel="imports"] .status, button'
    )
    expect(badges.first).to_be_visible()
    assert badges.evaluate_all(WRAPPED) == []


def test_many_reports_name_their_days_whole(page, live_server, project, screenshot):
    first = AgreementReport.objects.get()
    for day in range(1, 30):  # a report a day over the month before
        at = first.finished_at - timedelta(days=day)
        report = AgreementReport.objects.create(
            project=project, status="done", report=first.report, finished_at=at
        )
        AgreementReport.objects.filter(pk=report.pk).update(created_at=at)
    dashboard = open_dashboard(page, live_server, language="en", width=900)
    screenshot("page")
    assert dashboard.evaluate(OVERLAPS) == []
    tiers = dashboard.locator("figure.chart", has_text="Dawid–Skene").locator(".tick")
    expect(tiers.first).to_be_visible()
    cut = tiers.evaluate_all(
        "(ts) => ts.filter((t) => t.scrollWidth > t.clientWidth).map((t) => t.textContent)"
    )
    assert cut == []  # every day shown is whole (every k-th of them)
    assert tiers.count() > 3
