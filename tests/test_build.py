"""The HTML book builds with warnings as errors, and its pages work offline and fit the screen.

The book is built once per test module into a temporary folder, with warnings as errors,
from a copy of the sources whose notebooks carry this session's outputs: every notebook
runs afresh once for the whole suite (executed.py), not once per build. The
browser tests load every page once in headless Chromium (`browser.py`) and measure it
at a phone's width and two desktop widths.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from bookfiles import mathjax_macros, resolve, toc_files, toc_notebooks
from browser import PageReport, visit
from executed import executed_sources
from html_text import unrendered_markdown

PHONE, LAPTOP, DESKTOP = 390, 1366, 1920  # window widths in CSS pixels
# Figures may be scaled down to this fraction of their pixel width on a desktop screen:
# set_style's 11 pt text at 100 dpi is 15.3 px, so capitals and digits (0.73 em in
# DejaVu Sans) stay at least 10 px tall.
MIN_FIGURE_SCALE = 0.9


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book from this session's executed notebooks into a temporary folder and
    return its html directory."""
    sources = executed_sources(tmp_path_factory, "book-sources")
    out = tmp_path_factory.mktemp("book")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(sources),
               "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    assert "build succeeded" in log, f"no 'build succeeded' in the log:\n{log[-3000:]}"
    return out / "_build" / "html"


def page(html: Path, entry: str) -> Path:
    return html / f"{entry}.html"


def test_every_toc_page_is_built(html: Path) -> None:
    for entry in toc_files():
        resolve(entry)  # the source exists
        assert page(html, entry).exists(), f"{entry}.html was not built"


def test_captioned_figures_are_drawn(html: Path) -> None:
    """Every figure cell (mystnb.figure metadata) shows up as an image under its name."""
    for path in toc_notebooks():
        names = [cell.metadata["mystnb"]["figure"]["name"]
                 for cell in nbformat.read(path, as_version=4).cells
                 if "figure" in cell.get("metadata", {}).get("mystnb", {})]
        built = page(html, f"book/{path.stem}").read_text(encoding="utf-8")
        for name in names:
            match = re.search(rf'<figure[^>]*id="{re.escape(name)}"(.*?)</figure>', built,
                              re.DOTALL)
            assert match and "<img" in match.group(1), (
                f"{path.name}: figure {name!r} has no image in the built page")


def test_mathjax_is_bundled_not_fetched(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', chapter, re.IGNORECASE)
    assert sources, "the chapter page loads no MathJax script"
    assert all(not src.startswith(("http:", "https:", "//")) for src in sources), (
        f"MathJax is loaded from the network: {sources}")
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax not copied"


def test_notation_macros_are_configured(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    for macro in ("tr", "vec", "inner", "fro", "R"):
        assert re.search(rf'"{macro}"\s*:', chapter), f"MathJax macro \\{macro} is not defined"


def test_search_index_covers_the_chapters(html: Path) -> None:
    index = (html / "searchindex.js").read_text(encoding="utf-8")
    assert "frobenius" in index.lower(), "the search index does not know the word 'Frobenius'"
    assert (html / "search.html").exists()


def test_bibliography_is_rendered(html: Path) -> None:
    bibliography = page(html, "book/bibliography").read_text(encoding="utf-8")
    for author in ("Magnus", "Petersen", "Edelman", "Giles", "Minka", "Srinivasan", "Laue"):
        assert author in bibliography, f"{author} is missing from the bibliography page"


def test_proofs_exercises_and_dropdown_solutions_render(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    assert 'class="admonition theorem' in chapter or "proof theorem" in chapter, "no theorems"
    assert "exercise" in chapter and "solution" in chapter
    assert re.search(r"<details[^>]*solution|solution[^>]*dropdown|dropdown[^>]*solution",
                     chapter), "solutions are not folded into dropdowns"


def test_no_unrendered_markdown_in_pages(html: Path) -> None:
    """No page shows raw `$...$` math or a pipe table as text (Markdown left unrendered)."""
    found = [f"{entry}: {problem}" for entry in toc_files()
             for problem in unrendered_markdown(page(html, entry).read_text(encoding="utf-8"))]
    assert not found, "unrendered Markdown in the built pages:\n" + "\n".join(found[:30])


class _Citations(HTMLParser):
    """Citation links to the bibliography (target id, link text, the text before the link)
    and the bibliography's entries (id -> label)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[list[str]] = []
        self.labels: dict[str, str] = {}
        self._text = ""  # the page's text so far
        self._in_link = False
        self._entry: str | None = None
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        target = re.fullmatch(r"bibliography\.html#(id\d+)", attributes.get("href") or "")
        if tag == "a" and target:
            self._in_link = True
            self.links.append([target.group(1), "", self._text[-80:]])
        classes = (attributes.get("class") or "").split()
        if tag == "div" and "citation" in classes and attributes.get("id"):
            self._entry = attributes["id"]
            self.labels[self._entry] = ""
        if tag == "span" and "label" in classes and self._entry:
            self._in_label = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_link = False
        if tag == "span" and self._in_label and self._entry:
            label = self.labels[self._entry]
            if label.startswith("[") and label.endswith("]"):
                self._in_label = False
                self._entry = None

    def handle_data(self, data: str) -> None:
        self._text += data
        if self._in_link:
            self.links[-1][1] += data
        if self._in_label and self._entry:
            self.labels[self._entry] += data


AUTHOR_YEAR_LABEL = re.compile(r"\[(?P<names>[^\]]+), (?P<year>\d{4})[a-z]?\]")


def test_bibliography_is_author_year_like_the_citations(html: Path) -> None:
    """The text cites "Horn and Johnson [2013]" or "[Horn and Johnson, 2013]"; the
    bibliography labels that entry [Horn and Johnson, 2013], lists its entries in
    alphabetical order of the first author, and every citation leads to the entry of its
    authors and year."""
    entries = _Citations()
    entries.feed(page(html, "book/bibliography").read_text(encoding="utf-8"))
    labels = entries.labels
    assert len(labels) >= 10, f"only {len(labels)} bibliography entries found"
    parsed = {key: AUTHOR_YEAR_LABEL.fullmatch(label) for key, label in labels.items()}
    not_author_year = [label for key, label in labels.items() if not parsed[key]]
    assert not not_author_year, f"labels that are not [authors, year]: {not_author_year}"
    first_authors = [re.split(r" and | et al\.", match["names"])[0] for match in parsed.values()]
    assert first_authors == sorted(first_authors, key=str.lower), (
        f"bibliography not in alphabetical order of first authors: {first_authors}")
    cited = []
    for entry in toc_files():
        citations = _Citations()
        citations.feed(page(html, entry).read_text(encoding="utf-8"))
        cited += [(entry, *link) for link in citations.links]
    assert cited, "no citation links to the bibliography found"
    for entry, target, text, before in cited:
        assert target in parsed, f"{entry}: citation {text!r} points to no entry ({target})"
        names, year = parsed[target]["names"], parsed[target]["year"]
        text, before = " ".join(text.split()), " ".join(before.split())  # no-break spaces
        textual = text == year and before.rstrip(" [(").endswith(names)  # Names [year]
        parenthetical = text == f"{names}, {year}"  # [Names, year]
        assert textual or parenthetical, (
            f"{entry}: the citation {before[-30:]!r} + {text!r} does not read "
            f"'{names} [{year}]' or '[{names}, {year}]' like its entry's label")


@pytest.fixture(scope="module")
def browser_reports(html: Path) -> dict[str, PageReport]:
    """Every page of the book, loaded once in headless Chromium and measured."""
    pages = {entry: page(html, entry) for entry in toc_files()}
    return visit(pages, (PHONE, LAPTOP, DESKTOP), macros=list(mathjax_macros()))


def test_pages_have_no_javascript_errors(browser_reports: dict[str, PageReport]) -> None:
    errors = {name: report.errors for name, report in browser_reports.items() if report.errors}
    assert not errors, f"JavaScript errors or console errors: {errors}"


def test_pages_load_nothing_from_the_network(browser_reports: dict[str, PageReport]) -> None:
    fetched = {name: report.requests for name, report in browser_reports.items()
               if report.requests}
    assert not fetched, f"pages request files from the network: {fetched}"


def test_math_renders_offline_in_a_browser(browser_reports: dict[str, PageReport]) -> None:
    """No network: MathJax must typeset the formulas and expand the book's macros."""
    chapter = browser_reports["book/01_frobenius"]
    assert chapter.typeset > 100, f"only {chapter.typeset} formulas were typeset by MathJax"
    raw = {name: report.raw_macros for name, report in browser_reports.items()
           if report.raw_macros}
    assert not raw, f"macros left as raw text (MathJax did not expand them): {raw}"


def _describe(name: str, width: int, item: dict) -> str:
    where = f"#{item['label']}" if item.get("label") else f"section {item['section']!r}"
    reason = item.get("clipped") or item.get("needsScrolling") or "overlap"
    return (f"{name} at {width}px, {where}: {item['width']}px wide, "
            f"hidden by {reason}: {item['text']!r}")


@pytest.mark.parametrize("width", [LAPTOP, DESKTOP])
def test_display_math_fits_a_desktop_screen(browser_reports: dict[str, PageReport],
                                            width: int) -> None:
    """On a desktop screen no display equation is wider than the text column, and no
    equation number overlaps its formula."""
    wide = [_describe(name, width, item) for name, report in browser_reports.items()
            for item in report.layout[width]["math"]
            if item["display"] and (item["needsScrolling"] or item["numberOverlaps"])]
    assert not wide, f"{len(wide)} display equations do not fit:\n" + "\n".join(wide)


def test_no_math_is_cut_off_on_a_phone(browser_reports: dict[str, PageReport]) -> None:
    """On a phone a wide formula may scroll sideways, but no part of it may be out of reach,
    and no equation number may be drawn over its formula."""
    cut = [_describe(name, PHONE, item) for name, report in browser_reports.items()
           for item in report.layout[PHONE]["math"]
           if item["clipped"] or (item["display"] and item["numberOverlaps"])]
    assert not cut, f"{len(cut)} formulas are cut off:\n" + "\n".join(cut)


def test_tables_fit_the_screen(browser_reports: dict[str, PageReport]) -> None:
    """Every column of every table is in view on a desktop screen without scrolling, and
    within reach by scrolling on a phone."""
    problems = [_describe(name, width, item) for width in (LAPTOP, DESKTOP)
                for name, report in browser_reports.items()
                for item in report.layout[width]["tables"] if item["needsScrolling"]]
    problems += [_describe(name, PHONE, item) for name, report in browser_reports.items()
                 for item in report.layout[PHONE]["tables"] if item["clipped"]]
    assert not problems, f"{len(problems)} tables do not fit:\n" + "\n".join(problems)


def test_figures_are_not_shrunk_on_a_desktop_screen(
        browser_reports: dict[str, PageReport]) -> None:
    """A figure wider than the text column is scaled down, and its text with it."""
    shrunk = [f"{name}: figure {image['figure'] or image['section']!r} is "
              f"{image['natural']}px wide, shown at {image['shown']}px "
              f"({image['shown'] / image['natural']:.0%}) at {LAPTOP}px"
              for name, report in browser_reports.items()
              for image in report.layout[LAPTOP]["images"]
              if image["shown"] < MIN_FIGURE_SCALE * image["natural"]]
    assert not shrunk, "figures too wide for the text column:\n" + "\n".join(shrunk)
