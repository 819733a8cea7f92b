"""Graded exercises can fail, and their feedback fits the mistake.

A test cell that passes without a solution grades nothing, and a student notebook that
breaks before the exercises cannot be worked on. Each chapter's student version (the body
between `### BEGIN SOLUTION` and `### END SOLUTION` replaced by
`raise NotImplementedError()`, prose solutions removed, as handed out) runs in a fresh
kernel with errors allowed: every graded test cell must stop with NotImplementedError or
AssertionError, and every other cell must run.

The same run checks the feedback on a transposed answer. After each graded test cell come
three more: the book's solution with every solution function returning the transpose of
its matrix answers (and saying so when the matrix is not square), the test again, and the
blank solution again, so that the cells after it still see what a student's notebook
holds. Every test that receives a non-square transposed matrix must fail with a message
about the transpose, not the advice meant for 1-D arrays. (One run per chapter for both
checks: each run costs a kernel start and the chapter's imports.)
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from bookfiles import BOOK
from chapters import chapter_notebooks, exercises, ids, read, tags
from nbclient import NotebookClient

from utils.assignments.notebooks import is_solution_cell, is_test_cell, student_version

CHAPTERS = chapter_notebooks()

TRANSPOSED = "a non-square answer was transposed"
TRANSPOSING = f"""
def _transposed(function):
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        if np.ndim(result) != 2:
            return result
        if np.shape(result)[0] != np.shape(result)[1]:
            print({TRANSPOSED!r})
        return np.transpose(result)
    return wrapper
"""


def transposed(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A solution cell whose functions return the transpose of their matrix answers."""
    cell = copy.deepcopy(solution)
    names = [node.name for node in ast.parse(cell.source).body
             if isinstance(node, ast.FunctionDef)]
    cell.source = "\n".join([TRANSPOSING, cell.source,
                             *(f"{name} = _transposed({name})" for name in names)])
    cell.outputs, cell.execution_count = [], None
    return cell


@dataclass
class Run:
    """The notebook that is run, and the roles of its cells (indices into its cells)."""

    nb: nbformat.NotebookNode
    graded: set[int] = field(default_factory=set)  # the student version's test cells
    retests: set[int] = field(default_factory=set)  # tests run on transposed answers
    added: set[int] = field(default_factory=set)  # every cell not in the student version


def student_run(source: nbformat.NotebookNode) -> Run:
    """The student version, with a transposed-answer retest after each graded test."""
    solutions = {cell.id: cell for cell in source.cells
                 if cell.cell_type == "code" and is_solution_cell(cell)}
    student = student_version(source)
    run = Run(copy.deepcopy(student))
    run.nb.cells = []
    blanks: list[nbformat.NotebookNode] = []  # the current exercise's blank solution cells
    after_test = False
    for cell in student.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            blanks = [] if after_test else blanks
            blanks.append(cell)
            after_test = False
        run.nb.cells.append(cell)
        if not is_test_cell(cell):
            continue
        after_test = True
        run.graded.add(len(run.nb.cells) - 1)
        added = [*(transposed(solutions[blank.id]) for blank in blanks), copy.deepcopy(cell)]
        run.retests.add(len(run.nb.cells) + len(added) - 1)
        added += [copy.deepcopy(blank) for blank in blanks]
        run.added.update(range(len(run.nb.cells), len(run.nb.cells) + len(added)))
        run.nb.cells.extend(added)
    return run


def errors(cell: nbformat.NotebookNode) -> list:
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_graded_tests_fail_without_a_solution_and_name_a_transpose(path: Path) -> None:
    source = read(path)
    expected = sum(len(exercise.autograde_cells) for exercise in exercises(source))
    run = student_run(source)
    graded = {index for index, cell in enumerate(run.nb.cells) if index not in run.added
              and ("autograde" in tags(cell) or is_test_cell(cell))}
    assert graded == run.graded and len(graded) == expected, (
        f"{path.name}: the student version has {len(graded)} graded test cells, the "
        f"chapter's exercises {expected}")
    NotebookClient(run.nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    told = 0
    for index, cell in enumerate(run.nb.cells):
        if cell.cell_type != "code":
            continue
        found = errors(cell)
        if index in run.graded:
            assert found, f"{path.name} cell {index}: the graded test passes with no solution"
            assert found[0].ename in {"NotImplementedError", "AssertionError"}, (
                f"{path.name} cell {index}: blank solution gave {found[0].ename}: "
                f"{found[0].evalue}")
        elif index in run.retests:
            told += told_about_the_transpose(path, index, cell)
        elif index not in run.added:
            assert not found, (
                f"{path.name} cell {index} fails in the student version: {found[0].ename}: "
                f"{found[0].evalue}")
    assert told, f"{path.name}: no test received a non-square transposed answer"


def told_about_the_transpose(path: Path, index: int, cell: nbformat.NotebookNode) -> bool:
    """Whether the test received a non-square transposed answer; if it did, it must have
    failed with a message about the transpose."""
    printed = "".join(out.get("text", "") for out in cell.get("outputs", []))
    if TRANSPOSED not in printed:
        return False
    found = errors(cell)
    assert found, f"{path.name} cell {index}: a transposed answer passes the test"
    message = found[0].evalue
    assert found[0].ename == "AssertionError" and "transpose" in message.lower(), (
        f"{path.name} cell {index}: the feedback on a transposed answer does not name "
        f"the transpose: {found[0].ename}: {message}")
    assert ".T does nothing" not in message, (
        f"{path.name} cell {index}: a 2-D answer gets the advice for 1-D arrays: {message}")
    return True


def test_the_run_retests_each_graded_test_after_a_transposed_solution() -> None:
    """The construction itself, on Chapter 1: each graded test is followed by the
    transposed solutions, the test again and the blank solutions again."""
    source = read(CHAPTERS[0])
    run = student_run(source)
    assert run.graded and len(run.retests) == len(run.graded)
    for test in run.graded:
        retest = min(index for index in run.retests if index > test)
        between = run.nb.cells[test + 1:retest]
        assert between and all(TRANSPOSED in cell.source for cell in between)
        assert run.nb.cells[retest].source == run.nb.cells[test].source
        restored = run.nb.cells[retest + 1:retest + 1 + len(between)]
        assert all("NotImplementedError" in cell.source for cell in restored)
