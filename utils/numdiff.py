"""Numerical derivatives with an automatically chosen method and step.

Methods (see :mod:`utils.difference_formulas` for the formulas):

* ``"complex"``: the complex step, exact to rounding for complex-analytic f;
* ``"richardson"``: Richardson-extrapolated central differences, the step chosen from a
  ladder of step sizes that goes down until round-off takes over, with an error bound
  taken from each estimate's distance to its nearer neighbour;
* ``"central"``, ``"forward"``: the textbook formulas with a standard step;
* ``"auto"`` (the default): the complex step where it is valid, Richardson otherwise.

"auto" rejects the complex step when f refuses complex input, returns real numbers for it
(``abs``, norms, ``svd``) or drops imaginary parts, and otherwise compares it with a real
difference: only a real estimate whose own (honest) error bound excludes the complex value
can overrule it, so an ill-conditioned f, whose differences are unreliable, keeps its exact
complex step. Every estimate carries an error bound and the one-sided slope gap that would
reveal a kink; the public functions warn (:class:`NumericalDerivativeWarning`) when the
derivative is not resolved or f does not look differentiable. Steps are measured in units
of the entries of X that the direction touches, so tiny and huge matrices are treated
alike. Introduced in Chapter 2, *The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_callable
from .difference_formulas import Line, as_output, largest_magnitude, positive_step, typical_size
from .line_estimates import (
    COMPLEX_STEP,
    EPS,
    TINY,
    LineEstimate,
    choose_method,
    complex_estimate,
    quick_richardson,
    refined_richardson,
    richardson_ladder,
    slope_scale,
)

__all__ = [
    "METHODS",
    "Estimates",
    "NumericalDerivativeWarning",
    "derivatives_along",
    "directional_derivative",
    "jacobian_tensor",
    "numerical_gradient",
    "real_value_at",
]

Method = Literal["auto", "complex", "richardson", "central", "forward"]
METHODS: tuple[str, ...] = ("auto", "complex", "richardson", "central", "forward")

DEFAULT_STEPS = {"forward": np.sqrt(EPS), "central": EPS ** (1 / 3), "complex": COMPLEX_STEP}
UNRESOLVED = 1e-6  # the public functions warn when error / |estimate| exceeds this
REFINE_ABOVE = 1e-9  # a ladder estimate less accurate than this (relative) is refined
REFINE_AGREE = 3.0  # ... and the refinement kept only within this × the ladder's bound of it


class NumericalDerivativeWarning(RuntimeWarning):
    """A numerical derivative could not be resolved, or f looks non-differentiable there.

    Chapter 2, *The Fréchet derivative and the gradient*.
    """


@dataclass(frozen=True)
class Estimates:
    """Directional derivatives along several directions.

    Attributes
    ----------
    values : ndarray, shape (k,) + output shape
        values[i] estimates Df(X)[H_i].
    errors : ndarray, shape (k,)
        An honest bound on the absolute error of each (for the complex step, its rounding;
        NaN for the textbook formulas, which have none).
    method : str
        The method used.
    kinks : ndarray, shape (k,)
        The one-sided slope gap along each direction that did not shrink with the step:
        0 where f looks smooth, > 0 where f looks non-differentiable, NaN where untested
        (the complex step tests only the first direction).
    variation : float
        f's change over a natural step along the first direction (or the probe),
        extrapolated from the steps taken: the size of f's changes, free of any constant.
    """

    values: np.ndarray
    errors: np.ndarray
    method: str
    kinks: np.ndarray
    variation: float = 0.0


def directional_derivative(
    f: Callable, X: ArrayLike, H: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray | float:
    """The directional derivative Df(X)[H] = d/dt f(X + tH) at t = 0.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number or a real array.
    X, H : array_like, same shape (any, e.g. (m, n))
    method : {"auto", "complex", "richardson", "central", "forward"}
    h : float, optional
        Step for an explicit method, in the units of t; chosen automatically if omitted.
        Not allowed with ``"auto"``.

    Returns
    -------
    float when f returns a number (Python or numpy scalar, 0-d array); otherwise an
    ndarray shaped like f(X) (size-1 arrays such as ``x.T @ A @ x`` included).

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    estimates = derivatives_along(f, X, [H], method, h)
    _warn_if_unreliable(estimates, "directional_derivative")
    return as_output(estimates.values[0])


def numerical_gradient(
    f: Callable, X: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray:
    """The gradient of a scalar function, entry by entry: G[k, l] = Df(X)[E_kl].

    Costs one (complex step) to about forty (Richardson) evaluations of f per entry of X,
    so it is meant for small X; to *check* a gradient use :func:`utils.check_gradient`,
    whose cost does not grow with X.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number (float, numpy scalar or size-1 array).
    X : array_like, any shape with at least one dimension
    method, h : as in :func:`directional_derivative`

    Returns
    -------
    ndarray, shaped like X

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    X = as_real_array(X, "X", min_ndim=1)
    value = real_value_at(require_callable(f, "f"), X)
    if value.size != 1:
        raise TypeError(
            "numerical_gradient needs f to return a scalar (a float or a size-1 array), "
            f"got an array of shape {value.shape}; for array-valued f use jacobian_tensor"
        )
    return jacobian_tensor(f, X, method=method, h=h).reshape(X.shape)


def jacobian_tensor(
    F: Callable, X: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray:
    """The derivative of a map as an array J[i, j, k, l] = ∂F(X)[i, j] / ∂X[k, l].

    Output indices come first, as in ``jax.jacobian``: for F(X) of shape (p, q) and X of
    shape (m, n), J has shape (p, q, m, n), and DF(X)[H] = Σ_kl J[..., k, l] H[k, l].

    Parameters
    ----------
    F : callable
        Maps an array shaped like X to a real array (or number: then J is shaped like X).
    X : array_like, any shape with at least one dimension
    method, h : as in :func:`directional_derivative`

    Returns
    -------
    ndarray, shape F(X).shape + X.shape

    Chapter 5, *The tensor view*.
    """
    X = as_real_array(X, "X", min_ndim=1)
    basis = [_basis_array(X.shape, index) for index in np.ndindex(X.shape)]
    estimates = derivatives_along(F, X, basis, method, h, probe=_relative_probe(X))
    _warn_if_unreliable(estimates, "jacobian_tensor")
    values = estimates.values
    return np.moveaxis(values, 0, -1).reshape(values.shape[1:] + X.shape)


def derivatives_along(
    f: Callable,
    X: ArrayLike,
    directions: Sequence[ArrayLike],
    method: Method = "auto",
    h: float | None = None,
    probe: ArrayLike | None = None,
    value_at_X: ArrayLike | None = None,
    quick: bool = False,
) -> Estimates:
    """Df(X)[H] for each direction H, sharing one choice of method.

    In "auto" mode the method is decided along ``probe`` (default: the first direction),
    which should be a direction that moves every entry of X, so that a non-analytic term
    anywhere in f is noticed.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a real number or array.
    X : array_like, shape s
    directions : sequence of k arrays of shape s
    method, h : as in :func:`directional_derivative`
    probe : array_like of shape s, optional
    value_at_X : array_like, optional
        f(X), if the caller has it already (saves one evaluation).
    quick : bool
        With Richardson and no explicit step, use one step (four evaluations of f per
        direction) instead of the ladder; the error bounds say when that was not enough.

    Returns
    -------
    Estimates, with values of shape (k,) + f(X).shape

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    f = require_callable(f, "f")
    method = _check_method(method, h)
    X = as_real_array(X, "X", min_ndim=1)
    value = real_value_at(f, X) if value_at_X is None else np.asarray(value_at_X)
    lines = [Line.build(f, X, H, value) for H in directions]
    if not lines:
        raise ValueError("directions is empty: give at least one direction")
    if h is not None:
        for line in lines:
            line.require_visible_step(h, method)
    probe_line = lines[0] if probe is None else Line.build(f, X, probe, value)
    probe_line = lines[0] if probe is None else Line.build(f, X, probe, value)
    if method == "auto":
        method, first = choose_method(probe_line, quick)
        if method == "richardson" and not quick:
            first = _refine(probe_line, first)
        if probe is None:
            rest = [_estimate(line, method, None, quick) for line in lines[1:]]
            return _collect([first, *rest], method, probe_line)
    estimates = [_estimate(line, method, h, quick) for line in lines]
    return _collect(estimates, method, probe_line)


# -- internals --------------------------------------------------------------------------------


def _estimate(line: Line, method: str, h: float | None, quick: bool) -> LineEstimate:
    """One directional derivative by an explicit method, with its error bound."""
    if method == "richardson" and h is None:
        first = quick_richardson(line) if quick else None
        return _refine(line, richardson_ladder(line)) if first is None else first
    if method == "complex" and h is None:
        estimate = complex_estimate(line)
        if estimate is not None:
            return estimate
    step = DEFAULT_STEPS[method] * line.scale if h is None else h
    formulas = {"forward": line.forward, "central": line.central,
                "richardson": line.richardson, "complex": line.complex_step}
    return LineEstimate(formulas[method](step), float("nan"))


def _refine(line: Line, ladder: LineEstimate) -> LineEstimate:
    """The ladder's estimate, or a refined tableau's where the ladder's is not accurate.

    When the ladder's bound exceeds REFINE_ABOVE of the estimate (f's values are noisy,
    near a singularity, say), :func:`utils.line_estimates.refined_richardson` is run
    around the ladder's best step; its estimate replaces the ladder's (the kink verdict is
    the ladder's), its noise bound being measured rather than read off a neighbour, but
    only if the two agree within REFINE_AGREE times the ladder's bound plus the refined
    one. Otherwise one of the bounds is wrong, and the estimate returned is the smallest
    interval that holds both. The refined tableau's longer steps can reach past a kink
    of f close to X (along a piecewise-linear f the central differences at every step
    longer than the distance to the kink agree perfectly, and are all wrong); the
    ladder's bound, a neighbour's distance, can be too small near a singularity.
    """
    size = max(largest_magnitude(ladder.value), TINY)
    if not ladder.error > REFINE_ABOVE * size or not np.isfinite(ladder.step):
        return ladder
    refined = refined_richardson(line, ladder.step)
    if refined is None or not np.isfinite(refined.error):
        return ladder
    apart = largest_magnitude(refined.value - ladder.value)
    if apart > REFINE_AGREE * ladder.error + refined.error:  # one of the bounds is wrong
        low = np.minimum(ladder.value - ladder.error, refined.value - refined.error)
        high = np.maximum(ladder.value + ladder.error, refined.value + refined.error)
        return LineEstimate((low + high) / 2, largest_magnitude(high - low) / 2, ladder.kink,
                            ladder.step)
    return LineEstimate(refined.value, refined.error, ladder.kink, refined.step)


def _collect(results: list[LineEstimate], method: str, probe: Line) -> Estimates:
    """Stack the estimates, with f's variation measured along the probe."""
    values = np.array([result.value for result in results], dtype=float)
    errors = np.array([result.error for result in results], dtype=float)
    kinks = np.array([result.kink for result in results], dtype=float)
    return Estimates(values, errors, method, kinks, slope_scale(probe))


def _warn_if_unreliable(estimates: Estimates, what: str) -> None:
    """Warn when the estimates are not resolved or f does not look differentiable.

    Resolution is judged against the largest of the estimates (for a gradient, its
    largest partial derivative), so a zero entry beside large ones is not a worry.
    """
    size = max(largest_magnitude(estimates.values), TINY)
    kinked = np.nan_to_num(estimates.kinks, nan=0.0) > 0
    worst = float(np.max(estimates.errors, initial=0.0)) / size
    if kinked.any():
        warnings.warn(
            f"{what}: f does not look differentiable at X along {int(kinked.sum())} of "
            f"{len(kinked)} directions (its forward and backward slopes differ by up to "
            f"{np.nanmax(estimates.kinks):.3g}, and the gap does not shrink with the step); "
            "the value returned is the average of the one-sided slopes",
            NumericalDerivativeWarning,
            stacklevel=3,
        )
    elif worst > UNRESOLVED:
        hint = ("remove a large constant from f, or write f so that it accepts complex "
                "input" if estimates.method != "complex" else "X may be too close to a "
                "point where f's complex arithmetic loses accuracy")
        warnings.warn(
            f"{what}: the numerical derivative is not resolved (error bound up to "
            f"{worst:.2g} of its size; a derivative that vanishes cannot be resolved "
            f"relative to itself): {hint}, or move X away from a singularity",
            NumericalDerivativeWarning,
            stacklevel=3,
        )


def real_value_at(f: Callable, X: np.ndarray) -> np.ndarray:
    """f(X) as a finite real array; a clear error otherwise.

    A complex dtype with negligible imaginary parts (the trace of ``eigvals``) is accepted.
    """
    value = Line.build(f, X, np.ones_like(X))(0.0)
    if np.iscomplexobj(value):
        if largest_magnitude(value.imag) > 1e-12 * max(largest_magnitude(value.real), 1.0):
            raise TypeError(f"f must be real-valued, but f(X) is complex: {value!r}")
        value = value.real
    if not np.all(np.isfinite(value)):
        raise ValueError(f"f(X) is not finite (it contains NaN or inf), shape {value.shape}")
    return value


def _relative_probe(X: np.ndarray) -> np.ndarray:
    """A fixed random direction that moves every entry of X in proportion to its size.

    Used to decide the method in "auto" mode: it touches every entry (so a non-analytic
    term anywhere is noticed) without pushing small entries across zero.
    """
    weights = np.where(X != 0, np.abs(X), typical_size(X) or 1.0)
    return np.random.default_rng(0).standard_normal(X.shape) * weights


def _basis_array(shape: tuple[int, ...], index: tuple[int, ...]) -> np.ndarray:
    E = np.zeros(shape)
    E[index] = 1.0
    return E


def _check_method(method: Any, h: float | None) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if h is not None:
        if method == "auto":
            raise ValueError("a step h needs an explicit method, e.g. method='central'")
        positive_step(h)
    return method
