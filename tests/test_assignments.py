"""Assignments: student notebooks keep no solution, and the grader scores what students do.

The grading tests build a set of submissions of chapter 1 (right, blank, wrong in typical
ways, hostile, broken), grade them all in one parallel run of the command line with a short
time limit, and check each one's score and feedback.
"""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bookfiles import BOOK, ROOT, TOC
from chapters import chapter_notebooks, ids
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from utils.assignments.notebooks import (
    STUB,
    blank_solutions,
    check_markers,
    is_solution_cell,
    is_test_cell,
    nbgrader,
    solution_lines,
    solution_ranges,
    student_version,
)

CHAPTERS = chapter_notebooks()
CHAPTER_1 = BOOK / "01_frobenius.ipynb"
TIMEOUT = 5  # seconds per cell while grading: the slowest cell of chapter 1 takes < 1 s


def assignments(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m utils.assignments`` with the worktree's utils on the path."""
    return subprocess.run([sys.executable, "-m", "utils.assignments", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def lines(nb: nbformat.NotebookNode) -> set[str]:
    return {line.strip() for cell in nb.cells for line in cell.source.splitlines()}


# --- student versions -------------------------------------------------------------------


def test_blanking_keeps_signature_docstring_and_indentation() -> None:
    source = ("class A:\n    def f(self, x):\n        \"\"\"Doc.\"\"\"\n"
              "        ### BEGIN SOLUTION\n        return x\n        ### END SOLUTION\n")
    assert blank_solutions(source) == (
        f"class A:\n    def f(self, x):\n        \"\"\"Doc.\"\"\"\n        {STUB}\n")


def test_blanking_accepts_windows_line_breaks_and_trailing_spaces() -> None:
    crlf = "def f(x):\r\n    ### BEGIN SOLUTION\r\n    return x\r\n    ### END SOLUTION\r\n"
    assert blank_solutions(crlf) == f"def f(x):\r\n    {STUB}\r\n"
    check_markers(crlf, "cell 0")
    spaces = "def f(x):\n    ### BEGIN SOLUTION  \n    return x\n    ### END SOLUTION \t\n"
    assert blank_solutions(spaces) == f"def f(x):\n    {STUB}\n"
    check_markers(spaces, "cell 0")


def test_blanking_several_regions_with_nested_functions() -> None:
    source = ("def f(x):\n    ### BEGIN SOLUTION\n    def g(y):\n        return y\n"
              "    return g(x)\n    ### END SOLUTION\n\n\ndef h(x):\n"
              "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n")
    check_markers(source, "cell 0")
    student = blank_solutions(source)
    assert student == f"def f(x):\n    {STUB}\n\n\ndef h(x):\n    {STUB}\n"
    namespace: dict = {}
    exec(student, namespace)  # both functions exist and raise the stub
    for name in ("f", "h"):
        with pytest.raises(NotImplementedError):
            namespace[name](1)


@pytest.mark.parametrize(("source", "message"), [
    ('def f(x):\n    """Doc."""\n### BEGIN SOLUTION\n    return x\n### END SOLUTION\n',
     "cell 7, line 3: .* has no indentation, the code under it 4 spaces"),
    ('def f(x):\n    """Doc."""\n        ### BEGIN SOLUTION\n    return x\n'
     "    ### END SOLUTION\n", "line 3: .* has 8 spaces, the code under it 4 spaces"),
    ("def f(x):\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return x\n"
     "    ### END SOLUTION\n    ### END SOLUTION\n", "line 3: .* regions cannot nest"),
    ("def f(x):\n    ### BEGIN SOLUTION\n    return x\n", "line 2: .* never closed"),
    ("def f(x):\n    return x\n    ### END SOLUTION\n", "line 3: .* without"),
    ('def f(x):\n    ### BEGIN SOLUTION\n    s = "# END SOLUTION"\n    return x\n'
     "    ### END SOLUTION\n", "line 3: .* marker words but is not a marker line"),
    ("def f(x):\n    return x\n", "needs a '### BEGIN SOLUTION' line"),
], ids=["marker-left-of-code", "marker-right-of-code", "nested", "unclosed", "stray-end",
        "marker-words-in-code", "no-markers"])
def test_unusable_markers_are_refused_naming_cell_and_line(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_markers(source, "cell 7")


def test_a_markdown_solution_cell_is_solution_text() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "The gradient is B transposed, by the trace trick.", metadata={"tags": ["solution"]})])
    assert solution_lines(nb) == ["The gradient is B transposed, by the trace trick."]
    assert student_version(nb).cells[0].source == "YOUR ANSWER HERE"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_student_version_keeps_no_solution_text(path: Path) -> None:
    source = nbformat.read(path, as_version=4)
    student = student_version(source)
    secret = solution_lines(source)
    assert secret, f"{path.name}: no solution text found, so the test would prove nothing"
    survived = [line for line in secret if line in lines(student)]
    assert not survived, f"{path.name}: solution lines in the student version: {survived[:5]}"
    markers = [cell for cell in student.cells if "### BEGIN SOLUTION" in cell.source
               and cell.cell_type == "code"]
    assert not markers, f"{path.name}: a solution region survived"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_student_version_keeps_everything_else(path: Path) -> None:
    source = nbformat.read(path, as_version=4)
    student = student_version(source)
    inside = {i for first, last in solution_ranges(source) for i in range(first, last + 1)}
    expected = [cell for i, cell in enumerate(source.cells)
                if i not in inside or is_solution_cell(cell)]
    assert len(student.cells) == len(expected), f"{path.name}: wrong cells removed"
    for kept, original in zip(student.cells, expected, strict=True):
        if is_solution_cell(original):
            assert kept.source == blank_solutions(original.source) and STUB in kept.source
            assert nbgrader(kept) == nbgrader(original), "solution metadata must stay"
        else:
            assert kept.source == original.source and kept.metadata == original.metadata
        if kept.cell_type == "code":
            assert kept.outputs == [] and kept.execution_count is None
    tests = [cell.source for cell in student.cells if is_test_cell(cell)]
    assert tests == [cell.source for cell in source.cells if is_test_cell(cell)]
    for marker in ("{solution-start}", "{solution-end}"):
        assert not any(marker in cell.source for cell in student.cells)


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_student_notebook_runs_until_the_first_exercise(path: Path) -> None:
    """Fresh kernel: everything runs until the first test cell, which is not answered."""
    student = student_version(nbformat.read(path, as_version=4))
    first_test = next(i for i, cell in enumerate(student.cells) if is_test_cell(cell))
    client = NotebookClient(student, timeout=120, resources={"metadata": {"path": str(BOOK)}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    assert failure.value.ename == "NotImplementedError", (
        f"{path.name}: the student version fails with {failure.value.ename}")
    ran = [i for i, cell in enumerate(student.cells)
           if cell.cell_type == "code" and cell.execution_count is not None]
    assert ran and ran[-1] == first_test, (
        f"{path.name}: it stopped at cell {ran[-1] if ran else None}, not at the first "
        f"test cell {first_test}")


def test_unbalanced_markers_are_refused(tmp_path: Path) -> None:
    nb = nbformat.read(CHAPTER_1, as_version=4)
    cell = next(cell for cell in nb.cells if is_solution_cell(cell))
    cell.source = cell.source.replace("### END SOLUTION", "")
    with pytest.raises(ValueError, match="END SOLUTION"):
        student_version(nb)
    nb = nbformat.read(CHAPTER_1, as_version=4)
    end = next(cell for cell in nb.cells if "{solution-end}" in cell.source)
    nb.cells.remove(end)
    with pytest.raises(ValueError, match="solution"):
        student_version(nb)


def test_student_command_writes_every_chapter_with_exercises(tmp_path: Path) -> None:
    result = assignments("student", "--toc", TOC, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in CHAPTERS)
    for path in CHAPTERS:
        student = nbformat.read(tmp_path / path.name, as_version=4)
        assert not set(solution_lines(nbformat.read(path, as_version=4))) & lines(student)


def test_student_command_refuses_to_overwrite_its_source() -> None:
    result = assignments("student", CHAPTER_1, "--out", BOOK)
    assert result.returncode == 1 and "refusing to overwrite" in result.stderr


def test_importing_utils_starts_no_jupyter_machinery() -> None:
    code = ("import sys, utils, utils.assignments; "
            "assert not {'nbclient', 'jupyter_client', 'utils.assignments.grading'} "
            "& set(sys.modules), sorted(sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


# --- grading ----------------------------------------------------------------------------


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if nbgrader(cell).get("grade_id") == grade_id)


def _answer(nb: nbformat.NotebookNode, grade_id: str, body: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    cell = _cell(nb, grade_id)
    cell.source = cell.source.replace(STUB, body)
    return nb


def _without(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells.remove(_cell(nb, grade_id))
    return nb


def _replaced(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    _cell(nb, grade_id).source = source
    return nb


def _before_answer(nb: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
    """The solved notebook with ``code`` run first in the solution's body."""
    nb = copy.deepcopy(nb)
    cell = _cell(nb, grade_id)
    cell.source = cell.source.replace("### BEGIN SOLUTION", f"### BEGIN SOLUTION\n    {code}")
    return nb


def submissions_of_chapter_1() -> dict[str, nbformat.NotebookNode | str]:
    """Submissions by name: each a notebook, or a string for a file that is not one."""
    source = nbformat.read(CHAPTER_1, as_version=4)
    blank, solved = student_version(source), student_version(source, keep_solutions=True)
    loop_forever = "while True:\n        try:\n            pass\n        except BaseException:\n" \
                   "            pass"
    return {
        "source": source,
        "solved": solved,
        "blank": blank,
        "transposed": _answer(blank, "ex-frobenius-5-solution",
                              "return C @ A + np.outer(u, D @ w)"),
        "endless_loop": _answer(blank, "ex-frobenius-4-solution", "while True:\n        pass"),
        "stubborn_loop": _before_answer(solved, "ex-frobenius-4-solution", loop_forever),
        "kernel_exit": _before_answer(solved, "ex-frobenius-5-solution",
                                      "import os\n    os._exit(1)"),
        "raising": _answer(blank, "ex-frobenius-4-solution", "return X @ Y"),
        "nan": _answer(blank, "ex-frobenius-4-solution", "return float('nan')"),
        "wrong_shape": _answer(blank, "ex-frobenius-6-solution",
                               "return np.zeros(shape[::-1])"),
        "missing_function": _without(solved, "ex-frobenius-5-solution"),
        "tampered_test": _replaced(blank, "ex-frobenius-4-test", "pass"),
        "tampered_test_solved": _replaced(solved, "ex-frobenius-4-test", "pass"),
        "deleted_test": _without(blank, "ex-frobenius-6-test"),
        "deleted_test_solved": _without(solved, "ex-frobenius-6-test"),
        "empty": nbformat.v4.new_notebook(),
        "garbage": "this is not a notebook {",
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Grade every submission in one run; results by name, plus the CSV and stderr."""
    folder = tmp_path_factory.mktemp("submissions")
    paths = []
    for name, content in submissions_of_chapter_1().items():
        path = folder / f"{name}.ipynb"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            nbformat.write(content, path)
        paths.append(path)
    table = folder / "grades.csv"
    result = assignments("grade", CHAPTER_1, *paths, "--json", "--csv", table,
                         "--timeout", TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    return {"results": {Path(item["submission"]).stem: item for item in data},
            "csv": table.read_text(encoding="utf-8"), "stderr": result.stderr,
            "order": [str(path) for path in paths]}


def scores(item: dict) -> dict[str, float]:
    return {exercise["id"]: exercise["points"] for exercise in item["exercises"]}


def exercise(item: dict, number: int) -> dict:
    return next(e for e in item["exercises"] if e["id"] == f"ex-frobenius-{number}-test")


MAX = {f"ex-frobenius-{k}-test": nbgrader(cell)["points"]
       for k in (4, 5, 6) for cell in nbformat.read(CHAPTER_1, as_version=4).cells
       if nbgrader(cell).get("grade_id") == f"ex-frobenius-{k}-test"}


def test_json_has_one_object_per_submission_in_order(graded: dict) -> None:
    assert [item["submission"] for item in graded["results"].values()] == graded["order"]
    for item in graded["results"].values():
        assert set(item) >= {"submission", "total", "max", "exercises"}
        assert item["max"] == sum(MAX.values())
        assert item["total"] == sum(e["points"] for e in item["exercises"])
        for entry in item["exercises"]:
            assert set(entry) >= {"id", "points", "max", "feedback"}
            assert entry["points"] in (0, entry["max"]), "points are all or nothing per cell"


@pytest.mark.parametrize("name", ["source", "solved", "tampered_test_solved",
                                  "deleted_test_solved"])
def test_full_marks(graded: dict, name: str) -> None:
    item = graded["results"][name]
    assert scores(item) == MAX, f"{name}: {item['exercises']}"


@pytest.mark.parametrize("name", ["blank", "tampered_test", "deleted_test"])
def test_unanswered_scores_zero(graded: dict, name: str) -> None:
    item = graded["results"][name]
    assert item["total"] == 0
    for entry in item["exercises"]:
        assert entry["status"] == "not answered" and "not answered" in entry["feedback"]


def test_transpose_mistake_names_the_shapes(graded: dict) -> None:
    wrong = exercise(graded["results"]["transposed"], 5)
    assert wrong["points"] == 0 and wrong["status"] == "failed"
    assert "AssertionError" in wrong["feedback"] and "(4, 3)" in wrong["feedback"]
    assert "3×4" in wrong["feedback"], "the feedback should say which shape was expected"


def test_endless_loop_is_stopped_and_the_rest_is_graded(graded: dict) -> None:
    for name in ("endless_loop", "stubborn_loop"):
        item = graded["results"][name]
        looped = exercise(item, 4)
        assert looped["status"] == "timeout" and looped["points"] == 0, looped
        assert "time limit" in looped["feedback"]
    assert exercise(graded["results"]["endless_loop"], 5)["status"] == "not answered"
    stubborn = graded["results"]["stubborn_loop"]  # ignores interrupts: kernel restarted
    assert exercise(stubborn, 5)["points"] == MAX["ex-frobenius-5-test"]
    assert exercise(stubborn, 6)["points"] == MAX["ex-frobenius-6-test"]


def test_a_dying_kernel_costs_one_exercise(graded: dict) -> None:
    item = graded["results"]["kernel_exit"]
    assert exercise(item, 5)["status"] == "crashed" and exercise(item, 5)["points"] == 0
    assert exercise(item, 4)["points"] == MAX["ex-frobenius-4-test"]
    assert exercise(item, 6)["points"] == MAX["ex-frobenius-6-test"]


def test_exception_is_reported_with_its_message(graded: dict) -> None:
    entry = exercise(graded["results"]["raising"], 4)
    assert entry["points"] == 0 and entry["feedback"].startswith("ValueError: matmul")


def test_nan_fails_with_what_was_expected(graded: dict) -> None:
    entry = exercise(graded["results"]["nan"], 4)
    assert entry["points"] == 0 and "got nan" in entry["feedback"]


def test_wrong_shape_names_both_shapes(graded: dict) -> None:
    entry = exercise(graded["results"]["wrong_shape"], 6)
    assert entry["points"] == 0
    assert "expected shape (3, 5), got (5, 3)" in entry["feedback"]


def test_missing_function_is_explained(graded: dict) -> None:
    item = graded["results"]["missing_function"]
    entry = exercise(item, 5)
    assert entry["points"] == 0 and "NameError" in entry["feedback"]
    assert "ex-frobenius-5-solution" in entry["feedback"] and "missing" in entry["feedback"]
    assert exercise(item, 4)["points"] == MAX["ex-frobenius-4-test"]


def test_empty_notebook_scores_zero(graded: dict) -> None:
    item = graded["results"]["empty"]
    assert item["total"] == 0 and all("NameError" in e["feedback"] for e in item["exercises"])


def test_garbage_file_is_reported_and_the_others_graded(graded: dict) -> None:
    item = graded["results"]["garbage"]
    assert item["total"] == 0 and "not a readable Jupyter notebook" in item["error"]
    assert graded["results"]["source"]["total"] == sum(MAX.values())


def test_csv_has_a_row_per_submission_and_a_column_per_exercise(graded: dict) -> None:
    rows = list(csv.reader(graded["csv"].splitlines()))
    assert rows[0] == ["submission", *MAX, "total"]
    assert [row[0] for row in rows[1:]] == graded["order"]
    for row in rows[1:]:
        item = graded["results"][Path(row[0]).stem]
        assert [float(x) for x in row[1:]] == [*scores(item).values(), item["total"]]


def test_progress_goes_to_stderr(graded: dict) -> None:
    total = len(graded["order"])
    assert f"[{total}/{total}]" in graded["stderr"], graded["stderr"][-1000:]


def test_default_output_is_a_readable_table(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("{", encoding="utf-8")
    result = assignments("grade", CHAPTER_1, garbage)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["submission", *MAX, "total"]
    assert "not a readable Jupyter notebook" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["grade", "no/such/chapter.ipynb", "x.ipynb"], "cannot read the source notebook"),
    (["grade", "book/utils_guide.ipynb", "x.ipynb"], "no graded test cells"),
    (["grade", "README.md", "x.ipynb"], "cannot read the source notebook"),
])
def test_grader_that_cannot_run_exits_non_zero(args: list[str], message: str) -> None:
    result = assignments(*args)
    assert result.returncode == 1 and message in result.stderr, result.stderr


@pytest.mark.parametrize("args", [["grade", str(CHAPTER_1)],
                                  ["grade", str(CHAPTER_1), "x.ipynb", "--timeout", "-1"],
                                  ["grade", str(CHAPTER_1), "x.ipynb", "--jobs", "0"]])
def test_bad_arguments_exit_with_2(args: list[str]) -> None:
    result = assignments(*args)
    assert result.returncode == 2 and result.stderr


def test_python_api_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    """As when an instructor calls it from a notebook, whose kernel runs an event loop."""
    import asyncio

    from utils.assignments.grading import grade

    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("[]", encoding="utf-8")

    async def from_a_notebook() -> list:
        return grade(CHAPTER_1, [garbage])

    (result,) = asyncio.run(from_a_notebook())
    assert result.total == 0 and result.max == sum(MAX.values()) and result.error
