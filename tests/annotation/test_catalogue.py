"""Every string of the interface has a Chinese translation: the templates' and the Python
messages (domain "django") and the front end's (domain "djangojs"). The catalogue is
regenerated from the current source in a scratch copy, exactly as `update_catalogues`
does it, so a string added anywhere without a translation fails here, by name."""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["annotation", "clips", "exports", "locale", "frontend/src"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("catalogues")
    for source in SOURCES:
        shutil.copytree(
            ROOT / source, scratch / source, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(scratch)  # makemessages scans the working directory
        call_command("update_catalogues", verbosity=0)
    return scratch / "locale" / "zh_Hans" / "LC_MESSAGES"


def untranslated(po: polib.POFile) -> list[str]:
    missing = [entry for entry in po if not entry.obsolete and not entry.translated()]
    return [
        f"{entry.msgid!r} ({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:2])})"
        for entry in missing
    ]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_has_a_chinese_translation(fresh_catalogues: Path, domain: str) -> None:
    po = polib.pofile(str(fresh_catalogues / f"{domain}.po"))
    assert len(po) > 50, "the extraction found (almost) nothing: is xgettext installed?"
    missing = untranslated(po)
    assert not missing, (
        f"{len(missing)} strings have no Chinese translation in locale/zh_Hans/LC_MESSAGES/"
        f"{domain}.po — run `.venv/bin/python manage.py update_catalogues` and translate:\n"
        + "\n".join(missing)
    )


def test_the_committed_catalogue_is_current(fresh_catalogues: Path) -> None:
    """No string in the source is missing from the committed catalogues (if it were, the
    page would show English even though the check above passes on a regenerated copy)."""
    for domain in ("django", "djangojs"):
        committed = {
            e.msgid for e in polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES" / f"{domain}.po"))
        }
        fresh = {e.msgid for e in polib.pofile(str(fresh_catalogues / f"{domain}.po"))}
        assert fresh <= committed, (
            f"{domain}: not in the committed catalogue: {sorted(fresh - committed)}"
        )


def test_the_missing_string_check_fails_on_an_untranslated_string(tmp_path: Path) -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Decide", msgstr="裁定"))
    po.append(polib.POEntry(msgid="A new button", msgstr="", occurrences=[("x.ts", "3")]))
    fuzzy = polib.POEntry(msgid="Skip", msgstr="跳过", flags=["fuzzy"])
    po.append(fuzzy)
    assert untranslated(po) == ["'A new button' (x.ts:3)", "'Skip' ()"]


def test_compiled_catalogue_serves_chinese() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") != "Sign in"
