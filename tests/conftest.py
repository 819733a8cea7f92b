"""Test-suite wiring.

`pytest` with no arguments runs the unit tests under tests/; test_notebooks.py runs every
notebook listed in `_toc.yml` (never a glob: a notebook that is not in the book is not
tested as part of it), once, and the two builds reuse those runs (executed.py). A
notebook can also be checked on its own with nbval: `pytest -n0 book/05_tensor.ipynb`
(`--nbval-lax` is in the default options).
"""

from __future__ import annotations

import os

import pytest
from bookfiles import toc_notebooks

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_report_header(config: pytest.Config) -> str:
    names = ", ".join(path.name for path in toc_notebooks())
    return f"book notebooks from _toc.yml: {names}"
