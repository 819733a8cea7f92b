"""The graded tests' feedback fits the mistake: a transposed answer is told so.

Each chapter runs once in a fresh kernel with its solutions, every solution function
returning the transpose of its matrix answers; every graded test that receives a
non-square transposed matrix must fail with a message about the transpose, not the advice
meant for 1-D arrays. (Kept apart from test_exercises.py, which runs each chapter's
student version, so that the two runs per chapter spread over the test workers.)
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat
import pytest
from bookfiles import BOOK
from chapters import chapter_notebooks, ids, read
from nbclient import NotebookClient

from utils.assignments.notebooks import is_solution_cell, is_test_cell

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
