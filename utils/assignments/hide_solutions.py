"""Sphinx extension for the student HTML book: no solutions, no download button.

sphinx-exercise's own ``hide_solutions`` switch drops a gated ``{solution-start}`` but
leaves its ``{solution-end}`` and every cell between them (sphinx-exercise 1.2.1: the
build then fails on the leftover end node). This extension instead removes each solution
node after sphinx-exercise has merged the gated cells into it, so the solution's text,
code, outputs and figures never reach the pages, the search index or the image folder.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_node


class RemoveSolutions(SphinxTransform):
    """Remove every solution from the doctree (after gated solutions are merged)."""

    default_priority = 11  # sphinx-exercise merges gated solutions at priority 10

    def apply(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def _no_download_button(app: Sphinx, config: Config) -> None:
    """No button offering the page's source or executed notebook (the book's theme)."""
    config.html_theme_options = {**config.html_theme_options, "use_download_button": False}


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_exercise")
    app.add_transform(RemoveSolutions)
    app.connect("config-inited", _no_download_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
