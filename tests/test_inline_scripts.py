"""The Sphinx extension that writes each script tag of a page once."""

from __future__ import annotations

from types import SimpleNamespace

from sphinx.builders.html._assets import _JavaScript

from utils.inline_scripts import _each_script_once, unique_scripts

THEBE = 'const THEBE_JS_URL = "thebe.js"'


def test_an_inline_script_listed_as_none_and_as_empty_file_is_kept_once() -> None:
    # what Sphinx 7.4 lists for an inline script added after the builder started
    first = _JavaScript(None, priority=500, body=THEBE)
    repeat = _JavaScript("", priority=500, body=THEBE)
    assert unique_scripts([first, repeat]) == [first]


def test_different_scripts_and_their_order_are_kept() -> None:
    scripts = [_JavaScript("_static/a.js"), _JavaScript(None, body="var x = 1;"),
               _JavaScript(None, body="var y = 2;"), _JavaScript("_static/a.js", defer="defer"),
               _JavaScript("_static/b.js")]
    assert unique_scripts(scripts) == scripts


def test_a_repeated_file_is_kept_once_at_its_first_place() -> None:
    a, b = _JavaScript("_static/a.js"), _JavaScript("_static/b.js")
    assert unique_scripts([a, b, _JavaScript("_static/a.js")]) == [a, b]


def test_the_page_context_gets_the_list_without_repeats() -> None:
    scripts = [_JavaScript(None, body=THEBE), _JavaScript("", body=THEBE)]
    context = {"script_files": scripts}
    _each_script_once(SimpleNamespace(), "index", "page.html", context, None)
    assert context["script_files"] == scripts[:1]
    assert len(scripts) == 2, "the builder's own list must not be changed"
