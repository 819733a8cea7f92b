"""The student HTML book: the book's own configuration plus the ``hide_solutions`` extension.

The configuration is not copied: ``student_config`` reads ``_config.yml`` and adds the
extension, which also turns off page sources and download buttons; ``student_toc`` reads
``_toc.yml`` and leaves out the pages for instructors (:data:`LEFT_OUT`). The book is built
into a temporary folder (whose executed notebooks still contain the solutions) and only
the HTML is moved to its destination.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

EXTENSION = "utils.assignments.hide_solutions"
# Pages the student book leaves out, as _toc.yml names them: the instructors' guide
# (grading, and how a submission could fool the grader).
LEFT_OUT = ("book/instructors",)

EXECUTING = re.compile(r"^(?P<path>.+\.ipynb): Executing notebook")  # myst-nb's log line


def student_config(config: dict) -> dict:
    """A copy of a Jupyter Book configuration that builds the book without solutions.

    Adds the ``hide_solutions`` extension (once), turns off page sources and the edit
    button; sections that are missing or empty (``sphinx:`` with nothing under it) are
    created.
    """
    student = copy.deepcopy(config) if config else {}
    sphinx = _section(student, "sphinx")
    extensions = list(sphinx.get("extra_extensions") or [])
    if EXTENSION not in extensions:
        extensions.append(EXTENSION)
    sphinx["extra_extensions"] = extensions
    _section(sphinx, "config").update(html_copy_source=False, html_show_sourcelink=False)
    _section(student, "html")["use_edit_page_button"] = False
    return student


def student_toc(toc: dict, left_out: tuple[str, ...] = LEFT_OUT) -> dict:
    """A copy of a Jupyter Book table of contents without the pages in ``left_out``.

    Entries are matched by their ``file`` with or without its suffix; a part or section
    left with no entries goes too. Raises ValueError if a page of ``left_out`` is not in
    the table, so that a renamed page cannot slip into the student book.
    """
    wanted = {Path(page).with_suffix("").as_posix() for page in left_out}
    found: set[str] = set()

    def keep(entry: object) -> bool:
        if isinstance(entry, dict) and "file" in entry:
            name = Path(str(entry["file"])).with_suffix("").as_posix()
            if name in wanted:
                found.add(name)
                return False
        return True

    def prune(node: object) -> object:
        if isinstance(node, list):
            kept = [prune(item) for item in node if keep(item)]
            return [item for item in kept
                    if not (isinstance(item, dict) and _emptied(item))]
        if isinstance(node, dict):
            return {key: prune(value) for key, value in node.items()}
        return node

    student = prune(copy.deepcopy(toc))
    missing = sorted(wanted - found)
    if missing:
        raise ValueError(f"_toc.yml does not list {', '.join(missing)}, which the student "
                         "book leaves out: update LEFT_OUT in utils/assignments/studentbook.py")
    return student


def _emptied(entry: dict) -> bool:
    """A part or section whose list of entries the pruning emptied."""
    lists = [entry[key] for key in ("chapters", "sections", "parts") if key in entry]
    return bool(lists) and not any(lists) and "file" not in entry


def _section(config: dict, key: str) -> dict:
    """``config[key]``, made an empty mapping if it is missing or empty."""
    if not config.get(key):
        config[key] = {}
    if not isinstance(config[key], dict):
        raise ValueError(f"_config.yml: {key} must be a mapping, got {config[key]!r}")
    return config[key]


def build_student_html(root: str | Path = ".", out: str | Path = "_build/student-html",
                       *, timeout: float = 1800,
                       progress: Callable[[Path], None] | None = None) -> Path:
    """Build the book in ``root`` without solutions; its HTML ends up in ``out``.

    Warnings are errors, as in the book's own build. ``progress(notebook)`` is called as
    each notebook starts to run (its path relative to ``root``). Raises RuntimeError with
    the end of the build log if the build fails or takes longer than ``timeout`` seconds,
    ValueError if ``_config.yml`` or ``_toc.yml`` is not usable.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    config, toc = (_read_yaml(root / name) for name in ("_config.yml", "_toc.yml"))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    with tempfile.TemporaryDirectory(prefix="student-book-") as temp:
        config_path, toc_path = Path(temp) / "_config.yml", Path(temp) / "_toc.yml"
        config_path.write_text(yaml.safe_dump(student_config(config), sort_keys=False),
                               encoding="utf-8")
        toc_path.write_text(yaml.safe_dump(student_toc(toc), sort_keys=False),
                            encoding="utf-8")
        command = [str(jupyter_book), "build", str(root), "--config", str(config_path),
                   "--toc", str(toc_path), "--path-output", temp, "-W", "-n",
                   "--keep-going"]
        # Figures need matplotlib's inline backend; an inherited MPLBACKEND would replace it.
        env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
        def started(notebook: Path) -> None:
            if progress is not None:
                progress(_relative(notebook, root))

        returncode, log = _run(command, env, timeout, started)
        if returncode != 0 or "build succeeded" not in log:
            raise RuntimeError(f"jupyter-book build failed:\n{log[-4000:]}")
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(temp) / "_build" / "html"), out)
    return out


def _read_yaml(path: Path) -> dict:
    """A YAML file's mapping; ValueError naming the file if it is not one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not readable YAML: {error}") from None
    if data is not None and not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping, got {type(data).__name__}")
    return data or {}


def _run(command: list[str], env: dict[str, str], timeout: float,
         started: Callable[[Path], object]) -> tuple[int, str]:
    """Run the build; (exit status, its log), calling ``started`` for each notebook it runs.

    RuntimeError if it takes longer than ``timeout`` seconds (it is stopped then).
    """
    timed_out = threading.Event()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env) as build:

        def stop() -> None:
            timed_out.set()
            build.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        lines = []
        try:
            for line in build.stdout or ():
                lines.append(line)
                if match := EXECUTING.match(line):
                    started(Path(match["path"]))
            returncode = build.wait()
        finally:
            timer.cancel()
    log = "".join(lines)
    if timed_out.is_set():
        raise RuntimeError(f"jupyter-book build took longer than {timeout:g} s and was "
                           f"stopped:\n{log[-4000:]}")
    return returncode, log


def _relative(path: Path, root: Path) -> Path:
    """``path`` relative to ``root`` if it lies inside it, else as it is."""
    try:
        return path.resolve().relative_to(root)
    except ValueError:
        return path
