"""Numerical derivatives with an automatically chosen method and step.

Methods (see :mod:`utils.difference_formulas` for the formulas):

* ``"complex"``: the complex step, exact to rounding for complex-analytic f;
* ``"richardson"``: Richardson-extrapolated central differences, the step chosen from a
  ladder of ten step sizes by comparing neighbouring estimates (an error estimate);
* ``"central"``, ``"forward"``: the textbook formulas with a standard step;
* ``"auto"`` (the default): the complex step where it is valid, Richardson otherwise.

"auto" rejects the complex step when f refuses complex input, returns real numbers for it
(``abs``, norms, ``svd``) or drops imaginary parts, and otherwise compares it with
Richardson: a disagreement larger than Richardson's own error estimate means f is not
analytic as written (it conjugates, say), and Richardson is used. Steps are measured in
units of the entries of X that the direction touches, so tiny and huge matrices are treated
alike. Introduced in Chapter 2, *The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_callable
from .difference_formulas import Line, as_output, largest_magnitude, positive_step, typical_size

__all__ = [
    "METHODS",
    "Estimates",
    "derivatives_along",
    "directional_derivative",
    "jacobian_tensor",
    "numerical_gradient",
    "real_value_at",
]

Method = Literal["auto", "complex", "richardson", "central", "forward"]
METHODS: tuple[str, ...] = ("auto", "complex", "richardson", "central", "forward")

EPS = float(np.finfo(float).eps)
TINY = float(np.finfo(float).tiny)
COMPLEX_STEP = 1e-20  # in units of Line.scale; any tiny value works for the complex step
DEFAULT_STEPS = {"forward": np.sqrt(EPS), "central": EPS ** (1 / 3), "complex": COMPLEX_STEP}
LADDER = tuple(10.0**-k for k in range(1, 11))  # Richardson steps in units of Line.scale
ROUNDOFF_FACTOR = 10.0  # round-off error of a difference estimate ≈ this × ε |f| / h
QUICK_STEP = 1e-3  # one Richardson step for the cheap first comparison in "auto"
QUICK_RTOL = 1e-8  # complex step accepted at once if it matches that estimate this well
CONVERGED = 1e-3  # a ladder estimate has converged when its relative error is below this
REFUTE_FACTOR = 10.0  # Richardson refutes the complex step beyond this × its error estimate


@dataclass(frozen=True)
class Estimates:
    """Directional derivatives along several directions.

    Attributes
    ----------
    values : ndarray, shape (k,) + output shape
        values[i] estimates Df(X)[H_i].
    errors : ndarray, shape (k,)
        An estimate of the absolute error of each (0 for the complex step, which is exact
        up to rounding; NaN where no estimate exists, for the textbook formulas).
    method : str
        The method used.
    """

    values: np.ndarray
    errors: np.ndarray
    method: str


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
    return as_output(derivatives_along(f, X, [H], method, h).values[0])


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
    values = derivatives_along(F, X, basis, method, h, probe=_relative_probe(X)).values
    return np.moveaxis(values, 0, -1).reshape(values.shape[1:] + X.shape)


def derivatives_along(
    f: Callable,
    X: ArrayLike,
    directions: Sequence[ArrayLike],
    method: Method = "auto",
    h: float | None = None,
    probe: ArrayLike | None = None,
    value_at_X: ArrayLike | None = None,
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
    if method == "auto":
        probe_line = lines[0] if probe is None else Line.build(f, X, probe, value)
        method, first, first_error = _choose_method(probe_line)
        if probe is None:
            rest = [_estimate(line, method, None) for line in lines[1:]]
            return _collect([(first, first_error), *rest], method)
    return _collect([_estimate(line, method, h) for line in lines], method)


# -- internals --------------------------------------------------------------------------------


def _estimate(line: Line, method: str, h: float | None) -> tuple[np.ndarray, float]:
    """One directional derivative by an explicit method, with its error estimate."""
    if method == "richardson" and h is None:
        return _richardson_ladder(line)
    step = DEFAULT_STEPS[method] * line.scale if h is None else h
    formulas = {"forward": line.forward, "central": line.central,
                "richardson": line.richardson, "complex": line.complex_step}
    value = formulas[method](step)
    return value, (0.0 if method == "complex" else np.nan)


def _richardson_ladder(line: Line) -> tuple[np.ndarray, float]:
    """Richardson estimates on a ladder of steps; keep the most accurate converged one.

    Too large a step leaves truncation error, too small a step round-off error. The error
    of an estimate is gauged by its gap to the estimate at the next smaller step plus the
    round-off ε |f| / h. Among the estimates whose error is small *relative* to their size
    (converged), the one with the smallest error wins. Insisting on convergence matters
    near a singularity, where large steps give small, mutually consistent but wrong values;
    when nothing converges (a zero derivative, say), the smallest absolute error wins.
    Returns the estimate and its absolute error estimate.
    """
    with np.errstate(all="ignore"):  # large trial steps may leave f's domain
        estimates = [(step, line.richardson(step * line.scale)) for step in LADDER]
    candidates = []  # (converged?, absolute error, estimate)
    for (step, larger), (_, smaller) in pairwise(estimates):
        if not (np.all(np.isfinite(larger)) and np.all(np.isfinite(smaller))):
            continue
        roundoff = ROUNDOFF_FACTOR * EPS * line.size_of_f() / (step * line.scale)
        error = largest_magnitude(larger - smaller) + roundoff
        size = max(largest_magnitude(larger), largest_magnitude(smaller), roundoff, TINY)
        candidates.append((error / size > CONVERGED, error, larger))
    if not candidates:
        raise ValueError("f is not finite near X along H, so no derivative can be estimated")
    _, error, best = min(candidates, key=lambda c: (c[0], c[1]))
    return best, error


def _choose_method(line: Line) -> tuple[str, np.ndarray, float]:
    """Decide whether the complex step is valid for f along this line.

    Returns the method ("complex" or "richardson"), its estimate and error estimate.
    """
    complex_estimate = _try_complex_step(line)
    if complex_estimate is None:
        return ("richardson", *_richardson_ladder(line))
    with np.errstate(all="ignore"):
        quick = line.richardson(QUICK_STEP * line.scale)
    if _within(complex_estimate, quick, QUICK_RTOL, 0.0):  # no slack for round-off here:
        return "complex", complex_estimate, 0.0           # unclear cases go to the ladder
    try:
        reference, error = _richardson_ladder(line)
    except ValueError:  # no finite difference near X: nothing can refute the complex step
        return "complex", complex_estimate, 0.0
    if _within(complex_estimate, reference, 0.0, REFUTE_FACTOR * error):
        return "complex", complex_estimate, 0.0
    return "richardson", reference, error


def _try_complex_step(line: Line) -> np.ndarray | None:
    """The complex-step estimate, or None if f visibly does not support complex input."""
    h = COMPLEX_STEP * line.scale
    try:
        perturbed = line.complex_value(h)
    except Exception:
        return None
    estimate = np.imag(perturbed) / h
    if not np.iscomplexobj(perturbed) or not np.all(np.isfinite(estimate)):
        return None  # abs, norms and svd return real numbers
    return estimate


def _within(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """Entrywise |a − b| ≤ rtol·max(|a|, |b|) + atol (False if b is not finite)."""
    if not np.all(np.isfinite(b)):
        return False
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)) + atol))


def _collect(results: list[tuple[np.ndarray, float]], method: str) -> Estimates:
    values = np.array([value for value, _ in results], dtype=float)
    errors = np.array([error for _, error in results], dtype=float)
    return Estimates(values, errors, method)


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
