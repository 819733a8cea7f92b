"""The chapters work as nbgrader assignments: the whole cycle of the instructors' guide
(generate, release, fetch, submit, collect, autograde, feedback, export) in a scratch
course with a scratch exchange.

nbgrader is not among the book's requirements; it comes from requirements-instructor.txt.
Where it is missing the test is skipped with the reason, except under REQUIRE_NBGRADER=1
(continuous integration), where a missing nbgrader is a failure.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bookfiles import BOOK, ROOT

CHAPTER = BOOK / "01_frobenius.ipynb"
ASSIGNMENT = "chapter1"
COURSE = "matrix-calculus"


def nbgrader_or_skip() -> None:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        reason = ("nbgrader is not installed (pip install -r requirements-instructor.txt "
                  "to run this test)")
        if os.environ.get("REQUIRE_NBGRADER"):
            pytest.fail(reason)
        pytest.skip(reason)


def nbgrader(folder: Path, *args: str) -> str:
    """Run an nbgrader command in ``folder``; the environment's scripts (nbgrader calls
    ``alembic``) and the book's utils are found even when the environment is not
    activated."""
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder,
                            env=env, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log[-4000:]}"
    RAN.add(args[0])
    return log


RAN: set[str] = set()  # the nbgrader commands this module has run
GUIDE_COMMAND = re.compile(r"(?:^\$ |`|students: )nbgrader ([a-z_]+)", re.MULTILINE)


def guide_commands() -> set[str]:
    """The nbgrader commands that the instructors' guide tells readers to run."""
    guide = (BOOK / "instructors.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Using nbgrader instead"):]
    return set(GUIDE_COMMAND.findall(section))


def test_the_cycle_of_the_guide_on_chapter_1(tmp_path: Path) -> None:
    """generate, release, fetch, submit, collect, autograde, feedback and export, as the
    guide shows them, with two students simulated by one user (--student)."""
    nbgrader_or_skip()
    from nbgrader.api import Gradebook

    start = time.perf_counter()
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    (course / "source").mkdir(parents=True)
    exchange.mkdir()
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE!r}\nc.Exchange.root = {str(exchange)!r}\n",
        encoding="utf-8")
    source = course / "source" / ASSIGNMENT
    made = subprocess.run([sys.executable, "-m", "utils.assignments", "student", str(CHAPTER),
                           "--keep-solutions", "--out", str(source)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT / CHAPTER.name
    assert "NotImplementedError" in released.read_text(encoding="utf-8")
    nbgrader(course, "release_assignment", ASSIGNMENT)
    assert (exchange / COURSE / "outbound" / ASSIGNMENT / CHAPTER.name).exists()

    on_exchange = ("--course", COURSE, f"--Exchange.root={exchange}")
    answers = {"solver": CHAPTER, "blank": None}  # the chapter as in the book; no change
    for student, answer in answers.items():
        home = tmp_path / student
        home.mkdir()
        nbgrader(home, "fetch_assignment", ASSIGNMENT, *on_exchange)
        fetched = home / ASSIGNMENT / CHAPTER.name
        assert "NotImplementedError" in fetched.read_text(encoding="utf-8")
        if answer is not None:
            shutil.copy(answer, fetched)
        nbgrader(home, "submit", ASSIGNMENT, *on_exchange, "--student", student)

    nbgrader(course, "collect", ASSIGNMENT)
    for student in answers:
        assert (course / "submitted" / student / ASSIGNMENT / CHAPTER.name).exists()
    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    for student in answers:
        assert (course / "feedback" / student / ASSIGNMENT / "01_frobenius.html").exists()
    nbgrader(course, "release_feedback", ASSIGNMENT)
    nbgrader(tmp_path / "blank", "fetch_feedback", ASSIGNMENT, *on_exchange,
             "--student", "blank")
    assert list((tmp_path / "blank" / ASSIGNMENT / "feedback").rglob("01_frobenius.html"))
    nbgrader(course, "db", "student", "add", "solver", "--last-name=Solver",
             "--first-name=Sam", "--email=sam@example.org")
    nbgrader(course, "export")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        full = gradebook.find_assignment(ASSIGNMENT).max_score
        scores = {student: gradebook.find_submission(ASSIGNMENT, student).score
                  for student in answers}
    print(f"the nbgrader cycle with 2 submissions: {time.perf_counter() - start:.1f} s")
    assert full > 0, "nbgrader found no graded cells"
    assert scores == {"solver": full, "blank": 0}, f"scores {scores}, full marks {full}"
    with (course / "grades.csv").open(encoding="utf-8") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert {student: float(row["score"]) for student, row in rows.items()} == scores
    assert rows["solver"]["last_name"] == "Solver" and float(rows["solver"]["max_score"]) == full


def test_the_guide_names_only_commands_the_cycle_runs() -> None:
    """Every nbgrader command of the guide's nbgrader section has run above (this test
    comes second, so it sees what the first one ran)."""
    nbgrader_or_skip()
    named = guide_commands()
    assert {"generate_assignment", "autograde", "export"} <= named, named
    if not RAN:
        pytest.skip("the cycle did not run in this process (run the module as a whole)")
    assert named <= RAN, f"the guide names nbgrader commands no test runs: {named - RAN}"
