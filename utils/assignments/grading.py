"""Grade submitted notebooks against the source chapter.

Each submission runs top to bottom in its own fresh kernel, with every graded test cell
restored from the source (matched by nbgrader ``grade_id``): an edited or emptied test
cell is replaced, a deleted one is put back right after the submission's solution cell of
the same exercise. A test cell scores its points when it runs without an error, and 0
otherwise (all or nothing per cell). A cell that runs longer than the timeout is
interrupted, or its kernel is restarted and the cells before it replayed, so that the
rest of the notebook is still graded. Submissions are graded in parallel, one kernel each.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from .notebooks import (
    STUB,
    exercise_labels,
    is_solution_cell,
    is_test_cell,
    nbgrader,
    read_notebook,
)

TIMEOUT_ENAME = "CellTimeout"
PROBE_SECONDS = 3
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_FEEDBACK = 1200


class GradingError(Exception):
    """The grader itself cannot run (unreadable source, no graded cells, bad arguments)."""


@dataclass(frozen=True, eq=False)
class Test:
    """A graded test cell of the source notebook."""

    grade_id: str
    points: float
    cell: NotebookNode
    exercise: str
    solution_id: str | None  # grade_id of the solution cell before it, if any


@dataclass
class ExerciseResult:
    """The score of one graded test cell in one submission."""

    id: str
    exercise: str
    points: float
    max: float
    status: str  # passed, failed, not answered, timeout, crashed, not graded
    feedback: str


@dataclass
class SubmissionResult:
    """The scores of one submission; ``error`` says why it could not be run, if it was not."""

    submission: str
    exercises: list[ExerciseResult]
    error: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(result.points for result in self.exercises)

    @property
    def max(self) -> float:
        return sum(result.max for result in self.exercises)

    def to_dict(self) -> dict:
        """The JSON form: submission, total, max, exercises (id, points, max, feedback, …)."""
        data = {"submission": self.submission, "total": self.total, "max": self.max,
                "exercises": [asdict(result) for result in self.exercises]}
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Outcome:
    """How one cell ran: ``ok``, ``error``, ``timeout`` or ``dead`` (the kernel died)."""

    status: str
    ename: str = ""
    evalue: str = ""


def load_tests(source: str | Path) -> list[Test]:
    """The graded test cells of the source notebook, in order; GradingError if none."""
    try:
        nb = read_notebook(source)
    except (OSError, ValueError) as error:
        raise GradingError(f"cannot read the source notebook: {error}") from None
    labels = exercise_labels(nb)
    tests, solution_id = [], None
    for index, cell in enumerate(nb.cells):
        if is_solution_cell(cell):
            solution_id = nbgrader(cell).get("grade_id") or solution_id
        elif is_test_cell(cell):
            meta = nbgrader(cell)
            if not meta.get("grade_id"):
                raise GradingError(f"{source}: graded cell {index} has no nbgrader grade_id")
            tests.append(Test(meta["grade_id"], float(meta.get("points", 0)), cell,
                              labels[index] or "", solution_id))
    if not tests:
        raise GradingError(f"{source} has no graded test cells (code cells with nbgrader "
                           "metadata grade: true): there is nothing to grade")
    ids = [test.grade_id for test in tests]
    if len(set(ids)) != len(ids):
        raise GradingError(f"{source}: graded cells share a grade_id: {ids}")
    return tests


def assemble(submission: NotebookNode, tests: Sequence[Test]) -> tuple[NotebookNode, dict]:
    """The notebook to run: the submission with every test cell restored from the source.

    Returns the notebook and a map from cell index to the Test that cell runs. Cells that
    claim a test's grade_id (whatever they now contain) are replaced by the source's test
    cell; a missing test goes right after the submission's solution cell of its exercise,
    else after the test before it, else at the end.
    """
    by_id = {test.grade_id: test for test in tests}
    cells: list[NotebookNode | Test] = []
    for cell in submission.cells:
        claimed = by_id.get(nbgrader(cell).get("grade_id"))
        if claimed is None:
            cells.append(cell)
        elif claimed not in cells:  # a duplicate claim is dropped
            cells.append(claimed)
    previous: Test | None = None
    for test in tests:
        if test not in cells:
            anchor = _position_of(cells, test.solution_id)
            if previous is not None and previous in cells and (
                    anchor is None or previous.solution_id == test.solution_id):
                anchor = cells.index(previous)
            cells.insert(len(cells) if anchor is None else anchor + 1, test)
        previous = test
    nb = copy.deepcopy(submission)
    nb.cells, tested = [], {}
    for index, item in enumerate(cells):
        if isinstance(item, Test):
            tested[index] = item
            item = new_code_cell(item.cell.source, metadata=copy.deepcopy(item.cell.metadata))
        else:
            item = copy.deepcopy(item)
            if item.cell_type == "code":
                item.outputs, item.execution_count = [], None
        nb.cells.append(item)
    return nb, tested


def _position_of(cells: list, grade_id: str | None) -> int | None:
    for index, cell in enumerate(cells):
        if (grade_id and not isinstance(cell, Test) and cell.cell_type == "code"
                and nbgrader(cell).get("grade_id") == grade_id):
            return index
    return None


class _Client(NotebookClient):
    """nbclient that keeps each cell's execute reply and no outputs (grading needs none)."""

    def __init__(self, nb: NotebookNode, **kwargs) -> None:
        super().__init__(nb, on_cell_executed=self._keep_reply, **kwargs)
        self.replies: dict[int, dict] = {}

    def _keep_reply(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.replies[cell_index] = execute_reply.get("content", {}) if execute_reply else {}

    def output(self, outs, msg, display_id, cell_index):
        return None


async def _run_cell(client: _Client, index: int) -> Outcome:
    client.replies.pop(index, None)
    try:
        await client.async_execute_cell(client.nb.cells[index], index)
    except DeadKernelError:
        return Outcome("dead", "DeadKernelError", "the kernel died while running this cell")
    reply = client.replies.pop(index, {})
    if reply.get("status") != "error":
        return Outcome("ok")
    if reply.get("ename") == TIMEOUT_ENAME:
        return Outcome("timeout", TIMEOUT_ENAME, reply.get("evalue", ""))
    return Outcome("error", reply.get("ename", "Error"), ANSI.sub("", reply.get("evalue", "")))


async def _responsive(client: _Client) -> bool:
    """After an interrupt: does the kernel answer a trivial cell within a few seconds?"""
    probe = new_code_cell("pass")
    client.nb.cells.append(probe)
    index, saved = len(client.nb.cells) - 1, client.timeout
    client.timeout = min(saved, PROBE_SECONDS)
    try:
        return (await _run_cell(client, index)).status == "ok"
    finally:
        client.timeout = saved
        client.nb.cells.pop()


async def execute(nb: NotebookNode, *, cwd: str | Path, timeout: float,
                  kernel_name: str = "python3") -> dict[int, Outcome]:
    """Run every code cell of ``nb`` in a fresh kernel; the outcome of each, by cell index.

    A cell that exceeds ``timeout`` seconds is interrupted; if the kernel does not come
    back (or dies), it is restarted and the cells that ran before are replayed without the
    failed ones, so that later cells still run with the state they expect.
    """
    code = [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.source.strip()]
    outcomes: dict[int, Outcome] = {}
    pending = list(code)
    client = _Client(
        nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
        interrupt_on_timeout=True, iopub_timeout=2, shutdown_kernel="immediate",
        error_on_timeout={"ename": TIMEOUT_ENAME, "traceback": [],
                          "evalue": f"the cell ran longer than {timeout:g} s and was stopped"},
        resources={"metadata": {"path": str(cwd)}},
    )
    # Figures are drawn but not encoded as PNG; the kernel's own warnings are not shown.
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        while pending:
            async with client.async_setup_kernel(env=env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL):
                if not await _replay(client, outcomes):
                    continue  # a replayed cell failed this time: start another kernel
                while pending:
                    index = pending.pop(0)
                    outcome = outcomes[index] = await _run_cell(client, index)
                    if outcome.status == "dead" or (outcome.status == "timeout"
                                                    and not await _responsive(client)):
                        break  # leave the context: this kernel is shut down, a new one starts
    finally:
        atexit.unregister(client._cleanup_kernel)  # nbclient leaves it after a failed start
    return outcomes


async def _replay(client: _Client, outcomes: dict[int, Outcome]) -> bool:
    """Run again, in the new kernel, the cells that completed before; False if one fails."""
    for index in sorted(i for i, outcome in outcomes.items() if outcome.status in ("ok", "error")):
        outcome = await _run_cell(client, index)
        if outcome.status in ("timeout", "dead"):
            outcomes[index] = outcome
            return False
    return True


def score(tests: Sequence[Test], nb: NotebookNode, tested: dict[int, Test],
          outcomes: dict[int, Outcome]) -> list[ExerciseResult]:
    """One result per test cell, in the source's order, with feedback a student can act on."""
    results = {}
    for index, test in tested.items():
        outcome = outcomes.get(index, Outcome("error", "NotRun", "the cell did not run"))
        status, feedback = "passed", "passed"
        if outcome.status == "timeout":
            status, feedback = "timeout", (
                f"the test ran longer than the time limit and was stopped ({outcome.evalue}); "
                "look for an endless loop or a very slow computation in your solution")
        elif outcome.status == "dead":
            status, feedback = "crashed", f"{outcome.evalue}; check for code that exits or " \
                "uses too much memory"
        elif outcome.status == "error" and outcome.ename == "NotImplementedError":
            status, feedback = "not answered", (
                f"not answered: the solution raised NotImplementedError (replace {STUB} "
                "with your code)")
        elif outcome.status == "error":
            status = "failed"
            feedback = f"{outcome.ename}: {outcome.evalue}".strip().rstrip(":")
            feedback += _solution_hint(nb, test, outcomes)
        points = test.points if status == "passed" else 0.0
        if len(feedback) > MAX_FEEDBACK:
            feedback = feedback[:MAX_FEEDBACK] + " …"
        results[test.grade_id] = ExerciseResult(test.grade_id, test.exercise, points,
                                                test.points, status, feedback)
    return [results[test.grade_id] for test in tests]


def _solution_hint(nb: NotebookNode, test: Test, outcomes: dict[int, Outcome]) -> str:
    """What went wrong in the exercise's own solution cell, if anything did."""
    position = _position_of(nb.cells, test.solution_id)
    if position is None:
        return (f" (the solution cell of {test.exercise or 'this exercise'}, grade_id "
                f"{test.solution_id}, is missing from the notebook)" if test.solution_id else "")
    outcome = outcomes.get(position)
    if outcome is None or outcome.status == "ok":
        return ""
    return f" (your solution cell itself failed: {outcome.ename}: {outcome.evalue})"


def _failed_submission(path: str, tests: Sequence[Test], error: str) -> SubmissionResult:
    exercises = [ExerciseResult(test.grade_id, test.exercise, 0.0, test.points, "not graded",
                                f"not graded: {error}") for test in tests]
    return SubmissionResult(path, exercises, error=error)


async def grade_submission(path: str | Path, tests: Sequence[Test], *, cwd: str | Path,
                           timeout: float = 30, kernel_name: str = "python3",
                           ) -> SubmissionResult:
    """Grade one submitted notebook in a fresh kernel (see the module docstring)."""
    start = time.perf_counter()
    try:
        submission = read_notebook(path)
    except (OSError, ValueError) as error:
        reason = str(error) if isinstance(error, ValueError) else f"cannot read {path}: {error}"
        result = _failed_submission(str(path), tests, reason)
    else:
        nb, tested = assemble(submission, tests)
        try:
            outcomes = await execute(nb, cwd=cwd, timeout=timeout, kernel_name=kernel_name)
        except Exception as error:  # the kernel could not start, or the client broke
            reason = f"the grader could not run it: {type(error).__name__}: {error}"
            result = _failed_submission(str(path), tests, reason)
        else:
            result = SubmissionResult(str(path), score(tests, nb, tested, outcomes))
    result.seconds = time.perf_counter() - start
    return result


def grade(source: str | Path, submissions: Iterable[str | Path], *, timeout: float = 30,
          jobs: int | None = None,
          progress: Callable[[int, int, SubmissionResult], None] | None = None,
          ) -> list[SubmissionResult]:
    """Grade every submission against ``source``; results in the order given.

    ``jobs`` submissions run at once (default: the number of cores), each in its own
    kernel, driven from one event loop; ``progress(done, total, result)`` is called as
    each one finishes. Raises GradingError if the source cannot be used, ValueError for
    bad arguments.
    """
    if not timeout or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    tests = load_tests(source)
    kernel_name = read_notebook(source).metadata.get("kernelspec", {}).get("name", "python3")
    cwd = Path(source).resolve().parent
    paths = [str(path) for path in submissions]
    jobs = max(1, jobs or os.cpu_count() or 1)
    finished = 0

    async def grade_all() -> list[SubmissionResult]:
        slots = asyncio.Semaphore(jobs)

        async def one(path: str) -> SubmissionResult:
            nonlocal finished
            async with slots:
                result = await grade_submission(path, tests, cwd=cwd, timeout=timeout,
                                                kernel_name=kernel_name)
            finished += 1
            if progress is not None:
                progress(finished, len(paths), result)
            return result

        return list(await asyncio.gather(*map(one, paths)))

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop is running here
        return asyncio.run(grade_all())
    with ThreadPoolExecutor(max_workers=1) as thread:  # called from a notebook's loop
        return thread.submit(asyncio.run, grade_all()).result()
