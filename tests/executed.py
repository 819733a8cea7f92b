"""Each notebook of the book runs once per test session; the tests and both builds share it.

Running a notebook costs a kernel start and the imports of its setup cell (about six
seconds) before its own cells. The suite needs every notebook's outputs three times: to
check that it runs (test_notebooks.py), for the HTML book (test_build.py) and for the
student HTML book (test_student_html.py). Here each notebook runs once, in whichever test
worker asks for it first, and its executed copy is saved in a folder that every worker of
the session shares; a worker that needs a notebook another one is running waits for it.
The builds then render the saved outputs (``execute_notebooks: "off"``) from a copy of the
book's sources, so that nothing in the repository is touched.

The kernel runs as the book's build runs it: in book/, with matplotlib's inline backend
(MPLBACKEND removed from its environment), within the build's time limit, and a cell that
writes to stderr counts as a failure, as ``stderr_output: error`` in _config.yml makes it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
import yaml
from bookfiles import BOOK, ROOT, toc_notebooks
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# What the build's configuration asks of every notebook.
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TIMEOUT = CONFIG["execute"]["timeout"]
# Not copied into the builds' copy of the sources.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "_build", ".pytest_cache", ".hypothesis",
                                     ".jupyter_cache", "__pycache__", "*.egg-info", ".ruff_cache")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookFailed(AssertionError):
    """A notebook did not run to its end without errors (the message says where)."""


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this session that every test worker sees (the base of their temp dirs)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "executed-notebooks"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def _locked(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path``; yields False (without waiting) when ``wait`` is
    False and another process holds it."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _outcome_path(folder: Path, notebook: Path) -> Path:
    return folder / f"{notebook.stem}.json"


def _describe(nb: nbformat.NotebookNode, index: int, problem: str) -> str:
    source = nb.cells[index].source
    excerpt = source if len(source) < 1200 else source[:1200] + "\n..."
    return f"cell {index} {problem}:\n{excerpt}"


def _first_problem(nb: nbformat.NotebookNode) -> str | None:
    """The first cell with an error or with text on stderr, described; None if there is none."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                trace = ANSI.sub("", "\n".join(output.get("traceback", [])))
                return _describe(nb, index, f"raised {output.ename}") + "\n" + trace[-3000:]
            if output.output_type == "stream" and output.name == "stderr":
                return _describe(nb, index, "wrote to stderr (an error in the book's build)") \
                    + "\n--- stderr ---\n" + output.text[-2000:]
    return None


def _run(notebook: Path, folder: Path) -> None:
    """Run ``notebook`` in a fresh kernel; save the executed copy (if it ran) and the outcome."""
    nb = nbformat.read(notebook, as_version=4)
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    client = NotebookClient(nb, timeout=TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(BOOK)}})
    start = time.perf_counter()
    problem = None
    try:
        client.execute(env=env)
    except CellExecutionError:
        problem = _first_problem(nb) or "a cell failed"
    except Exception as error:  # a kernel that dies or a cell over the time limit
        problem = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    problem = problem or _first_problem(nb)
    if problem is None:
        nbformat.write(nb, folder / notebook.name)
    outcome = {"seconds": round(seconds, 2), "problem": problem}
    _outcome_path(folder, notebook).write_text(json.dumps(outcome), encoding="utf-8")


def _outcome(notebook: Path, folder: Path) -> dict:
    return json.loads(_outcome_path(folder, notebook).read_text(encoding="utf-8"))


def run_once(notebook: Path, folder: Path, *, wait: bool = True) -> dict | None:
    """The outcome of running ``notebook`` this session: ``{"seconds", "problem"}``.

    Runs it unless a worker already has; waits for a worker that is running it, or, when
    ``wait`` is False, returns None at once.
    """
    with _locked(folder / f"{notebook.stem}.lock", wait=wait) as mine:
        if not mine:
            return None
        if not _outcome_path(folder, notebook).exists():
            _run(notebook, folder)
        return _outcome(notebook, folder)


def run_all(folder: Path) -> dict[Path, dict]:
    """Every notebook of the book run: first those no other worker has started, then the
    rest, waiting for them. Returns each notebook's outcome."""
    notebooks = toc_notebooks()
    outcomes = {path: run_once(path, folder, wait=False) for path in notebooks}
    for path, outcome in outcomes.items():
        if outcome is None:
            outcomes[path] = run_once(path, folder)
    return outcomes


def executed_sources(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of the book's sources whose notebooks carry this session's outputs and whose
    _config.yml renders them as they are. Raises NotebookFailed if one does not run."""
    folder = shared_folder(tmp_path_factory)
    outcomes = run_all(folder)
    failed = [f"{path.name}: {outcome['problem']}" for path, outcome in outcomes.items()
              if outcome["problem"]]
    if failed:
        raise NotebookFailed("the book cannot be built, these notebooks do not run:\n"
                             + "\n\n".join(failed))
    copy = tmp_path_factory.mktemp(name) / "sources"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCES)
    for path in outcomes:
        shutil.copy(folder / path.name, copy / path.relative_to(ROOT))
    config = yaml.safe_load((copy / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (copy / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False,
                                                     allow_unicode=True), encoding="utf-8")
    return copy
