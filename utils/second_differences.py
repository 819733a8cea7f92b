"""Mixed second derivatives D²f(X)[H, K] along pairs of directions, with error bounds.

D²f(X)[H, K] = ∂/∂t (∂/∂s f(X + sH + tK)) at s = t = 0 (along H, then K). Two
estimators, both extrapolated with a Richardson tableau on steps that halve, both
carrying an error bound:

* ``"complex"``: the complex step along H gives φ(Y) = Im f(Y + ihH) / h = Df(Y)[H] to
  rounding (for f complex-analytic as written); central differences of φ along K then
  give D²f(X)[H, K]. A constant added to f never enters, and only one difference is
  taken, so about ten digits survive;
* ``"richardson"``: the four-point mixed difference
  [f(X + sH + sK) − f(X + sH − sK) − f(X − sH + sK) + f(X − sH − sK)] / (4s²),
  for any f that accepts real input. It divides by s², so f's rounding is amplified more
  than in a first derivative, and a large constant in f costs digits that nothing
  recovers; the bound says so.

The number of evaluations of f depends on the number of pairs only, never on the size of
X. Introduced in Chapter 8, *Second derivatives*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._validation import as_real_array, as_scalar, require_callable, require_same_shape
from .difference_formulas import Line, step_scale
from .line_estimates import COMPLEX_STEP, EPS, choose_method

__all__ = ["MIXED_METHODS", "MixedEstimates", "mixed_derivatives"]

MixedMethod = Literal["auto", "complex", "richardson"]
MIXED_METHODS: tuple[str, ...] = ("auto", "complex", "richardson")

FIRST_STEP = 0.02  # the tableau's largest step, in units of the directions' natural scale
QUICK_LEVELS = 4  # steps in the quick tableau (each halving the last)
LADDER_LEVELS = 3  # steps in each tableau of the full ladder ...
DECADES = {"complex": 9, "richardson": 6}  # ... which starts this many decades apart at most
ORDER = 3  # the tableau eliminates up to s^(2·ORDER) from the differences
ROUNDOFF_FACTOR = 10.0  # f's rounding ≈ this × ε × |value| (the complex step's: of φ)
COMPLEX_ROUNDOFF = 1e3  # the complex step's rounding, relative to its value
CONVERGED = 1e-3  # a ladder rung has settled when its bound is below this × its value
FLOOR = 10.0  # ... or, for a value that is zero to rounding, when its bound is rounding


@dataclass(frozen=True)
class MixedEstimates:
    """Estimates of D²f(X)[H_k, K_k] for k pairs of directions.

    Attributes
    ----------
    values : ndarray, shape (k,)
        values[k] estimates D²f(X)[H_k, K_k].
    errors : ndarray, shape (k,)
        A bound on the absolute error of each: the tableau's truncation (the distance of
        the chosen entry to the two it was made from) plus f's rounding amplified by the
        formula's weights.
    method : str
        "complex" or "richardson".
    value_at_X : float
        f(X), for judging how much rounding a large |f(X)| brings.
    settled : ndarray of bool, shape (k,)
        settled[k] is False when the estimates at successive step sizes never agreed:
        no tableau's bound fell below CONVERGED of its value, and no two successive ones
        agreed within their bounds at the level of f's rounding. Then errors[k] is not an
        honest bound (steps that reach across a nearby singularity contradict each
        other, and none can be trusted), and the estimate resolves nothing.

    Chapter 8, *Second derivatives*.
    """

    values: np.ndarray
    errors: np.ndarray
    method: str
    value_at_X: float
    settled: np.ndarray


def mixed_derivatives(
    f: Callable,
    X: np.ndarray,
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    method: MixedMethod = "auto",
    *,
    quick: bool = False,
) -> MixedEstimates:
    """D²f(X)[H, K] for each pair (H, K), sharing one choice of method.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number.
    X : ndarray, shape (m, n) (any shape with at least one dimension)
    pairs : sequence of (H, K), each of X's shape and nonzero
    method : {"auto", "complex", "richardson"}
        "auto" uses the complex step when f is complex-analytic as written along the first
        H (decided as in :func:`utils.directional_derivative`), Richardson otherwise.
    quick : bool
        One tableau of QUICK_LEVELS steps halving from FIRST_STEP (8 evaluations per pair
        with the complex step, 16 without); the error bounds say when that is not enough.
        Otherwise a ladder of short tableaus, each starting ten times closer to X, down
        to where rounding takes over. Each rung's bound adds its distance to the next
        shorter rung, and settled rungs (bound below CONVERGED of the value) win over the
        others: steps that reach across a singularity close to X give estimates that
        their shorter neighbours contradict, and lose. When no rung settles, the pair is
        marked unsettled (see :class:`MixedEstimates`).

    Returns
    -------
    MixedEstimates, with values, errors and settled of shape (len(pairs),)

    Raises
    ------
    TypeError, ValueError
        For an f that is not callable or not real-valued, an X that is not a finite real
        array, directions of the wrong shape or zero, an unknown method, or no pairs.

    Chapter 8, *Second derivatives*.
    """
    f = require_callable(f, "f")
    X = as_real_array(X, "X", min_ndim=1)
    if method not in MIXED_METHODS:
        raise ValueError(f"method must be one of {MIXED_METHODS}, got {method!r}")
    checked = [_pair(X, H, K) for H, K in pairs]
    if not checked:
        raise ValueError("pairs is empty: give at least one pair of directions (H, K)")
    value = _real_scalar(f(X.copy()))
    if method == "auto":
        method, _ = choose_method(Line.build(f, X, checked[0][0], value), quick=True)
    estimate = _complex_mixed if method == "complex" else _real_mixed
    results = [estimate(f, X, H, K, value, quick, DECADES[method]) for H, K in checked]
    return MixedEstimates(np.array([r[0] for r in results]), np.array([r[1] for r in results]),
                          method, value, np.array([r[2] for r in results], dtype=bool))


def _pair(X: np.ndarray, H: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    H, K = as_real_array(H, "H"), as_real_array(K, "K")
    require_same_shape(X, H, "X", "the direction H")
    require_same_shape(X, K, "X", "the direction K")
    if not (H.any() and K.any()):
        raise ValueError("a direction is the zero matrix; a second derivative needs H, K ≠ 0")
    return H, K


def _real_scalar(raw: object) -> float:
    value = as_scalar(raw, "f")
    if isinstance(value, complex):
        if abs(value.imag) > 1e-12 * max(abs(value.real), 1.0):
            raise TypeError(f"f must be real-valued, but f(X) is complex: {value!r}")
        value = value.real
    if not np.isfinite(value):
        raise ValueError(f"f(X) is not finite: {value!r}")
    return float(value)


def _complex_mixed(f: Callable, X: np.ndarray, H: np.ndarray, K: np.ndarray, value: float,
                   quick: bool, decades: int) -> tuple[float, float, bool]:
    """Central differences along K of φ(Y) = Im f(Y + ihH) / h, in a tableau."""
    h = COMPLEX_STEP * step_scale(X, H)
    unit_k = step_scale(X, K)

    values: dict[float, float] = {}

    def phi(t: float) -> float:
        if t not in values:
            with np.errstate(all="ignore"):
                raw = as_scalar(f(X + t * K + 1j * h * H), "f")
            values[t] = float(np.imag(raw)) / h
        return values[t]

    def difference(s: float) -> tuple[float, float]:
        step = s * unit_k
        ahead, behind = phi(step), phi(-step)
        # φ's rounding, relative to the size of φ, divided by the difference's 2·step
        rounding = COMPLEX_ROUNDOFF * EPS * max(abs(ahead), abs(behind)) / step
        return (ahead - behind) / (2 * step), rounding

    return _estimate(difference, quick, decades)


def _real_mixed(f: Callable, X: np.ndarray, H: np.ndarray, K: np.ndarray, value: float,
                quick: bool, decades: int) -> tuple[float, float]:
    """The four-point mixed difference, with H and K each scaled to its natural unit."""
    unit_h, unit_k = step_scale(X, H), step_scale(X, K)

    def at(a: float, b: float) -> float:
        return float(np.real(as_scalar(f(X + a * unit_h * H + b * unit_k * K), "f")))

    def difference(s: float) -> tuple[float, float]:
        corners = (at(s, s), at(s, -s), at(-s, s), at(-s, -s))
        if not np.all(np.isfinite(corners)):
            return float("nan"), float("inf")
        size = max(abs(value), *map(abs, corners))
        scale = 4 * s * s * unit_h * unit_k
        return (corners[0] - corners[1] - corners[2] + corners[3]) / scale, (
            ROUNDOFF_FACTOR * 4 * EPS * size / scale)

    return _estimate(difference, quick, decades)


def _estimate(difference: Callable[[float], tuple[float, float]], quick: bool,
              decades: int) -> tuple[float, float, bool]:
    """The quick tableau, or the ladder of tableaus (see :func:`mixed_derivatives`).

    Returns the value, its bound, and whether it settled: its bound is below CONVERGED of
    the value, or (for a value that is zero to rounding) it and the next rung agree
    within their bounds and both bounds are within FLOOR of the rounding alone.
    """
    if quick:
        value, bound, _ = _tableau(difference, FIRST_STEP, QUICK_LEVELS)
        return value, bound, _settled(value, bound)
    rungs = []  # (value, bound, rounding) from the longest first step down
    for k in range(decades):
        rung = _tableau(difference, FIRST_STEP / 10**k, LADDER_LEVELS)
        rungs.append(rung)
        finite = [abs(r[0]) for r in rungs if np.isfinite(r[0])]
        if len(rungs) >= 3 and rung[2] > 10 * max(finite, default=0.0):
            break  # rounding has taken over: shorter steps only add noise

    best = (True, float("inf"), float("nan"), -1)  # (not converged?, bound, value, rung)
    for k, (value, bound, _) in enumerate(rungs):
        if not np.isfinite(value):
            continue
        if k + 1 < len(rungs):  # confirmed, or contradicted, by the next shorter steps
            total = bound + abs(value - rungs[k + 1][0])
        elif k > 0 and _settled(*rungs[k - 1][:2]):
            total = bound + abs(value - rungs[k - 1][0])
        else:  # the shortest steps, after unsettled longer ones: their own tableau's bound
            total = bound
        candidate = (not _settled(value, total), total, value, k)
        if np.isfinite(total) and candidate < best:
            best = candidate
    unsettled, total, value, k = best
    return value, total, not unsettled or _at_rounding_floor(rungs, k)


def _settled(value: float, bound: float) -> bool:
    return bool(np.isfinite(value) and bound <= CONVERGED * abs(value))


def _at_rounding_floor(rungs: list[tuple[float, float, float]], k: int) -> bool:
    """Rung k and a neighbour agree within bounds that are f's rounding, not truncation."""
    if k < 0:
        return False
    value, bound, rounding = rungs[k]
    for j in (k - 1, k + 1):
        if 0 <= j < len(rungs):
            other, other_bound, other_rounding = rungs[j]
            if (np.isfinite(other) and abs(value - other) <= bound + other_bound
                    and bound <= FLOOR * rounding and other_bound <= FLOOR * other_rounding):
                return True
    return False


def _tableau(difference: Callable[[float], tuple[float, float]], first: float,
             levels: int) -> tuple[float, float, float]:
    """Richardson on differences D(s) = D + c₁s² + c₂s⁴ + ... at s halving from ``first``.

    T[i][j] = T[i][j-1] + (T[i][j-1] − T[i-1][j-1]) / (4^j − 1). Each entry's bound is its
    larger distance to the two entries it was made from (its truncation, as in Ridders'
    method) plus the rounding of the differences it combines, weighted by the tableau's
    coefficients; the entry with the smallest bound wins. Returns its value, its bound
    and the rounding part of the bound.
    """
    rows: list[list[tuple[float, float]]] = []
    best = (float("nan"), float("inf"), float("inf"))
    for i in range(levels):
        value, rounding = difference(first / 2**i)
        row = [(value, rounding)]
        for j in range(1, min(i, ORDER) + 1):
            (a, ra), (b, rb) = row[j - 1], rows[i - 1][j - 1]
            weight = 1 / (4**j - 1)
            entry = a + (a - b) * weight
            noise = (1 + weight) * ra + weight * rb
            row.append((entry, noise))
            bound = max(abs(entry - a), abs(entry - b)) + noise
            if np.isfinite(entry) and bound < best[1]:
                best = (entry, bound, noise)
        rows.append(row)
    return best
