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

from ._validation import (
    as_real_array,
    as_real_number,
    as_scalar,
    generator_or_seeded,
    require_callable,
)
from .difference_formulas import step_scale
from .matrix_space import frobenius_norm
from .numdiff import Estimates, Method, derivatives_along, real_value_at

__all__ = ["GradientCheck", "check_gradient", "relative_error"]

DEFAULT_RTOL = 1e-6
DEFAULT_SEED = 0
EPS = float(np.finfo(float).eps)
TINY = float(np.finfo(float).tiny)
ROUNDING = 1e3  # textbook formulas: rounding of a derivative ≈ this × ε |f(X)| per unit step
SAFETY = 3.0  # how many times its own error bound a difference estimate may be off
OFFSET = 1e3  # |f(X)| this many times f's variation: a constant swamps f's changes
MISMATCH = 3.0  # an unresolved difference is wrong only beyond this × the uncertainty
SUBNORMAL = TINY / EPS  # below this |f(X)|, f's rounding is no longer relative to its size
VERDICTS = ("correct", "wrong", "inconclusive", "not differentiable", "invalid candidate")


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
    if a.size == 0:
        raise ValueError(f"a and b are empty (shape {a.shape}): there is no error to measure")
    with np.errstate(invalid="ignore"):  # NaN entries give a NaN error, as they should
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return float("nan") if np.isnan(a).any() or np.isnan(b).any() else float("inf")
    if np.iscomplexobj(a) or np.iscomplexobj(b):  # |z|² = (Re z)² + (Im z)², scaled alike
        a, b = _real_pairs(a), _real_pairs(b)
    return frobenius_norm(a - b) / max(frobenius_norm(b), TINY)


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    Attributes
    ----------
    ok : bool
        True only when the candidate matches the numerical derivatives within ``rtol`` and
        the numerical derivatives are accurate enough to tell (verdict "correct").
    rel_error : float
        ‖d_candidate − d_numerical‖ / ‖d_numerical‖ over the test directions, where
        d[k] = Df(X)[H_k]; ``inf`` when the candidate has the wrong shape or is not finite.
    method : str
        The numerical method used ("complex" or "richardson" in "auto" mode), or "none"
        when the candidate was rejected before any differentiation.
    message : str
        A sentence a student can act on.
    n_evaluations : int
        How many times f was called.
    verdict : str
        "correct", "wrong" (the difference is larger than the numerical derivatives'
        uncertainty allows), "inconclusive" (they cannot resolve the difference),
        "not differentiable" (the one-sided slopes of f differ at X) or "invalid
        candidate" (wrong shape, not finite, not numeric). Only "correct" is truthy.
    resolution : float
        An upper bound on the error of the numerical derivatives, in the norm over the
        directions.
    """

    ok: bool
    rel_error: float
    method: str
    message: str
    n_evaluations: int
    verdict: str = "correct"
    resolution: float = 0.0

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        label = {"correct": "OK", "wrong": "FAILED", "invalid candidate": "FAILED"}
        return f"GradientCheck {label.get(self.verdict, self.verdict.upper())}: {self.message}"


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
    ``n_directions`` random Gaussian directions H, estimates Df(X)[H] numerically, each
    with an honest error bound, and compares with ⟨G, H⟩. The verdict is "correct" only
    when the difference is within ``rtol`` *and* the numerical derivatives are accurate
    enough to say so; a difference they cannot resolve is "inconclusive", and a point
    where the one-sided slopes of f differ (a kink) is "not differentiable". With
    Richardson, one cheap step is tried first (four evaluations per direction) and the
    full ladder of steps only when that does not settle the verdict.

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
        Largest relative error that counts as correct; 0 < rtol < 1 (at rtol ≥ 1 a zero
        candidate would pass).
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
    rng = generator_or_seeded(rng, DEFAULT_SEED)
    _check_options(n_directions, rtol)
    counted = _CountingFunction(f)
    value = float(real_value_at(counted, X))

    G = _as_candidate(grad(X.copy()) if callable(grad) else grad, X.shape)
    if isinstance(G, str):
        return GradientCheck(False, np.inf, "none", G, counted.calls, "invalid candidate")

    directions = [rng.standard_normal(X.shape) for _ in range(n_directions)]
    predicted = np.array([float(np.sum(G * H)) for H in directions])
    quick = method in ("auto", "richardson")
    estimates = derivatives_along(counted, X, directions, method, value_at_X=value, quick=quick)
    judgement = _judge(predicted, estimates, value, X, directions, rtol)
    if quick and estimates.method == "richardson" and judgement.verdict != "correct":
        first = estimates  # one step was not enough: the full ladder decides
        estimates = derivatives_along(counted, X, directions, method, value_at_X=value)
        judgement = _judge(predicted, estimates, value, X, directions, rtol, first)
    return GradientCheck(
        judgement.verdict == "correct",
        judgement.rel_error,
        estimates.method,
        judgement.message,
        counted.calls,
        judgement.verdict,
        judgement.resolution,
    )


@dataclass(frozen=True)
class _Judgement:
    verdict: str
    rel_error: float
    resolution: float
    message: str


def _judge(
    predicted: np.ndarray,
    estimates: Estimates,
    value: float,
    X: np.ndarray,
    directions: list[np.ndarray],
    rtol: float,
    first: Estimates | None = None,
) -> _Judgement:
    """Compare ⟨G, H_k⟩ with the numerical Df(X)[H_k], honest about what can be resolved.

    ``first`` holds the cheap estimates that preceded these, if any: kinks they saw that
    smaller steps no longer see mean a kink close to X.
    """
    scales = np.array([step_scale(X, H) for H in directions])
    noise = _noise(value, scales, estimates)
    size = frobenius_norm(estimates.values)
    difference = frobenius_norm(predicted - estimates.values)
    context = Context(X.shape, estimates, rtol, noise, value, first)
    if np.nanmax(estimates.kinks, initial=0.0) > 0:
        return _Judgement("not differentiable", difference / max(size, TINY), noise,
                          context.kink_message(difference / max(size, TINY)))
    error = difference / max(size, TINY)
    if noise <= rtol * size:  # resolved: an ordinary relative comparison
        verdict = "correct" if difference <= rtol * size else "wrong"
    else:  # not resolved: only a difference well beyond the uncertainty means anything
        verdict = "wrong" if difference > rtol * size + MISMATCH * noise else "inconclusive"
    return _Judgement(verdict, error, noise, context.message(verdict, error))


def _noise(value: float, scales: np.ndarray, estimates: Estimates) -> float:
    """An upper bound on the numerical derivatives' error, in the norm over the directions.

    The complex step and Richardson carry their own error bounds (Richardson's times
    SAFETY); the textbook formulas have none, so rounding is estimated as
    ROUNDING·ε·|f(X)| per unit step.
    """
    errors = estimates.errors
    if np.all(np.isnan(errors)):
        return frobenius_norm(ROUNDING * EPS * abs(value) / scales)
    factor = 1.0 if estimates.method == "complex" else SAFETY
    return frobenius_norm(factor * np.nan_to_num(errors, nan=0.0))


@dataclass(frozen=True)
class Context:
    """What a message needs to explain a verdict."""

    shape: tuple[int, ...]
    estimates: Estimates
    rtol: float
    noise: float
    value: float
    first: Estimates | None

    def where(self) -> str:
        n = len(self.estimates.values)
        return (f"X of shape {self.shape}, {n} random directions, "
                f"{self.estimates.method} derivatives")

    def message(self, verdict: str, error: float) -> str:
        if verdict == "correct":
            return f"relative error {error:.3g} ≤ {self.rtol:.3g} ({self.where()})"
        if verdict == "inconclusive":
            return self.inconclusive_message(error)
        message = (f"relative error {error:.3g} > {self.rtol:.3g}: ⟨G, H⟩ does not match "
                   f"Df(X)[H] ({self.where()}), beyond the numerical derivatives' own "
                   f"uncertainty ±{self.noise:.3g}.")
        if self.near_kink():
            return message + (
                " f has a kink close to X along the tested directions (its one-sided slopes "
                "differ at larger steps): check that G is the gradient on the right side of "
                "it, or test at a point farther from the kink."
            )
        return message + (
            " Common causes: a missing transpose, a dropped product-rule term, a factor of 2."
        )

    def inconclusive_message(self, error: float) -> str:
        size = frobenius_norm(self.estimates.values)
        value, variation = abs(self.value), self.estimates.variation
        complex_hint = ("" if self.estimates.method == "complex" else
                        ", or write f so that it accepts complex input (then the complex "
                        "step is used, which subtracts nothing)")
        if self.near_kink():
            why = ("f has a kink close to X along the tested directions (its one-sided "
                   "slopes differ at larger steps); test at a point farther from the kink")
        elif value < SUBNORMAL:
            why = (f"f's values (|f(X)| ≈ {value:.3g}) are so close to zero that floating "
                   "point keeps only a few of their digits (subnormal numbers, below "
                   f"{TINY:.3g}), and their changes fewer; multiply f by a large constant "
                   "(and the candidate by the same), or scale X")
        elif 0 < OFFSET * variation < value:
            why = (f"f's values (|f(X)| ≈ {value:.3g}) are large compared with its changes "
                   f"(≈ {variation:.3g} over a unit step), so differences of f lose the "
                   f"digits that matter, and can hide a kink of f at X as well (its "
                   f"one-sided slopes cannot be told apart); subtract the constant from "
                   f"f{complex_hint}")
        elif size <= MISMATCH * self.noise:
            why = ("Df(X)[H] is zero to within that uncertainty along every direction: X "
                   "is, numerically, a stationary point of f, where no relative check is "
                   "possible; compare at a nearby non-stationary point")
        else:
            why = ("X may be close to a point where f is singular or not smooth (an "
                   f"ill-conditioned matrix, a kink), or f may be noisy; try a "
                   f"better-conditioned X{complex_hint}, or loosen rtol")
        return (f"cannot tell: the numerical derivatives are uncertain by ±{self.noise:.3g}, "
                f"{self.noise / max(size, TINY):.2g} of their size, more than rtol = "
                f"{self.rtol:.3g}, and the candidate differs by less than that allows "
                f"(relative error {error:.3g}; {self.where()}). Why: {why}.")

    def kink_message(self, error: float) -> str:
        gap = float(np.nanmax(self.estimates.kinks))
        return (f"f does not look differentiable at X along the tested direction: its forward "
                f"and backward slopes differ by {gap:.3g}, and the gap does not shrink with "
                "the step, so there is no gradient here to compare with (a kink: abs or relu "
                "at an exact zero, a tied max, a repeated singular value; or a singularity "
                "closer to X than the smallest step can resolve). Check G at a point "
                f"away from it ({self.where()}; relative error to the average of the "
                f"one-sided slopes {error:.3g}).")

    def near_kink(self) -> bool:
        if self.first is None:
            return False
        return bool(np.nanmax(self.first.kinks, initial=0.0) > 0)


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


def _real_pairs(z: np.ndarray) -> np.ndarray:
    """A complex array as real and imaginary parts side by side (the same Frobenius norm)."""
    z = np.asarray(z, dtype=complex)
    return np.stack([z.real, z.imag])


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
    rtol = as_real_number(rtol, "rtol")
    if not (np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be positive and finite, got {rtol}")
    if rtol >= 1:
        raise ValueError(
            f"rtol must be less than 1, got {rtol}: at rtol ≥ 1 even a zero gradient passes "
            "(its relative error is exactly 1)"
        )
