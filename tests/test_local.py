"""The local commands: `make book` notices what Sphinx does not track, `make lab` runs as
root, and the kernels that the commands start encrypt their sockets.

The Makefile is checked with dry runs (`make -n`) in a temporary copy of the files it reads,
with their times set by the test: nothing in the repository is run or touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from bookfiles import ROOT

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="no make on this machine")
FORGET = "rm -rf _build/.doctrees"  # the recipe line that makes every notebook run again


def dry_run(folder: Path, target: str) -> str:
    result = subprocess.run([MAKE, "-n", target], cwd=folder, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The files the Makefile reads, copied, all dated an hour ago; an up-to-date venv stamp."""
    for name in ("Makefile", "requirements.txt", "pyproject.toml", "_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "utils", tmp_path / "utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    hour_ago = time.time() - 3600
    for path in tmp_path.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    os.utime(tmp_path / ".venv" / ".installed", (hour_ago + 1, hour_ago + 1))
    return tmp_path


def build_stamp(folder: Path, age: float) -> Path:
    """The stamp a successful `make book` leaves, dated ``age`` seconds ago."""
    stamp = folder / "_build" / ".book-inputs"
    stamp.parent.mkdir(exist_ok=True)
    stamp.touch()
    os.utime(stamp, (time.time() - age, time.time() - age))
    return stamp


@needs_make
def test_first_build_runs_every_notebook(copy: Path) -> None:
    plan = dry_run(copy, "book")
    assert FORGET in plan and "there is no earlier build" in plan, plan
    assert "pip" not in plan, "the venv stamp is up to date: nothing should be installed"


@needs_make
def test_unchanged_inputs_leave_the_incremental_build(copy: Path) -> None:
    build_stamp(copy, age=60)
    plan = dry_run(copy, "book")
    assert FORGET not in plan, plan
    assert "Only the pages whose source changed" in plan, plan


@needs_make
@pytest.mark.parametrize("changed", ["utils/checks.py", "utils/assignments/notebooks.py",
                                     ".venv/.installed", "_config.yml"])
def test_a_changed_input_runs_every_notebook(copy: Path, changed: str) -> None:
    build_stamp(copy, age=60)
    (copy / changed).touch()  # now: newer than the stamp
    plan = dry_run(copy, "book")
    assert FORGET in plan, f"{changed} changed, but the build would reuse old outputs:\n{plan}"
    assert re.search(rf"changed since the last build: .*{re.escape(changed)}", plan), plan
    # the stamp is renewed only after a successful build, from a mark set before it starts
    steps = [line for line in plan.splitlines() if ".book-inputs" in line or "jupyter-book" in line]
    assert [("touch" in s, "jupyter-book" in s, "mv" in s) for s in steps] == [
        (True, False, False), (False, True, False), (False, False, True)], steps


@needs_make
def test_lab_allows_root_only_for_root(copy: Path) -> None:
    plan = dry_run(copy, "lab")
    lab = next(line for line in plan.splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in lab) == (os.geteuid() == 0), lab


def test_the_makefile_selects_an_installed_provisioner() -> None:
    match = re.search(r"^export JUPYTER_DEFAULT_PROVISIONER_NAME := (\S+)$",
                      (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "the Makefile does not choose the kernel provisioner"
    names = {point.name for point in entry_points(group="jupyter_client.kernel_provisioners")}
    assert match[1] in names, f"{match[1]} is not installed (reinstall: make .venv/.installed)"


def test_kernels_started_with_the_provisioner_are_encrypted(tmp_path: Path) -> None:
    """A kernel started as the build and the tests start theirs runs code over encrypted
    sockets, and says nothing about running without encryption."""
    script = textwrap.dedent("""
        from jupyter_client.manager import start_new_kernel
        km, kc = start_new_kernel(kernel_name="python3")
        try:
            reply = kc.execute_interactive("x = 6 * 7", timeout=60)
            print(type(km.provisioner).__name__, km.curve_publickey is not None,
                  reply["content"]["status"])
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    """)
    env = {**os.environ, "JUPYTER_DEFAULT_PROVISIONER_NAME": "encrypted-local-provisioner"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["EncryptedLocalProvisioner", "True", "ok"], result.stdout
    assert "without encryption" not in result.stderr, result.stderr[-2000:]
