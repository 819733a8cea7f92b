"""The student HTML book shows every exercise and no solution, anywhere in its output.

The book is built once, into a temporary folder, with `python -m utils.assignments
student-html` (what `make student-html` runs), from a copy of the sources whose notebooks
carry this session's outputs (executed.py: each notebook runs once for the whole suite).
Every file of the output is searched for the text that only the source notebooks'
solutions contain: lines of code, phrases of prose, and words in the search index. Nor may
it show what presumes the solutions: the instructors' guide (with the ways to fool the
grader), the outputs of the graded test cells (run with the solutions, they report
passing), the cells tagged `remove-for-students` and the `{only} not student` blocks
(which tell readers to open solutions).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bookfiles import ROOT, resolve, toc_files
from chapters import chapter_notebooks
from executed import executed_sources
from html_text import unrendered_markdown
from sphinx.search.en import SearchEnglish

from utils.assignments.notebooks import (
    EXERCISE_LABEL,
    MARKER_WORDS,
    is_left_out_for_students,
    is_test_cell,
    solution_lines,
    solution_text,
)
from utils.assignments.studentbook import LEFT_OUT

CHAPTERS = [nbformat.read(path, as_version=4) for path in chapter_notebooks()]
MARKDOWN_PAGES = [page.read_text(encoding="utf-8") for page in map(resolve, toc_files())
                  if page.suffix == ".md"]
TEXT_SUFFIXES = {".html", ".js", ".txt", ".json", ".inv", ".ipynb", ".md", ".py", ".css"}
MARKUP = re.compile(r"^```.*$|^:\w+:.*$|\$\$[\s\S]*?\$\$|\$[^$\n]+\$|\{[\w:-]+\}`[^`\n]*`"
                    r"|`[^`\n]*`", re.MULTILINE)
DIRECTIVE_OPTION = re.compile(r"^:\w+:.*$", re.MULTILINE)
MIN_PHRASE = 5  # words


def words_only(text: str) -> str:
    """Lower-case words separated by single spaces (math, code and tags reduced to words)."""
    return " ".join(re.findall(r"[a-z]+", text.lower()))


def phrases(markdown: str, min_words: int = MIN_PHRASE) -> set[str]:
    """Runs of at least min_words plain words, split at math, code and punctuation."""
    found = set()
    for piece in re.split(r"[^A-Za-z \n'’-]+", MARKUP.sub("|", markdown)):
        words = words_only(piece)
        if len(words.split()) >= min_words:
            found.add(words)
    return found


ONLY_FULL_EDITION = re.compile(r"^(`{3,})\{only\} not student\n(.*?)^\1$",
                               re.MULTILINE | re.DOTALL)
# the text of every notebook outside its solutions
OUTSIDE_SOLUTIONS = [text for page in map(resolve, toc_files()) if page.suffix == ".ipynb"
                     for text in solution_text(nbformat.read(page, as_version=4))[1]]
# Their words, with the markdown pages': a solution may share a phrase with them by chance,
# and such a phrase proves nothing.
VISIBLE_WORDS = words_only("\n".join([*MARKDOWN_PAGES, *OUTSIDE_SOLUTIONS]))
NOTEBOOK_CODE_OUTSIDE_SOLUTIONS = " ".join(" ".join(OUTSIDE_SOLUTIONS).split())


def page_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = executed_sources(tmp_path_factory, "student-sources")
    out = tmp_path_factory.mktemp("student") / "html"
    result = subprocess.run([sys.executable, "-m", "utils.assignments", "student-html",
                             "--root", str(sources), "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"student-html failed:\n{result.stderr[-6000:]}"
    return out


@pytest.fixture(scope="module")
def texts(site: Path) -> dict[Path, str]:
    """Every text file of the output, tags stripped and white space folded."""
    return {path: page_text(path) for path in site.rglob("*")
            if path.is_file() and path.suffix in TEXT_SUFFIXES}


pytestmark = pytest.mark.build


def test_no_sources_or_notebooks_are_published(site: Path) -> None:
    assert (site / "index.html").exists()
    assert not (site / "_sources").exists(), "page sources are copied into the output"
    notebooks = [p for p in site.rglob("*") if p.suffix in {".ipynb", ".md"}]
    assert not notebooks, f"sources in the output: {notebooks}"
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "download-notebook-button" not in text and "download-source-button" not in text, (
            f"{page.name} offers its source for download")


def test_no_unrendered_markdown_in_pages(site: Path) -> None:
    """As in the book: no raw `$...$` math or pipe table shown as text on any page."""
    found = [f"{entry}: {problem}" for entry in toc_files()
             if (site / f"{entry}.html").exists()
             for problem in unrendered_markdown((site / f"{entry}.html").read_text("utf-8"))]
    assert not found, "unrendered Markdown in the student pages:\n" + "\n".join(found[:30])


def test_no_solution_code_or_prose_anywhere(texts: dict[Path, str]) -> None:
    everything = "\n".join(texts.values())
    folded = words_only(everything)
    # highlighted code is split into one tag per token: compare without any white space
    compact = re.sub(r"\s+", "", everything)
    checked = 0
    for nb in CHAPTERS:
        solution, _ = solution_text(nb)
        # Markers and directive options are markup, quoted in the instructors' guide, and a
        # line that a notebook shows outside its solutions proves nothing. Any other
        # solution line on any page, the markdown pages included, is a leak.
        code_lines = [" ".join(line.split()) for line in solution_lines(nb) if len(line) > 12
                      and not MARKER_WORDS.search(line) and not DIRECTIVE_OPTION.match(line)]
        code_lines = [line for line in code_lines if line not in NOTEBOOK_CODE_OUTSIDE_SOLUTIONS]
        leaked = [line for line in code_lines if re.sub(r"\s+", "", line) in compact]
        assert not leaked, f"solution lines in the student book: {leaked[:5]}"
        secret = {phrase for phrase in set().union(*map(phrases, solution))
                  if phrase not in VISIBLE_WORDS}
        leaked = [phrase for phrase in secret if phrase in folded]
        assert not leaked, f"solution prose in the student book: {leaked[:5]}"
        checked += len(code_lines) + len(secret)
    assert checked > 20, f"only {checked} solution lines and phrases to look for"


def book_words(texts_of_pages: list[str], shortest: int = 1) -> set[str]:
    return set(re.findall(rf"[a-z]{{{shortest},}}", " ".join(texts_of_pages).lower()))


def test_search_index_knows_no_solution_only_word(site: Path) -> None:
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    terms = set(data["terms"]) | set(data["titleterms"])
    solutions, statements, other = [], [], list(MARKDOWN_PAGES)
    for page in map(resolve, toc_files()):
        if page.suffix == ".ipynb":
            solution, rest = solution_text(nbformat.read(page, as_version=4))
            solutions += [DIRECTIVE_OPTION.sub("", text) for text in solution]
            other += rest
    for nb in CHAPTERS:
        statements += [cell.source for cell in nb.cells if EXERCISE_LABEL.search(cell.source)]
    stem = SearchEnglish({}).stem
    elsewhere = {stem(word) for word in book_words(other)}
    only_in_solutions = {stem(word) for word in book_words(solutions, 4)} - elsewhere
    assert only_in_solutions, "no word is special to the solutions: the test shows nothing"
    assert not only_in_solutions & terms, (
        f"the search index knows words only solutions use: {sorted(only_in_solutions & terms)}")
    statement_words = {stem(word) for word in book_words(statements, 4)}
    assert len(statement_words & terms) > 0.8 * len(statement_words), (
        "the exercise statements are missing from the search index")


def test_every_exercise_statement_is_shown(texts: dict[Path, str]) -> None:
    folded = words_only("\n".join(texts.values()))
    for nb in CHAPTERS:
        for cell in nb.cells:
            if not EXERCISE_LABEL.search(cell.source):
                continue
            title = words_only(cell.source.splitlines()[0].split("}", 1)[1])
            assert title in folded, f"exercise title {title!r} is missing"
            # a statement made of math and code has no long phrase; its title stands in
            statement = phrases(cell.source, min_words=3) or {title}
            assert all(phrase in folded for phrase in statement), (
                f"the statement of {EXERCISE_LABEL.search(cell.source)[1]} is missing")


def _left_out_and_kept() -> tuple[list[str], list[str]]:
    """(text the student book must leave out, text it shows) of the book's sources: the
    pages of LEFT_OUT, the `{only} not student` blocks and the cells tagged
    `remove-for-students` against everything else outside the solutions."""
    left_out, kept = [], []
    for entry in toc_files():
        page = resolve(entry)
        if entry in LEFT_OUT:
            left_out.append(page.read_text(encoding="utf-8"))
        elif page.suffix == ".md":
            text = page.read_text(encoding="utf-8")
            left_out += [match[2] for match in ONLY_FULL_EDITION.finditer(text)]
            kept.append(ONLY_FULL_EDITION.sub("", text))
        else:
            nb = nbformat.read(page, as_version=4)
            left_out += [cell.source for cell in nb.cells if is_left_out_for_students(cell)]
            kept += [cell.source for cell in nb.cells if not is_left_out_for_students(cell)]
    return left_out, kept


def test_left_out_pages_are_not_built_or_linked(site: Path) -> None:
    assert LEFT_OUT, "nothing to leave out: the test shows nothing"
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    docnames = json.loads(index[index.index("(") + 1:index.rindex(")")])["docnames"]
    for entry in LEFT_OUT:
        assert entry in toc_files(), f"{entry} is not in _toc.yml: LEFT_OUT is stale"
        name = Path(entry).name
        assert not list(site.rglob(f"{name}.html")), f"the student book has {name}.html"
        assert entry not in docnames, f"the search index lists {entry}"
        linked = [page.name for page in site.rglob("*.html")
                  if f'href="{name}.html' in page.read_text(encoding="utf-8")]
        assert not linked, f"pages link to the left-out {name}.html: {linked[:5]}"


def test_no_text_meant_for_the_full_edition(texts: dict[Path, str]) -> None:
    """Phrases of the left-out page, of the full edition's `only` blocks and of the cells
    tagged remove-for-students appear nowhere, unless the student book shows them
    elsewhere too (in its sources, or in outputs, which quote the messages of utils)."""
    left_out, kept = _left_out_and_kept()
    messages = [path.read_text(encoding="utf-8") for path in (ROOT / "utils").rglob("*.py")]
    shown = words_only("\n".join(kept + messages))
    secret = {phrase for phrase in set().union(*map(phrases, left_out)) if phrase not in shown}
    assert len(secret) > 100, f"only {len(secret)} phrases to look for: the test shows little"
    folded = words_only("\n".join(texts.values()))
    leaked = sorted(phrase for phrase in secret if phrase in folded)
    assert not leaked, f"text meant for the full edition in the student book: {leaked[:5]}"


SOLUTION_TALK = re.compile(
    r"\bopen(?:s|ed|ing)?\s+(?:its|the|their|a|each)\s+solutions?\b"
    r"|\bsolutions? (?:block|ends with)|folded away behind|fool the grader", re.IGNORECASE)


def test_no_page_tells_students_to_open_solutions(site: Path) -> None:
    said = {page.name: SOLUTION_TALK.findall(page_text(page)) for page in site.rglob("*.html")}
    said = {name: found for name, found in said.items() if found}
    assert not said, f"pages speak of solutions the student book does not have: {said}"
    intro = page_text(site / "book" / "intro.html")
    assert "This edition shows the exercises without their solutions" in intro, (
        "the student edition's own sentence ({only} student) is missing from the intro")


def _printed_by_tests() -> list[str]:
    """The string literals that the chapters' graded test cells print when they pass."""
    printed = []
    for nb in CHAPTERS:
        for cell in nb.cells:
            if is_test_cell(cell):
                printed += re.findall(r"print\(\s*[\"']([^\"']{10,})[\"']\s*\)", cell.source)
    return printed


def test_graded_test_cells_show_no_output(site: Path) -> None:
    """The test cells stay (folded), without the outputs their run with the solutions
    made: "… passes all checks" would tell a student that the tests pass."""
    printed = _printed_by_tests()
    assert len(printed) >= 10, f"only {len(printed)} messages to look for"
    pages = [page.read_text(encoding="utf-8") for page in site.rglob("*.html")]
    # in the folded source the message stands between quotes; as an output, without them
    shown = [message for message in printed
             if any(re.search(rf"(?<![\"']){re.escape(message)}(?![\"'])", page)
                    for page in pages)]
    assert not shown, f"outputs of graded test cells in the student book: {shown[:5]}"
    cells = outputs = 0
    for page in pages:
        for cell in re.split(r'(?=<div class="cell[ "])', page)[1:]:
            if "tag_autograde" in cell.split(">", 1)[0]:
                cells += 1
                outputs += 'class="cell_output' in cell
    expected = sum(is_test_cell(cell) for nb in CHAPTERS for cell in nb.cells)
    assert cells == expected, (
        f"{cells} graded test cells in the student book, {expected} in the chapters")
    assert outputs == 0, f"{outputs} graded test cells show an output"
