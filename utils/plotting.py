"""Figures used across the book.

Nothing here touches matplotlib's settings at import time: notebooks call
:func:`set_style` once in their setup cell. matplotlib itself is imported only when a
style is set or a figure is drawn, so ``import utils`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, as_real_number, as_scalar
from .difference_formulas import central_difference, complex_step, forward_difference

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_step_errors", "plot_tensor_blocks", "set_style"]

STEP_FORMULAS: dict[str, Callable] = {
    "forward": forward_difference,
    "central": central_difference,
    "complex": complex_step,
}


def set_style() -> None:
    """Apply the book's figure style (size, grid, fonts) to matplotlib's rcParams.

    Chapter 1, *Matrices as vectors*.
    """
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 11,
            "axes.titlesize": 12,
            "legend.frameon": False,
            "image.cmap": "RdBu_r",
        }
    )


def plot_step_errors(
    f: Callable,
    X: ArrayLike,
    H: ArrayLike,
    exact: float,
    steps: ArrayLike | None = None,
    methods: Sequence[str] = ("forward", "central", "complex"),
    ax: Axes | None = None,
) -> Axes:
    """Log-log plot of the error of finite-difference formulas against the step size h.

    The forward and central curves are V-shaped: truncation error falls as h shrinks until
    round-off error takes over; the complex step has no round-off term and stays flat.

    Parameters
    ----------
    f : callable
        Scalar function of an array shaped like X.
    X, H : array_like, same shape
        Point and direction.
    exact : float
        The exact directional derivative Df(X)[H].
    steps : array_like, optional
        Step sizes; 10⁻¹⁶ … 10⁰ by default.
    methods : str or non-empty sequence of {"forward", "central", "complex"}
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib Axes

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    methods = _methods(methods)
    exact = as_real_number(exact, "exact")
    if not np.isfinite(exact):
        raise ValueError(f"exact must be finite, got {exact}")
    steps = (np.logspace(-16, 0, 49) if steps is None
             else as_real_array(steps, "steps", ndim=1, nonempty=True))
    if np.any(steps <= 0):
        raise ValueError("steps must all be positive")
    ax = _axes(ax)
    floor = np.finfo(float).eps * max(abs(exact), 1.0) / 10  # keeps exact zeros on a log axis
    for method in methods:
        estimates = [as_scalar(STEP_FORMULAS[method](f, X, H, h), "f") for h in steps]
        errors = np.abs(np.real(estimates) - exact)
        ax.loglog(steps, np.maximum(errors, floor), marker=".", label=method)
    ax.set_xlabel("step size $h$")
    ax.set_ylabel("absolute error of $Df(X)[H]$")
    ax.legend()
    return ax


def plot_tensor_blocks(
    T: ArrayLike, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Heatmap of a 4th-order array T[i, j, k, l] laid out as a block matrix.

    Block (i, j) is the matrix T[i, j, :, :], so a derivative ∂F_ij/∂X_kl shows one block
    per output entry F_ij. Colours are symmetric around zero; thin lines separate blocks.

    Parameters
    ----------
    T : array_like, shape (p, q, m, n)
        Real and finite, every size at least 1.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Chapter 5, *The tensor view*.
    """
    T = as_real_array(T, "T", ndim=4, nonempty=True)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    p, q, m, n = T.shape
    blocks = T.transpose(0, 2, 1, 3).reshape(p * m, q * n)
    ax = _axes(ax)
    limit = max(float(np.max(np.abs(blocks))), np.finfo(float).tiny)
    image = ax.imshow(blocks, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    for row in range(1, p):
        ax.axhline(row * m - 0.5, color="0.3", linewidth=0.8)
    for column in range(1, q):
        ax.axvline(column * n - 0.5, color="0.3", linewidth=0.8)
    ax.set_xticks([c * n + (n - 1) / 2 for c in range(q)], labels=[f"j={c}" for c in range(q)])
    ax.set_yticks([r * m + (m - 1) / 2 for r in range(p)], labels=[f"i={r}" for r in range(p)])
    ax.set_xlabel("output column j (each block: input column l across)")
    ax.set_ylabel("output row i (each block: input row k down)")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    return ax


def _methods(methods: Any) -> tuple[str, ...]:
    """``methods`` as a non-empty tuple of known method names, or a clear error."""
    if isinstance(methods, str):
        methods = (methods,)
    elif not isinstance(methods, (list, tuple)):
        raise TypeError(f"methods must be a str or a list of str such as "
                        f"{list(STEP_FORMULAS)}, got {type(methods).__name__}")
    if not methods:
        raise ValueError(f"methods is empty; choose from {sorted(STEP_FORMULAS)}")
    unknown = [m for m in methods if not isinstance(m, str) or m not in STEP_FORMULAS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {sorted(STEP_FORMULAS)}")
    return tuple(methods)


def _axes(ax: Any) -> Axes:
    """The given matplotlib Axes, or a new figure's if ``ax`` is None."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        return plt.subplots()[1]
    if not isinstance(ax, Axes):
        raise TypeError("ax must be a matplotlib Axes, such as plt.subplots()[1], or None; "
                        f"got {type(ax).__name__}")
    return ax
