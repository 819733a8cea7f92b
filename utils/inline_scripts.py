"""Sphinx extension for the HTML book: every script tag appears once on a page.

Sphinx 7.4 lists an inline script (``app.add_js_file(None, body=...)``) twice when an
extension adds it after the HTML builder has started: once as added, and once more when
the builder collects the late additions before writing, under the file name ``""``
instead of ``None``. sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way, and a second
``const`` declaration of the same name stops the script with an error on every page;
sphinx-togglebutton's ``var togglebuttonSelector = ...`` is repeated too. This extension
drops such repeats from each page's list of scripts before the page is written.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def unique_scripts(scripts: list[Any]) -> list[Any]:
    """The scripts in their order, without repeats of a tag already listed.

    Two entries are the same tag when they have the same file (``None`` and ``""`` both
    mean an inline script) and the same attributes, the inline body included.
    """
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "",
               tuple(sorted((name, str(value)) for name, value in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _each_script_once(app: Sphinx, pagename: str, templatename: str,
                      context: dict[str, Any], doctree: Any) -> None:
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _each_script_once)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
