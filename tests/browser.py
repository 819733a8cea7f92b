"""The built book in headless Chromium, driven by Playwright.

Playwright drives the machine's own Chromium (Debian's `chromium` package); it never
downloads a browser. The pages are shared out among two browsers that run at once. Each
page is loaded once, with every request off the local disk
refused and recorded, and measured at several window widths after MathJax has typeset it
(`measure_layout.js` says what is measured).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
MEASURE_LAYOUT = (Path(__file__).parent / "measure_layout.js").read_text(encoding="utf-8")
# The page's text outside code and formulas, as the reader sees it.
PROSE_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("pre, code, script, style, textarea, mjx-container")) {
      parts.push(node.textContent);
    }
  }
  return parts.join(" ");
}"""
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
LOAD_TIMEOUT_MS = 180_000  # a long chapter typesets in ~5 s, far slower on a busy machine


@dataclass
class PageReport:
    """What one page did in the browser, and its layout at each width."""

    errors: list[str] = field(default_factory=list)  # uncaught exceptions, console errors
    requests: list[str] = field(default_factory=list)  # requests that left the disk
    typeset: int = 0  # formulas MathJax typeset
    raw_macros: list[str] = field(default_factory=list)  # book macros left as text
    layout: dict[int, dict] = field(default_factory=dict)  # width -> measure_layout.js


def browser_or_skip() -> str:
    """The Chromium executable; skips the test (fails it if REQUIRE_BROWSER is set) if none."""
    browser = next(filter(None, map(shutil.which, BROWSER_NAMES)), None)
    reason = None
    if browser is None:
        reason = "no Chromium on this machine (install Debian's 'chromium' to run this test)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing (pip install -r requirements.txt)"
    if reason:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return browser


def visit(pages: dict[str, Path], widths: tuple[int, ...], macros: list[str],
          browsers: int = 2) -> dict[str, PageReport]:
    """Load each page once in headless Chromium and report on it.

    ``pages`` maps a name to an HTML file; ``macros`` are macro names (``inner`` for
    ``\\inner``) that must not survive as text once MathJax has run. The pages are shared
    out, largest first, among ``browsers`` Chromium instances that run at the same time,
    each driven from its own thread (Playwright's synchronous API is not thread-safe):
    typesetting a long chapter keeps one core busy for seconds. Each page is loaded at the
    widest width and measured from the widest to the narrowest: once a page has been laid
    out for a phone, the theme does not restore every part of its desktop layout when the
    window grows again.
    """
    from concurrent.futures import ThreadPoolExecutor

    browser_path = browser_or_skip()
    widths = tuple(sorted(widths, reverse=True))
    largest_first = sorted(pages, key=lambda name: pages[name].stat().st_size, reverse=True)
    shares = [{name: pages[name] for name in largest_first[start::browsers]}
              for start in range(browsers)]
    with ThreadPoolExecutor(max_workers=browsers) as pool:
        found = list(pool.map(lambda share: _visit_in_one_browser(
            share, widths, macros, browser_path), shares))
    reports = {name: report for share in found for name, report in share.items()}
    return {name: reports[name] for name in pages}  # in the order of ``pages``


def _visit_in_one_browser(pages: dict[str, Path], widths: tuple[int, ...], macros: list[str],
                          browser_path: str) -> dict[str, PageReport]:
    """:func:`visit` for some of the pages, in one Chromium; widths from the widest."""
    from playwright.sync_api import sync_playwright

    reports: dict[str, PageReport] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path,
                                             args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": widths[0], "height": 900})
            page = context.new_page()
            current = PageReport()

            def refuse_network(route):
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    current.requests.append(route.request.url)
                    route.abort()

            context.route("**/*", refuse_network)
            page.on("pageerror", lambda error: current.errors.append(str(error)))
            page.on("console", lambda message: current.errors.append(message.text)
                    if message.type == "error" else None)
            for name, path in pages.items():
                current = reports[name] = PageReport()
                page.set_viewport_size({"width": widths[0], "height": 900})
                page.goto(path.as_uri(), timeout=LOAD_TIMEOUT_MS)
                page.evaluate("() => window.MathJax && MathJax.startup"
                              " ? MathJax.startup.promise : null")
                current.typeset = page.evaluate(
                    "() => document.querySelectorAll('mjx-container').length")
                text = page.evaluate(PROSE_TEXT)
                current.raw_macros = [macro for macro in macros if f"\\{macro}" in text]
                for width in widths:
                    page.set_viewport_size({"width": width, "height": 900})
                    current.layout[width] = page.evaluate(MEASURE_LAYOUT)
        finally:
            browser.close()
    return reports
