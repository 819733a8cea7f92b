"""Graded exercises can fail: in a student notebook every graded test errors, nothing else.

A test cell that passes without a solution grades nothing, and a student notebook that
breaks before the exercises cannot be worked on. Each chapter's student version (the body
between `### BEGIN SOLUTION` and `### END SOLUTION` replaced by
`raise NotImplementedError()`, prose solutions removed, as handed out) runs once in a
fresh kernel with errors allowed: every graded test cell must stop with
NotImplementedError or AssertionError, and every other cell must run.

The tests' feedback fits the mistake: each chapter also runs once with every answer
transposed, and every test that receives a non-square transposed matrix must fail with a
message about the transpose, not the advice meant for 1-D arrays.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat
import pytest
from bookfiles import BOOK
from chapters import chapter_notebooks, exercises, ids, read, tags
from nbclient import NotebookClient

from utils.assignments.notebooks import is_solution_cell, is_test_cell, student_version

CHAPTERS = chapter_notebooks()


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_student_version_fails_every_graded_test_and_nothing_else(path: Path) -> None:
    source = read(path)
    expected = sum(len(exercise.autograde_cells) for exercise in exercises(source))
    nb = student_version(source)
    graded = {index for index, cell in enumerate(nb.cells)
              if "autograde" in tags(cell) or is_test_cell(cell)}
    assert graded and len(graded) == expected, (
        f"{path.name}: the student version has {len(graded)} graded test cells, the "
        f"chapter's exercises {expected}")
    NotebookClient(nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if index in graded:
            assert errors, f"{path.name} cell {index}: the graded test passes with no solution"
            assert errors[0].ename in {"NotImplementedError", "AssertionError"}, (
                f"{path.name} cell {index}: blank solution gave {errors[0].ename}: "
                f"{errors[0].evalue}")
        else:
            assert not errors, (
                f"{path.name} cell {index} fails in the student version: {errors[0].ename}: "
                f"{errors[0].evalue}")


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


def with_transposed_answers(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The chapter with its solutions, each solution function returning the transpose of
    its matrix answers, and saying so when the matrix is not square."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            names = [node.name for node in ast.parse(cell.source).body
                     if isinstance(node, ast.FunctionDef)]
            cell.source = "\n".join([TRANSPOSING, cell.source,
                                     *(f"{name} = _transposed({name})" for name in names)])
    return nb


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_a_transposed_answer_is_told_about_the_transpose(path: Path) -> None:
    nb = with_transposed_answers(read(path))
    NotebookClient(nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    checked = 0
    for index, cell in enumerate(nb.cells):
        printed = "".join(out.get("text", "") for out in cell.get("outputs", []))
        if not (is_test_cell(cell) and TRANSPOSED in printed):
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        assert errors, f"{path.name} cell {index}: a transposed answer passes the test"
        message = errors[0].evalue
        assert errors[0].ename == "AssertionError" and "transpose" in message.lower(), (
            f"{path.name} cell {index}: the feedback on a transposed answer does not name "
            f"the transpose: {errors[0].ename}: {message}")
        assert ".T does nothing" not in message, (
            f"{path.name} cell {index}: a 2-D answer gets the advice for 1-D arrays: {message}")
        checked += 1
    assert checked, f"{path.name}: no test received a non-square transposed answer"
