"""Graded exercises can fail: with every solution blanked out, every test cell errors.

A test cell that passes without a solution grades nothing. Each chapter is run once in a
fresh kernel with the body between `### BEGIN SOLUTION` and `### END SOLUTION` replaced by
`raise NotImplementedError()`, as in a handed-out assignment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bookfiles import BOOK
from chapters import chapter_notebooks, exercises, ids, read, tags
from nbclient import NotebookClient

from utils.assignments.notebooks import blank_solutions

CHAPTERS = chapter_notebooks()


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_blank_solutions_fail_every_graded_test(path: Path) -> None:
    nb = read(path)
    graded = {index for ex in exercises(nb) for index in ex.autograde_cells}
    for cell in nb.cells:
        if cell.cell_type == "code" and "solution" in tags(cell):
            cell.source = blank_solutions(cell.source)
    NotebookClient(nb, timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if index in graded:
            assert errors, f"{path.name} cell {index}: the graded test passes with no solution"
            assert errors[0].ename in {"NotImplementedError", "AssertionError"}, (
                f"{path.name} cell {index}: blank solution gave {errors[0].ename}")
        else:
            assert not errors, (
                f"{path.name} cell {index} fails without solutions: {errors[0].ename}: "
                f"{errors[0].evalue}")
