"""Checking a candidate Hessian against numerical mixed second derivatives.

The Hessian of a scalar f at X is the linear operator H ↦ ∇²f(X)[H], shaped like X, with
D²f(X)[H, K] = ⟨K, ∇²f(X)[H]⟩ for all directions H and K. ``check_hessian`` tests this
defining property along a few random pairs (H, K), as ``check_gradient`` tests
Df(X)[H] = ⟨G, H⟩: the numerical side comes with an error bound, and the verdict is
"correct" only when that bound resolves the comparison to ``rtol``. It also tests that the
candidate is self-adjoint, ⟨K, ∇²f[H]⟩ = ⟨H, ∇²f[K]⟩, as every Hessian of a twice
continuously differentiable f is, and names the usual slips (a transpose, a factor 2, a
lost symmetrisation, a row-major vec).

It assumes that f is twice continuously differentiable near X, and that f computes in
float64. At a kink (abs, max, a norm at zero) there is no Hessian to check; near a
singularity (an ill-conditioned X for log|det X| or tr(X⁻¹)) every step of the difference
ladder may reach across it, the estimates at successive steps then disagree, and the
verdict is "inconclusive", never a blame of the candidate. Introduced in Chapter 8,
*Second derivatives*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, generator_or_seeded, require_callable
from .checks import DEFAULT_SEED
from .matrix_space import frobenius_norm
from .second_differences import MIXED_METHODS, MixedEstimates, MixedMethod, mixed_derivatives

__all__ = ["HessianCheck", "check_hessian"]

DEFAULT_RTOL = 1e-6
EPS = float(np.finfo(float).eps)
TINY = float(np.finfo(float).tiny)
SAFETY = 3.0  # how many times its own bound a Richardson estimate may be off (as in checks)
MISMATCH = 3.0  # an unresolved difference is wrong only beyond this × the uncertainty
CLEAR = 100.0  # a quick "wrong" this far beyond its uncertainty needs no second look ...
CONVERGED = 1e-3  # ... if that uncertainty is below this fraction of the estimates
SYMMETRY_ROUNDING = 1e3  # the candidate's own rounding, × ε × the Cauchy–Schwarz bound
MATCH = 1e-6  # a variant of the candidate "matches" within this (or the resolution)


@dataclass(frozen=True)
class HessianCheck:
    """The outcome of :func:`check_hessian`.

    Attributes
    ----------
    ok : bool
        True only for the verdict "correct".
    rel_error : float
        ‖p − d‖ / ‖d‖ over the pairs, with p_k = ⟨K_k, ∇²f[H_k]⟩ from the candidate and
        d_k the numerical D²f(X)[H_k, K_k]; ``inf`` for an invalid candidate.
    method : str
        "complex" or "richardson" (the numerical method), "none" if nothing was computed.
    message : str
        A sentence a student can act on.
    n_evaluations : int
        How many times f was called.
    verdict : str
        "correct", "wrong", "inconclusive" (the numerical estimates cannot resolve the
        difference) or "invalid candidate" (wrong shape, not finite, not numeric).
    resolution : float
        An upper bound on the numerical estimates' error, in the norm over the pairs.
    asymmetry : float
        ‖p − q‖ / ‖(p + q)/2‖ with q_k = ⟨H_k, ∇²f[K_k]⟩: 0 for a self-adjoint candidate.

    Chapter 8, *Second derivatives*.
    """

    ok: bool
    rel_error: float
    method: str
    message: str
    n_evaluations: int
    verdict: str = "correct"
    resolution: float = 0.0
    asymmetry: float = 0.0

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        label = {"correct": "OK", "wrong": "FAILED", "invalid candidate": "FAILED"}
        return f"HessianCheck {label.get(self.verdict, self.verdict.upper())}: {self.message}"


def check_hessian(
    f: Callable,
    hess: Callable | ArrayLike,
    X: ArrayLike,
    rng: np.random.Generator | None = None,
    *,
    n_directions: int = 3,
    rtol: float = DEFAULT_RTOL,
    method: MixedMethod = "auto",
) -> HessianCheck:
    """Check a candidate Hessian of a scalar function f at X.

    Draws ``n_directions`` random Gaussian pairs (H, K) shaped like X and compares
    ⟨K, hess(H)⟩ with a numerical D²f(X)[H, K] (:func:`utils.second_differences.mixed_derivatives`:
    a complex step along H and differences along K when f accepts complex input, a
    four-point mixed difference otherwise, each extrapolated and with an error bound).
    The verdict is "correct" only when the difference is within ``rtol`` of the numerical
    values *and* their error bound is below that; a difference the bound cannot resolve
    is "inconclusive". A candidate that is not self-adjoint (⟨K, hess(H)⟩ ≠ ⟨H, hess(K)⟩
    beyond rounding and ``rtol``) is "wrong" whatever the numbers say. A cheap tableau is
    tried first, the longer one only when the first does not settle the verdict; the
    number of evaluations of f does not depend on the size of X.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number.
    hess : callable or array_like
        Either the operator, ``hess(H)`` returning ∇²f(X)[H] shaped like X, or the
        Hessian matrix of shape (mn, mn) acting on the column-major vec of X:
        vec(∇²f(X)[H]) = hess @ vec(H).
    X : array_like, shape (m, n) (any shape with at least one dimension)
        The point; real, finite and in double precision (float64, or integers). f and
        hess receive float64 copies, and f must compute in float64: a second difference
        divides f's rounding by the square of its step, so single precision (float32,
        ε ≈ 1e-7) leaves no digits to compare, and is refused.
    rng : numpy.random.Generator, optional
        Source of the directions; a fixed seed when omitted.
    n_directions : int
        Number of random pairs (H, K).
    rtol : float
        Largest relative error that counts as correct, 0 < rtol < 1.
    method : {"auto", "complex", "richardson"}
        The numerical method; "auto" takes the complex step where f allows it.

    Returns
    -------
    HessianCheck
        Truthy when the candidate passes. A candidate of the wrong shape, or with NaN or
        infinite values, is a failed check, not an exception.

    Raises
    ------
    TypeError, ValueError
        If f is not callable or not real-valued, X is not a finite real array, X or f(X)
        is in single or half precision (TypeError), ``hess`` is neither callable nor an
        array, or the options are invalid.

    Chapter 8, *Second derivatives*.
    """
    f = require_callable(f, "f")
    if isinstance(X, (np.ndarray, np.generic)):  # a list or a float is float64 already
        _require_double(X.dtype, "X")
    X = as_real_array(X, "X", min_ndim=1)
    rng = generator_or_seeded(rng, DEFAULT_SEED)
    _check_options(n_directions, rtol, method)
    apply = _operator(hess, X.shape)
    counted = _Counting(f)
    pairs = [(rng.standard_normal(X.shape), rng.standard_normal(X.shape))
             for _ in range(n_directions)]
    images = [(apply(H), apply(K)) for H, K in pairs]
    problem = next((image for pair in images for image in pair if isinstance(image, str)), None)
    if problem is not None:
        return HessianCheck(False, np.inf, "none", problem, 0, "invalid candidate")
    p = np.array([_inner(K, TH) for (H, K), (TH, _) in zip(pairs, images, strict=True)])
    q = np.array([_inner(H, TK) for (H, K), (_, TK) in zip(pairs, images, strict=True)])
    asymmetry = _asymmetry(p, q, pairs, images)

    estimates = mixed_derivatives(counted, X, pairs, method, quick=True)
    judgement = _judge(p, estimates, rtol)
    if judgement.verdict != "correct" and (
            judgement.difference < CLEAR * judgement.noise
            or judgement.noise > CONVERGED * judgement.size):
        estimates = mixed_derivatives(counted, X, pairs, estimates.method)
        judgement = _judge(p, estimates, rtol)
    variants = _Variants(hess, apply, pairs, p, q)
    verdict, message = _verdict(judgement, asymmetry, rtol, variants, estimates, X.shape)
    return HessianCheck(verdict == "correct", judgement.error, estimates.method, message,
                        counted.calls, verdict, judgement.noise, asymmetry)


@dataclass(frozen=True)
class _Judgement:
    verdict: str
    error: float
    difference: float
    size: float
    noise: float


def _judge(p: np.ndarray, estimates: MixedEstimates, rtol: float) -> _Judgement:
    """The comparison of check_gradient: relative when resolved, else only beyond the noise.

    Inconclusive whatever the numbers when a pair's estimates never settled (successive
    step sizes disagree beyond their bounds): its bound is not a bound.
    """
    factor = 1.0 if estimates.method == "complex" else SAFETY
    noise = frobenius_norm(factor * estimates.errors)
    size = frobenius_norm(estimates.values)
    difference = frobenius_norm(p - estimates.values)
    if not estimates.settled.all():
        verdict = "inconclusive"  # the estimates' bounds are not honest: they judge nothing
    elif noise <= rtol * size:
        verdict = "correct" if difference <= rtol * size else "wrong"
    else:
        verdict = "wrong" if difference > rtol * size + MISMATCH * noise else "inconclusive"
    return _Judgement(verdict, difference / max(size, TINY), difference, size, noise)


def _asymmetry(p: np.ndarray, q: np.ndarray, pairs: list, images: list) -> float:
    """‖p − q‖ / ‖(p + q)/2‖, or 0 when the gap is within the candidate's own rounding."""
    bound = sum(frobenius_norm(TH) * frobenius_norm(K) + frobenius_norm(TK) * frobenius_norm(H)
                for (H, K), (TH, TK) in zip(pairs, images, strict=True))
    gap = frobenius_norm(p - q)
    if gap <= SYMMETRY_ROUNDING * EPS * bound:
        return 0.0
    return gap / max(frobenius_norm((p + q) / 2), TINY)


class _Variants:
    """The candidate's bilinear form under the usual slips, to name the one that fits."""

    def __init__(self, hess: Any, apply: Callable, pairs: list, p: np.ndarray,
                 q: np.ndarray) -> None:
        self.hess, self.apply, self.pairs, self.p, self.q = hess, apply, pairs, p, q

    def forms(self) -> list[tuple[str, Callable[[], np.ndarray | None]]]:
        return [
            ("symmetric part", lambda: (self.p + self.q) / 2),
            ("input transposed", lambda: self._transposed(inputs=True)),
            ("output transposed", lambda: self._transposed(inputs=False)),
            ("row-major vec", self._row_major),
        ]

    def _transposed(self, inputs: bool) -> np.ndarray | None:
        H0 = self.pairs[0][0]
        if H0.ndim != 2 or H0.shape[0] != H0.shape[1]:
            return None
        values = []
        for H, K in self.pairs:
            image = self.apply(H.T) if inputs else self.apply(H)
            if isinstance(image, str):
                return None
            values.append(_inner(K, image) if inputs else _inner(K.T, image))
        return np.array(values)

    def _row_major(self) -> np.ndarray | None:
        if callable(self.hess):
            return None
        matrix = np.asarray(self.hess, dtype=float)
        return np.array([float(K.ravel() @ matrix @ H.ravel()) for H, K in self.pairs])


def _verdict(judgement: _Judgement, asymmetry: float, rtol: float, variants: _Variants,
             estimates: MixedEstimates, shape: tuple[int, ...]) -> tuple[str, str]:
    where = (f"X of shape {shape}, {len(estimates.values)} random pairs (H, K), "
             f"{estimates.method} second differences")
    symmetric = asymmetry <= rtol
    if judgement.verdict == "correct" and symmetric:
        return "correct", f"relative error {judgement.error:.3g} ≤ {rtol:.3g} ({where})"
    if not symmetric:
        hint = _diagnosis(judgement, variants, estimates, skip=())
        return "wrong", (
            f"the operator is not symmetric: ⟨K, ∇²f[H]⟩ ≠ ⟨H, ∇²f[K]⟩ (relative gap "
            f"{asymmetry:.3g}), but the Hessian of a twice continuously differentiable f is "
            f"self-adjoint, D²f(X)[H, K] = D²f(X)[K, H] ({where}). {hint}")
    if judgement.verdict == "inconclusive":
        return "inconclusive", _inconclusive(judgement, estimates, rtol, where)
    hint = _diagnosis(judgement, variants, estimates, skip=("symmetric part",))
    return "wrong", (
        f"relative error {judgement.error:.3g} > {rtol:.3g}: ⟨K, ∇²f(X)[H]⟩ does not match "
        f"the numerical D²f(X)[H, K] ({where}), beyond its uncertainty "
        f"±{judgement.noise:.3g}. {hint}")


def _diagnosis(judgement: _Judgement, variants: _Variants, estimates: MixedEstimates,
               skip: tuple[str, ...]) -> str:
    """Which usual slip the candidate's numbers fit, or the common causes."""
    d = estimates.values
    tolerance = max(MATCH * judgement.size, MISMATCH * judgement.noise)
    hints = {
        "symmetric part": "Its symmetric part, ½(⟨K, ∇²f[H]⟩ + ⟨H, ∇²f[K]⟩), matches: a "
                          "symmetrisation was lost (e.g. 2AH where (A + Aᵀ)H belongs).",
        "input transposed": "It matches the transpose: applied to Hᵀ instead of H it agrees, "
                            "so an H stands where Hᵀ belongs (or the reverse).",
        "output transposed": "It matches the transpose: its output transposed agrees, so it "
                             "returns (∇²f(X)[H])ᵀ.",
        "row-major vec": "It matches with row-major vec: the book's vec stacks columns "
                         "(order='F'), so that vec(AXB) = (Bᵀ ⊗ A) vec X.",
    }
    for name, form in variants.forms():
        if name in skip:
            continue
        values = form()
        if values is not None and frobenius_norm(values - d) <= tolerance:
            return hints[name]
    p = variants.p
    c = _factor(p, d, tolerance)
    if c is not None:
        if abs(c + 1) < 0.05:
            return "It has the wrong sign."
        return (f"It is off by a factor of about {c:.3g} (a lost or extra factor 2 is "
                "the usual one).")
    if "symmetric part" not in skip:
        c = _factor((p + variants.q) / 2, d, tolerance)
        if c is not None:
            return (f"Its symmetric part, ½(⟨K, ∇²f[H]⟩ + ⟨H, ∇²f[K]⟩), matches up to a "
                    f"factor of about {c:.3g}: a symmetrisation was lost, and a factor as "
                    "well (e.g. AH where (A + Aᵀ)H belongs: often a dropped product-rule "
                    "term that equals the one kept).")
    return ("Common causes: a term of the second differential dropped (each product-rule "
            "term of d²f gives a term of the Hessian), a missing transpose, a factor of 2.")


def _factor(p: np.ndarray, d: np.ndarray, tolerance: float) -> float | None:
    """The c ≠ 0 with p ≈ c·d within ``tolerance`` (scaled by |c| when |c| > 1), or None."""
    if frobenius_norm(p) == 0 or float(d @ d) == 0:
        return None
    c = float(p @ d) / float(d @ d)
    if c != 0 and frobenius_norm(p - c * d) <= tolerance * max(abs(c), 1.0):
        return c
    return None


def _inconclusive(judgement: _Judgement, estimates: MixedEstimates, rtol: float,
                  where: str) -> str:
    unsettled = int(np.count_nonzero(~estimates.settled))
    if unsettled:
        return (f"cannot tell: the numerical second derivative cannot resolve D²f(X)[H, K] "
                f"here. For {unsettled} of the {len(estimates.values)} pairs the estimates at "
                "successive step sizes disagree beyond their error bounds, so no step size "
                "gives a trustworthy value, and the candidate is neither confirmed nor "
                f"refuted (relative difference {judgement.error:.3g}; {where}). Usually X is "
                "close to a point where f is singular or not smooth (an ill-conditioned "
                "matrix, a kink), so that every step reaches across it. Try: check at a "
                "better-conditioned X nearby; write f so that it accepts complex input "
                "(np.log(np.linalg.det(Y)) rather than slogdet), so that the complex step is "
                "used; or compare with an exact method (jax.hessian) at this X.")
    value = abs(estimates.value_at_X)
    if judgement.size <= MISMATCH * judgement.noise:
        why = ("D²f(X)[H, K] is zero to within that uncertainty along every pair: f is "
               "close to affine near X, or its second derivatives are tiny compared with "
               "f's rounding; scale f")
    elif estimates.method != "complex" and value > 1e3 * judgement.size:
        why = (f"f's values (|f(X)| ≈ {value:.3g}) are large compared with its second "
               "derivatives, and the four-point difference divides f's rounding by s²; "
               "subtract the constant from f, or write f so that it accepts complex input")
    else:
        why = ("X may be close to a point where f is singular or not smooth (an "
               "ill-conditioned matrix, a kink); try a better-conditioned X, write f so "
               "that it accepts complex input, or loosen rtol")
    return (f"cannot tell: the numerical second derivative cannot resolve the comparison. "
            f"Its estimates are uncertain by ±{judgement.noise:.3g}, "
            f"{judgement.noise / max(judgement.size, TINY):.2g} of their size, more than "
            f"rtol = {rtol:.3g}, and the candidate differs by less "
            f"than that allows (relative error {judgement.error:.3g}; {where}). Why: {why}.")


def _operator(hess: Any, shape: tuple[int, ...]) -> Callable[[np.ndarray], np.ndarray | str]:
    """H ↦ the candidate's ∇²f(X)[H] as a float array shaped like X, or a reason why not."""
    size = int(np.prod(shape))
    if callable(hess):
        return lambda H: _as_image(hess(H.copy()), shape)
    try:
        matrix = np.asarray(hess)
    except (ValueError, TypeError):
        raise TypeError("hess must be a function H ↦ ∇²f(X)[H] or an (mn, mn) array, "
                        f"got {type(hess).__name__}") from None
    if matrix.dtype == bool or not np.issubdtype(matrix.dtype, np.number):
        raise TypeError("hess must be a function H ↦ ∇²f(X)[H] or a numeric (mn, mn) "
                        f"array, got {type(hess).__name__} of dtype {matrix.dtype}")
    if matrix.shape != (size, size):
        message = (f"the candidate Hessian matrix has shape {matrix.shape}, but X has shape "
                   f"{shape}: it must be ({size}, {size}), acting on vec X")
        return lambda H: message
    return lambda H: _as_image((matrix @ H.reshape(-1, order="F")).reshape(shape, order="F"),
                               shape)


def _as_image(image: Any, shape: tuple[int, ...]) -> np.ndarray | str:
    try:
        T = np.asarray(image)
    except (ValueError, TypeError):
        return f"hess(H) is not a numeric array ({type(image).__name__})"
    if T.dtype == bool or not np.issubdtype(T.dtype, np.number):
        return f"hess(H) is not numeric (dtype {T.dtype})"
    if T.ndim == 1 and len(shape) == 2 and T.size == int(np.prod(shape)) > 1:
        m, n = shape
        return (f"hess(H) is a 1-D array of {T.size} entries, but X has shape {shape}: return "
                f"the matrix, not its vec: v.reshape({m}, {n}, order='F') undoes the "
                "book's column-major vec")
    if T.shape != shape:
        flipped = " (the transpose's shape)" if T.shape == shape[::-1] else ""
        return (f"hess(H) has shape {T.shape}{flipped}, but X has shape {shape}: the Hessian "
                "operator maps a direction H to a matrix shaped like X")
    if np.iscomplexobj(T):
        return "hess(H) is complex; the Hessian of a real function is real"
    if not np.all(np.isfinite(T)):
        return "hess(H) contains NaN or infinite entries"
    return T.astype(float)


def _inner(A: np.ndarray, B: np.ndarray) -> float:
    return float(np.sum(A * B))


class _Counting:
    """f with a count of its calls."""

    def __init__(self, f: Callable) -> None:
        self.f, self.calls = f, 0

    def __call__(self, Y: np.ndarray) -> Any:
        self.calls += 1
        value = self.f(Y)
        if self.calls == 1 and isinstance(value, (np.ndarray, np.generic)):
            _require_double(value.dtype, "f(X)")
        return value


def _require_double(dtype: np.dtype, name: str) -> None:
    """TypeError for single or half precision: second differences need float64."""
    if np.issubdtype(dtype, np.inexact) and np.finfo(dtype).eps > EPS:
        raise TypeError(
            f"check_hessian needs float64, but {name} has dtype {dtype}: a numerical second "
            f"derivative divides f's rounding (ε ≈ {np.finfo(dtype).eps:.1g} in {dtype}) by "
            "the square of a small step, which leaves no correct digits. Pass "
            "X.astype(np.float64) and let f compute in float64.")


def _check_options(n_directions: Any, rtol: Any, method: Any) -> None:
    if isinstance(n_directions, bool) or not isinstance(n_directions, (int, np.integer)):
        raise TypeError(f"n_directions must be an int, got {type(n_directions).__name__}")
    if n_directions < 1:
        raise ValueError(f"n_directions must be at least 1, got {n_directions}")
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.integer, np.floating)):
        raise TypeError(f"rtol must be a real number, got {type(rtol).__name__}")
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must be a number with 0 < rtol < 1, got {rtol!r}; at rtol ≥ 1 "
                         "even a zero Hessian passes")
    if method not in MIXED_METHODS:
        raise ValueError(f"method must be one of {MIXED_METHODS}, got {method!r}")

