"""Checking a candidate gradient against numerical derivatives.

``check_gradient`` compares ⟨G, H⟩ with a numerical Df(X)[H] along a few random directions
H. This tests the defining property of the gradient directly, and the number of evaluations
of f does not depend on the size of X: a handful whether X is 2×2 or 1000×1000.
Introduced in Chapter 2, *The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, as_scalar, require_callable, require_generator
from .difference_formulas import step_scale
from .matrix_space import frobenius_norm
from .numdiff import Estimates, Method, derivatives_along, real_value_at

__all__ = ["GradientCheck", "check_gradient", "relative_error"]

DEFAULT_RTOL = 1e-6
DEFAULT_SEED = 0
EPS = float(np.finfo(float).eps)
ROUNDING = 1e3  # rounding error of a derivative ≈ this × ε |f(X)| per unit step
SAFETY = 10.0  # how many times its own error estimate a numerical derivative may be off


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """Relative error ‖a − b‖ / max(‖b‖, tiny) in the Frobenius (entrywise 2-) norm.

    ``b`` is the reference. Both must have the same shape: no broadcasting.

    Returns
    -------
    float

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    a, b = _numeric_array(a, "a"), _numeric_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    tiny = np.finfo(float).tiny
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return float(np.linalg.norm((a - b).ravel()) / max(np.linalg.norm(b.ravel()), tiny))
    with np.errstate(invalid="ignore"):  # NaN entries give a NaN error, as they should
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return float("nan") if np.isnan(a).any() or np.isnan(b).any() else float("inf")
    return frobenius_norm(a - b) / max(frobenius_norm(b), tiny)


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    Attributes
    ----------
    ok : bool
        True when the candidate matches the numerical derivatives within ``rtol``.
    rel_error : float
        ‖d_candidate − d_numerical‖ / max(‖d_numerical‖, noise) over the test directions,
        where d[k] = Df(X)[H_k] and the noise level is the smallest derivative that the
        evaluations of f can resolve; ``inf`` when the candidate has the wrong shape or
        is not finite.
    method : str
        The numerical method used ("complex" or "richardson" in "auto" mode), or "none"
        when the candidate was rejected before any differentiation.
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
    method: Method = "auto",
) -> GradientCheck:
    """Check a candidate gradient G of a scalar function f at X.

    The gradient is defined by Df(X)[H] = ⟨G, H⟩ for every direction H. This draws
    ``n_directions`` random Gaussian directions H, estimates Df(X)[H] numerically and
    compares with ⟨G, H⟩.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number (a float, numpy scalar or size-1
        array such as ``x.T @ A @ x``).
    grad : array_like or callable
        The candidate gradient, or a function that returns it when called with X.
    X : array_like, shape (m, n) (any shape with at least one dimension)
        The point; real and finite. f and grad receive a copy.
    rng : numpy.random.Generator, optional
        Source of the random directions; a fixed seed is used when omitted.
    n_directions : int
        Number of random directions.
    rtol : float
        Largest relative error that counts as correct.
    method : {"auto", "complex", "richardson", "central", "forward"}
        Numerical method, as in :func:`utils.directional_derivative`.

    Returns
    -------
    GradientCheck
        Truthy when the candidate passes. A candidate of the wrong shape, or with NaN or
        infinite entries, is a failed check (not an exception).

    Raises
    ------
    TypeError, ValueError
        If f is not callable or does not return a single real number, X is not a finite
        real array, or the options are invalid.

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    f = require_callable(f, "f")
    X = as_real_array(X, "X", min_ndim=1)
    rng = np.random.default_rng(DEFAULT_SEED) if rng is None else require_generator(rng)
    _check_options(n_directions, rtol)
    counted = _CountingFunction(f)
    value = float(real_value_at(counted, X))

    G = _as_candidate(grad(X.copy()) if callable(grad) else grad, X.shape)
    if isinstance(G, str):
        return GradientCheck(False, np.inf, "none", G, counted.calls)

    directions = [rng.standard_normal(X.shape) for _ in range(n_directions)]
    estimates = derivatives_along(counted, X, directions, method, value_at_X=value)
    predicted = np.array([float(np.sum(G * H)) for H in directions])
    noise = _noise_level(value, X, directions, estimates)
    difference = frobenius_norm(predicted - estimates.values)
    # Correct means: off by at most rtol relative, or by no more than the numerical noise.
    reference = max(frobenius_norm(estimates.values), noise / rtol, np.finfo(float).tiny)
    error = float(difference / reference)
    ok = bool(error <= rtol)
    message = _message(ok, error, rtol, X.shape, estimates, noise)
    return GradientCheck(ok, error, estimates.method, message, counted.calls)


class _CountingFunction:
    """Wraps a scalar function f, counts its calls and returns plain numbers."""

    def __init__(self, f: Callable) -> None:
        self.f = f
        self.calls = 0

    def __call__(self, Y: np.ndarray) -> Any:
        self.calls += 1
        return as_scalar(self.f(Y), "f")


def _as_candidate(candidate: Any, shape: tuple[int, ...]) -> np.ndarray | str:
    """The candidate as a float array, or a sentence saying why it cannot be right."""
    try:
        G = np.asarray(candidate)
    except (ValueError, TypeError):
        return f"the candidate gradient is not a numeric array ({type(candidate).__name__})"
    if G.dtype == bool or not np.issubdtype(G.dtype, np.number):
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
    return G.astype(float)


def _noise_level(
    value: float, X: np.ndarray, directions: list[np.ndarray], estimates: Estimates
) -> float:
    """How far the numerical derivatives may be off, in the norm over the directions.

    Per direction: rounding in evaluating f and its derivative, ROUNDING·ε·|f(X)| per unit
    step (steps as in the numerical derivatives), plus SAFETY times the method's own error
    estimate where it has one (Richardson's, which includes its round-off).
    """
    scales = np.array([step_scale(X, H) for H in directions])
    errors = np.nan_to_num(estimates.errors, nan=0.0)
    return frobenius_norm(ROUNDING * EPS * abs(value) / scales + SAFETY * errors)


def _message(
    ok: bool, error: float, rtol: float, shape: tuple, estimates: Estimates, noise: float
) -> str:
    n = len(estimates.values)
    where = f"X of shape {shape}, {n} random directions, {estimates.method} derivatives"
    size = frobenius_norm(estimates.values)
    limited = noise > rtol * size
    resolution = f"; the numerical derivatives are resolved to ±{noise:.3g} here" if limited else ""
    if ok:
        return f"relative error {error:.3g} ≤ {rtol:.3g} ({where}){resolution}"
    message = (
        f"relative error {error:.3g} > {rtol:.3g}: ⟨G, H⟩ does not match Df(X)[H] ({where})."
    )
    if limited and noise > 1e-3 * size:
        return message + (
            f" The numerical derivatives are themselves uncertain (±{noise:.3g}): f may "
            "have a kink or singularity near X, or its values may swamp its changes."
        )
    return message + (
        " Common causes: a missing transpose, a dropped product-rule term, a factor of 2."
    )


def _numeric_array(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {array.dtype}")
    return array


def _check_options(n_directions: Any, rtol: Any) -> None:
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)):
        raise TypeError(f"n_directions must be an int, got {type(n_directions).__name__}")
    if n_directions < 1:
        raise ValueError(f"n_directions must be at least 1, got {n_directions}")
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating)):
        raise TypeError(f"rtol must be a number, got {type(rtol).__name__}")
    if not (np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be positive and finite, got {rtol}")
