"""Checking a candidate gradient against numerical derivatives.

``check_gradient`` compares ⟨G, H⟩ with a numerical Df(X)[H] along a few random directions
H. This tests the defining property of the gradient directly, and its cost does not grow
with the size of X: a handful of evaluations of f whether X is 2×2 or 1000×1000.
Introduced in Chapter 2, *The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, as_scalar, require_callable, require_generator
from .numdiff import METHODS, _estimate, _Line, _probe_complex_step

__all__ = ["GradientCheck", "check_gradient", "relative_error"]

DEFAULT_RTOL = 1e-6
DEFAULT_SEED = 0


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """Relative error ‖a − b‖ / max(‖b‖, tiny) in the Frobenius (entrywise 2-) norm.

    ``b`` is the reference. Both must have the same shape: no broadcasting.

    Returns
    -------
    float

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    for name, value in (("a", a), ("b", b)):
        if not np.issubdtype(value.dtype, np.number) or value.dtype == bool:
            raise TypeError(f"{name} must be numeric, got dtype {value.dtype}")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    tiny = np.finfo(float).tiny
    return float(np.linalg.norm((a - b).ravel()) / max(np.linalg.norm(b.ravel()), tiny))


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    Attributes
    ----------
    ok : bool
        True when the candidate matches the numerical derivatives within ``rtol``.
    rel_error : float
        ‖d_candidate − d_numerical‖ / ‖d_numerical‖ over the test directions, where
        d[k] = Df(X)[H_k]; ``inf`` when the candidate has the wrong shape or is not finite.
    method : str
        The numerical method used ("complex" or "richardson", or the one requested).
    message : str
        A sentence a student can act on.
    n_evaluations : int
        How many times f was called.
    """

    ok: bool
    rel_error: float
    method: str
    message: str
    n_evaluations: int

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return f"GradientCheck {verdict}: {self.message}"


def check_gradient(
    f: Callable,
    grad: ArrayLike | Callable,
    X: ArrayLike,
    rng: np.random.Generator | None = None,
    *,
    n_directions: int = 3,
    rtol: float = DEFAULT_RTOL,
    method: str = "auto",
) -> GradientCheck:
    """Check a candidate gradient G of a scalar function f at X.

    The gradient is defined by Df(X)[H] = ⟨G, H⟩ for every direction H. This draws
    ``n_directions`` random Gaussian directions H, estimates Df(X)[H] numerically and
    compares with ⟨G, H⟩.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a number (a float, numpy scalar or size-1 array).
    grad : array_like or callable
        The candidate gradient, or a function that returns it when called with X.
    X : array_like, shape (m, n) (any shape works)
        The point; real and finite.
    rng : numpy.random.Generator, optional
        Source of the random directions; a fixed seed is used when omitted.
    n_directions : int
        Number of random directions.
    rtol : float
        Largest relative error that counts as correct.
    method : str
        Numerical method, as in :func:`utils.directional_derivative`.

    Returns
    -------
    GradientCheck
        Truthy when the candidate passes. A candidate of the wrong shape, or with NaN or
        infinite entries, is a failed check (not an exception).

    Raises
    ------
    TypeError, ValueError
        If f is not callable or does not return a single number, X is not a finite real
        array, or the options are invalid.

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    f = require_callable(f, "f")
    X = as_real_array(X, "X", min_ndim=1)
    rng = np.random.default_rng(DEFAULT_SEED) if rng is None else require_generator(rng)
    _check_options(n_directions, rtol, method)
    counted = _CountingFunction(f)
    value = as_scalar(counted(X), "f")
    if not np.isfinite(value):
        raise ValueError(f"f(X) = {value} is not finite, so f has no gradient there")

    G = np.asarray(grad(X) if callable(grad) else grad)
    problem = _candidate_problem(G, X.shape)
    if problem:
        return GradientCheck(False, np.inf, method, problem, counted.calls)

    directions = [rng.standard_normal(X.shape) for _ in range(n_directions)]
    numerical, used = _directional_derivatives(counted, X, directions, method)
    predicted = np.array([float(np.sum(G * H)) for H in directions])
    error = relative_error(predicted, numerical)
    ok = bool(error <= rtol)
    message = _message(ok, error, rtol, X.shape, n_directions, used)
    return GradientCheck(ok, error, used, message, counted.calls)


class _CountingFunction:
    """Wraps a scalar function f, counts its calls and returns plain numbers."""

    def __init__(self, f: Callable) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, Y: np.ndarray) -> Any:
        self.calls += 1
        return as_scalar(self.f(Y), "f")


def _directional_derivatives(
    f: Callable, X: np.ndarray, directions: list[np.ndarray], method: str
) -> tuple[np.ndarray, str]:
    """Df(X)[H] for each H; in "auto" mode the first direction decides the method."""
    lines = [_Line.build(f, X, H) for H in directions]
    if method == "auto":
        method, first = _probe_complex_step(lines[0])
        rest = [_estimate(line, method, None) for line in lines[1:]]
        return np.array([first, *rest], dtype=float), method
    return np.array([_estimate(line, method, None) for line in lines], dtype=float), method


def _candidate_problem(G: np.ndarray, shape: tuple[int, ...]) -> str:
    """Why a candidate gradient cannot be right before any differentiation, or ''."""
    if not np.issubdtype(G.dtype, np.number) or G.dtype == bool:
        return f"the candidate gradient is not numeric (dtype {G.dtype})"
    if G.shape != shape:
        return (
            f"the candidate gradient has shape {G.shape}, but X has shape {shape}: "
            "a gradient always has the shape of X"
        )
    if np.iscomplexobj(G):
        return "the candidate gradient is complex; the gradient of a real function is real"
    if not np.all(np.isfinite(G)):
        return "the candidate gradient contains NaN or infinite entries"
    return ""


def _message(
    ok: bool, error: float, rtol: float, shape: tuple, n: int, method: str
) -> str:
    where = f"X of shape {shape}, {n} random directions, {method} derivatives"
    if ok:
        return f"relative error {error:.1e} ≤ {rtol:.0e} ({where})"
    return (
        f"relative error {error:.1e} > {rtol:.0e}: ⟨G, H⟩ does not match Df(X)[H] ({where}). "
        "Common causes: a missing transpose, a dropped product-rule term, a factor of 2."
    )


def _check_options(n_directions: Any, rtol: Any, method: Any) -> None:
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)):
        raise TypeError(f"n_directions must be an int, got {type(n_directions).__name__}")
    if n_directions < 1:
        raise ValueError(f"n_directions must be at least 1, got {n_directions}")
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating)):
        raise TypeError(f"rtol must be a number, got {type(rtol).__name__}")
    if not rtol > 0:
        raise ValueError(f"rtol must be positive, got {rtol}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
