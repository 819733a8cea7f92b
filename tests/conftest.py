"""Test-suite wiring.

`pytest` with no arguments runs the unit tests under tests/ and, through nbval, every
notebook listed in `_toc.yml` (never a glob: a notebook that is not in the book is not
tested as part of it). Passing explicit paths runs just those.
"""

from __future__ import annotations

import os

import pytest
from bookfiles import toc_notebooks

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config: pytest.Config) -> None:
    """Add the toc's notebooks to a default run (one without explicit paths)."""
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    if not config.getoption("nbval_lax", default=False):
        return
    config.args.extend(os.path.relpath(path, config.invocation_params.dir)
                       for path in toc_notebooks())


def pytest_report_header(config: pytest.Config) -> str:
    names = ", ".join(path.name for path in toc_notebooks())
    return f"book notebooks from _toc.yml: {names}"
