"""The accessibility check the flows use can fail: unnamed controls, shadow roots included,
are found, and named ones are not."""

import pytest

from flows import unnamed_controls

pytestmark = pytest.mark.e2e


def test_unnamed_controls_are_found_in_light_and_shadow_dom(page):
    page.set_content(
        "<button>Save</button><button></button><input type=text>"
        "<label>Name <input type=text value=x></label><input type=checkbox checked>"
        "<select aria-label=Language><option>English</option></select><div id=host></div>"
    )
    page.evaluate(
        "document.getElementById('host').attachShadow({mode: 'open'}).innerHTML ="
        " '<button></button><input type=radio aria-label=One>'"
    )
    assert unnamed_controls(page) == ["- button", "- textbox", "- checkbox [checked]", "- button"]
