"""Sphinx extension for the HTML book: the bibliography labels its entries by author and year.

The book cites author-year ("Magnus and Neudecker [2019]"); pybtex's styles label the
entries of the bibliography with numbers ("[8]") or letters ("[MN19]"). This extension
registers the pybtex formatting style ``author_year``: the ``plain`` style (entries in
alphabetical order of the authors) with labels such as "Magnus and Neudecker, 2019",
"Bright et al., 2025" or, for two works of the same authors and year, "Axler, 2024a".
``_config.yml`` selects it with ``bibtex_default_style: author_year``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx

STYLE_NAME = "author_year"


def author_year_label(entry: Any) -> str:
    """"Surname, year", "A and B, year" or "A et al., year" for a pybtex entry.

    The authors are the entry's ``author`` persons, or its ``editor`` persons if it has
    no author; a name is the person's von and last parts ("Van Loan").
    """
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join([*person.prelast_names, *person.last_names]) for person in people]
    if not names:
        who = entry.fields.get("organization") or entry.key
    elif len(names) <= 2:
        who = " and ".join(names)
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """pybtex label style: :func:`author_year_label`, with a, b, ... where labels repeat."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        labels = [author_year_label(entry) for entry in sorted_entries]
        repeats = Counter(labels)
        seen: Counter[str] = Counter()
        for label in labels:
            if repeats[label] > 1:
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """pybtex formatting style: ``plain`` with author-year labels."""

    default_label_style = STYLE_NAME


def setup(app: Sphinx) -> dict[str, Any]:
    register_plugin("pybtex.style.labels", STYLE_NAME, AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", STYLE_NAME, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
