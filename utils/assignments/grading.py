"""Grade submitted notebooks against the source chapter.

Each submission runs top to bottom in its own fresh kernel, with every graded test cell
restored from the source (matched by nbgrader ``grade_id``): an edited or emptied test
cell is replaced; a deleted one is put back right after the submission's solution cell of
the same exercise; one moved above that solution cell runs right after it instead; of
several cells claiming the same test, the first after the solution cell runs. A test cell
scores its points when it runs without an error, and 0 otherwise (all or nothing per
cell). A cell that runs longer than the timeout is interrupted, or its kernel is
restarted and the cells before it replayed, so that the rest of the notebook is still
graded. Submissions are graded in parallel, one kernel each; one that cannot be read or
run scores 0 with the reason, and the others are graded as usual.

What this defends against: edited, emptied, deleted, duplicated or moved test cells;
extra cells (they run where they stand); a redefined function that a test cell defines
itself (the restored cell defines it again); endless loops, dying kernels, broken files;
and monkeypatching the modules the tests use. A first cell that the grader adds keeps a
snapshot of ``builtins``, ``math``, ``numpy`` and ``utils`` (with their submodules), and
a cell of the grader's before each test puts back whatever the notebook changed there
(``np.isclose = lambda *a, **k: True``, a patched ``utils.check_gradient`` or ``abs``, a
replaced ``np``) and says so in that test's feedback; one after each test voids a pass
during which the notebook changed them (see :mod:`.guard`, which runs in the kernel).
What it does not: the student's code still runs in the same Python process as the tests,
before them, so a determined student can change what the guard does not look at (``rng``,
the insides of numpy's functions, the IPython shell) or find the guard itself. Read
high-scoring submissions that look odd, or keep tests the students never see (nbgrader's
hidden tests).
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import copy
import math
import os
import re
import secrets
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from . import guard
from .notebooks import (
    STUB,
    exercise_labels,
    grade_id,
    is_solution_cell,
    is_test_cell,
    nbgrader,
    read_notebook,
)

TIMEOUT_ENAME = "CellTimeout"
# Modules whose attributes the guard restores before each test (with their submodules),
# and the packages whose private names, function code and classes it restores too.
GUARDED_MODULES = ("builtins", "math", "numpy", "numpy.linalg", "numpy.testing", "utils")
GUARDED_WHOLE = ("utils",)
GUARD_KEY = "grader_guard"  # cell metadata marking the grader's own cells
GUARD_SOURCE = Path(guard.__file__).read_text(encoding="utf-8")  # run in each kernel
PROBE_SECONDS = 3
T = TypeVar("T")
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
    """The graded test cells of the source notebook, in order.

    Raises GradingError, naming the cell, if the source cannot be read, has no graded
    cell, has a graded cell without a ``grade_id`` or with ``points`` that are not a
    number, or gives two cells the same ``grade_id``.
    """
    return _tests_of(_read_source(source), str(source))


def _tests_of(nb: NotebookNode, where: str) -> list[Test]:
    _check_unique_ids(nb, where)
    labels = exercise_labels(nb)
    tests, solution_id = [], None
    for index, cell in enumerate(nb.cells):
        if index and labels[index] != labels[index - 1]:
            solution_id = None  # a new exercise: its own solution cell comes next
        if is_solution_cell(cell):
            solution_id = grade_id(cell) or solution_id
        elif is_test_cell(cell):
            tests.append(Test(_test_id(cell, index, where), _points(cell, index, where), cell,
                              labels[index] or "", solution_id))
    if not tests:
        raise GradingError(f"{where} has no graded test cells (code cells with nbgrader "
                           "metadata grade: true): there is nothing to grade")
    return tests


def _read_source(source: str | Path) -> NotebookNode:
    try:
        return read_notebook(source)
    except (OSError, ValueError) as error:
        raise GradingError(f"cannot read the source notebook: {error}") from None


def _check_unique_ids(nb: NotebookNode, where: str) -> None:
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        key = grade_id(cell)
        if key is None:
            continue
        if key in seen:
            raise GradingError(f"{where}: cells {seen[key]} and {index} share the grade_id "
                               f"{key!r}; the grader matches cells by it, so make it unique")
        seen[key] = index


def _test_id(cell: NotebookNode, index: int, where: str) -> str:
    key = grade_id(cell)
    if key is None:
        raise GradingError(f"{where}: graded cell {index} has no nbgrader grade_id (a string)")
    return key


def _points(cell: NotebookNode, index: int, where: str) -> float:
    points = nbgrader(cell).get("points", 0)
    try:
        value = float(points)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(points, bool) or not 0 <= value < math.inf:
        raise GradingError(f"{where}: graded cell {index} ({grade_id(cell)}) has points "
                           f"{points!r}; they must be a number ≥ 0")
    return value


def assemble(submission: NotebookNode,
             tests: Sequence[Test]) -> tuple[NotebookNode, dict[int, Test]]:
    """The notebook to run: the submission with every test cell restored from the source.

    Returns the notebook and a map from cell index to the Test that cell runs. Cells that
    claim a test's grade_id (whatever they now contain) become the source's test cell. Of
    the claims on one test, the first below the submission's solution cell of its exercise
    runs; if none stands below it, the test runs right after that solution cell (after the
    previous test, if that one follows the same solution cell); without a solution cell,
    at the first claim, else after the previous test, else at the end. Other claims are
    dropped.
    """
    nb = copy.deepcopy(submission)
    nb.cells, tested = [], {}
    for index, item in enumerate(_placed(submission.cells, tests)):
        if isinstance(item, Test):
            tested[index] = item
            item = new_code_cell(item.cell.source, metadata=copy.deepcopy(item.cell.metadata))
        else:
            item = copy.deepcopy(item)
            if item.cell_type == "code":
                item.outputs, item.execution_count = [], None
        nb.cells.append(item)
    return nb, tested


def _placed(cells: list[NotebookNode], tests: Sequence[Test]) -> list[NotebookNode | Test]:
    """The submission's cells with each test at its place (see :func:`assemble`)."""
    by_id = {test.grade_id: test for test in tests}
    placed: list[NotebookNode | Test] = [by_id.get(grade_id(cell), cell) for cell in cells]
    previous: Test | None = None
    for test in tests:
        claims = [index for index, item in enumerate(placed) if item is test]
        solution = _solution_position(placed, test.solution_id)
        below = [index for index in claims if solution is None or index > solution]
        for index in reversed(claims):
            del placed[index]
        if below:  # its index once the claims above it are gone
            placed.insert(below[0] - sum(index < below[0] for index in claims), test)
        else:
            placed.insert(_restore_at(placed, test, previous), test)
        previous = test
    return placed


def _restore_at(cells: list, test: Test, previous: Test | None) -> int:
    """Where a test without a usable claim goes (see :func:`assemble`)."""
    solution = _solution_position(cells, test.solution_id)
    after_previous = next((index + 1 for index, item in enumerate(cells)
                           if previous is not None and item is previous), None)
    if solution is None:
        return len(cells) if after_previous is None else after_previous
    if (after_previous is not None and after_previous > solution
            and previous is not None and previous.solution_id == test.solution_id):
        return after_previous  # two tests of one solution cell keep the source's order
    return solution + 1


def _solution_position(cells: list, key: str | None) -> int | None:
    """Index of the first code cell (not a restored test) with nbgrader grade_id ``key``."""
    for index, cell in enumerate(cells):
        if (key and not isinstance(cell, Test) and cell.cell_type == "code"
                and grade_id(cell) == key):
            return index
    return None


def module_aliases(nb: NotebookNode) -> dict[str, str]:
    """The names a notebook binds to guarded modules by ``import`` (``{"np": "numpy"}``).

    Read from the top-level ``import`` statements of its code cells other than solution
    and test cells; a cell that is not plain Python (a magic) is skipped.
    """
    roots = {name.split(".")[0] for name in GUARDED_MODULES}
    aliases = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or is_solution_cell(cell) or is_test_cell(cell):
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        for node in body:
            for alias in node.names if isinstance(node, ast.Import) else []:
                module = alias.name if alias.asname else alias.name.split(".")[0]
                if module.split(".")[0] in roots:
                    aliases[alias.asname or module] = module
    return aliases


def with_guards(nb: NotebookNode, tested: dict[int, Test], aliases: Mapping[str, str],
                ) -> tuple[NotebookNode, dict[int, Test], dict[int, tuple[int, int]]]:
    """The assembled notebook with the grader's own cells (see :mod:`.guard`).

    A first cell installs the guard; a guard cell before each test puts back the modules
    the notebook changed, one after it finds what the test's run changed. Returns the
    notebook (changed in place), the map from cell index to the Test that cell runs, and
    from a test's index to the indices of its two guard cells.
    """
    token = secrets.token_hex(16)
    call = (f"install({token!r}, {GUARDED_MODULES!r}, {GUARDED_WHOLE!r}, {dict(aliases)!r}, "
            "namespace)")
    preamble = (f"exec({GUARD_SOURCE + call!r}, "
                "{'__name__': 'grader_guard', 'namespace': globals()})")
    cells, placed, guards = [_grader_cell(preamble)], {}, {}
    for index, cell in enumerate(nb.cells):
        if index in tested:
            placed[len(cells) + 1] = tested[index]
            guards[len(cells) + 1] = (len(cells), len(cells) + 2)
            cells += [_grader_cell(f"pass  # {token}"), cell, _grader_cell(f"pass  # {token}")]
        else:
            cells.append(cell)
    nb.cells = cells
    return nb, placed, guards


def _grader_cell(source: str) -> NotebookNode:
    return new_code_cell(source, metadata={GUARD_KEY: True})


class _Client(NotebookClient):
    """nbclient that keeps each cell's execute reply and no outputs (grading needs none)."""

    def __init__(self, nb: NotebookNode, **kwargs: Any) -> None:
        super().__init__(nb, on_cell_executed=self._keep_reply, **kwargs)
        self.replies: dict[int, dict] = {}

    def _keep_reply(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.replies[cell_index] = execute_reply.get("content", {}) if execute_reply else {}

    def output(self, outs: list, msg: dict, display_id: str | None,
               cell_index: int) -> None:
        """Keep no output (nbclient calls this for each output message)."""
        return None


async def _run_cell(client: _Client, index: int) -> Outcome:
    """Run cell ``index`` in the client's kernel and say how it went."""
    client.replies.pop(index, None)
    cell = client.nb.cells[index]
    try:  # the grader's own cells stay out of the kernel's input history
        await client.async_execute_cell(cell, index,
                                        store_history=not cell.metadata.get(GUARD_KEY))
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
          outcomes: dict[int, Outcome],
          guards: Mapping[int, tuple[int, int]] | None = None) -> list[ExerciseResult]:
    """One result per test cell, in the source's order, with feedback a student can act on.

    ``guards`` maps a test's index to those of the guard cells before and after it (see
    :func:`with_guards`): what they restored is said first in the feedback, and a test
    during whose run the notebook changed a guarded module scores 0.
    """
    results = {}
    for index, test in tested.items():
        outcome = outcomes.get(index, Outcome("error", "NotRun", "the cell did not run"))
        position = _solution_position(nb.cells, test.solution_id)
        solution = None if position is None else outcomes.get(position)
        status, feedback = _judge(outcome, solution)
        before, after = (guards or {}).get(index, (None, None))
        note, void = _guard_note(outcomes.get(before), outcomes.get(after))
        if void and status == "passed":
            status, feedback = "failed", ""
        elif status == "failed":
            feedback += _solution_hint(test, position, solution)
        if note:
            feedback = (f"passed ({note})" if status == "passed"
                        else ". ".join(part for part in (note, feedback) if part))
        if len(feedback) > MAX_FEEDBACK:
            feedback = feedback[:MAX_FEEDBACK] + " …"
        points = test.points if status == "passed" else 0.0
        results[test.grade_id] = ExerciseResult(test.grade_id, test.exercise, points,
                                                test.points, status, feedback)
    return [results[test.grade_id] for test in tests]


def _judge(outcome: Outcome, solution: Outcome | None) -> tuple[str, str]:
    """(status, feedback) of a test cell that ran with ``outcome``.

    ``solution`` is how the exercise's solution cell ran (None if it is missing): a test
    that fails because the solution cell stopped at its stub (a NameError after a
    NotImplementedError there) is not answered, rather than wrong.
    """
    if outcome.status == "ok":
        return "passed", "passed"
    if outcome.status == "timeout":
        return "timeout", (
            f"{outcome.evalue or 'the cell ran past the time limit and was stopped'}; look "
            "for an endless loop or a very slow computation in your solution")
    if outcome.status == "dead":
        return "crashed", f"{outcome.evalue}; check for code that exits or uses too much memory"
    stub_stopped = (outcome.ename == "NameError" and solution is not None
                    and solution.ename == "NotImplementedError")
    if outcome.ename == "NotImplementedError" or stub_stopped:
        return "not answered", (f"not answered: the solution raised NotImplementedError "
                                f"(replace {STUB} with your code)")
    return "failed", f"{outcome.ename}: {outcome.evalue}".strip().rstrip(":")


def _guard_note(before: Outcome | None, after: Outcome | None) -> tuple[str, bool]:
    """What the guard cells around a test found: a sentence (or ''), and whether the test's
    result is void because the notebook changed a guarded module while it ran."""
    notes = []
    if before is not None and before.status != "ok":
        notes.append(f"the notebook changed {_listing(before)}; {_restored(before)} before "
                     "this test ran" if before.ename == guard.REPORT
                     else "the grader could not check the modules before this test ran "
                          f"({before.ename}: {before.evalue})")
    void = after is not None and after.status != "ok"
    if void:
        notes.append(f"while this test ran, the notebook changed {_listing(after)}; "
                     f"{_restored(after)}, and a result obtained that way scores 0"
                     if after.ename == guard.REPORT
                     else "the grader could not check the modules after this test ran "
                          f"({after.ename}: {after.evalue}), so its result scores 0")
    return "; ".join(notes), void


def _listing(report: Outcome, most: int = 5) -> str:
    """The changed names a guard cell reported: 'np.isclose', 'a, b and c', 'a, …, e and 3
    more'."""
    names = report.evalue.split(guard.SEPARATOR)
    if len(names) > most:
        names = [*names[:most - 1], f"{len(names) - most + 1} more"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _restored(report: Outcome) -> str:
    return "it was restored" if len(report.evalue.split(guard.SEPARATOR)) == 1 else (
        "they were restored")


def _solution_hint(test: Test, position: int | None, solution: Outcome | None) -> str:
    """What went wrong in the exercise's own solution cell, if anything did."""
    if position is None:
        return (f" (the solution cell of {test.exercise or 'this exercise'}, grade_id "
                f"{test.solution_id}, is missing from the notebook)" if test.solution_id else "")
    if solution is None or solution.status == "ok":
        return ""
    return f" (your solution cell itself failed: {solution.ename}: {solution.evalue})"


def _failed_submission(path: str, tests: Sequence[Test], error: str) -> SubmissionResult:
    exercises = [ExerciseResult(test.grade_id, test.exercise, 0.0, test.points, "not graded",
                                f"not graded: {error}") for test in tests]
    return SubmissionResult(path, exercises, error=error)


async def grade_submission(path: str | Path, tests: Sequence[Test], *, cwd: str | Path,
                           timeout: float = 30, kernel_name: str = "python3",
                           aliases: Mapping[str, str] | None = None) -> SubmissionResult:
    """Grade one submitted notebook in a fresh kernel (see the module docstring).

    ``aliases`` are the names the source binds to guarded modules (:func:`module_aliases`),
    which the guard puts back if the notebook rebinds them. Never raises for a bad
    submission: one that cannot be read or run gets a result with 0 points and the reason
    in ``error``.
    """
    start = time.perf_counter()
    try:
        submission = read_notebook(path)
    except (OSError, ValueError) as error:
        reason = str(error) if isinstance(error, ValueError) else f"cannot read {path}: {error}"
        result = _failed_submission(str(path), tests, reason)
    else:
        try:
            nb, tested, guards = with_guards(*assemble(submission, tests), aliases or {})
            outcomes = await execute(nb, cwd=cwd, timeout=timeout, kernel_name=kernel_name)
        except Exception as error:  # the kernel could not start, or the client broke
            reason = f"the grader could not run it: {type(error).__name__}: {error}"
            result = _failed_submission(str(path), tests, reason)
        else:
            result = SubmissionResult(str(path), score(tests, nb, tested, outcomes, guards))
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
    bad arguments, TypeError if ``submissions`` is one path instead of a list of them.
    """
    _check_arguments(timeout, jobs)
    if isinstance(submissions, (str, Path)):
        raise TypeError(f"submissions must be a list of paths, not one path: write "
                        f"[{str(submissions)!r}]")
    nb = _read_source(source)
    tests = _tests_of(nb, str(source))
    aliases = module_aliases(nb)
    kernel_name = (nb.metadata.get("kernelspec") or {}).get("name", "python3")
    cwd = Path(source).resolve().parent
    paths = [str(path) for path in submissions]
    finished = 0

    async def one(path: str, slots: asyncio.Semaphore) -> SubmissionResult:
        nonlocal finished
        async with slots:
            result = await grade_submission(path, tests, cwd=cwd, timeout=timeout,
                                            kernel_name=kernel_name, aliases=aliases)
        finished += 1
        if progress is not None:
            progress(finished, len(paths), result)
        return result

    async def grade_all() -> list[SubmissionResult]:
        slots = asyncio.Semaphore(jobs or os.cpu_count() or 1)
        return list(await asyncio.gather(*(one(path, slots) for path in paths)))

    return _run(grade_all)


def _check_arguments(timeout: object, jobs: object) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (
            0 < timeout < math.inf):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a whole number ≥ 1 (or None), got {jobs!r}")


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` to the end in a new event loop, also from inside a running one (as in
    a notebook, whose kernel runs a loop), then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop is running here
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()
