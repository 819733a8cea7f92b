"""Reading a chapter notebook's structure: headings, exercises, solutions, graded cells.

Used by the structure tests; kept separate so that each test states a rule in a line or two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from bookfiles import toc_notebooks

EXERCISE = re.compile(r"^```+\{exercise(?:-start)?\}[^\n]*\n:label:\s*(\S+)", re.MULTILINE)
SOLUTION_START = re.compile(r"^```+\{solution-start\}\s*(\S+)", re.MULTILINE)
SOLUTION_END = re.compile(r"^```+\{solution-end\}", re.MULTILINE)
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"\$[^$\n]+\$")


@dataclass
class Exercise:
    """One exercise and the cells that belong to it (indices into the notebook's cells)."""

    label: str
    cell: int
    solution_start: int | None = None
    solution_end: int | None = None
    solution_code_cells: list[int] = field(default_factory=list)
    autograde_cells: list[int] = field(default_factory=list)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def headings(nb: nbformat.NotebookNode) -> list[tuple[int, str, int]]:
    """(level, text, cell index) of every markdown heading outside fenced blocks."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in FENCED.sub("", cell.source).splitlines():
            match = re.match(r"^(#{1,6})\s+(.*)$", line)
            if match:
                found.append((len(match.group(1)), match.group(2).strip(), index))
    return found


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """Exercises in order, each with its solution region and its graded test cells.

    A solution region runs from the `solution-start` cell to the next `solution-end`; code
    cells inside it are solution cells. Autograde cells after the region and before the next
    exercise belong to the exercise.
    """
    found: list[Exercise] = []
    current: Exercise | None = None
    inside_solution = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for label in EXERCISE.findall(cell.source):
                current = Exercise(label, index)
                found.append(current)
            for label in SOLUTION_START.findall(cell.source):
                if current is not None and label == current.label:
                    current.solution_start = index
                    inside_solution = True
            if SOLUTION_END.search(cell.source) and inside_solution and current is not None:
                current.solution_end = index
                inside_solution = False
        elif current is not None:
            if inside_solution and "solution" in tags(cell):
                current.solution_code_cells.append(index)
            elif not inside_solution and "autograde" in tags(cell):
                current.autograde_cells.append(index)
    return found


def prose_words(nb: nbformat.NotebookNode) -> int:
    """Words of prose in markdown cells: code fences' and math's contents not counted,
    but the text inside directives (definitions, theorems, exercises) counted."""
    total = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = DISPLAY_MATH.sub(" ", cell.source)
        text = INLINE_MATH.sub(" x ", text)
        text = re.sub(r"^```.*$|^:\w+:.*$", " ", text, flags=re.MULTILINE)
        total += len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
    return total


def chapter_notebooks() -> list[Path]:
    """The numbered chapters (book/NN_name.ipynb) among the toc's notebooks."""
    return [path for path in toc_notebooks() if re.match(r"\d\d_", path.name)]


def ids(paths: list[Path]) -> list[str]:
    """Test ids: the file names."""
    return [path.name for path in paths]
