"""Command line: ``python -m utils.assignments {student,grade,student-html} …``.

Exit status: 0 when the command ran to the end (a submission that fails or cannot be
read is a result, not an error), 1 when it could not run (unreadable source, a source
without graded cells, a failed book build), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

PROGRESS_FROM = 4  # show progress on stderr from this many submissions on


def _positive(text: str) -> float:
    """A --timeout value: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number, got {text}")
    return value


def _at_least_one(text: str) -> int:
    """A --jobs value: a whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line: the subcommands student, grade and student-html."""
    main = argparse.ArgumentParser(prog="python -m utils.assignments", description=(
        "Make student notebooks from the book's chapters, grade submissions, build the "
        "book without solutions."))
    commands = main.add_subparsers(dest="command", required=True)

    student = commands.add_parser("student", help="write student versions of notebooks")
    student.add_argument("sources", nargs="*", type=Path, help="source notebooks")
    student.add_argument("--toc", type=Path,
                         help="also every notebook with exercises listed in this _toc.yml")
    student.add_argument("--out", type=Path, required=True, help="folder to write them to")
    student.add_argument("--keep-solutions", action="store_true", help=(
        "remove prose solutions and outputs but keep the marked answers, as the source "
        "of an nbgrader assignment"))

    grade = commands.add_parser("grade", help="grade submitted notebooks")
    grade.add_argument("source", type=Path, help="the chapter notebook with its solutions")
    grade.add_argument("submissions", nargs="+", type=Path, help="submitted notebooks")
    grade.add_argument("--json", action="store_true", help="print JSON instead of a table")
    grade.add_argument("--csv", type=Path, metavar="FILE", help="also write a CSV file")
    grade.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                       help="time limit for each cell (default 30)")
    grade.add_argument("--jobs", type=_at_least_one, default=None,
                       help="submissions graded at once (default: the number of cores)")
    grade.add_argument("--quiet", action="store_true", help="no progress on stderr")

    html = commands.add_parser("student-html", help="build the HTML book without solutions")
    html.add_argument("--root", type=Path, default=Path(),
                      help="the book's folder, with _config.yml and _toc.yml (default: .)")
    html.add_argument("--out", type=Path, default=Path("_build/student-html"),
                      help="where the HTML goes (default: _build/student-html)")
    return main


def _student(args: argparse.Namespace) -> int:
    from .notebooks import has_solutions, read_notebook, toc_notebooks, write_student_versions

    sources = list(args.sources)
    for path in toc_notebooks(args.toc) if args.toc else []:
        try:
            if has_solutions(read_notebook(path)):
                sources.append(path)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    if not sources:
        print("error: no notebooks given (name them, or use --toc _toc.yml)", file=sys.stderr)
        return 2
    for path in args.sources:
        try:
            without_exercises = not has_solutions(read_notebook(path))
        except (OSError, ValueError):
            continue  # write_student_versions reports the problem, naming the file
        if without_exercises:
            print(f"note: {path} has no exercises with solutions; it is copied with its "
                  f"outputs cleared", file=sys.stderr)
    for path in write_student_versions(sources, args.out, keep_solutions=args.keep_solutions):
        print(path)
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .grading import GradingError, grade
    from .report import to_csv, to_json, to_table

    if args.csv and not args.csv.parent.is_dir():
        print(f"error: --csv {args.csv}: the folder {args.csv.parent} does not exist",
              file=sys.stderr)
        return 2
    expected = _solution_ids(args.source)
    for path in args.submissions:
        for warning in _submission_warnings(args.source, expected, path):
            print(f"warning: {path} {warning}", file=sys.stderr)

    def progress(done: int, total: int, result) -> None:
        print(f"[{done}/{total}] {result.submission}: {result.total:g}/{result.max:g} "
              f"({result.seconds:.1f} s)", file=sys.stderr, flush=True)

    show = not args.quiet and len(args.submissions) >= PROGRESS_FROM
    try:
        results = grade(args.source, args.submissions, timeout=args.timeout, jobs=args.jobs,
                        progress=progress if show else None)
    except GradingError as error:
        print(f"cannot grade: {error}", file=sys.stderr)
        return 1
    if args.csv:
        args.csv.write_text(to_csv(results), encoding="utf-8")
    print(to_json(results) if args.json else to_table(results))
    return 0


def _solution_ids(source: Path) -> set[str]:
    """The grade_ids of the solution cells of the notebook at ``source`` (none if it cannot
    be read: the grader reports that itself)."""
    from .notebooks import grade_id, is_solution_cell, read_notebook

    try:
        cells = read_notebook(source).cells
    except (OSError, ValueError):
        return set()
    return {grade_id(cell) for cell in cells if is_solution_cell(cell)} - {None}


def _submission_warnings(source: Path, expected: set[str], path: Path) -> list[str]:
    """Signs that ``path`` is not a submission for ``source``, whose solution cells have
    the grade_ids ``expected``: it still has the solution markers (source and submission
    swapped), or none of those cells (a notebook of another chapter). None if it cannot be
    read: the grader reports that itself."""
    from .notebooks import BEGIN_MARKER, grade_id, read_notebook

    try:
        submission = read_notebook(path)
    except (OSError, ValueError):
        return []
    warnings = []
    if any(BEGIN_MARKER.search(cell.source) for cell in submission.cells):
        warnings.append("still contains the source's solution markers (### BEGIN SOLUTION): "
                        "is it the chapter itself? The source comes first: grade SOURCE "
                        "SUBMISSION...")
    present = {grade_id(cell) for cell in submission.cells}
    if expected and submission.cells and not expected & present:
        warnings.append(f"has none of the solution cells of {source} (grade_ids "
                        f"{', '.join(sorted(expected))}): is it for another chapter?")
    return warnings


def _student_html(args: argparse.Namespace) -> int:
    from .studentbook import build_student_html

    print("Building the book without solutions in a temporary folder; every notebook runs "
          "(about a minute on two cores)", file=sys.stderr, flush=True)

    def running(notebook: Path) -> None:
        print(f"  running {notebook}", file=sys.stderr, flush=True)

    try:
        out = build_student_html(args.root, args.out, progress=running)
    except (OSError, RuntimeError) as error:
        print(f"cannot build the student book: {error}", file=sys.stderr)
        return 1
    print(f"The student book (no solutions) is in {out}/index.html")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: sys.argv); the exit status."""
    args = parser().parse_args(argv)
    run = {"student": _student, "grade": _grade, "student-html": _student_html}[args.command]
    try:
        return run(args)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
