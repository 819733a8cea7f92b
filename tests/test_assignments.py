"""Assignments: student notebooks keep no solution, and the grader scores what students do.

The grading tests build a set of submissions of chapter 1 (right, blank, wrong in typical
ways, hostile, broken), grade them all in one parallel run of the command line with a short
time limit, and check each one's score and feedback.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml
from bookfiles import BOOK, ROOT, TOC
from chapters import chapter_notebooks, ids

import utils
from utils.assignments import grading, guard, notebooks
from utils.assignments.__main__ import main
from utils.assignments.grading import (
    GradingError,
    Outcome,
    _judge,
    assemble,
    grade,
    load_tests,
    module_aliases,
    with_guards,
)
from utils.assignments.notebooks import (
    STUB,
    blank_solutions,
    check_markers,
    collapse,
    collapse_solutions,
    expand,
    is_collapsed,
    is_left_out_for_students,
    is_solution_cell,
    is_test_cell,
    nbgrader,
    solution_cells,
    solution_lines,
    solution_ranges,
    student_version,
)
from utils.assignments.studentbook import (
    EXTENSION,
    LEFT_OUT,
    _run,
    student_config,
    student_toc,
)

CHAPTERS = chapter_notebooks()
CHAPTER_1 = BOOK / "01_frobenius.ipynb"
TIMEOUT = 5  # seconds per cell while grading: the slowest cell of chapter 1 takes < 1 s


def assignments(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m utils.assignments`` with this checkout's utils on the path."""
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
                if is_solution_cell(cell)
                or (i not in inside and not is_left_out_for_students(cell))]
    assert len(student.cells) == len(expected), f"{path.name}: wrong cells removed"
    assert any(map(is_left_out_for_students, source.cells)), (
        f"{path.name}: no cell tagged remove-for-students (the exercises' note on reading "
        "the solutions)")
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


def test_importing_utils_starts_no_jupyter_machinery() -> None:
    code = ("import sys, utils, utils.assignments; "
            "assert not {'nbclient', 'jupyter_client', 'utils.assignments.grading'} "
            "& set(sys.modules), sorted(sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def run_cli(capsys: pytest.CaptureFixture, *args: str | Path) -> tuple[int, str, str]:
    """``python -m utils.assignments`` in this process: (exit status, stdout, stderr)."""
    try:
        status = main([str(arg) for arg in args])
    except SystemExit as exit_:  # argparse rejects bad arguments this way
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_student_command_writes_every_chapter_with_exercises(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status, out, err = run_cli(capsys, "student", "--toc", TOC, "--out", tmp_path)
    assert status == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in CHAPTERS)
    assert out.split() == [str(tmp_path / p.name) for p in CHAPTERS]
    for path in CHAPTERS:
        student = nbformat.read(tmp_path / path.name, as_version=4)
        assert not set(solution_lines(nbformat.read(path, as_version=4))) & lines(student)


def test_student_command_refuses_to_overwrite_or_merge(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status, _, err = run_cli(capsys, "student", CHAPTER_1, "--out", BOOK)
    assert status == 1 and "refusing to overwrite" in err
    twin = tmp_path / "other" / CHAPTER_1.name
    twin.parent.mkdir()
    twin.write_bytes(CHAPTER_1.read_bytes())
    status, _, err = run_cli(capsys, "student", CHAPTER_1, twin, "--out", tmp_path / "out")
    assert status == 1 and "would all be written to" in err and str(twin) in err
    assert not (tmp_path / "out").exists(), "nothing is written when the targets clash"


def test_student_command_stops_on_a_leak(tmp_path: Path, capsys: pytest.CaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebooks, "student_version", lambda nb, **options: nb)
    status, _, err = run_cli(capsys, "student", CHAPTER_1, "--out", tmp_path)
    assert status == 1 and "solution lines survived blanking" in err and "01_frobenius" in err
    assert not (tmp_path / CHAPTER_1.name).exists()


def test_student_command_names_the_notebook_with_bad_directives(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    nb = nbformat.read(CHAPTER_1, as_version=4)
    nb.cells.remove(next(cell for cell in nb.cells if "{solution-end}" in cell.source))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    status, _, err = run_cli(capsys, "student", broken, "--out", tmp_path / "out")
    assert status == 1 and str(broken) in err and "add the missing solution-end" in err


def test_student_versions_leave_out_cells_for_the_full_edition() -> None:
    """A cell tagged remove-for-students is in no student notebook, not even the source of
    an nbgrader assignment; its neighbours stay."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Try each exercise."),
        nbformat.v4.new_markdown_cell("Reading online, open the solution after trying.",
                                      metadata={"tags": ["remove-for-students"]}),
        nbformat.v4.new_code_cell("x = 1")])
    for keep in (False, True):
        assert [cell.source for cell in student_version(nb, keep_solutions=keep).cells] == [
            "Try each exercise.", "x = 1"]


def test_student_toc_leaves_out_the_instructors_guide() -> None:
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    student = student_toc(toc)
    files = [chapter["file"] for part in student["parts"] for chapter in part["chapters"]]
    everything = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    assert set(LEFT_OUT) <= set(everything) and not set(LEFT_OUT) & set(files)
    assert files == [entry for entry in everything if entry not in LEFT_OUT], "order kept"
    emptied = {"root": "a", "parts": [{"caption": "x", "chapters": [{"file": "b/c.md"}]},
                                      {"caption": "y", "chapters": [{"file": "d"}]}]}
    assert student_toc(emptied, ("b/c",)) == {
        "root": "a", "parts": [{"caption": "y", "chapters": [{"file": "d"}]}]}
    with pytest.raises(ValueError, match="does not list book/renamed"):
        student_toc(toc, ("book/renamed",))


def test_student_html_config_adds_the_extension_once() -> None:
    config = student_config({"sphinx": {"extra_extensions": [EXTENSION], "config": None},
                             "html": None})
    assert config["sphinx"]["extra_extensions"] == [EXTENSION]
    assert config["sphinx"]["config"]["html_copy_source"] is False
    assert config["html"] == {"use_edit_page_button": False}
    assert student_config({})["sphinx"]["extra_extensions"] == [EXTENSION]


def test_student_html_build_reports_each_notebook_and_stops_at_its_time_limit() -> None:
    """The build's output is read as it comes: a notebook is reported when myst-nb starts
    running it, and a build that hangs past the time limit is stopped with a clear error."""
    script = ("import time\n"
              "print('/book/01_x.ipynb: Executing notebook using local CWD [mystnb]', "
              "flush=True)\n"
              "time.sleep(60)\n")
    started: list[Path] = []
    with pytest.raises(RuntimeError, match="longer than 1 s"):
        _run([sys.executable, "-c", script], dict(os.environ), 1, started.append)
    assert started == [Path("/book/01_x.ipynb")]
    status, log = _run([sys.executable, "-c", "print('built'); raise SystemExit(3)"],
                       dict(os.environ), 30, started.append)
    assert (status, log) == (3, "built\n") and len(started) == 1


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
@pytest.mark.parametrize("keep", [False, True], ids=["blanked", "kept"])
def test_students_get_their_solution_cells_unfolded(path: Path, keep: bool) -> None:
    """The chapters fold their solutions for JupyterLab; a student's stub must be open."""
    source = nbformat.read(path, as_version=4)
    folded = [index for index in solution_cells(source) if is_collapsed(source.cells[index])]
    assert folded, f"{path.name}: no folded solution cell, so the test would prove nothing"
    student = student_version(source, keep_solutions=keep)
    stubs = [cell for cell in student.cells if is_solution_cell(cell)]
    assert stubs, f"{path.name}: no solution cell in the student version"
    assert not any(is_collapsed(cell) or "jupyter" in cell.metadata for cell in stubs)


def test_collapse_and_expand_write_what_jupyterlab_writes() -> None:
    code = nbformat.v4.new_code_cell("x = 1", metadata={"jupyter": {"other": 1}, "tags": ["a"]})
    text = nbformat.v4.new_markdown_cell("text")
    collapse(code)
    collapse(text)
    assert code.metadata == {"collapsed": True, "tags": ["a"], "jupyter": {
        "other": 1, "source_hidden": True, "outputs_hidden": True}}
    assert text.metadata == {"jupyter": {"source_hidden": True}}
    assert is_collapsed(code) and is_collapsed(text)
    expand(code)
    expand(text)
    assert code.metadata == {"tags": ["a"], "jupyter": {"other": 1}} and text.metadata == {}
    assert not is_collapsed(code) and not is_collapsed(text)
    half = nbformat.v4.new_code_cell("x = 1", metadata={"jupyter": {"source_hidden": True}})
    assert not is_collapsed(half), "a code cell with its output open is not collapsed"


def test_collapse_solutions_folds_the_inside_of_each_solution_only() -> None:
    nb = nbformat.read(CHAPTER_1, as_version=4)
    for cell in nb.cells:
        expand(cell)
    folded = collapse_solutions(nb)
    inside = set(solution_cells(nb))
    assert inside and all(first not in inside and last not in inside
                          for first, last in solution_ranges(nb))
    assert [index for index, cell in enumerate(folded.cells) if is_collapsed(cell)] == sorted(
        inside)
    assert not any(is_collapsed(cell) for cell in nb.cells), "the original was changed"


# --- how the grader reads a source and puts a submission together (no kernel) -------------


def graded_cell(key: str, points: object = 1, **meta: object) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": key, "points": points, **meta}})


def solution_cell(key: str | None) -> nbformat.NotebookNode:
    meta: dict = {"tags": ["solution"]}
    if key:
        meta["nbgrader"] = {"solution": True, "grade": False, "grade_id": key}
    return nbformat.v4.new_code_cell(
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", metadata=meta)


def exercise_cell(label: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(f"```{{exercise}} A title\n:label: {label}\n```")


def write(tmp_path: Path, cells: list) -> Path:
    path = tmp_path / "source.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.mark.parametrize(("cells", "message"), [
    ([solution_cell("same"), graded_cell("same")], "cells 0 and 1 share the grade_id 'same'"),
    ([graded_cell("t", points="two")], r"graded cell 0 \(t\) has points 'two'"),
    ([graded_cell("t", points=-1)], "has points -1"),
    ([graded_cell("")], "graded cell 0 has no nbgrader grade_id"),
    ([solution_cell("s")], "no graded test cells"),
], ids=["shared-grade-id", "points-not-a-number", "negative-points", "no-grade-id",
        "no-tests"])
def test_unusable_sources_are_refused_naming_the_cell(tmp_path: Path, cells: list,
                                                      message: str) -> None:
    with pytest.raises(GradingError, match=message):
        load_tests(write(tmp_path, cells))


def test_a_solution_cell_belongs_to_its_own_exercise(tmp_path: Path) -> None:
    """A test whose exercise has no identified solution cell is not tied to another's."""
    tests = load_tests(write(tmp_path, [
        exercise_cell("ex-a-1"), solution_cell("s1"), graded_cell("t1"),
        exercise_cell("ex-a-2"), solution_cell(None), graded_cell("t2")]))
    assert [(test.exercise, test.solution_id) for test in tests] == [
        ("ex-a-1", "s1"), ("ex-a-2", None)]


CH1_TESTS = load_tests(CHAPTER_1)


def claim(key: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(f"# {key}", metadata={"nbgrader": {"grade_id": key}})


def order(cells: list[nbformat.NotebookNode], tests: list = CH1_TESTS) -> list[str]:
    """The cells of the assembled notebook: 'T:<id>' for a restored test, else the source."""
    nb, tested = assemble(nbformat.v4.new_notebook(cells=cells), tests)
    assert all(nb.cells[index].source == test.cell.source for index, test in tested.items())
    return [f"T:{tested[index].grade_id}" if index in tested else cell.source
            for index, cell in enumerate(nb.cells)]


S4, S5, S6 = (f"ex-frobenius-{k}-solution" for k in (4, 5, 6))
T4, T5, T6 = (f"ex-frobenius-{k}-test" for k in (4, 5, 6))
IN_ORDER = ["# setup", f"# {S4}", f"T:{T4}", f"# {S5}", f"T:{T5}", f"# {S6}", f"T:{T6}"]


@pytest.mark.parametrize(("submission", "expected"), [
    ([S4, T4, S5, T5, S6, T6], IN_ORDER),
    ([S4, S5, S6], IN_ORDER),  # deleted tests come back after their solution cells
    ([T4, S4, T4, S5, T5, S6, T6], IN_ORDER),  # a copy above the solution is dropped
    ([T4, S4, S5, T5, T6, S6], IN_ORDER),  # tests above their solution cells move below
    ([S4, S4, T4, S5, T5, S6, T6], ["# setup", f"# {S4}", f"# {S4}", *IN_ORDER[2:]]),
    ([T5, S6, T6, S4, T4, S5],  # exercises in another order keep their own tests
     ["# setup", f"# {S6}", f"T:{T6}", f"# {S4}", f"T:{T4}", f"# {S5}", f"T:{T5}"]),
    ([T4, "# mine"], ["# setup", f"T:{T4}", f"T:{T5}", f"T:{T6}", "# mine"]),  # no solutions
    ([S4, "# mine", T4, "# more", S5, T5, S6, T6],  # extra cells stay where they are
     ["# setup", f"# {S4}", "# mine", f"T:{T4}", "# more", *IN_ORDER[3:]]),
], ids=["as-handed-out", "deleted", "duplicated", "moved", "solution-twice", "reordered",
        "no-solution-cells", "extra-cells"])
def test_assemble_places_each_test_after_its_solution(submission: list[str],
                                                      expected: list[str]) -> None:
    cells = [nbformat.v4.new_code_cell("# setup")] + [
        claim(key) if key in (S4, S5, S6, T4, T5, T6)
        else nbformat.v4.new_code_cell(key) for key in submission]
    assert order(cells) == expected


def test_assemble_keeps_the_order_of_two_tests_of_one_solution() -> None:
    cell = graded_cell("t")
    tests = [grading.Test("t1", 1.0, cell, "ex", "s"), grading.Test("t2", 1.0, cell, "ex", "s")]
    assert order([claim("s"), nbformat.v4.new_code_cell("# after")], tests) == [
        "# s", "T:t1", "T:t2", "# after"]


@pytest.mark.parametrize(("test", "solution", "status"), [
    (Outcome("error", "NameError", "name 'f' is not defined"),
     Outcome("error", "NotImplementedError"), "not answered"),
    (Outcome("error", "NameError", "name 'f' is not defined"), Outcome("ok"), "failed"),
    (Outcome("error", "NameError", "name 'f' is not defined"), None, "failed"),
    (Outcome("error", "NotImplementedError"), Outcome("ok"), "not answered"),
    (Outcome("error", "AssertionError", "got 2"), Outcome("error", "NotImplementedError"),
     "failed"),
    (Outcome("ok"), Outcome("ok"), "passed"),
    (Outcome("timeout", "CellTimeout", "stopped"), None, "timeout"),
    (Outcome("dead", "DeadKernelError", "died"), None, "crashed"),
], ids=["stub-at-top-level", "name-error", "no-solution-cell", "stub", "wrong-answer",
        "passed", "timeout", "dead"])
def test_judge_tells_unanswered_from_wrong(test: Outcome, solution: Outcome | None,
                                           status: str) -> None:
    assert _judge(test, solution)[0] == status


def test_grade_rejects_bad_arguments_before_starting_a_kernel() -> None:
    for options in ({"timeout": math.inf}, {"timeout": 0}, {"jobs": 0}, {"jobs": 1.5}):
        (name,) = options
        with pytest.raises(ValueError, match=f"{name} must be"):
            grade(CHAPTER_1, [], **options)


@pytest.mark.parametrize("one_path", [str(CHAPTER_1), CHAPTER_1])
def test_grade_rejects_one_path_given_as_the_submissions(one_path: str | Path) -> None:
    """A str is iterable: without the check, each of its characters would be a submission."""
    with pytest.raises(TypeError, match="a list of paths, not one path"):
        grade(CHAPTER_1, one_path)


def test_swapped_source_and_submission_are_flagged(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    """A submission that still has the solution markers is most likely the chapter itself."""
    submission = tmp_path / "bob.ipynb"
    nbformat.write(student_version(nbformat.read(CHAPTER_1, as_version=4)), submission)
    status, _, err = run_cli(capsys, "grade", submission, CHAPTER_1, "--timeout", TIMEOUT)
    assert status == 0
    assert f"warning: {CHAPTER_1} still contains the source's solution markers" in err, err
    assert "The source comes first" in err
    status, _, err = run_cli(capsys, "grade", CHAPTER_1, submission, "--timeout", TIMEOUT)
    assert status == 0 and "warning" not in err, err


def test_a_notebook_of_another_chapter_is_flagged(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    other = tmp_path / "alice.ipynb"
    nbformat.write(student_version(nbformat.read(BOOK / "02_frechet.ipynb", as_version=4)),
                   other)
    status, out, err = run_cli(capsys, "grade", CHAPTER_1, other, "--timeout", TIMEOUT)
    assert status == 0 and " 0/7" in out, out
    assert f"warning: {other} has none of the solution cells of {CHAPTER_1}" in err, err
    assert "ex-frobenius-4-solution" in err and "another chapter?" in err


def test_student_command_notes_a_notebook_without_exercises(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    guide = BOOK / "utils_guide.ipynb"
    status, out, err = run_cli(capsys, "student", guide, "--out", tmp_path)
    assert status == 0 and out.split() == [str(tmp_path / guide.name)]
    assert f"note: {guide} has no exercises with solutions" in err, err


def test_guard_cells_come_first_and_around_each_test() -> None:
    source = nbformat.read(CHAPTER_1, as_version=4)
    assert module_aliases(source) == {"np": "numpy", "utils": "utils"}, (
        "the names the chapter binds to guarded modules by import")
    nb, tested = assemble(student_version(source), CH1_TESTS)
    count = len(nb.cells)
    nb, placed, guards = with_guards(nb, tested, {"np": "numpy"})
    grader_cells = [i for i, cell in enumerate(nb.cells) if cell.metadata.get(grading.GUARD_KEY)]
    assert grader_cells[0] == 0 and "install(" in nb.cells[0].source
    assert len(nb.cells) == count + 1 + 2 * len(CH1_TESTS) == count + len(grader_cells)
    assert [test.grade_id for test in placed.values()] == list(MAX)
    for index, (before, after) in guards.items():
        assert (before, after) == (index - 1, index + 1)
        assert nb.cells[index].source == placed[index].cell.source
        token = re.search(r"install\(\W*([0-9a-f]{32})", nb.cells[0].source)[1]
        assert nb.cells[before].source == nb.cells[after].source == f"pass  # {token}"


def _probe_package(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, ...]:
    """Modules ``probe`` (with a submodule and a lazy ``__getattr__``) and ``other``."""
    package, sub, other = (types.ModuleType(name) for name in ("probe", "probe.sub", "other"))
    exec("def scale(x, factor=2):\n    return factor * x\n\n"
         "class Check:\n    def __bool__(self):\n        return False\n\n"
         "def __getattr__(name):\n    if name == 'lazy':\n        return 'computed'\n"
         "    raise AttributeError(name)\n\n_cache = None\n", vars(package))
    package.sub, other.value, other._state = sub, 1, 1
    for module in (package, sub, other):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    return package, sub, other


def test_guard_puts_back_modules_functions_classes_and_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    package, sub, other = _probe_package(monkeypatch)
    namespace = {"pr": package, "mine": 1}
    check = guard.snapshot(("probe", "other"), ("probe",), {"pr": "probe"}, namespace)
    assert check() == [], "nothing changed yet"

    class Sneaky(types.ModuleType):
        pass

    package.scale.__defaults__ = (0,)
    package.Check.__bool__ = lambda self: True
    package.Check.__slotnames__ = []  # what copy.copy of an instance caches: not a change
    package._cache = "private, but the package is guarded whole"
    package.lazy = "hides what __getattr__ gives"
    package.__class__ = Sneaky
    sys.modules["probe.sub"] = types.ModuleType("probe.sub")
    other.value, other._state, other.added = 2, 2, 2
    sub.added = "a module without __getattr__ may gain attributes"
    namespace["pr"], namespace["mine"] = object(), 2
    assert set(check()) == {
        "the code or defaults of pr.scale", "pr.Check.__bool__", "pr._cache", "pr.lazy",
        "the class of pr", "sys.modules['probe.sub']", "other.value", "the name pr"}
    assert package.scale(1) == 2 and not package.Check() and package.lazy == "computed"
    assert type(package) is types.ModuleType and sys.modules["probe.sub"] is sub
    assert package._cache is None and namespace == {"pr": package, "mine": 2}
    assert other.value == 1 and other._state == 2, "private names of other modules are theirs"
    assert sub.added and other.added and package.Check.__slotnames__ == []
    assert check() == [], "all was put back"


PATCHED = [("numpy", "isclose"), ("numpy", "allclose"), ("numpy.testing", "assert_allclose"),
           ("numpy.linalg", "norm"), ("utils", "check_gradient"), ("utils", "relative_error"),
           ("utils.checks", "check_gradient"), ("builtins", "abs"), ("builtins", "all"),
           ("builtins", "isinstance")]


def test_guard_restores_what_tests_rely_on() -> None:
    """The attributes of numpy, utils and builtins that a one-line cheat replaces."""
    import numpy as np
    import numpy.testing  # loaded lazily, and guarded

    namespace = {"np": np, "utils": utils}
    check = guard.snapshot(grading.GUARDED_MODULES, grading.GUARDED_WHOLE,
                           {"np": "numpy", "utils": "utils"}, namespace)
    originals = {(name, key): getattr(sys.modules[name], key)
                 for name, key in [*PATCHED, ("utils", "frobenius")]}
    try:
        for name, key in PATCHED:  # isinstance and all are patched too: check uses neither
            setattr(sys.modules[name], key, lambda *args, **kwargs: True)
        del utils.frobenius
        namespace["np"] = types.SimpleNamespace(isclose=lambda *args, **kwargs: True)
        changed = check()
    finally:
        for (name, key), value in originals.items():
            setattr(sys.modules[name], key, value)
    assert set(changed) == {"np.isclose", "np.allclose", "np.testing.assert_allclose",
                            "np.linalg.norm", "utils.check_gradient", "utils.relative_error",
                            "utils.checks.check_gradient", "builtins.abs", "builtins.all",
                            "builtins.isinstance", "utils.frobenius", "the name np"}
    assert utils.frobenius(np.eye(2), np.eye(2)) == 2 and namespace["np"] is np


# --- grading: one parallel run of the command line over many submissions -------------------


def _cell(nb: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if nbgrader(cell).get("grade_id") == key)


def _index(nb: nbformat.NotebookNode, key: str) -> int:
    return nb.cells.index(_cell(nb, key))


def _answer(nb: nbformat.NotebookNode, key: str, body: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    cell = _cell(nb, key)
    cell.source = cell.source.replace(STUB, body)
    return nb


def _without(nb: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells.remove(_cell(nb, key))
    return nb


def _before_answer(nb: nbformat.NotebookNode, key: str, code: str) -> nbformat.NotebookNode:
    """The solved notebook with ``code`` run first in the solution's body."""
    nb = copy.deepcopy(nb)
    cell = _cell(nb, key)
    cell.source = cell.source.replace("### BEGIN SOLUTION", f"### BEGIN SOLUTION\n    {code}")
    return nb


def _prepend(nb: nbformat.NotebookNode, key: str, code: str) -> nbformat.NotebookNode:
    """The notebook with ``code`` at the top of the cell ``key``, outside its function."""
    nb = copy.deepcopy(nb)
    _cell(nb, key).source = f"{code}\n\n\n{_cell(nb, key).source}"
    return nb


HELPERS = """import numpy.rec as records  # numpy gains the attribute rec, a lazy submodule


def isclose(a, b):
    return abs(a - b) < 1e-9


norm, check_gradient, relative_error = np.linalg.norm, None, None
np.set_printoptions(precision=4)"""
FAKE_NUMPY = """import numpy


class Numpy:
    def __getattr__(self, name):
        return getattr(numpy, name)

    @staticmethod
    def isclose(a, b, **options):
        return numpy.ones(numpy.shape(a), dtype=bool)


np = Numpy()"""


def _patched(blank: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Wrong answers that pass the tests if the modules they use can be patched: exercise
    4 patches at the top of its cell, exercise 5 while the test runs (inside the function),
    exercise 6 replaces ``np`` by a look-alike."""
    patched = _answer(blank, S4, "return 0.5")
    patched = _prepend(patched, S4, "import builtins\n\nnp.isclose = lambda *args, **kwargs: "
                       "True\nbuiltins.abs = lambda x: 0.0")
    patched = _answer(patched, S5, "\n    ".join([
        "np.isclose = np.allclose = lambda *args, **kwargs: True",
        "utils.check_gradient = lambda *args, **kwargs: True",
        "return np.zeros((A.shape[1], C.shape[0]))"]))
    return _prepend(_answer(patched, S6, "return np.zeros(shape)"), S6, FAKE_NUMPY)


def _rearranged(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Test cells as a student may leave them: the test of exercise 4 emptied, with a copy
    above its solution cell; that of exercise 5 moved above its solution cell; that of
    exercise 6 deleted. The grader restores all three after their solution cells."""
    nb = copy.deepcopy(nb)
    _cell(nb, T4).source = "pass"
    twin = copy.deepcopy(_cell(nb, T4))
    twin.id = "copy-of-the-test"  # as Jupyter gives a pasted cell a new id
    nb.cells.insert(_index(nb, S4), twin)
    nb.cells.insert(_index(nb, S5), nb.cells.pop(_index(nb, T5)))
    nb.cells.remove(_cell(nb, T6))
    return nb


def submissions_of_chapter_1() -> dict[str, nbformat.NotebookNode | str]:
    """Submissions by name: each a notebook, or a string for a file that is not one.

    A submission that is wrong in several ways is wrong in a different exercise for each,
    so that each exercise's result shows one way; fewer submissions keep the run short.
    """
    source = nbformat.read(CHAPTER_1, as_version=4)
    blank, solved = student_version(source), student_version(source, keep_solutions=True)
    unanswered = _rearranged(blank)
    _cell(unanswered, S5).source = STUB  # no def at all: the test meets a NameError
    loop_forever = "while True:\n        try:\n            pass\n        except BaseException:\n" \
                   "            pass"
    wrong = _answer(blank, S4, "return float('nan')")
    wrong = _answer(wrong, S5, "return C @ A + np.outer(u, D @ w)")  # transposed
    wrong = _answer(wrong, S6, "return np.zeros(shape[::-1])")
    restarts = _before_answer(solved, S4, loop_forever)  # ignores interrupts
    restarts = _before_answer(restarts, S5, "import os\n    os._exit(1)")
    return {  # the slowest first: the run takes about as long as the slowest two
        "restarts": restarts,
        "endless_loop": _answer(blank, S4, "while True:\n        pass"),
        "source": source,
        "solved_rearranged": _prepend(_rearranged(solved), S4, HELPERS),
        "unanswered": unanswered,
        "wrong": wrong,
        "patched": _patched(blank),
        "raising_and_missing": _prepend(
            _without(_before_answer(solved, S4, "return X @ Y"), S5), S6,
            "np.isclose = lambda *args, **kwargs: True  # right answer, patched anyway"),
        "empty": nbformat.v4.new_notebook(),
        "garbage": "this is not a notebook {",
        "malformed": json.dumps({"cells": [{"source": "x = 1", "metadata": {}}],
                                 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
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


MAX = {test.grade_id: test.points for test in CH1_TESTS}


def test_json_has_one_object_per_submission_in_order(graded: dict) -> None:
    assert [item["submission"] for item in graded["results"].values()] == graded["order"]
    assert list(MAX) == [T4, T5, T6]
    for item in graded["results"].values():
        assert set(item) >= {"submission", "total", "max", "exercises"}
        assert item["max"] == sum(MAX.values())
        assert item["total"] == sum(e["points"] for e in item["exercises"])
        assert [e["id"] for e in item["exercises"]] == list(MAX)
        for entry in item["exercises"]:
            assert set(entry) >= {"id", "exercise", "points", "max", "status", "feedback"}
            assert entry["points"] in (0, entry["max"]), "points are all or nothing per cell"


@pytest.mark.parametrize("name", ["source", "solved_rearranged"])
def test_full_marks(graded: dict, name: str) -> None:
    """Also with helpers named like functions of numpy and utils, and numpy's options set:
    the notebook's own names are not the guard's business."""
    item = graded["results"][name]
    assert scores(item) == MAX, f"{name}: {item['exercises']}"
    assert all(e["feedback"] == "passed" for e in item["exercises"]), item["exercises"]


def test_patched_modules_are_restored_and_wrong_answers_score_zero(graded: dict) -> None:
    item = graded["results"]["patched"]
    assert item["total"] == 0, item["exercises"]
    before, during, replaced = (exercise(item, number)["feedback"] for number in (4, 5, 6))
    assert before.startswith("the notebook changed builtins.abs and np.isclose; they were "
                             "restored before this test ran. AssertionError"), before
    assert "got 0.5" in before, "the test then runs with the real np.isclose"
    assert during.startswith("while this test ran, the notebook changed np.allclose, "
                             "np.isclose and utils.check_gradient; they were restored, and "
                             "a result obtained that way scores 0"), during
    assert exercise(item, 5)["status"] == "failed"
    assert replaced.startswith("the notebook changed the name np; it was restored before "
                               "this test ran. AssertionError"), replaced
    assert "entries are wrong" in replaced


def test_a_patch_with_a_right_answer_costs_nothing_and_is_reported(graded: dict) -> None:
    entry = exercise(graded["results"]["raising_and_missing"], 6)
    assert entry["points"] == MAX[T6] and entry["status"] == "passed", entry
    assert entry["feedback"] == ("passed (the notebook changed np.isclose; it was restored "
                                 "before this test ran)")


def test_unanswered_scores_zero(graded: dict) -> None:
    """Also through emptied, copied, moved and deleted test cells, and with no def left."""
    item = graded["results"]["unanswered"]
    assert item["total"] == 0
    for entry in item["exercises"]:
        assert entry["status"] == "not answered", entry
        assert "not answered" in entry["feedback"]


def test_transpose_mistake_names_the_shapes_and_the_transpose(graded: dict) -> None:
    """The submission returns the transpose of the right answer: the feedback says so, and
    gives no advice meant for other mistakes (`.T` on 1-D arrays)."""
    wrong = exercise(graded["results"]["wrong"], 5)
    assert wrong["points"] == 0 and wrong["status"] == "failed"
    feedback = wrong["feedback"]
    assert "AssertionError" in feedback and "got (4, 3)" in feedback, feedback
    assert "3×4" in feedback, "the feedback should say which shape was expected"
    assert "its transpose is the right answer: did you return the transpose?" in feedback
    assert "1-D" not in feedback, f"advice for another mistake: {feedback}"


def test_nan_fails_with_what_was_expected(graded: dict) -> None:
    entry = exercise(graded["results"]["wrong"], 4)
    assert entry["points"] == 0 and "got nan" in entry["feedback"]


def test_wrong_shape_names_both_shapes(graded: dict) -> None:
    """Zeros of the transposed shape: the shapes are named, and the transpose is not
    suggested, since the transpose of the answer is wrong too."""
    entry = exercise(graded["results"]["wrong"], 6)
    assert entry["points"] == 0
    assert "expected shape (3, 5), got (5, 3)" in entry["feedback"]
    assert "did you return the transpose" not in entry["feedback"], entry["feedback"]
    assert "its transpose is not the right answer either" in entry["feedback"]


def test_endless_loop_is_stopped_and_the_rest_is_graded(graded: dict) -> None:
    for name in ("endless_loop", "restarts"):
        looped = exercise(graded["results"][name], 4)
        assert looped["status"] == "timeout" and looped["points"] == 0, looped
        assert f"ran longer than {TIMEOUT:g} s and was stopped" in looped["feedback"], looped
    assert exercise(graded["results"]["endless_loop"], 5)["status"] == "not answered"


def test_kernel_restarts_cost_only_their_own_exercises(graded: dict) -> None:
    """Exercise 4 ignores interrupts and exercise 5 kills its kernel: two restarts, each
    replaying the cells before, and exercise 6 still scores."""
    item = graded["results"]["restarts"]
    assert exercise(item, 5)["status"] == "crashed" and exercise(item, 5)["points"] == 0
    assert exercise(item, 6)["points"] == MAX[T6], item["exercises"]
    assert exercise(item, 6)["feedback"] == "passed", "a replay leaves no restore note"


def test_exception_is_reported_with_its_message(graded: dict) -> None:
    entry = exercise(graded["results"]["raising_and_missing"], 4)
    assert entry["points"] == 0 and entry["feedback"].startswith("ValueError: matmul")


def test_missing_function_is_explained(graded: dict) -> None:
    item = graded["results"]["raising_and_missing"]
    entry = exercise(item, 5)
    assert entry["points"] == 0 and "NameError" in entry["feedback"]
    assert S5 in entry["feedback"] and "missing" in entry["feedback"]
    assert exercise(item, 6)["points"] == MAX[T6]


def test_empty_notebook_scores_zero(graded: dict) -> None:
    item = graded["results"]["empty"]
    assert item["total"] == 0 and all("NameError" in e["feedback"] for e in item["exercises"])


@pytest.mark.parametrize(("name", "reason"), [
    ("garbage", "not a readable Jupyter notebook"),
    ("malformed", "not a well-formed Jupyter notebook: cell 0 has cell_type None"),
])
def test_unreadable_files_are_reported_and_the_others_graded(graded: dict, name: str,
                                                             reason: str) -> None:
    item = graded["results"][name]
    assert item["total"] == 0 and reason in item["error"] and name in item["error"]
    assert all(e["status"] == "not graded" for e in item["exercises"])
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


# --- the command line's other answers (in this process: no kernel starts) ------------------


def test_default_output_is_a_readable_table(tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("{", encoding="utf-8")
    status, out, err = run_cli(capsys, "grade", CHAPTER_1, garbage)
    assert status == 0, err
    assert out.splitlines()[0].split() == ["submission", *MAX, "total"]
    assert f"{garbage}  0/2" in out and "not a readable Jupyter notebook" in out


@pytest.mark.parametrize("args, message", [
    (["grade", "no/such/chapter.ipynb", "x.ipynb"], "cannot read the source notebook"),
    (["grade", "book/utils_guide.ipynb", "x.ipynb"], "no graded test cells"),
    (["grade", "README.md", "x.ipynb"], "cannot read the source notebook"),
])
def test_grader_that_cannot_run_exits_non_zero(capsys: pytest.CaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch,
                                               args: list[str], message: str) -> None:
    monkeypatch.chdir(ROOT)
    status, _, err = run_cli(capsys, *args)
    assert status == 1 and message in err, err


@pytest.mark.parametrize("args, message", [
    ([], "the following arguments are required: submissions"),
    (["x.ipynb", "--timeout", "-1"], "must be a positive, finite number"),
    (["x.ipynb", "--timeout", "inf"], "must be a positive, finite number"),
    (["x.ipynb", "--jobs", "0"], "argument --jobs: must be at least 1, got 0"),
    (["x.ipynb", "--jobs", "two"], "argument --jobs: not a whole number: 'two'"),
    (["x.ipynb", "--csv", "no/such/folder/grades.csv"], "does not exist"),
])
def test_bad_arguments_exit_with_2(capsys: pytest.CaptureFixture, args: list[str],
                                   message: str) -> None:
    status, _, err = run_cli(capsys, "grade", CHAPTER_1, *args)
    assert status == 2 and message in err, err


def test_python_api_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    """As when an instructor calls it from a notebook, whose kernel runs an event loop."""
    import asyncio

    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("[]", encoding="utf-8")

    async def from_a_notebook() -> list:
        return grade(CHAPTER_1, [garbage])

    (result,) = asyncio.run(from_a_notebook())
    assert result.total == 0 and result.max == sum(MAX.values()) and result.error
