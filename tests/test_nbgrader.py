"""The chapters work as nbgrader assignments: generate, then autograde, in a scratch course.

nbgrader is not among the book's requirements; it comes from requirements-instructor.txt.
Where it is missing the test is skipped with the reason, except under REQUIRE_NBGRADER=1
(continuous integration), where a missing nbgrader is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bookfiles import BOOK, ROOT

CHAPTER = BOOK / "01_frobenius.ipynb"
ASSIGNMENT = "chapter1"


def nbgrader_or_skip() -> None:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        reason = ("nbgrader is not installed (pip install -r requirements-instructor.txt "
                  "to run this test)")
        if os.environ.get("REQUIRE_NBGRADER"):
            pytest.fail(reason)
        pytest.skip(reason)


def nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command; the environment's scripts (nbgrader calls ``alembic``) and
    the book's utils are found even when the environment is not activated."""
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                            env=env, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log[-4000:]}"
    return log


def test_generate_and_autograde_chapter_1(tmp_path: Path) -> None:
    nbgrader_or_skip()
    from nbgrader.api import Gradebook

    start = time.perf_counter()
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = 'matrix-calculus'\n",
        encoding="utf-8")
    source = course / "source" / ASSIGNMENT
    made = subprocess.run([sys.executable, "-m", "utils.assignments", "student", str(CHAPTER),
                           "--keep-solutions", "--out", str(source)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT / CHAPTER.name
    assert "NotImplementedError" in released.read_text(encoding="utf-8")

    submissions = {"solver": CHAPTER, "blank": released}  # the chapter exactly as in the book
    for student, notebook in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / CHAPTER.name)
    nbgrader(course, "autograde", ASSIGNMENT)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        full = assignment.max_score
        scores = {student: gradebook.find_submission(ASSIGNMENT, student).score
                  for student in submissions}
    print(f"nbgrader generate + autograde of 2 submissions: {time.perf_counter() - start:.1f} s")
    assert full > 0, "nbgrader found no graded cells"
    assert scores == {"solver": full, "blank": 0}, f"scores {scores}, full marks {full}"
