"""Derivatives along one line t ↦ f(X + tH), each with an honest error bound.

:mod:`utils.difference_formulas` has the formulas; this module decides how far to trust
them. Three estimators, from cheapest to most careful:

* :func:`complex_estimate`: the complex step, exact to rounding when f is complex-analytic
  as written (None when f visibly is not);
* :func:`quick_richardson`: Richardson extrapolation at one small step, six evaluations;
  its error bound is the gap between the extrapolated values at h and 2h, plus round-off;
* :func:`richardson_ladder`: Richardson on a ladder of steps going down (a factor 10 at a
  time) until round-off takes over. Each estimate's error is gauged by its distance to
  the nearer neighbour, and steps whose slope gap does not shrink (a kink, round-off
  noise, a singularity inside the step) come last, so that large steps across a nearby
  singularity or kink do not pass for converged.

All three also look for kinks: the forward and backward slopes differ by about h·f'' for a
smooth f, which shrinks with h, and by the jump of the slope at a kink, which does not.
:func:`choose_method` decides, along one probe direction, whether the complex step may be
used: only a real estimate whose error bound excludes the complex value, and which a
second ladder confirms, can overrule it. Introduced in Chapter 2, *The Fréchet
derivative and the gradient*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from math import comb

import numpy as np

from .difference_formulas import Line, largest_magnitude

__all__ = [
    "COMPLEX_STEP",
    "LineEstimate",
    "choose_method",
    "complex_estimate",
    "noise_level",
    "quick_richardson",
    "refined_richardson",
    "richardson_ladder",
    "slope_scale",
]

EPS = float(np.finfo(float).eps)
TINY = float(np.finfo(float).tiny)
SUBNORMAL_ROUNDING = 100 * float(np.finfo(float).smallest_subnormal)  # f's rounding near 0
COMPLEX_STEP = 1e-20  # in units of Line.scale; any tiny value works for the complex step
LADDER = tuple(10.0**-k for k in range(1, 16))  # Richardson steps in units of Line.scale
ROUNDOFF_FACTOR = 10.0  # round-off error of a difference estimate ≈ this × ε |f| / h
COMPLEX_ROUNDING = 1e3  # the complex step's rounding is at least this × ε × its size
ROUNDING_SPREAD = 2.0  # ... and at most this × its spread between steps h and 3h
SENSITIVITY_ULPS = 4.0  # the step at 3h starts from X moved by about this many ulps
QUICK_STEP = 1e-3  # the cheap first Richardson step, in units of Line.scale
QUICK_RTOL = 1e-8  # the complex step is accepted at once if it matches that estimate this well
CONVERGED = 1e-3  # a ladder estimate has converged when its relative error is below this
REFUTE_FACTOR = 10.0  # a real estimate refutes the complex step beyond this × its error bound
REFUTE_RTOL = 1e-6  # ... and beyond this relative difference
KINK_RTOL = 1e-6  # a slope gap this small relative to the slopes is no kink
KINK_SHRINK = 0.75  # halving the step halves a smooth slope gap; a kink's stays above this
REFINE_TOP = 16.0  # the refined tableau's largest step, in units of the ladder's best step
REFINE_LEVELS = 9  # ... and how many steps it halves down from there
REFINE_ORDER = 5  # Richardson eliminates up to h^(2·this) from the central differences
NOISE_SPACING = 1 / 64  # f's noise is sampled this fraction of the best step apart
NOISE_POINTS = 6  # ... at this many points on either side of X
NOISE_SIGMAS = 3.0  # the refined bound allows this many standard deviations of noise
NOISY = 100.0  # refine only where f's noise exceeds this × ε |f(X)|


@dataclass(frozen=True)
class LineEstimate:
    """One directional derivative and what is known about its accuracy.

    Attributes
    ----------
    value : ndarray, shaped like f(X)
        The estimate of Df(X)[H].
    error : float
        An honest bound on its absolute error (NaN for the textbook formulas, which have
        none).
    kink : float
        The gap between forward and backward slopes that did not shrink with the step:
        0 when f looks smooth along H, NaN when it was not looked for.
    step : float
        The step (in units of t) of a Richardson estimate, NaN for the others.
    """

    value: np.ndarray
    error: float
    kink: float = float("nan")
    step: float = float("nan")


def complex_estimate(line: Line) -> LineEstimate | None:
    """The complex-step derivative, or None if f visibly does not support complex input.

    Its error is rounding only (truncation is O(h²) with h ≈ 1e-20). Rounding in f's own
    computation is what matters: at an ill-conditioned X (a matrix inverse at cond 1e10,
    say) an algorithm that is exact up to a relative error of a few ulps in X yields a
    derivative off by cond·ε. So the step is taken again at 3h from X moved by about
    SENSITIVITY_ULPS ulps per entry (a fixed pseudo-random pattern of signs), and the
    error is bounded by ROUNDING_SPREAD times the spread of the two values — which sees
    both the rounding of the imaginary parts and the sensitivity of f's derivative to
    rounding-sized changes of X — and at least COMPLEX_ROUNDING·ε times the value. A
    constant added to f does not enter: the complex step never subtracts two values of
    f. When f's values
    or the imaginary parts are so small that they fall below the normal floating-point
    range (subnormal numbers, with few digits), COMPLEX_ROUNDING·TINY/h is added; exact
    zeros (f ≡ 0 near X) are not subnormal. Two evaluations.
    """
    h = COMPLEX_STEP * line.scale
    try:
        perturbed = line.complex_value(h)
    except Exception:
        return None
    value = np.imag(perturbed) / h
    if not np.iscomplexobj(perturbed) or not np.all(np.isfinite(value)):
        return None  # abs, norms and svd return real numbers
    moved = Line(line.f, _rounding_moved(line.X), line.H, line.scale)
    with np.errstate(all="ignore"):
        again = np.imag(moved.complex_value(3 * h)) / (3 * h)
    rounding = ROUNDING_SPREAD * largest_magnitude(again - value)
    underflow = COMPLEX_ROUNDING * TINY / h if _subnormal(line, perturbed) else 0.0
    error = max(rounding, COMPLEX_ROUNDING * EPS * largest_magnitude(value)) + underflow
    return LineEstimate(value, error if np.isfinite(error) else np.inf)


def _rounding_moved(X: np.ndarray) -> np.ndarray:
    """X with each entry moved by about SENSITIVITY_ULPS ulps, up or down (fixed signs)."""
    signs = np.where(np.random.default_rng(0).random(X.shape) < 0.5, -1.0, 1.0)
    return X * (1 + SENSITIVITY_ULPS * EPS * signs)


def slope_scale(line: Line) -> float:
    """The largest |f(X + tH) − f(X)| · scale / |t| over the real points already evaluated.

    f's change over a natural step, extrapolated from the steps taken: the size of f's
    changes, free of any constant in f, at no extra cost (0 if no point is known).
    """
    changes = [largest_magnitude(np.real(value - line(0.0))) * line.scale / abs(t)
               for t, value in line.evaluated() if t != 0.0]
    finite = [change for change in changes if np.isfinite(change)]
    return max(finite, default=0.0)


def quick_richardson(line: Line, step: float = QUICK_STEP) -> LineEstimate | None:
    """Richardson at h = step·scale, from f at X ± hH, X ± 2hH and X ± 4hH (6 evaluations).

    R(h) = (4 D(h) − D(2h)) / 3 and R(2h) are extrapolated central differences whose
    errors are O(h⁴): |R(h) − R(2h)| (about 15 times the error of R(h)) plus round-off is
    the error bound. The slope gaps at h, 2h and 4h tell a kink (equal gaps) from a smooth
    f (the gap doubles with the step): a hint, which the ladder confirms. None when f is
    not finite, or fails, at one of these points (the ladder then takes smaller steps).
    """
    h = step * line.scale
    values = _try(lambda: np.array([line.central(h * 2**k) for k in range(3)]))
    if values is None:
        return None
    small, large = (4 * values[0] - values[1]) / 3, (4 * values[1] - values[2]) / 3
    kink = min(_persistent_gap(line, h, 2 * h), _persistent_gap(line, 2 * h, 4 * h))
    error = largest_magnitude(small - large) + _roundoff(line, h)
    return LineEstimate(small, error, kink)


def richardson_ladder(line: Line, shift: float = 1.0) -> LineEstimate:
    """Richardson estimates on a ladder of steps; the best converged one, honestly bounded.

    Too large a step leaves truncation error, too small a step round-off error. The error
    of the estimate at step k is gauged by its distance to the nearer of its neighbours
    R_{k-1}, R_{k+1} plus the modelled round-off ε |f| / h: at the best step both
    neighbours are less accurate (one by truncation, the other by round-off), so the
    nearer one bounds its error. The ladder stops once round-off exceeds the largest
    estimate seen (after at least three finite estimates). Steps whose slope gap does not
    shrink are suspect (a kink, round-off noise, or a singularity inside the step) and come
    after all others. Among estimates whose error is small relative to their size
    (converged), the one with the smallest error wins; when none converged (a zero
    derivative, say), the smallest absolute error. Steps whose one-sided slopes differ
    (a kink within the step) come last: along a piecewise-linear f the central differences
    agree perfectly at every step longer than the distance to the kink, and are all wrong.
    ``shift`` scales every step (a second, interleaved ladder). Raises ValueError when f
    is not finite at any two neighbouring steps.
    """
    steps, values = [], []
    for step in LADDER:
        h = shift * step * line.scale
        steps.append(h)
        values.append(_try(lambda h=h: line.richardson(h)))
        finite = [largest_magnitude(v) for v in values if v is not None]
        if len(finite) >= 3 and _roundoff(line, h) > 10 * max(finite):
            break
    best = None  # (suspect?, not converged?, error, k)
    for k, value in enumerate(values):
        neighbours = [values[j] for j in (k - 1, k + 1) if 0 <= j < len(values)]
        neighbours = [v for v in neighbours if v is not None]
        if value is None or not neighbours:
            continue
        if len(neighbours) < 2 and 0 < k < len(values) - 1:
            continue  # an interior step needs both neighbours
        gap = min(largest_magnitude(value - v) for v in neighbours)
        error = gap + _roundoff(line, steps[k])
        size = max(largest_magnitude(value), _roundoff(line, steps[k]), TINY)
        suspect = _persistent_gap(line, steps[k] / 2, steps[k], growing=True) > 0
        candidate = (suspect, error / size > CONVERGED, error, k)
        best = candidate if best is None or candidate < best else best
    if best is None:
        raise ValueError("f is not finite near X along H, so no derivative can be estimated")
    *_, error, k = best
    return LineEstimate(values[k], error, _kink_along(line, steps), steps[k])


def noise_level(line: Line, spacing: float) -> float | None:
    """The standard deviation of f's rounding noise near X, measured along the line.

    f at X + jsH for |j| ≤ NOISE_POINTS, s = ``spacing``: the k-th differences of a smooth
    function shrink like s^k, those of independent noise of standard deviation σ have
    mean square C(2k, k)·σ², so sqrt(mean (Δᵏf)² / C(2k, k)) estimates σ once s is small
    enough (the idea of Moré and Wild's ECnoise). The largest of the estimates for
    k = 4, 5, 6 is returned, never less than ε |f(X)| or SUBNORMAL_ROUNDING.
    2·NOISE_POINTS evaluations; None
    when f fails or is not finite there.
    """
    points = range(-NOISE_POINTS, NOISE_POINTS + 1)
    values = _try(lambda: np.array([line(float(spacing * j)) for j in points]))
    if values is None:
        return None
    values = values.reshape(len(points), -1)
    levels = [np.sqrt(np.mean(np.diff(values, k, axis=0) ** 2, axis=0) / comb(2 * k, k))
              for k in (4, 5, 6)]
    return max(float(np.max(levels)), EPS * line.size_of_f(), SUBNORMAL_ROUNDING)


def refined_richardson(line: Line, step: float) -> LineEstimate | None:
    """A Richardson tableau on steps halving from REFINE_TOP·step, with a measured noise bound.

    For f whose values are noisy well above ε |f| (an inverse or a determinant at a nearly
    singular matrix), the ladder's bound, its distance to a neighbour ten times longer or
    shorter, is that neighbour's error rather than its own. Here the central differences
    D_i at h_i = REFINE_TOP·step / 2^i are combined into the tableau
    T[i][j] = T[i][j-1] + (T[i][j-1] − T[i-1][j-1]) / (4^j − 1), whose entry of order j has
    truncation error O(h^(2j+2)). Each entry is a known linear combination Σ c_m f(t_m)
    of values of f, so independent noise of standard deviation σ (:func:`noise_level`)
    contributes about σ‖c‖₂ to it; the bound of an entry is the larger of its distances
    to the two entries it was made from (its truncation, as in Ridders' method) plus
    NOISE_SIGMAS·σ‖c‖₂. The entry with the smallest bound wins. ``step`` is the ladder's
    best step. About 2·(REFINE_LEVELS + NOISE_POINTS) evaluations; None when f is not
    finite at enough of the steps, or when f's noise is below NOISY·ε |f(X)| (then the
    ladder's round-off model holds, and the longer steps here would only risk reaching
    past a kink close to X, as behind a large constant, where the ladder cannot take
    short steps).
    """
    sigma = noise_level(line, NOISE_SPACING * step)
    if sigma is None or sigma <= NOISY * EPS * line.size_of_f():
        return None  # f rounds like its value: the ladder's round-off model holds
    steps = [REFINE_TOP * step / 2**i for i in range(REFINE_LEVELS)]
    centrals = [_try(lambda h=h: line.central(h)) for h in steps]
    usable = [(h, d) for h, d in zip(steps, centrals, strict=True) if d is not None]
    if len(usable) < 2:
        return None
    steps = np.array([h for h, _ in usable])
    basis = np.eye(len(usable))
    rows = [[(d, basis[i])] for i, (_, d) in enumerate(usable)]
    best = None  # (bound, value, step)
    for i in range(1, len(rows)):
        for j in range(1, min(i, REFINE_ORDER) + 1):
            (a, wa), (b, wb) = rows[i][j - 1], rows[i - 1][j - 1]
            value, weights = a + (a - b) / (4**j - 1), wa + (wa - wb) / (4**j - 1)
            rows[i].append((value, weights))
            truncation = max(largest_magnitude(value - a), largest_magnitude(value - b))
            noise = NOISE_SIGMAS * sigma * _norm(weights / steps) / np.sqrt(2)
            bound = truncation + noise
            if best is None or bound < best[0]:
                best = (bound, value, float(steps[i]))
    bound, value, chosen = best
    return LineEstimate(value, bound, float("nan"), chosen)


def choose_method(line: Line, quick: bool = False) -> tuple[str, LineEstimate]:
    """Decide along this line whether the complex step is valid for f.

    The complex step is accepted at once when it is self-consistent to QUICK_RTOL and
    matches a quick real estimate. Otherwise the full ladder decides. It overrules the
    complex step only when its estimate is kink-free and differs from the complex value
    by more than REFUTE_FACTOR times their error bounds together *and* by more than
    REFUTE_RTOL relative, and a second ladder with other steps agrees with it (f
    conjugates, say; a ladder taken near a singularity can be off by more than its bound,
    but then moves when the steps change), or when the complex step is
    not self-consistent and the ladder's bound is smaller (eigensolvers mix real and
    imaginary parts). The ladder's verdict on kinks is kept. Without a complex step the
    result is the ladder's, or with ``quick`` the quick estimate when it exists. Returns
    the method ("complex" or "richardson") and its estimate. Before all that, the complex
    step is taken once more with step −h (:func:`_complex_gap`): if it differs, f is
    one-sided at X (a kink that a large constant in f can hide from real differences),
    and the ladder's estimate is returned with that gap as its kink.
    """
    candidate = complex_estimate(line)
    first = quick_richardson(line)
    if candidate is None:
        return "richardson", first if quick and first is not None else richardson_ladder(line)
    gap = _complex_gap(line, candidate)
    if gap > 0:  # one-sided: a comparison (max, relu) at a tie, seen through complex input
        try:
            reference = richardson_ladder(line)
        except ValueError:
            return "richardson", LineEstimate(candidate.value, np.inf, gap)
        return "richardson", LineEstimate(reference.value, reference.error,
                                          max(reference.kink, gap), reference.step)
    exact = candidate.error <= QUICK_RTOL * largest_magnitude(candidate.value)
    if exact and first is not None and not first.kink > 0 and _within(
            candidate.value, first.value, QUICK_RTOL, 0.0):
        return "complex", LineEstimate(candidate.value, candidate.error, first.kink)
    try:
        reference = richardson_ladder(line)
    except ValueError:  # no finite difference near X: nothing can refute the complex step
        return "complex", candidate
    atol = REFUTE_FACTOR * (reference.error + candidate.error)
    refuted = reference.kink == 0 and not _within(
        candidate.value, reference.value, REFUTE_RTOL, atol) and _confirmed(line, reference)
    if refuted or (not exact and candidate.error > reference.error):
        return "richardson", reference  # f is not analytic as written, or rounds badly
    return "complex", LineEstimate(candidate.value, candidate.error, reference.kink)


def _complex_gap(line: Line, candidate: LineEstimate) -> float:
    """How much the complex step with step −h differs from ``candidate`` (0 if it agrees).

    For f complex-analytic as written, Im f(X − ihH) = −Im f(X + ihH). A comparison at a
    tie breaks the symmetry: numpy orders complex numbers by real part, then imaginary
    part, so relu, max or sort at a tie pick the branch on the side of the step's sign, and
    the two steps give the one-sided slopes of f. Counts only beyond REFUTE_FACTOR times
    the complex step's rounding and KINK_RTOL of the slopes. One evaluation.
    """
    h = COMPLEX_STEP * line.scale
    try:
        with np.errstate(all="ignore"):
            other = np.imag(line.complex_value(-h)) / (-h)
    except Exception:
        return 0.0
    gap = largest_magnitude(other - candidate.value)
    slopes = largest_magnitude(candidate.value) + largest_magnitude(other)
    if not np.isfinite(gap) or gap <= max(REFUTE_FACTOR * candidate.error, KINK_RTOL * slopes):
        return 0.0
    return gap


def _confirmed(line: Line, reference: LineEstimate) -> bool:
    """Does a second ladder, with steps a third as long, agree with ``reference``?

    Asked only before a real estimate overrules the complex step: a genuine difference
    (f conjugates) shows at every step, while an estimate at the limit of resolution, near
    a singularity, moves by more than its bound when the steps change.
    """
    try:
        second = richardson_ladder(line, shift=1 / 3)
    except ValueError:
        return False
    atol = REFUTE_FACTOR * (second.error + reference.error)
    return second.kink == 0 and _within(second.value, reference.value, 0.0, atol)


def _persistent_gap(line: Line, small: float, large: float, growing: bool = False) -> float:
    """The slope gap at step ``small`` if it is the same at step ``large``, else 0.

    Compared at the entry where the gap at ``small`` is largest, with its sign: round-off
    noise flips signs, a kink's jump does not. Only a gap above round-off and above
    KINK_RTOL times the slopes counts. With ``growing``, a gap that grows as the step
    shrinks (noise, or a singularity inside the step) counts too: any gap that does not
    shrink makes an estimate suspect.
    """
    gaps = _try(lambda: np.array([np.ravel(line.slope_gap(h)) for h in (small, large)]))
    central = _try(lambda: line.central(small))
    if gaps is None or central is None:
        return 0.0  # f fails or is not finite there: no evidence either way
    gap_small, gap_large = gaps
    slopes = largest_magnitude(central) + largest_magnitude(gap_small)
    where = int(np.argmax(np.abs(gap_small)))
    at_small, at_large = float(gap_small[where]), float(gap_large[where])
    floor = max(100 * _roundoff(line, small), KINK_RTOL * slopes)
    if abs(at_small) <= floor or abs(at_small) < KINK_SHRINK * abs(at_large):
        return 0.0  # invisible, or shrinking with the step as a smooth f's gap does
    if growing:
        return abs(at_small)
    if at_small * at_large <= 0 or abs(at_large) < KINK_SHRINK * abs(at_small):
        return 0.0  # a sign flip or growth: noise or a pole, not a kink
    return abs(at_small)


def _kink_at(line: Line, larger: float, step: float) -> float:
    """The slope gap at ``step`` if it is the same at step/2 and at the ladder's larger step.

    Over a factor 10 in the step a smooth gap shrinks tenfold and round-off noise grows
    tenfold; only a kink (or a singularity inside the step) leaves it unchanged.
    """
    return min(_persistent_gap(line, step / 2, step), _persistent_gap(line, step, larger))


def _kink_along(line: Line, steps: list[float]) -> float:
    """The kink verdict of the ladder: the gap of the last step, going down, that saw one.

    A kink seen at larger steps is cleared by a smaller step that could have seen it (its
    round-off floor is below the gap) and did not: then f only has a kink *near* X.
    """
    kink = 0.0
    for larger, step in pairwise(steps):
        gap = _kink_at(line, larger, step)
        if gap > 0:
            kink = gap
        elif kink > 0 and 100 * _roundoff(line, step) < 0.5 * kink:
            seen = _try(lambda step=step: line.slope_gap(step))
            if seen is not None and largest_magnitude(seen) < KINK_SHRINK * kink:
                kink = 0.0
    return kink


def _try(evaluate: Callable[[], np.ndarray]) -> np.ndarray | None:
    """The real part of evaluate(), or None if it is not finite or f fails there.

    Large trial steps may leave f's domain: NaN, or an error from a factorisation.
    """
    try:
        with np.errstate(all="ignore"):
            value = np.real(evaluate())
    except (ArithmeticError, np.linalg.LinAlgError):
        return None
    return value if np.all(np.isfinite(value)) else None


def _subnormal(line: Line, perturbed: np.ndarray) -> bool:
    """Are f(X) or the imaginary parts of f(X + ihH) nonzero but within ε of underflow?"""
    parts = [np.ravel(np.real(line(0.0))), np.ravel(np.imag(perturbed))]
    return any(bool(np.any((part != 0) & (np.abs(part) < TINY / EPS))) for part in parts)


def _norm(c: np.ndarray) -> float:
    """The 2-norm of a vector, free of overflow and underflow."""
    top = largest_magnitude(c)
    return 0.0 if top == 0.0 else float(top * np.sqrt(np.sum((c / top) ** 2)))


def _roundoff(line: Line, h: float) -> float:
    """Round-off in a difference quotient of f with step h: ROUNDOFF_FACTOR·ε·|f(X)| / h.

    Never below ROUNDOFF_FACTOR·SUBNORMAL_ROUNDING / h unless f(X) = 0: below the normal
    floating-point range, numbers (subnormal) are spaced a fixed 2⁻¹⁰⁷⁴ apart, and the
    rounding of a value of f made of many such numbers is a fixed amount, not relative.
    """
    size = line.size_of_f()
    return ROUNDOFF_FACTOR * (EPS * size + (SUBNORMAL_ROUNDING if size > 0 else 0.0)) / h


def _within(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """Entrywise |a − b| ≤ rtol·max(|a|, |b|) + atol (False if b is not finite)."""
    if not np.all(np.isfinite(b)):
        return False
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)) + atol))
