"""Code style: ruff (configured in pyproject.toml) passes on the package, tests and notebooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bookfiles import ROOT


def test_ruff_passes() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"ruff found problems:\n{result.stdout}{result.stderr}"


def test_utils_exports_are_explicit() -> None:
    """`utils.__all__` lists exactly the public names that `utils/__init__.py` imports."""
    import utils

    public = {name for name in vars(utils) if not name.startswith("_")}
    modules = {"assignments", "checks", "difference_formulas", "feedback", "matrix_space",
               "numdiff", "plotting", "random_matrices", "identity_record",
               "identity_samplers", "identities", "latex_eval", "latex_checks",
               "line_estimates", "inline_scripts", "bibliography_labels", "array_namespace",
               "structured", "layouts", "second_differences", "hessian_checks", "stiefel",
               "tape", "encrypted_kernel"}  # the last: loaded by jupyter_client
    modules |= {name for name in public if name.startswith("catalogue_")}
    assert set(utils.__all__) == public - modules, (
        f"__all__ and the imported names differ: {set(utils.__all__) ^ (public - modules)}")
