"""Sphinx extension for the student HTML book: no solutions, nothing that presumes them.

sphinx-exercise's own ``hide_solutions`` switch drops a gated ``{solution-start}`` but
leaves its ``{solution-end}`` and every cell between them (sphinx-exercise 1.2.1: the
build then fails on the leftover end node). This extension instead removes each solution
node after sphinx-exercise has merged the gated cells into it, so the solution's text,
code, outputs and figures never reach the pages, the search index or the image folder.

It also leaves out what would speak of solutions that are not there: notebook cells tagged
``remove-for-students`` (as the student notebooks do), the outputs of graded test cells
(run with the solutions in place, they would report that the checks pass), and in
Markdown pages the blocks of an ``{only} not student`` directive. The tag ``student`` is
set for the whole build, and ``only`` blocks are settled when each page is read, before
references are resolved, so that such a block may link to a page the student book leaves
out. The page sources and the download button are turned off.
"""

from __future__ import annotations

from typing import Any

import nbformat
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.util.nodes import process_only_nodes
from sphinx_exercise.nodes import solution_node

from .notebooks import is_left_out_for_students, is_test_cell

TAG = "student"  # the Sphinx tag of the student build, for {only} blocks


class RemoveSolutions(SphinxTransform):
    """Remove every solution from the doctree (after gated solutions are merged)."""

    default_priority = 11  # sphinx-exercise merges gated solutions at priority 10

    def apply(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


class SettleOnlyBlocks(SphinxTransform):
    """Keep or drop each ``only`` block as the page is read, not after references are
    resolved (as Sphinx does), so that a dropped block's links are never looked up."""

    default_priority = 12

    def apply(self, **kwargs: Any) -> None:
        process_only_nodes(self.document, self.app.tags)


def for_students(notebook_json: str) -> str:
    """The notebook text with the cells tagged ``remove-for-students`` removed and the
    outputs of graded test cells hidden (myst-nb's ``remove-cell`` and ``remove-output``
    tags; the cells still run)."""
    nb = nbformat.reads(notebook_json, as_version=4)
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if is_left_out_for_students(cell):
            tags.append("remove-cell")
        if is_test_cell(cell) or "autograde" in tags:
            tags.append("remove-output")
        cell.metadata["tags"] = tags
    return nbformat.writes(nb)


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = for_students(source[0])


def _no_download_button(app: Sphinx, config: Config) -> None:
    """No button offering the page's source or executed notebook (the book's theme)."""
    config.html_theme_options = {**config.html_theme_options, "use_download_button": False}


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_exercise")
    app.tags.add(TAG)
    app.add_transform(RemoveSolutions)
    app.add_transform(SettleOnlyBlocks)
    app.connect("source-read", _source_read)
    app.connect("config-inited", _no_download_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
