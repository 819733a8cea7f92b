"""Grading results as a readable table, as JSON, or as CSV (one row per submission)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the grading module starts Jupyter machinery; reports do not need it
    from .grading import SubmissionResult


def _number(value: float) -> str:
    return f"{value:g}"


def to_json(results: Sequence[SubmissionResult]) -> str:
    """A JSON list, one object per submission (see ``SubmissionResult.to_dict``)."""
    return json.dumps([result.to_dict() for result in results], indent=2, ensure_ascii=False)


def to_csv(results: Sequence[SubmissionResult]) -> str:
    """CSV: a header ``submission, <test grade_id>…, total``, then one row per submission."""
    ids = [exercise.id for exercise in results[0].exercises] if results else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *ids, "total"])
    for result in results:
        points = {exercise.id: exercise.points for exercise in result.exercises}
        writer.writerow([result.submission, *(_number(points[i]) for i in ids),
                         _number(result.total)])
    return buffer.getvalue()


def to_table(results: Sequence[SubmissionResult]) -> str:
    """A fixed-width table of points, then the feedback for every test not simply passed
    (one that failed, or passed after the grader restored what the notebook changed)."""
    if not results:
        return "no submissions"
    ids = [exercise.id for exercise in results[0].exercises]
    header = ["submission", *ids, "total"]
    rows = [[result.submission,
             *(f"{_number(e.points)}/{_number(e.max)}" for e in result.exercises),
             f"{_number(result.total)}/{_number(result.max)}"] for result in results]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    for result in results:
        problems = [e for e in result.exercises if e.feedback != "passed"]
        if result.error or problems:
            lines += ["", f"{result.submission}:"]
            if result.error:
                lines.append(f"  {result.error}")
            else:
                lines += [f"  {e.id} ({_number(e.points)}/{_number(e.max)}, {e.status}): "
                          f"{e.feedback}" for e in problems]
    return "\n".join(lines)
