"""Issue 11, item 9: what people write into a release is data. Descriptions, citations, project,
label, dimension and batch names and clip ids reach the dataset card and the changelog as
literal text (rendered as CommonMark with raw HTML on, as GitHub and Hugging Face do, nothing
runs); links are published only when they are http(s); lengths are bounded."""

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from published import release_dir
from rest_framework.test import APIClient

from annotation.models import AgreementReport, Annotation, GoldLabel, Role, Trace
from annotation.schema import default_label_schema, default_trace_config
from exports.models import Release
from exports.pipeline import ReleaseData, ReleaseOptions, build_release
from exports.pipeline.croissant import croissant
from exports.pipeline.data import MAX_CITATION, MAX_DESCRIPTION, ReleaseFieldError
from exports.pipeline.mdtext import code_block, code_span, inline, text
from exports.services import release_build
from factories import ClipFactory, ProjectFactory, member

pytestmark = pytest.mark.django_db

DESCRIPTION = """Agreement α = 0.62 (n=3); see fleiss_kappa.

<script>alert('card')</script>
<img src=x onerror="alert('card')">
[click](javascript:alert('card')) ![x](javascript:alert('img'))
<a href="javascript:alert('a')">a</a> <javascript:alert('auto')>
[ref]: javascript:alert('ref')
[ref]
```
</code><script>alert('fence')</script>
~~~
# not a heading
- not a list
1. not a list
| not | a table |
| --- | --- |
&lt;script&gt; $\\href{javascript:alert(1)}{x}$ **not bold**
<!-- not a comment -->
    <b>not code</b>
---"""
PROJECT = "Emo <script>alert('name')</script> [x](javascript:alert('name'))"
CITATION = """@misc{emo,
  title = {```},
}
```
<script>alert('cite')</script>
````"""
LABEL = "Joy<img src=x onerror=alert(1)>"
DIMENSION = "valence`<img src=x onerror=alert(2)>`|x"
BATCH = "<script>alert('batch')</script>"
CLIP_ID = "clip`<img src=x onerror=alert(3)>` <script>alert('id')</script>|x"
HOMEPAGE = "https://example.org/emos?x=1&y=2"


# --- rendering as a CommonMark site would ----------------------------------------------------


def render(markdown: str) -> str:
    """CommonMark with raw HTML and GFM tables, and no link filter of its own (markdown-it
    drops javascript: links by itself; GitHub's cmark-gfm leaves that to a later sanitiser)."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True
    return md.render(markdown)


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


SAFE_TAGS = {
    "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "code", "pre", "table", "thead", "tbody",
    "tr", "th", "td", "img", "hr", "br", "em", "strong", "a", "blockquote",
}  # fmt: skip
SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def assert_safe(html: str) -> Page:
    page = Page(html)
    assert "<script" not in html.lower()
    assert set(page.tags) <= SAFE_TAGS, set(page.tags) - SAFE_TAGS
    for tag, name, value in page.attrs:
        assert not name.lower().startswith("on"), (tag, name, value)
        if name.lower() in ("href", "src"):
            scheme = SCHEME.match(value)
            assert scheme is None or scheme[1].lower() in ("http", "https"), (tag, name, value)
    return page


def test_the_check_is_not_vacuous():
    """The same renderer runs what the card used to contain."""
    for raw in (DESCRIPTION, f"```\n{CITATION}\n```", f"- `{CLIP_ID}`"):
        with pytest.raises(AssertionError):
            assert_safe(render(raw))


# --- the escaping itself ---------------------------------------------------------------------

ALPHABET = [*"ab1 \n\t_*`[]()<>!#&;|~$-+=.:\\/\"'%{}^@中α", "&amp;", "&#106;", "\u00a0"]


def _words(value: str) -> str:
    return " ".join(value.split())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join))
def test_any_text_renders_literally_and_inertly(value):
    page = assert_safe(render(text(value)))
    assert set(page.tags) <= {"p", "br"}
    assert _words(page.text) == _words(value)
    inline_page = assert_safe(render(f"# {inline(value)}"))
    assert _words(inline_page.text) == _words(value)
    item = assert_safe(render(f"- {inline(value, line_start=True)}"))
    assert _words(item.text) == _words(value) and item.tags.count("li") == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=40).map("".join))
def test_code_spans_and_blocks_hold_any_text(value):
    span = Page(render(f"- {code_span(value)}"))
    if value.strip():
        assert span.tags == ["ul", "li", "code"]
        assert span.text.strip("\n") == value.replace("\n", " ")
    block = Page(render("\n".join(code_block(value))))
    assert block.tags == ["pre", "code"]
    body = value.strip("\n")
    assert block.text == (body + "\n" if body else "") + "\n"


def test_ordinary_text_stays_readable_in_the_file():
    for plain in ("α = 0.62 (n=3)", "fleiss_kappa 0.512", "AT&T, 50% - see https://x.org"):
        assert text(plain) == plain
    assert inline("1.0.0") == "1.0.0"


# --- a published release with hostile text everywhere ----------------------------------------


@pytest.fixture
def hostile(media_root):
    """A project whose name, description, label, dimension, batch names and one clip id are
    hostile, with gold and traces, and its agreement report."""
    schema = default_label_schema()
    first = schema["layers"][0]
    first["labels"][0] = {**first["labels"][0], "value": LABEL}
    config = default_trace_config()
    config["dimensions"][0]["name"] = DIMENSION
    project = ProjectFactory(
        slug="hostile-card", name=PROJECT, description="<b onmouseover=alert(1)>x</b>",
        label_schema=schema, trace_config=config,
    )  # fmt: skip
    admin = member(project, Role.ADMIN)
    raters = [member(project, Role.ANNOTATOR) for _ in range(3)]
    for i in range(12):
        clip = ClipFactory(
            project=project, external_id=f"v{i // 2}/{i}", language="zh" if i % 2 else "en",
            source_video=f"v{i // 2}", stage="gold", batch=BATCH if i % 3 else "plain",
        )  # fmt: skip
        payload = {"basic7": LABEL if i % 2 else "Sadness", "goemotions": ["joy"], "intensity": 3}
        for user in raters:
            Annotation.objects.create(
                clip=clip, annotator=user, status="submitted", is_current=True, payload=payload
            )
        GoldLabel.objects.create(
            clip=clip, version=1, provenance="unanimous", tier="high", confidence=1.0,
            payload=payload,
        )  # fmt: skip
    stream = ClipFactory(
        project=project, external_id="film", kind="stream", duration_s=8.0, source_video="film",
        stage="gold",
    )  # fmt: skip
    segments = {"segments": [{"start": 0.0, "end": 4.0, "basic7": LABEL, "goemotions": ["joy"],
                              "intensity": 3}]}  # fmt: skip
    t = np.arange(0, 8, 1 / 25)
    for k, user in enumerate(raters):
        Annotation.objects.create(
            clip=stream, annotator=user, status="submitted", is_current=True, payload=segments
        )
        values = np.stack([np.sin(t + k), np.cos(t) * 0.5], axis=1).astype("<f4")
        Trace.objects.create(
            clip=stream, annotator=user, config=config, status="finalised", data=values.tobytes()
        )
    GoldLabel.objects.create(
        clip=stream, version=1, provenance="majority", tier="medium", confidence=0.8,
        payload=segments,
    )  # fmt: skip
    AgreementReport.objects.create(
        project=project, status=AgreementReport.Status.DONE, finished_at=stream.created_at,
        report={
            "n_clips": 13, "n_annotations": 39, "n_annotators": 3,
            "layers": {"basic7": {"overall": {"fleiss_kappa": 0.5},
                                  "by_batch": {BATCH: {"fleiss_kappa": 0.4},
                                               "plain": {"fleiss_kappa": 0.6}},
                                  "dawid_skene": {"tiers": {BATCH: 3}}}},
            "traces": {"n_clips": 1, "dimensions": {DIMENSION: {"ccc": {"mean": -0.1,
                                                                         "median": 0.2}}}},
        },
    )  # fmt: skip
    api = APIClient()
    api.force_authenticate(admin)
    return project, api


def _publish(api: APIClient, project, version: str, **body) -> Release:  # type: ignore[no-untyped-def]
    response = api.post(
        f"/api/projects/{project.slug}/releases/", {"version": version, **body}, format="json"
    )
    assert response.status_code == 202, response.content
    release = release_build(release_id=response.json()["id"])  # on_commit: not in a test
    assert release.status == Release.Status.PUBLISHED, release.error
    return release


def test_a_published_card_shows_hostile_text_literally_and_runs_nothing(hostile):
    project, api = hostile
    release = _publish(
        api, project, "1.0.0", description=DESCRIPTION,
        options={"citation": CITATION, "homepage": HOMEPAGE, "license": "cc-by-4.0"},
    )  # fmt: skip
    folder = release_dir(release)
    readme = (folder / "README.md").read_text("utf-8")
    page = assert_safe(render(readme))
    for literal in (
        "<script>alert('card')</script>",
        "[click](javascript:alert('card'))",
        "<img src=x onerror=\"alert('card')\">",
        "# not a heading",
        "1. not a list",
        "| not | a table |",
        "**not bold**",
        PROJECT,
        LABEL,
        BATCH,
        DIMENSION,
        "<script>alert('cite')</script>",
        "title = {```},",
    ):
        assert literal in page.text, literal
    # Readable in the file too, not only once rendered.
    assert "Agreement α = 0.62 (n=3); see fleiss_kappa." in readme
    # The front matter reads back as the name that was written.
    front = yaml.safe_load(readme.split("---\n")[1])
    assert front["pretty_name"] == PROJECT and front["license"] == "cc-by-4.0"
    meta = (folder / "croissant.json").read_text("utf-8")
    assert f'"url": "{HOMEPAGE}"' in meta


def test_the_changelog_shows_hostile_clip_ids_and_labels_literally(hostile):
    project, api = hostile
    first = _publish(api, project, "1.0.0")  # no description: the project's
    page = assert_safe(render((release_dir(first) / "README.md").read_text("utf-8")))
    assert "<b onmouseover=alert(1)>x</b>" in page.text
    clip = ClipFactory(project=project, external_id=CLIP_ID, source_video="x", stage="gold")
    payload = {"basic7": LABEL, "goemotions": ["joy"], "intensity": 3}
    GoldLabel.objects.create(
        clip=clip, version=1, provenance="majority", tier="medium", payload=payload
    )
    changed = GoldLabel.objects.get(clip__external_id="v0/0")
    GoldLabel.objects.filter(pk=changed.pk).update(payload=payload)
    release = _publish(api, project, "1.1.0", description="second")
    changelog = (release_dir(release) / "CHANGELOG.md").read_text("utf-8")
    page = assert_safe(render(changelog))
    assert CLIP_ID in page.text
    assert f"basic7={LABEL}" in page.text
    readme = (release_dir(release) / "README.md").read_text("utf-8")
    assert_safe(render(readme))


# --- URLs and lengths are checked when the release is created --------------------------------


@pytest.mark.parametrize(
    "homepage",
    [
        "javascript:alert('card')",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "ftp://example.org/x",
        "https://",
        "https://exa mple.org",
        "https://example.org/\n<script>",
        "https://" + "a" * 2_000 + ".org",
        123,
    ],
)
def test_only_http_links_are_accepted_as_a_homepage(hostile, homepage):
    project, api = hostile
    response = api.post(
        f"/api/projects/{project.slug}/releases/",
        {"version": "1.0.0", "options": {"homepage": homepage}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "options.homepage"
    assert "http" in response.json()["error"]["message"]
    assert not Release.objects.exists()


@pytest.mark.parametrize(
    "license", ["javascript:alert(1)", "<img src=x onerror=alert(1)>", "", "cc by\n4.0", None]
)
def test_a_license_is_an_identifier_or_an_http_link(hostile, license):
    project, api = hostile
    response = api.post(
        f"/api/projects/{project.slug}/releases/",
        {"version": "1.0.0", "options": {"license": license}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "options.license"


def test_description_and_citation_lengths_are_bounded(hostile):
    project, api = hostile
    url = f"/api/projects/{project.slug}/releases/"
    body = {"version": "1.0.0", "description": "x" * (MAX_DESCRIPTION + 1)}
    long = api.post(url, body, format="json")
    assert long.status_code == 400 and long.json()["error"]["field"] == "description"
    cite = {"citation": "x" * (MAX_CITATION + 1)}
    long = api.post(url, {"version": "1.0.0", "options": cite}, format="json")
    assert long.status_code == 400 and long.json()["error"]["field"] == "options.citation"
    typed = api.post(url, {"version": "1.0.0", "options": {"citation": ["x"]}}, format="json")
    assert typed.status_code == 400 and typed.json()["error"]["field"] == "options.citation"
    assert not Release.objects.exists()
    ok = api.post(
        url,
        {
            "version": "1.0.0",
            "description": "x" * MAX_DESCRIPTION,
            "options": {"citation": "y" * MAX_CITATION, "homepage": "http://example.org",
                        "license": "https://creativecommons.org/licenses/by/4.0/"},
        },
        format="json",
    )  # fmt: skip
    assert ok.status_code == 202, ok.content


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--homepage", "javascript:alert(1)"], "options.homepage"),
        (["--license", "javascript:alert(1)"], "options.license"),
        (["--citation", "c" * (MAX_CITATION + 1)], "options.citation"),
        (["--description", "d" * (MAX_DESCRIPTION + 1)], "description"),
    ],
)
def test_the_command_refuses_the_same(hostile, args, field, monkeypatch):
    project, _ = hostile

    def waiting(seconds: float) -> None:  # a release was created: the command would wait on
        raise AssertionError("the command accepted the release")

    monkeypatch.setattr("exports.management.commands.build_release.time.sleep", waiting)
    with pytest.raises(CommandError, match=re.escape(field)):
        call_command("build_release", project.slug, "--version", "1.0.0", *args,
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert not Release.objects.exists()


# --- and the writers do not trust their input either -----------------------------------------


def _bare(options: ReleaseOptions) -> ReleaseData:
    return ReleaseData(
        project_slug="p", project_name="P", description="", version="1.0.0",
        created="2025-01-01", label_schema={}, trace_config={}, options=options, clips=[],
        labels=[], gold=[],
    )  # fmt: skip


def test_the_writers_publish_no_other_link(tmp_path: Path):
    bad = ReleaseOptions(homepage="javascript:alert('c')", license="javascript:alert('l')")
    meta = croissant(_bare(bad), [], {}, languages=[], file_sets={})
    assert "url" not in meta and meta["license"] == "other"
    good = croissant(_bare(ReleaseOptions(homepage=HOMEPAGE)), [], {}, languages=[], file_sets={})
    assert good["url"] == HOMEPAGE
    with pytest.raises(ReleaseFieldError) as refused:
        build_release(_bare(ReleaseOptions(homepage="javascript:alert('c')")), tmp_path / "r")
    assert refused.value.field == "options.homepage"
