"""Every notebook of the book runs top to bottom in a fresh kernel, without errors.

What `pytest --nbval-lax` checks, with one execution per notebook shared with the two
builds (executed.py): a cell that raises, or writes to stderr (an error in the book's
build), fails the notebook's test with the cell's source and the traceback. The time each
notebook took is printed (`pytest -s`, or on failure).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bookfiles import toc_notebooks
from executed import run_once, shared_folder

NOTEBOOKS = toc_notebooks()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_without_errors(notebook: Path,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = run_once(notebook, shared_folder(tmp_path_factory))
    print(f"{notebook.name}: {outcome['seconds']:.1f} s in a fresh kernel")
    assert outcome["problem"] is None, f"{notebook.name} does not run: {outcome['problem']}"
