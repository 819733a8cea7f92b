"""The HTML book builds with warnings as errors, and its pages work offline.

The book is built once per test session into a temporary folder, with every notebook
executed afresh (the build cache would not notice changes to the utils package).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bookfiles import ROOT, resolve, toc_files, toc_notebooks

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book into a temporary folder and return its html directory."""
    out = tmp_path_factory.mktemp("book")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
               "--path-output", str(out), "-W", "-n", "--keep-going"]
    # conftest.py sets MPLBACKEND=Agg for the unit tests; the notebooks must keep matplotlib's
    # inline backend, or their figures (and every reference to them) vanish from the build.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"jupyter-book build failed:\n{log[-6000:]}"
    assert "build succeeded" in log, f"no 'build succeeded' in the log:\n{log[-3000:]}"
    return out / "_build" / "html"


def page(html: Path, entry: str) -> Path:
    return html / f"{entry}.html"


def test_every_toc_page_is_built(html: Path) -> None:
    for entry in toc_files():
        resolve(entry)  # the source exists
        assert page(html, entry).exists(), f"{entry}.html was not built"


def test_captioned_figures_are_drawn(html: Path) -> None:
    """Every figure cell (mystnb.figure metadata) shows up as an image under its name."""
    for path in toc_notebooks():
        names = [cell.metadata["mystnb"]["figure"]["name"]
                 for cell in nbformat.read(path, as_version=4).cells
                 if "figure" in cell.get("metadata", {}).get("mystnb", {})]
        built = page(html, f"book/{path.stem}").read_text(encoding="utf-8")
        for name in names:
            match = re.search(rf'<figure[^>]*id="{re.escape(name)}"(.*?)</figure>', built,
                              re.DOTALL)
            assert match and "<img" in match.group(1), (
                f"{path.name}: figure {name!r} has no image in the built page")


def test_mathjax_is_bundled_not_fetched(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', chapter, re.IGNORECASE)
    assert sources, "the chapter page loads no MathJax script"
    assert all(not src.startswith(("http:", "https:", "//")) for src in sources), (
        f"MathJax is loaded from the network: {sources}")
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax not copied"


def test_notation_macros_are_configured(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    for macro in ("tr", "vec", "inner", "fro", "R"):
        assert re.search(rf'"{macro}"\s*:', chapter), f"MathJax macro \\{macro} is not defined"


def test_search_index_covers_the_chapters(html: Path) -> None:
    index = (html / "searchindex.js").read_text(encoding="utf-8")
    assert "frobenius" in index.lower(), "the search index does not know the word 'Frobenius'"
    assert (html / "search.html").exists()


def test_bibliography_is_rendered(html: Path) -> None:
    bibliography = page(html, "book/bibliography").read_text(encoding="utf-8")
    for author in ("Magnus", "Petersen", "Edelman", "Giles", "Minka", "Srinivasan", "Laue"):
        assert author in bibliography, f"{author} is missing from the bibliography page"


def test_proofs_exercises_and_dropdown_solutions_render(html: Path) -> None:
    chapter = page(html, "book/01_frobenius").read_text(encoding="utf-8")
    assert 'class="admonition theorem' in chapter or "proof theorem" in chapter, "no theorems"
    assert "exercise" in chapter and "solution" in chapter
    assert re.search(r"<details[^>]*solution|solution[^>]*dropdown|dropdown[^>]*solution",
                     chapter), "solutions are not folded into dropdowns"


def test_math_renders_offline_in_a_browser(html: Path) -> None:
    """Headless Chromium, no network: MathJax must typeset the chapter's formulas."""
    browser = next(filter(None, map(shutil.which, BROWSER_NAMES)), None)
    if browser is None:
        reason = "no Chromium on this machine (install Debian's 'chromium' to run this test)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={html.parent / 'chromium-profile'}", "--virtual-time-budget=15000",
         "--dump-dom", page(html, "book/01_frobenius").as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    rendered = dom.count("<mjx-container")
    assert rendered > 100, f"only {rendered} formulas were typeset by MathJax"
    assert "\\inner{" not in re.sub(r"<script.*?</script>", "", dom, flags=re.DOTALL), (
        "a raw \\inner{...} macro is left in the page: MathJax did not expand it")
