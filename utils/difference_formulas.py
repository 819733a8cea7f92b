"""Difference formulas for the derivative of f along a line t ↦ f(X + tH).

Everything in numerical differentiation reduces to one idea: the directional derivative
Df(X)[H] is the ordinary derivative at t = 0 of the one-variable function t ↦ f(X + tH).
This module holds that function (:class:`Line`) and the formulas that differentiate it with
an explicit step h:

* forward difference (f(X + hH) − f(X)) / h, error O(h) + round-off O(ε/h);
* central difference (f(X + hH) − f(X − hH)) / 2h, error O(h²) + O(ε/h);
* Richardson extrapolation of central differences at h and h/2, error O(h⁴) + O(ε/h);
* complex step Im f(X + ihH) / h, with no subtraction and so no round-off trouble: exact
  to machine precision for any tiny h, but only for f complex-analytic as written.

Choosing the method and step automatically is :mod:`utils.numdiff`'s job. Introduced in
Chapter 2, *The Fréchet derivative and the gradient*.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_callable, require_same_shape

__all__ = [
    "Line",
    "as_output",
    "central_difference",
    "complex_step",
    "forward_difference",
    "largest_magnitude",
    "positive_step",
    "richardson",
    "step_scale",
    "typical_size",
]


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
    float if f returns a number, else ndarray shaped like f(X)

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    h = positive_step(h)
    line = Line.build(f, X, H)
    line.require_visible_step(h, "forward")
    return as_output(line.forward(h))


def central_difference(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Central difference (f(X + hH) − f(X − hH)) / 2h.

    Shapes as in :func:`forward_difference`. Chapter 2, *The Fréchet derivative and the
    gradient*.
    """
    h = positive_step(h)
    line = Line.build(f, X, H)
    line.require_visible_step(h, "central")
    return as_output(line.central(h))


def complex_step(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Complex-step derivative Im f(X + ihH) / h.

    Exact up to rounding for any small h when f is complex-analytic as written; silently
    wrong (often 0) when f uses ``abs``, norms, ``svd`` or complex conjugation.
    Shapes as in :func:`forward_difference`.

    Chapter 2, *The Fréchet derivative and the gradient*.
    """
    h = positive_step(h)
    line = Line.build(f, X, H)
    line.require_visible_step(h, "complex")
    return as_output(line.complex_step(h))


def richardson(f: Callable, X: ArrayLike, H: ArrayLike, h: float) -> np.ndarray | float:
    """Richardson extrapolation (4 D(h/2) − D(h)) / 3 of central differences D.

    The O(h²) error terms of D(h) and D(h/2) cancel, leaving O(h⁴). Shapes as in
    :func:`forward_difference`. Chapter 2, *The Fréchet derivative and the gradient*.
    """
    h = positive_step(h)
    line = Line.build(f, X, H)
    line.require_visible_step(h, "richardson")
    return as_output(line.richardson(h))


@dataclass
class Line:
    """The function t ↦ f(X + tH) along one direction H.

    ``scale`` is a natural unit of t: a step of size ``scale`` moves the entries of X that
    H touches by about their own size. ``output_shape`` is fixed by the first evaluation;
    later evaluations must agree with it.
    """

    f: Callable
    X: np.ndarray
    H: np.ndarray
    scale: float
    output_shape: tuple[int, ...] | None = None
    _size_of_f: float | None = field(default=None, repr=False)
    _values: dict[float, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, f: Any, X: ArrayLike, H: ArrayLike, value_at_X: Any = None) -> Line:
        """Validate f, X (non-empty, finite, real) and H (same shape, nonzero)."""
        f = require_callable(f, "f")
        X = as_real_array(X, "X", min_ndim=1)
        if X.size == 0:
            raise ValueError(f"X is empty (shape {X.shape}); there is nothing to differentiate")
        H = as_real_array(H, "H")
        require_same_shape(X, H, "X", "the direction H")
        line = cls(f, X, H, step_scale(X, H))
        if value_at_X is not None:
            line.output_shape = np.shape(value_at_X)
            line._size_of_f = largest_magnitude(np.asarray(value_at_X))
            line._values[0.0] = np.asarray(value_at_X)
        return line

    def __call__(self, t: float | complex) -> np.ndarray:
        """f(X + tH) as an array; its shape must not change from call to call.

        Values at real t are remembered, so formulas that share points (the central and
        one-sided differences at the same step) cost no extra evaluations.
        """
        if isinstance(t, float) and t in self._values:
            return self._values[t]
        value = self._evaluate(t)
        if isinstance(t, float):
            self._values[t] = value
        return value

    def evaluated(self) -> list[tuple[float, np.ndarray]]:
        """The (t, f(X + tH)) pairs at real t evaluated so far."""
        return list(self._values.items())

    def _evaluate(self, t: float | complex) -> np.ndarray:
        raw = self.f(self.X + t * self.H)
        try:
            value = np.asarray(raw)
        except (ValueError, TypeError):
            raise TypeError(
                f"f must return a number or an array of numbers, got {type(raw).__name__}"
            ) from None
        if value.dtype == bool or not np.issubdtype(value.dtype, np.number):
            raise TypeError(f"f must return numbers, got {type(raw).__name__} of {value.dtype}")
        if self.output_shape is None:
            self.output_shape = value.shape
        elif value.shape != self.output_shape:
            raise ValueError(
                f"f returned shape {self.output_shape} at X but {value.shape} near X: "
                "the shape of f's output must not depend on X"
            )
        return value

    def size_of_f(self) -> float:
        """max |f(X)|, evaluated once: the scale of round-off in differences of f."""
        if self._size_of_f is None:
            self._size_of_f = largest_magnitude(self(0.0))
        return self._size_of_f

    def forward(self, h: float) -> np.ndarray:
        return np.real(self(h) - self(0.0)) / h

    def central(self, h: float) -> np.ndarray:
        return np.real(self(h) - self(-h)) / (2 * h)

    def richardson(self, h: float) -> np.ndarray:
        return (4 * self.central(h / 2) - self.central(h)) / 3

    def require_visible_step(self, h: float, method: str) -> None:
        """Raise ValueError if a step h along H cannot change X in floating point.

        With X + hH == X (real methods) or hH == 0 (complex step) the formula would
        return 0 whatever f is.
        """
        if method == "complex":
            moved = np.any(h * self.H != 0)
        else:
            moved = not np.array_equal(self.X + h * self.H, self.X)
        if not moved:
            raise ValueError(
                f"the step h = {h:g} is too small to move X along H in floating point "
                f"(X + hH == X for X of size {typical_size(self.X):.3g}): the {method} "
                "difference would be 0 whatever f is; use a larger h or let h be chosen"
            )

    def slope_gap(self, h: float) -> np.ndarray:
        """Forward minus backward slope, (f(X + hH) − 2 f(X) + f(X − hH)) / h.

        It is about h·f'' for a smooth f, so it shrinks with h; at a kink it tends to the
        jump of the slope instead. Chapter 2, *The Fréchet derivative and the gradient*.
        """
        return np.real(self(h) - 2 * self(0.0) + self(-h)) / h

    def complex_value(self, h: float) -> np.ndarray:
        """f(X + ihH), with numpy's discarding of imaginary parts turned into an error."""
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return self(1j * h)

    def complex_step(self, h: float) -> np.ndarray:
        return np.imag(self.complex_value(h)) / h


def step_scale(X: np.ndarray, H: np.ndarray) -> float:
    """The natural unit of t along X + tH: typical |X| over the entries H moves, per |H|.

    Falls back to the typical size of all of X, or to 1 when X is zero. Raises ValueError
    for a zero direction.
    """
    support = H != 0
    if not support.any():
        raise ValueError("the direction H is the zero matrix; a derivative needs H ≠ 0")
    size_X = typical_size(X[support]) or typical_size(X) or 1.0
    return size_X / typical_size(H[support])


def typical_size(A: np.ndarray) -> float:
    """Root-mean-square of the entries of A, free of overflow and underflow (0 for zeros)."""
    top = largest_magnitude(A)
    if top == 0.0:
        return 0.0
    return float(top * np.sqrt(np.mean((A / top) ** 2)))


def positive_step(h: Any) -> float:
    """Return h as a float, or raise a clear error unless it is a positive finite number."""
    if isinstance(h, bool) or not isinstance(h, (int, float, np.floating, np.integer)):
        raise TypeError(f"the step h must be a number, got {type(h).__name__}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"the step h must be positive and finite, got {h}")
    return float(h)


def as_output(value: np.ndarray) -> np.ndarray | float:
    """A 0-d result becomes a float; arrays (size-1 ones too) keep their shape."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def largest_magnitude(values: np.ndarray) -> float:
    """max |values| over all entries (0 for an empty array)."""
    return float(np.max(np.abs(values), initial=0.0))
