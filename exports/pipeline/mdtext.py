"""People's text in the release's Markdown files (``README.md``, ``CHANGELOG.md``).

Whatever a user wrote — a release description or citation, a project's name and description,
label and dimension names, batch names, clip ids — is *text*: it must read in the rendered card
exactly as written and can never become Markdown or HTML (a ``<script>``, an ``onerror=``, a
``[link](javascript:…)``) in GitHub's, Hugging Face's or any CommonMark renderer.

We escape rather than sanitise. Stripping HTML and rewriting link targets means knowing every
renderer's dialect (raw HTML, autolinks, reference definitions, entities, math); escaping only
needs CommonMark's own rule that a backslash before ASCII punctuation makes it a literal
character — the backslash disappears in the rendered text. So every character that can *start*
inline syntax is escaped (``\\ ` * [ ] < > | ~ # $``, ``_`` unless inside a word, ``&`` before
an entity), and so are block markers at the start of a line (``-``, ``+``, ``=``, ``1.``);
punctuation that starts nothing once ``[`` and ``<`` are escaped — ``( ) . , : ; = ' " / !`` —
is left alone, so "α = 0.62 (n=3)" stays as written in the file too. Code goes into code spans
and fenced blocks whose backtick fence is longer than any run of backticks inside, so nothing
closes them early.

Pure (no Django), like the rest of the pipeline.
"""

import re

# Characters that can open inline syntax anywhere in a line: code, emphasis, links and images,
# raw HTML and autolinks, GFM tables and strikethrough, ATX heading closers, math ($ in GitHub).
# An underscore between two letters or digits opens and closes nothing (CommonMark's flanking
# rules), so fleiss_kappa stays as written; any other underscore is escaped.
_INLINE = re.compile(r"([\\`*\[\]<>|~#$]|(?<![^\W_])_|_(?![^\W_]))")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# Block markers a line may start with (after the indentation CommonMark allows): list bullets,
# setext underlines and thematic breaks, ordered list numbers.
_LINE_START = re.compile(r"^([-+=])|^([0-9]{1,9})([.)])")
_SPACE = re.compile(r"\s+")
_NEWLINE = re.compile(r"\r\n|\r|\n")


class Markdown(str):
    """Text that is Markdown already (built by the release code from known values)."""


def _escape_line(line: str, *, line_start: bool = True) -> str:
    line = _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", line))
    if not line_start:
        return line
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)


def text(value: str) -> Markdown:
    """A block of a user's text (a description): line breaks and paragraphs kept, everything
    else literal. Leading indentation is dropped (four spaces would start a code block, which
    shows backslashes)."""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markdown("\n".join(_escape_line(line.lstrip(" \t")) for line in lines).strip("\n"))


def inline(value: object, *, line_start: bool = False) -> Markdown:
    """A user's text inside one line — a heading, a table cell, a sentence: whitespace runs
    (line breaks too) become one space, everything else literal. ``line_start``: the text
    begins a block (a list item's text), where ``-`` or ``1.`` would start a list."""
    if isinstance(value, Markdown):
        return value
    return Markdown(_escape_line(_SPACE.sub(" ", str(value)).strip(), line_start=line_start))


def code_span(value: object, *, in_table: bool = False) -> Markdown:
    """``value`` as inline code, whatever backticks it holds. In a GFM table cell a ``|``
    must be escaped even inside code (the backslash is then not shown)."""
    content = _NEWLINE.sub(" ", str(value))  # as CommonMark does inside a code span
    if not content.strip():
        return inline(content)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", content)), default=0) + 1)
    if content[0] in "` " or content[-1] in "` ":
        content = f" {content} "  # CommonMark strips one space on each side
    if in_table:
        content = content.replace("|", "\\|")
    return Markdown(f"{fence}{content}{fence}")


def code_block(value: str) -> list[str]:
    """A fenced code block holding ``value`` verbatim (a citation): the fence is longer than
    any run of backticks in it, so no line of the text can close it."""
    body = str(value).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    return [fence, *(body.split("\n") if body else []), fence]
