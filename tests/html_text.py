"""The prose of a built HTML page, and the Markdown that should have been rendered in it.

A reader sees text outside code and formulas; Markdown that reached the page unrendered
shows up there as a raw `$` (math MathJax will not typeset: it only reads the math
elements Sphinx writes) or as the rule line of a pipe table (`| --- |`, which smart quotes
may have turned into `|—|`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose text is code, styling or math, not prose.
SKIPPED_TAGS = {"script", "style", "pre", "code", "kbd", "samp", "textarea", "math", "svg"}
SKIPPED_CLASSES = {"math", "highlight"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}
UNRENDERED = {
    "a raw `$` (untypeset math)": re.compile(r"\$"),
    "a pipe-table rule (an unrendered table)": re.compile(r"\|\s*:?(?:-{3,}|[–—]{1,3}):?\s*\|"),
}


class _ProseParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, skipped) of each open element
        self.skipping = 0  # how many open elements are skipped
        self.lines: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            if tag == "br":
                self.lines.append("")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)
        self.open.append((tag, skipped))
        self.skipping += skipped
        if tag in {"p", "div", "li", "tr", "td", "th", "section", "h1", "h2", "h3"}:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self.open):
            return  # a stray end tag
        while self.open:
            name, skipped = self.open.pop()
            self.skipping -= skipped
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            pieces = data.split("\n")
            self.lines[-1] += pieces[0]
            self.lines.extend(pieces[1:])


def prose_lines(page: str) -> list[str]:
    """The page's text outside code, scripts and math, one line per block or text line."""
    parser = _ProseParser()
    parser.feed(page)
    parser.close()
    return [line.strip() for line in parser.lines if line.strip()]


def unrendered_markdown(page: str) -> list[str]:
    """One message per prose line of the page that shows raw Markdown."""
    return [f"{what}: {line[:120]!r}" for line in prose_lines(page)
            for what, pattern in UNRENDERED.items() if pattern.search(line)]
