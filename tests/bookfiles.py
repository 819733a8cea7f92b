"""Where the book's pages are: read from `_toc.yml`, the only list of chapters."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOC = ROOT / "_toc.yml"
BOOK = ROOT / "book"


def toc_files() -> list[str]:
    """Every file named in `_toc.yml` (root first), as written there, without suffix."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def resolve(entry: str) -> Path:
    """The file on disk for a toc entry (`.ipynb` or `.md`)."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{entry}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml lists {entry!r}, but neither .ipynb nor .md exists")


def toc_notebooks() -> list[Path]:
    """The chapter notebooks, in the order of the table of contents."""
    return [path for path in map(resolve, toc_files()) if path.suffix == ".ipynb"]


def mathjax_macros() -> dict[str, str | list]:
    """The LaTeX macros that `_config.yml` defines for the HTML book."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def macro_cell_source() -> str:
    """The first cell of every chapter: the same macros as MyST front matter, for JupyterLab.

    JupyterLab (with the jupyterlab-myst extension from requirements.txt) reads math macros
    from the first cell's front matter. The HTML book removes this cell (tag `remove-cell`)
    and takes the macros from `_config.yml`.
    """
    lines = ["---", "math:"]
    for name, definition in mathjax_macros().items():
        body = definition[0] if isinstance(definition, list) else definition
        lines.append(f"  '\\{name}': '{body}'")
    lines.append("---")
    return "\n".join(lines)
