"""The book's structure: the table of contents, the chapter template, exercises and metadata.

Every rule here is one a reader or an instructor relies on; a failure message names the
notebook and what is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bookfiles import BOOK, ROOT, macro_cell_source, resolve, toc_files, toc_notebooks
from chapters import chapter_notebooks, exercises, headings, ids, prose_words, read, tags

from utils.assignments.notebooks import is_collapsed, nbgrader, solution_cells

ALLOWED_TAGS = {
    "hide-cell", "hide-input", "hide-output",
    "remove-cell", "remove-input", "remove-output",
    "solution", "autograde", "raises-exception", "remove-for-students",
}
TEMPLATE_SECTIONS = ["What you will learn", "Summary", "Exercises"]
OPTIONAL_LAST_SECTION = "Further reading"
MIN_WORDS, MIN_EXERCISES, MIN_GRADED, MIN_FIGURES = 1500, 6, 3, 1

NOTEBOOKS = toc_notebooks()
CHAPTERS = chapter_notebooks()


def test_toc_and_book_folder_list_the_same_pages() -> None:
    listed = {resolve(entry).relative_to(ROOT) for entry in toc_files()}
    on_disk = {path.relative_to(ROOT) for path in BOOK.iterdir()
               if path.suffix in {".ipynb", ".md"}}
    assert on_disk - listed == set(), f"pages in book/ missing from _toc.yml: {on_disk - listed}"
    assert listed - on_disk == set(), f"_toc.yml lists pages outside book/: {listed - on_disk}"


def test_the_book_has_chapters() -> None:
    assert CHAPTERS, "no chapter notebooks (book/NN_name.ipynb) are listed in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_only_allowed_tags(path: Path) -> None:
    for index, cell in enumerate(read(path).cells):
        unknown = set(tags(cell)) - ALLOWED_TAGS
        assert not unknown, f"{path.name} cell {index} has unknown tags {unknown}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_code_conventions(path: Path) -> None:
    """One seeded generator, no global seeding, no star imports, the python3 kernel."""
    nb = read(path)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel"
    assert "np.random.seed" not in code, f"{path.name} seeds numpy's global generator"
    assert not re.search(r"^\s*from \S+ import \*", code, re.MULTILINE), f"{path.name}: star import"
    seeded = re.findall(r"default_rng\(\s*\d+\s*\)", code)
    assert len(seeded) == 1, f"{path.name} should create exactly one seeded rng, found {seeded}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_follows_the_template(path: Path) -> None:
    nb = read(path)
    found = headings(nb)
    titles = [text for level, text, _ in found if level == 1]
    assert len(titles) == 1, f"{path.name} must have exactly one '# Title', found {titles}"
    assert found[0][0] == 1 and found[0][2] == 1, (
        f"{path.name} must open with its # title, right after the macro cell")
    sections = [text for level, text, _ in found if level == 2]
    assert sections[0] == "What you will learn", f"{path.name}: first section is {sections[0]!r}"
    tail = sections[-3:] if sections[-1] == OPTIONAL_LAST_SECTION else sections[-2:]
    assert tail[:2] == ["Summary", "Exercises"], (
        f"{path.name} must end with Summary, Exercises[, Further reading]; ends with {tail}")
    assert len(sections) > len(TEMPLATE_SECTIONS), f"{path.name} has no body sections"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_first_cell_defines_the_books_macros(path: Path) -> None:
    """JupyterLab does not read _config.yml: each notebook defines the macros itself."""
    first = read(path).cells[0]
    expected = macro_cell_source()
    assert first.cell_type == "markdown" and "remove-cell" in tags(first), (
        f"{path.name}: the first cell must be a markdown cell tagged remove-cell")
    assert first.source == expected, (
        f"{path.name}: the macro cell differs from _config.yml's macros; it should read\n"
        f"{expected}")


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_learning_outcomes_and_setup_cell(path: Path) -> None:
    nb = read(path)
    found = headings(nb)
    learn_cell = next(index for level, text, index in found if text == "What you will learn")
    bullets = re.findall(r"^- ", nb.cells[learn_cell].source, re.MULTILINE)
    assert 3 <= len(bullets) <= 5, f"{path.name}: 'What you will learn' needs 3–5 bullets"
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    setup = code_cells[0]
    assert "hide-cell" in tags(setup), f"{path.name}: tag the setup (first code) cell hide-cell"
    assert "default_rng" in setup.source, f"{path.name}: the setup cell creates the rng"
    first_body = next(index for level, text, index in found
                      if level == 2 and text != "What you will learn")
    assert nb.cells.index(setup) < first_body, f"{path.name}: setup cell comes before the body"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_summary_is_a_table(path: Path) -> None:
    nb = read(path)
    summary = next(index for level, text, index in headings(nb) if text == "Summary")
    assert "|---" in nb.cells[summary].source.replace(" ", ""), f"{path.name}: Summary has no table"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_size(path: Path) -> None:
    """Enough prose, exercises, graded exercises, proof directives and figures."""
    nb = read(path)
    words = prose_words(nb)
    assert words >= MIN_WORDS, f"{path.name} has {words} words of prose, fewer than {MIN_WORDS}"
    found = exercises(nb)
    assert len(found) >= MIN_EXERCISES, f"{path.name} has {len(found)} exercises"
    graded = [ex for ex in found if ex.autograde_cells]
    assert len(graded) >= MIN_GRADED, f"{path.name} has {len(graded)} autograded exercises"
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "{prf:definition}" in markdown and "{prf:theorem}" in markdown, (
        f"{path.name} states no definition or theorem with sphinx-proof")
    figures = [cell for cell in nb.cells if cell.cell_type == "code"
               and "figure" in cell.metadata.get("mystnb", {})]
    assert len(figures) >= MIN_FIGURES, f"{path.name} has no captioned figure (mystnb.figure)"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_every_exercise_has_a_solution(path: Path) -> None:
    stem = path.stem.split("_", 1)[1]
    for number, exercise in enumerate(exercises(read(path)), start=1):
        assert exercise.label == f"ex-{stem}-{number}", (
            f"{path.name}: exercise {number} should be labelled ex-{stem}-{number}, "
            f"not {exercise.label}")
        assert exercise.solution_start is not None, f"{exercise.label} has no solution-start"
        assert exercise.solution_end is not None, f"{exercise.label} has no solution-end"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_graded_exercises_carry_nbgrader_metadata(path: Path) -> None:
    nb = read(path)
    grade_ids = []
    for exercise in exercises(nb):
        if not exercise.autograde_cells:
            continue
        assert exercise.solution_code_cells, f"{exercise.label}: graded but no solution cell"
        for index in exercise.solution_code_cells:
            cell, meta = nb.cells[index], nbgrader(nb.cells[index])
            assert meta.get("solution") is True and meta.get("grade") is False, (
                f"{exercise.label}: solution cell {index} needs nbgrader solution, not grade")
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, (
                f"{exercise.label}: solution cell {index} lacks BEGIN/END SOLUTION markers")
            grade_ids.append(meta.get("grade_id"))
        for index in exercise.autograde_cells:
            cell, meta = nb.cells[index], nbgrader(nb.cells[index])
            assert meta.get("grade") is True and meta.get("locked") is True, (
                f"{exercise.label}: test cell {index} needs nbgrader grade=true, locked=true")
            assert meta.get("points", 0) > 0, f"{exercise.label}: test cell {index} has no points"
            assert "hide-input" in tags(cell), (
                f"{exercise.label}: tag test cell {index} hide-input too (folded in the book)")
            assert "assert" in cell.source, f"{exercise.label}: test cell {index} asserts nothing"
            assert "BEGIN SOLUTION" not in cell.source, f"{exercise.label}: solution in a test cell"
            grade_ids.append(meta.get("grade_id"))
    assert all(grade_ids), f"{path.name}: a graded or solution cell has no grade_id"
    assert len(grade_ids) == len(set(grade_ids)), f"{path.name}: grade_ids are not unique"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_solution_tags_only_inside_solutions(path: Path) -> None:
    nb = read(path)
    inside = {index for ex in exercises(nb) for index in ex.solution_code_cells}
    tagged = {index for index, cell in enumerate(nb.cells) if "solution" in tags(cell)}
    assert tagged == inside, f"{path.name}: solution-tagged cells outside solution regions"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_solution_boundaries_stand_alone(path: Path) -> None:
    """A solution-start or -end cell holds only its directive: anything else in it would be
    removed with the solution from student versions (separate cells with `+++`)."""
    nb = read(path)
    directive = re.compile(r"^```\{solution-(start|end)\}[^\n]*\n(:[^\n]*\n)*```$")
    crowded = [index for index, cell in enumerate(nb.cells)
               if cell.cell_type == "markdown" and "{solution-" in cell.source
               and not directive.match(cell.source.strip())]
    assert not crowded, (
        f"{path.name}: cells {crowded} hold more than a solution-start/-end directive")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_solution_markers_only_in_solution_cells(path: Path) -> None:
    """nbgrader treats any line naming a solution marker as one, even in prose."""
    nb = read(path)
    stray = [index for index, cell in enumerate(nb.cells)
             if "solution" not in tags(cell)
             and re.search(r"(BEGIN|END) SOLUTION", cell.source)]
    assert not stray, (
        f"{path.name}: cells {stray} mention a solution marker outside a solution cell; "
        "nbgrader would read it as a marker. Describe the markers in other words.")


def lab_metadata() -> tuple[dict, dict]:
    """(kernelspec, language_info) as JupyterLab records them when it opens a notebook with
    the installed kernel: the kernel's display name, and its kernel_info reply."""
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelspec import get_kernel_dict

    spec = get_kernel_dict()
    kernelspec = {"display_name": spec["display_name"], "language": spec["language"],
                  "name": "python3"}
    return kernelspec, dict(IPythonKernel.language_info)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_metadata_is_what_jupyterlab_writes(path: Path) -> None:
    """Opening a notebook in JupyterLab and saving it changes nothing: the notebook holds
    the format version, cell ids and kernel metadata that Lab would write. Only
    language_info.version depends on the Python that runs the kernel; it is compared
    across notebooks below."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert (raw["nbformat"], raw["nbformat_minor"]) == (4, 5), (
        f"{path.name}: nbformat {raw['nbformat']}.{raw['nbformat_minor']}; JupyterLab writes 4.5")
    assert all("id" in cell for cell in raw["cells"]), f"{path.name}: a cell has no id"
    kernelspec, language_info = lab_metadata()
    assert raw["metadata"].get("kernelspec") == kernelspec, (
        f"{path.name}: JupyterLab would rewrite the kernelspec as {kernelspec}")
    found = {key: value for key, value in raw["metadata"].get("language_info", {}).items()
             if key != "version"}
    expected = {key: value for key, value in language_info.items() if key != "version"}
    assert found == expected, (
        f"{path.name}: JupyterLab would rewrite language_info as {language_info}")
    assert re.fullmatch(r"\d+\.\d+\.\d+", raw["metadata"]["language_info"].get("version", "")), (
        f"{path.name}: language_info has no Python version x.y.z")


def test_notebooks_record_one_python_version() -> None:
    versions = {path.name: read(path).metadata.get("language_info", {}).get("version")
                for path in NOTEBOOKS}
    assert len(set(versions.values())) == 1, f"language_info.version differs: {versions}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_solutions_and_only_solutions_are_collapsed(path: Path) -> None:
    """JupyterLab shows every cell inside a solution folded (one line, opened with a click)
    and everything else open: the exercise, the solution-start/-end frame, the test cell."""
    nb = read(path)
    inside = solution_cells(nb)
    open_solutions = [index for index in inside if not is_collapsed(nb.cells[index])]
    assert not open_solutions, (
        f"{path.name}: solution cells {open_solutions} are not collapsed. In JupyterLab, "
        "collapse each one (click the bar left of the cell; for a code cell its output "
        "too) and save; or give it the metadata that produces: "
        '"jupyter": {"source_hidden": true}, and for a code cell also '
        '"jupyter": {"outputs_hidden": true} and "collapsed": true')
    hidden = [index for index, cell in enumerate(nb.cells) if index not in inside
              and (cell.metadata.get("jupyter", {}).get("source_hidden")
                   or cell.metadata.get("jupyter", {}).get("outputs_hidden"))]
    assert not hidden, f"{path.name}: cells {hidden} outside the solutions are collapsed"
