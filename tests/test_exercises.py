"""Graded exercises can fail: in a student notebook every graded test errors, nothing else.

A test cell that passes without a solution grades nothing, and a student notebook that
breaks before the exercises cannot be worked on. Each chapter's student version (the body
between `### BEGIN SOLUTION` and `### END SOLUTION` replaced by
`raise NotImplementedError()`, prose solutions removed, as handed out) runs once in a
fresh kernel with errors allowed: every graded test cell must stop with
NotImplementedError or AssertionError, and every other cell must run.

test_exercise_feedback.py checks that the tests' feedback fits the mistake (a separate
file, so that the two notebook runs per chapter spread over the test workers).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bookfiles import BOOK
from chapters import chapter_notebooks, exercises, ids, read, tags
from nbclient import NotebookClient

from utils.assignments.notebooks import is_test_cell, student_version

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
