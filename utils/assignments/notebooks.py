"""Student versions of a chapter: solutions blanked, prose solutions removed, outputs cleared.

A chapter marks its solutions in two ways (see the book's contributing guide):

- a *solution cell*: a code cell tagged ``solution`` (or with nbgrader metadata
  ``"solution": true``) whose answer sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines. Students keep the cell with the answer replaced by
  ``raise NotImplementedError()``;
- a *prose solution*: every cell from a ``{solution-start}`` markdown cell to the next
  ``{solution-end}`` cell. Students lose these cells, except the solution cells among them.

Graded *test cells* are code cells with nbgrader metadata ``"grade": true`` (and not
``"solution": true``); students keep them as they are.

A cell tagged ``remove-for-students`` speaks of the solutions (where they are, how to read
them): every student edition leaves it out, these notebooks and the student HTML book.

In the chapters every cell inside a prose solution is *collapsed* (folded in JupyterLab
until the reader opens it); students get their solution cells unfolded.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbformat import NotebookNode

BEGIN_LINE = re.compile(r"(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*\r?")
END_LINE = re.compile(r"[ \t]*### END SOLUTION[ \t]*\r?")
SOLUTION_REGION = re.compile(  # from a BEGIN line to the next END line, line breaks \n or \r\n
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[ \t]*\r?\n.*?^[ \t]*### END SOLUTION[ \t]*(?=\r?$)",
    re.MULTILINE | re.DOTALL,
)
BEGIN_MARKER = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\r?$", re.MULTILINE)
SOLUTION_START = re.compile(r"^(?:`{3,}|:{3,})\{solution-start\}", re.MULTILINE)
SOLUTION_END = re.compile(r"^(?:`{3,}|:{3,})\{solution-end\}", re.MULTILINE)
EXERCISE_LABEL = re.compile(
    r"^(?:`{3,}|:{3,})\{exercise(?:-start)?\}[^\n]*\n(?::\w+:.*\n)*?:label:\s*(\S+)",
    re.MULTILINE)
MARKER_WORDS = re.compile(r"\b(?:BEGIN|END) SOLUTION\b")
STUB = "raise NotImplementedError()"
REMOVE_FOR_STUDENTS = "remove-for-students"  # a cell tag: no student edition shows the cell
ANSWER_PLACEHOLDER = "YOUR ANSWER HERE"


def read_notebook(path: str | Path) -> NotebookNode:
    """Read a notebook (nbformat 4); ValueError naming the file if it is not a usable one.

    Beyond what nbformat reads, every cell must have a known ``cell_type``, a text
    ``source`` and a ``metadata`` mapping, so that the tools never meet a half-formed cell.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise
    except Exception as error:  # nbformat raises many kinds of errors for a bad file
        raise ValueError(f"{path} is not a readable Jupyter notebook: "
                         f"{type(error).__name__}: {error}") from None
    problem = _malformed(nb)
    if problem:
        raise ValueError(f"{path} is not a well-formed Jupyter notebook: {problem}")
    return nb


def _malformed(nb: NotebookNode) -> str:
    """What is wrong with the notebook's cells, or '' if nothing is."""
    if not isinstance(nb.get("cells"), list):
        return f"its cells are a {type(nb.get('cells')).__name__}, not a list"
    for index, cell in enumerate(nb.cells):
        if not isinstance(cell, dict):
            return f"cell {index} is a {type(cell).__name__}, not a mapping"
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            return f"cell {index} has cell_type {cell.get('cell_type')!r}"
        if not isinstance(cell.get("source"), str):
            return f"cell {index} has no text source"
        if not isinstance(cell.get("metadata", {}), dict):
            return f"cell {index} has metadata of type {type(cell['metadata']).__name__}"
    return ""


def nbgrader(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata (empty if it has none)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return dict(meta) if isinstance(meta, dict) else {}


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, or None if it has none (or not a string)."""
    value = nbgrader(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def is_solution_cell(cell: NotebookNode) -> bool:
    """A cell whose answer students write: tagged ``solution`` or nbgrader ``solution``."""
    tags = cell.get("metadata", {}).get("tags", [])
    return "solution" in tags or nbgrader(cell).get("solution") is True


def is_left_out_for_students(cell: NotebookNode) -> bool:
    """A cell tagged ``remove-for-students``: no student edition shows it."""
    return REMOVE_FOR_STUDENTS in cell.get("metadata", {}).get("tags", [])


def is_test_cell(cell: NotebookNode) -> bool:
    """A graded (autograded) test cell: code with nbgrader ``grade`` and no ``solution``."""
    meta = nbgrader(cell)
    return (cell.cell_type == "code" and meta.get("grade") is True
            and meta.get("solution") is not True)


def blank_solutions(source: str) -> str:
    """Replace each solution region by ``raise NotImplementedError()`` at its indentation.

    Lines outside the ``### BEGIN SOLUTION`` … ``### END SOLUTION`` region (the ``def`` line
    and the docstring) are kept. Marker lines may end in spaces or ``\\r`` (a notebook
    saved with Windows line breaks).
    """
    return SOLUTION_REGION.sub(lambda m: f"{m['indent']}{STUB}", source)


def check_markers(source: str, where: str) -> None:
    """Check a solution cell's markers; ValueError naming the cell and line if one is off.

    Each ``### BEGIN SOLUTION`` line is closed by an ``### END SOLUTION`` line before the
    next one opens; no other line contains the marker words (nbgrader would take it for a
    marker); and each BEGIN line is indented like the first line of code under it, since
    the stub replaces the whole region at the BEGIN line's indentation (nbgrader does the
    same), where a different indentation would leave the function without its stub or
    break its syntax.
    """
    lines = source.splitlines()
    opened: int | None = None  # index of the BEGIN line of the open region
    for number, line in enumerate(lines):
        begins, ends = BEGIN_LINE.fullmatch(line), END_LINE.fullmatch(line)
        at = f"{where}, line {number + 1}"
        if not begins and not ends and MARKER_WORDS.search(line):
            raise ValueError(f"{at}: {line.strip()!r} contains marker words but is not a "
                             "marker line; nbgrader would take it for one, so reword it")
        if begins and opened is not None:
            raise ValueError(f"{at}: '### BEGIN SOLUTION' inside the region opened on line "
                             f"{opened + 1}; regions cannot nest: close that one first")
        if ends and opened is None:
            raise ValueError(f"{at}: '### END SOLUTION' without a '### BEGIN SOLUTION' above")
        if begins:
            opened = number
            _check_indentation(lines, number, begins["indent"], where)
        if ends:
            opened = None
    if opened is not None:
        raise ValueError(f"{where}, line {opened + 1}: '### BEGIN SOLUTION' is never closed "
                         "by an '### END SOLUTION' line")
    if not BEGIN_MARKER.search(source):
        raise ValueError(f"{where}: a solution cell needs a '### BEGIN SOLUTION' line and an "
                         "'### END SOLUTION' line around the answer")


def _check_indentation(lines: list[str], begin: int, indent: str, where: str) -> None:
    """The first line of code after the BEGIN line ``begin`` is indented like it."""
    for line in lines[begin + 1:]:
        code = line.strip()
        if END_LINE.fullmatch(line):
            return  # an empty region: nothing to compare with
        if code and not code.startswith("#"):
            found = line[:len(line) - len(line.lstrip())]
            if found != indent:
                raise ValueError(
                    f"{where}, line {begin + 1}: '### BEGIN SOLUTION' has "
                    f"{_describe(indent)}, the code under it {_describe(found)}; indent "
                    "the marker like the code (the stub takes the marker's indentation)")
            return


def _describe(indent: str) -> str:
    """'no indentation', '4 spaces', '1 tab and 2 spaces', ..."""
    counts = [f"{indent.count(char)} {name}" for char, name in (("\t", "tab"), (" ", "space"))
              if char in indent]
    return " and ".join(f"{count}s" if not count.startswith("1 ") else count
                        for count in counts) or "no indentation"


def solution_ranges(nb: NotebookNode) -> list[tuple[int, int]]:
    """(first, last) cell indices of each prose solution, its solution-start/-end included."""
    ranges, start = [], None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        opens, closes = SOLUTION_START.search(cell.source), SOLUTION_END.search(cell.source)
        if opens and closes:
            raise ValueError(f"cell {index} both opens and closes a solution; split it")
        if opens:
            if start is not None:
                raise ValueError(f"cell {index} opens a solution inside the one opened in "
                                 f"cell {start}: add the missing solution-end")
            start = index
        elif closes:
            if start is None:
                raise ValueError(f"cell {index} closes a solution that was never opened")
            ranges.append((start, index))
            start = None
    if start is not None:
        raise ValueError(f"the solution opened in cell {start} is never closed: add a "
                         "solution-end cell")
    return ranges


def _inside(ranges: list[tuple[int, int]]) -> set[int]:
    return {index for first, last in ranges for index in range(first, last + 1)}


def has_solutions(nb: NotebookNode) -> bool:
    """Whether the notebook has any solution cell or prose solution.

    Raises ValueError for unbalanced solution directives, naming the cell.
    """
    return bool(solution_ranges(nb)) or any(map(is_solution_cell, nb.cells))


def collapse(cell: NotebookNode) -> None:
    """Fold ``cell`` in place as JupyterLab does when its input (and output) is collapsed.

    The same metadata that JupyterLab writes, so that saving the notebook there changes
    nothing: ``jupyter.source_hidden``, and for a code cell also ``jupyter.outputs_hidden``
    and the format's own ``collapsed``.
    """
    hidden = {"source_hidden": True}
    if cell.cell_type == "code":
        hidden["outputs_hidden"] = True
        cell.metadata["collapsed"] = True
    cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), **hidden}


def expand(cell: NotebookNode) -> None:
    """Unfold ``cell`` in place: remove what ``collapse`` sets (other metadata stays)."""
    cell.metadata.pop("collapsed", None)
    jupyter = cell.metadata.get("jupyter")
    if isinstance(jupyter, dict):
        for key in ("source_hidden", "outputs_hidden"):
            jupyter.pop(key, None)
        if not jupyter:
            del cell.metadata["jupyter"]


def is_collapsed(cell: NotebookNode) -> bool:
    """Whether JupyterLab shows ``cell`` folded: its input hidden, and a code cell's
    output too (both ways the format records it)."""
    jupyter = cell.get("metadata", {}).get("jupyter", {})
    if not isinstance(jupyter, dict) or jupyter.get("source_hidden") is not True:
        return False
    return cell.cell_type != "code" or (jupyter.get("outputs_hidden") is True
                                        and cell.metadata.get("collapsed") is True)


def solution_cells(nb: NotebookNode) -> list[int]:
    """Indices of the cells inside each prose solution, without its solution-start and
    solution-end cells (those stay visible in JupyterLab, as the solution's frame)."""
    return [index for first, last in solution_ranges(nb) for index in range(first + 1, last)]


def collapse_solutions(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with every cell inside a prose solution collapsed."""
    folded = copy.deepcopy(nb)
    for index in solution_cells(folded):
        collapse(folded.cells[index])
    return folded


def student_version(nb: NotebookNode, *, keep_solutions: bool = False) -> NotebookNode:
    """The notebook a student receives.

    Solution cells keep their ``def`` line and docstring and get ``raise
    NotImplementedError()`` instead of the answer (unless ``keep_solutions``, which leaves
    the marked answers for a tool such as nbgrader to remove); every other cell of a prose
    solution is dropped, with its ``solution-start`` and ``solution-end`` cells, and so is
    every cell tagged ``remove-for-students``; code cells lose their outputs. Everything
    else is kept as it is, except that with
    ``keep_solutions`` a mention of the markers outside solution cells (the book's own
    notebooks have none; a structure test keeps it so) gets a no-break space between its
    words: nbgrader takes any line containing the marker for a marker and refuses such a
    notebook.

    Raises ValueError for unbalanced solution markers or directives, naming the cell.
    """
    inside = _inside(solution_ranges(nb))
    student = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(student.cells):
        if is_solution_cell(cell):
            expand(cell)
            if cell.cell_type == "code":
                check_markers(cell.source, f"cell {index}")
                if not keep_solutions:
                    cell.source = blank_solutions(cell.source)
            elif not keep_solutions:
                cell.source = (blank_solutions(cell.source) if BEGIN_MARKER.search(cell.source)
                               else ANSWER_PLACEHOLDER)
        elif index in inside or is_left_out_for_students(cell):
            continue
        elif keep_solutions:
            cell.source = MARKER_WORDS.sub(lambda m: m[0].replace(" ", "\u00a0"), cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
    student.cells = cells
    return student


def solution_text(nb: NotebookNode) -> tuple[list[str], list[str]]:
    """(solution pieces, everything else) of a notebook's text.

    Solution pieces are the marked regions of solution cells (markers included), the whole
    source of a markdown solution cell without markers, and the whole source of every other
    cell of a prose solution; everything else is the rest,
    including the ``def`` lines and docstrings around the marked regions.
    """
    inside = _inside(solution_ranges(nb))
    solution, rest = [], []
    for index, cell in enumerate(nb.cells):
        if is_solution_cell(cell) and cell.cell_type != "code" and not BEGIN_MARKER.search(
                cell.source):
            solution.append(cell.source)  # students get a placeholder instead of all of it
        elif is_solution_cell(cell):
            solution.extend(match.group(0) for match in SOLUTION_REGION.finditer(cell.source))
            rest.append(SOLUTION_REGION.sub("", cell.source))
        elif index in inside:
            solution.append(cell.source)
        else:
            rest.append(cell.source)
    return solution, rest


def _lines(texts: Iterable[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


def solution_lines(nb: NotebookNode) -> list[str]:
    """The lines that only solutions contain (stripped, in order, without repeats).

    A line that also stands outside the solutions (``$$``, ``m, n = shape``) tells nothing
    about a leak, so it is left out.
    """
    solution, rest = solution_text(nb)
    elsewhere = set(_lines(rest))
    return list(dict.fromkeys(line for line in _lines(solution) if line not in elsewhere))


def leaked_lines(nb: NotebookNode, student: NotebookNode) -> list[str]:
    """The lines of ``nb``'s solutions that are still in ``student`` (should be none)."""
    present = set(_lines(cell.source for cell in student.cells))
    return [line for line in solution_lines(nb) if line in present]


def exercise_labels(nb: NotebookNode) -> list[str | None]:
    """For each cell, the label of the last exercise that starts at or before it."""
    labels, current = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = EXERCISE_LABEL.findall(cell.source)
            current = found[-1] if found else current
        labels.append(current)
    return labels


def toc_notebooks(toc: str | Path) -> list[Path]:
    """The notebooks a Jupyter Book ``_toc.yml`` lists, in order (paths next to the toc).

    Raises ValueError naming the file if it is not YAML.
    """
    import yaml

    toc = Path(toc)
    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{toc} is not a readable table of contents: {error}") from None
    entries: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            entries.extend(str(node[key]) for key in ("root", "file") if key in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    paths = (toc.parent / entry for entry in dict.fromkeys(entries))
    return [path.with_suffix(".ipynb") for path in paths
            if path.with_suffix(".ipynb").exists()]


def write_student_versions(sources: Iterable[str | Path], out: str | Path, *,
                           keep_solutions: bool = False) -> list[Path]:
    """Write the student version of each notebook into ``out`` under the same file name.

    Nothing is written if a target would overwrite its source or two sources share a file
    name (ValueError). Checks each result: a line that only the solutions contain must not
    survive (when ``keep_solutions`` is false), else RuntimeError. Errors name the file.
    """
    out = Path(out)
    sources = [Path(source) for source in sources]
    targets = [out / source.name for source in sources]
    for source, target in zip(sources, targets, strict=True):
        if target.resolve() == source.resolve():
            raise ValueError(f"refusing to overwrite the source {source}: choose another --out")
        if targets.count(target) > 1:
            twins = [str(other) for other, same in zip(sources, targets, strict=True)
                     if same == target]
            raise ValueError(f"{', '.join(twins)} would all be written to {target}: "
                             "give them one at a time, each with its own --out")
    out.mkdir(parents=True, exist_ok=True)
    for source, target in zip(sources, targets, strict=True):
        nb = read_notebook(source)
        try:
            student = student_version(nb, keep_solutions=keep_solutions)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
        leaks = [] if keep_solutions else leaked_lines(nb, student)
        if leaks:
            raise RuntimeError(f"{source}: solution lines survived blanking: {leaks[:3]}")
        nbformat.write(student, target)
    return targets
