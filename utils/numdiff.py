"""Numerical differentiation of functions of a matrix.

Everything here reduces to one idea: the directional derivative Df(X)[H] is the ordinary
derivative at t = 0 of the one-variable function t ↦ f(X + tH). Four ways to estimate it:

* ``"forward"``: (f(X + hH) − f(X)) / h, error O(h) + round-off O(ε/h);
* ``"central"``: (f(X + hH) − f(X − hH)) / 2h, error O(h²) + O(ε/h);
* ``"richardson"``: central differences at h and h/2 combined to cancel the h² term,
  error O(h⁴) + O(ε/h), with h chosen adaptively from a ladder of step sizes;
* ``"complex"``: Im f(X + ihH) / h, which has no subtraction and hence no round-off
  trouble, exact to machine precision for any tiny h — but only for functions that are
  complex-analytic as written (not for ``abs``, ``np.linalg.norm``, ``svd``, ``.conj()``...).

``"auto"`` tries the complex step, checks it against Richardson along one direction, and
falls back to Richardson when the two disagree. Steps scale with the size of X relative to
the direction H, so tiny and huge matrices are handled alike. Introduced in Chapter 2,
*The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, as_scalar, require_callable, require_same_shape

__all__ = [
    "METHODS",
    "central_difference",
    "complex_step",
    "directional_derivative",
    "forward_difference",
    "jacobian_tensor",
    "numerical_gradient",
]

Method = Literal["auto", "complex", "richardson", "central", "forward"]
METHODS: tuple[str, ...] = ("auto", "complex", "richardson", "central", "forward")

EPS = float(np.finfo(float).eps)
COMPLEX_STEP = 1e-20  # relative to the scale of X; any tiny value works for the complex step
LADDER = tuple(10.0 ** -k for k in range(1, 11))  # relative Richardson steps, largest first
ROUNDOFF_FACTOR = 10.0  # round-off error of a Richardson estimate ≈ this × ε |f| / h
DEFAULT_STEPS = {"forward": np.sqrt(EPS), "central": EPS ** (1 / 3), "complex": COMPLEX_STEP}
AGREEMENT_RTOL = 1e-5  # how closely complex step and Richardson must agree in "auto"
QUICK_STEP = 1e-3  # relative Richardson step for the first, cheap comparison in "auto"


# -- the three textbook formulas, with an explicit step --------------------------------


def forward_difference(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Forward difference (f(X + hH) − f(X)) / h.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a number or an array.
    X, H : array_like, same shape
        The point and the direction.
    h : float
        The step (positive).

    Returns
    -------
    float, or ndarray shaped like f(X)

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    h = _positive_step(h)
    line = _Line.build(f, X, H)
    return _as_output((line(h) - line(0.0)) / h)


def central_difference(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Central difference (f(X + hH) − f(X − hH)) / 2h.

    Shapes as in :func:`forward_difference`. Chapter 2, *The Fréchet derivative and the
    gradient*.
    """
    h = _positive_step(h)
    line = _Line.build(f, X, H)
    return _as_output(_central(line, h))


def complex_step(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Complex-step derivative Im f(X + ihH) / h.

    Exact up to rounding for any small h when f is complex-analytic as written; silently
    wrong (often 0) when f uses ``abs``, norms, ``svd``, ``max`` of magnitudes or complex
    conjugation. Shapes as in :func:`forward_difference`.

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    h = _positive_step(h)
    line = _Line.build(f, X, H)
    return _as_output(_complex_step(line, h))


# -- derivatives with automatic method and step -------------------------------------------


def directional_derivative(
    f: Callable, X: ArrayLike, H: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray | float:
    """The directional derivative Df(X)[H] = d/dt f(X + tH) at t = 0.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a number or an array.
    X, H : array_like, same shape
    method : {"auto", "complex", "richardson", "central", "forward"}
    h : float, optional
        Step for the chosen method; by default one is chosen from the scale of X and H.
        Not allowed with ``"auto"``.

    Returns
    -------
    float if f is scalar-valued, else ndarray shaped like f(X).

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    method = _check_method(method, h)
    line = _Line.build(f, X, H)
    line.require_finite_value()
    if method == "auto":
        method, estimate = _probe_complex_step(line)
        return _as_output(estimate)
    return _as_output(_estimate(line, method, h))


def numerical_gradient(
    f: Callable, X: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray:
    """The gradient of a scalar function, entry by entry: G[k, l] = Df(X)[E_kl].

    Costs one to a few dozen evaluations of f per entry of X, so it is meant for small X;
    to *check* a gradient use :func:`utils.check_gradient`, whose cost does not grow with X.

    Parameters
    ----------
    f : callable
        Maps an array shaped like X to a number (float, numpy scalar or size-1 array).
    X : array_like, any shape
    method, h : as in :func:`directional_derivative`

    Returns
    -------
    ndarray, shaped like X

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    X = as_real_array(X, "X", min_ndim=1)
    f = require_callable(f, "f")
    as_scalar(f(X), "f")
    return jacobian_tensor(f, X, method=method, h=h).reshape(X.shape)


def jacobian_tensor(
    F: Callable, X: ArrayLike, method: Method = "auto", h: float | None = None
) -> np.ndarray:
    """The derivative of an array-valued map as an array J[i, j, k, l] = ∂F(X)[i, j] / ∂X[k, l].

    Output indices come first, as in ``jax.jacobian``: for F(X) of shape (p, q) and X of
    shape (m, n), J has shape (p, q, m, n), and DF(X)[H] = Σ_kl J[..., k, l] H[k, l].

    Parameters
    ----------
    F : callable
        Maps an array shaped like X to an array (or a number: then J is shaped like X).
    X : array_like, any shape
    method, h : as in :func:`directional_derivative`

    Returns
    -------
    ndarray, shape F(X).shape + X.shape

    Chapter 5, *The tensor view*.
    """
    X = as_real_array(X, "X", min_ndim=1)
    F = require_callable(F, "F")
    method = _check_method(method, h)
    _Line.build(F, X, np.ones_like(X)).require_finite_value()
    if method == "auto":
        probe = np.random.default_rng(0).standard_normal(X.shape)
        method, _ = _probe_complex_step(_Line.build(F, X, probe))
    columns = [
        _estimate(_Line.build(F, X, E), method, h) for E in _basis(X.shape)
    ]
    output_shape = np.shape(columns[0])
    return np.stack(columns, axis=-1).reshape(output_shape + X.shape)


# -- internals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """The function t ↦ f(X + tH) along one direction, with the sizes needed for steps."""

    f: Callable
    X: np.ndarray
    H: np.ndarray
    scale: float  # a step of size `scale` moves X by about its own size

    @classmethod
    def build(cls, f: Any, X: ArrayLike, H: ArrayLike) -> _Line:
        f = require_callable(f, "f")
        X = as_real_array(X, "X", min_ndim=1)
        H = as_real_array(H, "H")
        require_same_shape(X, H, "X", "the direction H")
        rms_H = float(np.sqrt(np.mean(H**2)))
        if rms_H == 0.0:
            raise ValueError("the direction H is the zero matrix; a derivative needs H ≠ 0")
        rms_X = float(np.sqrt(np.mean(X**2)))
        return cls(f, X, H, (rms_X if rms_X > 0 else 1.0) / rms_H)

    def require_finite_value(self) -> None:
        """Raise ValueError if f(X) is not finite: there is nothing to differentiate."""
        value = self(0.0)
        if not np.all(np.isfinite(value)):
            raise ValueError(f"f(X) is not finite (it contains NaN or inf), shape {value.shape}")

    def __call__(self, t: float | complex) -> np.ndarray:
        value = np.asarray(self.f(self.X + t * self.H))
        if not np.issubdtype(value.dtype, np.number) or value.dtype == bool:
            raise TypeError(f"f must return numbers, got {value.dtype} values")
        return value


def _central(line: _Line, h: float) -> np.ndarray:
    return (line(h) - line(-h)) / (2 * h)


def _richardson(line: _Line, h: float) -> np.ndarray:
    """Central differences at h and h/2, combined so that the O(h²) errors cancel."""
    return (4 * _central(line, h / 2) - _central(line, h)) / 3


def _richardson_adaptive(line: _Line) -> tuple[np.ndarray, float]:
    """Richardson estimates on a ladder of steps; keep the one with the smallest relative error.

    Too large a step leaves truncation error, too small a step round-off error. The
    truncation error of an estimate is gauged by its gap to the estimate at the next smaller
    step, the round-off error by ε |f| / h. Errors are compared *relative* to the estimates:
    near a singularity, large steps can give small, mutually consistent but wrong values,
    which only a relative comparison exposes. Returns the best estimate and its absolute
    error estimate.
    """
    size_of_f = float(np.max(np.abs(line(0.0)), initial=0.0))
    estimates = [(step, _richardson(line, step * line.scale)) for step in LADDER]
    best, best_error, best_score = None, np.inf, np.inf
    for (step, larger), (_, smaller) in pairwise(estimates):
        if not (np.all(np.isfinite(larger)) and np.all(np.isfinite(smaller))):
            continue
        roundoff = ROUNDOFF_FACTOR * EPS * size_of_f / (step * line.scale)
        error = float(np.max(np.abs(larger - smaller), initial=0.0)) + roundoff
        size = max(_largest(larger), _largest(smaller), roundoff, np.finfo(float).tiny)
        if error / size < best_score:
            best, best_error, best_score = larger, error, error / size
    if best is None:
        raise ValueError("f is not finite near X along H, so no derivative can be estimated")
    return best, best_error


def _largest(values: np.ndarray) -> float:
    return float(np.max(np.abs(values), initial=0.0))


def _complex_step(line: _Line, h: float) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        value = line(1j * h)
    return np.imag(value) / h


def _estimate(line: _Line, method: str, h: float | None) -> np.ndarray:
    """One directional derivative by an explicit method (not "auto")."""
    if method == "richardson" and h is None:
        return _richardson_adaptive(line)[0]
    if h is None:
        h = DEFAULT_STEPS[method] * line.scale
    if method == "forward":
        return (line(h) - line(0.0)) / h
    formula = {"central": _central, "richardson": _richardson, "complex": _complex_step}
    return formula[method](line, h)


def _probe_complex_step(line: _Line) -> tuple[str, np.ndarray]:
    """Decide whether the complex step is valid for f along this line.

    The complex step is rejected outright when f refuses complex input, returns real
    numbers for it (``abs``, norms, ``svd``) or casts it to real. Otherwise it is compared
    with Richardson extrapolation, first at one step, then on the adaptive ladder. If they
    disagree although Richardson has converged, f is not analytic as written (it conjugates,
    say) and Richardson wins; if Richardson has not converged (f is badly conditioned
    near X), nothing refutes the complex step and it is kept.

    Returns the method chosen and its estimate of Df(X)[H].
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            perturbed = line(1j * COMPLEX_STEP * line.scale)
    except (TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError,
            np.exceptions.ComplexWarning):
        return "richardson", _richardson_adaptive(line)[0]
    estimate = np.imag(perturbed) / (COMPLEX_STEP * line.scale)
    if not np.iscomplexobj(perturbed) or not np.all(np.isfinite(estimate)):
        return "richardson", _richardson_adaptive(line)[0]
    # Re f(X + ihH) = f(X) + O(h²): the size of f, for free, to judge round-off.
    atol = 1e-9 * float(np.max(np.abs(np.real(perturbed)), initial=0.0)) / line.scale
    quick = _richardson(line, QUICK_STEP * line.scale)
    if np.shape(quick) != np.shape(estimate):
        return "richardson", _richardson_adaptive(line)[0]
    if _agree(estimate, quick, atol):
        return "complex", estimate
    reference, error = _richardson_adaptive(line)
    converged = error <= AGREEMENT_RTOL * _largest(reference) + atol
    if converged and not _agree(estimate, reference, atol):
        return "richardson", reference
    return "complex", estimate


def _agree(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    """Whether two derivative estimates agree to AGREEMENT_RTOL, or within atol."""
    return _largest(a - b) <= AGREEMENT_RTOL * max(_largest(a), _largest(b)) + atol


def _basis(shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """The standard basis E_k of arrays of the given shape, in C order of k."""
    for index in np.ndindex(shape):
        E = np.zeros(shape)
        E[index] = 1.0
        yield E


def _check_method(method: str, h: float | None) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if h is not None:
        if method == "auto":
            raise ValueError("a step h needs an explicit method, e.g. method='central'")
        _positive_step(h)
    return method


def _positive_step(h: Any) -> float:
    if isinstance(h, bool) or not isinstance(h, (int, float, np.floating, np.integer)):
        raise TypeError(f"the step h must be a number, got {type(h).__name__}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"the step h must be positive and finite, got {h}")
    return float(h)


def _as_output(value: np.ndarray) -> np.ndarray | float:
    """A 0-d or size-1 result becomes a float; arrays stay arrays."""
    value = np.asarray(value)
    return float(value.reshape(())) if value.ndim == 0 else value
