"""One derivative in the layouts of other books: conversion to and from this book's.

The derivative of a map F from arrays of shape ``in_shape`` (a vector ``(n,)`` or a matrix
``(m, n)``) to arrays of shape ``out_shape`` (a scalar ``()``, a vector ``(p,)`` or a
matrix ``(p, q)``) holds one number per pair (output entry, input entry): the partial
derivative ∂F_i/∂X_k. A *layout* says where each number goes. This book's layout
(:attr:`Layout.BOOK`) is the array J of shape ``out_shape + in_shape`` with
J[i..., k...] = ∂F_i/∂X_k, as ``utils.jacobian_tensor`` and ``jax.jacobian`` return it; for
a scalar F it is the gradient, shaped like X. The other layouts:

======================  ================  =================  ================  =============
layout                  scalar by vector  vector by vector   scalar by matrix  matrix by matrix
======================  ================  =================  ================  =============
``BOOK``                (n,)              (p, n)             (m, n)            (p, q, m, n)
``NUMERATOR``           (1, n)            (p, n)             (n, m)            not defined
``DENOMINATOR``         (n, 1)            (n, p)             (m, n)            not defined
``MAGNUS_NEUDECKER``    (1, n)            (p, n)             (1, m·n)          (p·q, m·n)
``MINKA``               not defined       not defined        (n, m)            not defined
``SYMPY``               (n,)              (n, p)             (m, n)            (m, n, p, q)
======================  ================  =================  ================  =============

"not defined" means that this module does not implement that kind in that layout
(:func:`supports` is False and a conversion is a ValueError): the numerator and the
denominator layout have no form for it without a vectorisation, and Minka's layout is
implemented only for scalar functions of a matrix, the case the book quotes from him.
Sympy itself stores a vector as an (n, 1) matrix and returns an (n, 1) column for a
scalar-by-vector derivative: ``SYMPY`` with ``in_shape=(n, 1)``.

``NUMERATOR`` is the Jacobian layout (rows follow the output, columns the input, so a
scalar's derivative by a matrix is the transpose of the gradient), ``DENOMINATOR`` its
transpose. ``MAGNUS_NEUDECKER`` is DF = ∂vec F / ∂(vec X)ᵀ with column-major vec.
``MINKA`` is the transposed gradient of a scalar function of a matrix, so that
d tr(AXB)/dX = BA. ``SYMPY`` puts the input indices first, as sympy's array derivatives
do. Vector-by-matrix and matrix-by-vector derivatives are defined in ``BOOK``,
``MAGNUS_NEUDECKER`` and ``SYMPY``, by the same rules. Real arrays only: a complex ``D``
is a TypeError, because for a real function of a complex matrix the gradient also depends
on a choice of conjugate, which no layout here records (Chapter 6, *Complex matrices*).

Introduced in Chapter 6, *Layout conventions decoded*.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_shape_tuple

__all__ = ["KIND_NAMES", "Layout", "convert_layout", "derivative_kind", "layout_shape",
           "supports"]


class Layout(str, Enum):
    """The layout conventions for derivatives that :func:`convert_layout` knows.

    Each member is also its string value (``Layout.MINKA == "minka"``), so functions of
    this module accept either.

    Chapter 6, *Layout conventions decoded*.
    """

    BOOK = "book"
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    MAGNUS_NEUDECKER = "magnus-neudecker"
    MINKA = "minka"
    SYMPY = "sympy"

    def __str__(self) -> str:
        return self.value


# the names of the kinds, by (number of output dimensions, number of input dimensions)
KIND_NAMES = {
    (0, 1): "scalar-by-vector", (1, 1): "vector-by-vector", (2, 1): "matrix-by-vector",
    (0, 2): "scalar-by-matrix", (1, 2): "vector-by-matrix", (2, 2): "matrix-by-matrix",
}
_EVERY_KIND = frozenset(KIND_NAMES.values())
_THREE_KINDS = frozenset({"scalar-by-vector", "vector-by-vector", "scalar-by-matrix"})
_DEFINED = {
    Layout.BOOK: _EVERY_KIND,
    Layout.NUMERATOR: _THREE_KINDS,
    Layout.DENOMINATOR: _THREE_KINDS,
    Layout.MAGNUS_NEUDECKER: _EVERY_KIND,
    Layout.MINKA: frozenset({"scalar-by-matrix"}),
    Layout.SYMPY: _EVERY_KIND,
}


def _layout(value: Any, name: str) -> Layout:
    """``value`` as a Layout member, or a TypeError/ValueError that lists the names."""
    if isinstance(value, Layout):
        return value
    names = ", ".join(repr(member.value) for member in Layout)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a Layout or one of the strings {names}; "
                        f"got {type(value).__name__}")
    try:
        return Layout(value)
    except ValueError:
        raise ValueError(f"{name} = {value!r} is not a layout; the layouts are {names}"
                         ) from None


def _shapes(in_shape: Any, out_shape: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validated (in_shape, out_shape): an input of 1 or 2 dimensions, an output of 0-2."""
    in_shape = require_shape_tuple(in_shape, "in_shape")
    out_shape = require_shape_tuple(out_shape, "out_shape")
    if len(in_shape) not in (1, 2):
        raise ValueError(f"in_shape must be a vector (n,) or a matrix (m, n) shape, "
                         f"got {in_shape}")
    if len(out_shape) > 2:
        raise ValueError(f"out_shape must be () for a scalar, (p,) or (p, q), "
                         f"got {out_shape}")
    return in_shape, out_shape


def derivative_kind(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
    """The kind of derivative of a map from ``in_shape`` to ``out_shape``.

    Parameters
    ----------
    in_shape : (n,) or (m, n)
    out_shape : (), (p,) or (p, q)

    Returns
    -------
    str
        One of the values of :data:`KIND_NAMES`, such as ``"scalar-by-matrix"``.

    Chapter 6, *Layout conventions decoded*.
    """
    in_shape, out_shape = _shapes(in_shape, out_shape)
    return KIND_NAMES[len(out_shape), len(in_shape)]


def supports(layout: Layout | str, in_shape: tuple[int, ...],
             out_shape: tuple[int, ...]) -> bool:
    """Whether ``layout`` defines the derivative of a map from ``in_shape`` to ``out_shape``.

    The numerator and denominator layouts lay out only what fits in a matrix without a
    vectorisation (scalar by vector, vector by vector, scalar by matrix); Minka's layout
    is the transposed gradient of a scalar function of a matrix; the others define every
    kind.

    Chapter 6, *Layout conventions decoded*.
    """
    layout = _layout(layout, "layout")
    return derivative_kind(in_shape, out_shape) in _DEFINED[layout]


def layout_shape(layout: Layout | str, in_shape: tuple[int, ...],
                 out_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of the derivative of a map from ``in_shape`` to ``out_shape`` in ``layout``.

    Parameters
    ----------
    layout : Layout or str
    in_shape : (n,) or (m, n)
    out_shape : (), (p,) or (p, q)

    Returns
    -------
    tuple of int
        For example, for in_shape (m, n) and out_shape (): (m, n) in ``BOOK``,
        ``DENOMINATOR`` and ``SYMPY``, (n, m) in ``NUMERATOR`` and ``MINKA``, (1, m·n) in
        ``MAGNUS_NEUDECKER``.

    Raises
    ------
    ValueError
        If the layout does not define this kind of derivative, or a shape is invalid.

    Chapter 6, *Layout conventions decoded*.
    """
    layout = _layout(layout, "layout")
    in_shape, out_shape = _shapes(in_shape, out_shape)
    kind = derivative_kind(in_shape, out_shape)
    if kind not in _DEFINED[layout]:
        defined = ", ".join(sorted(_DEFINED[layout]))
        elsewhere = ", ".join(member.value for member in Layout if kind in _DEFINED[member])
        raise ValueError(f"the {layout.value} layout defines no {kind} derivative (it has "
                         f"{defined}); the layouts with one are {elsewhere}")
    if layout is Layout.BOOK:
        return out_shape + in_shape
    if layout is Layout.SYMPY:
        return in_shape + out_shape
    if layout is Layout.MAGNUS_NEUDECKER:
        return (math.prod(out_shape), math.prod(in_shape))
    if kind == "scalar-by-matrix":  # NUMERATOR, DENOMINATOR, MINKA
        return in_shape if layout is Layout.DENOMINATOR else in_shape[::-1]
    numerator = (out_shape[0] if out_shape else 1, in_shape[0])  # vector input
    return numerator if layout is Layout.NUMERATOR else numerator[::-1]


def _from_book(J: np.ndarray, layout: Layout, in_shape: tuple[int, ...],
               out_shape: tuple[int, ...]) -> np.ndarray:
    """This book's array J (shape out_shape + in_shape) in ``layout``."""
    r, k = len(out_shape), len(in_shape)
    if layout is Layout.BOOK:
        return J
    if layout is Layout.SYMPY:
        return J.transpose(tuple(range(r, r + k)) + tuple(range(r)))
    if layout is Layout.MAGNUS_NEUDECKER:
        return J.reshape(layout_shape(layout, in_shape, out_shape), order="F")
    if k == 2:  # scalar by matrix: J is the gradient
        return J if layout is Layout.DENOMINATOR else J.T
    numerator = J.reshape(1, -1) if r == 0 else J  # vector input: (1, n) or (p, n)
    return numerator if layout is Layout.NUMERATOR else numerator.T


def _to_book(D: np.ndarray, layout: Layout, in_shape: tuple[int, ...],
             out_shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of :func:`_from_book`: D in ``layout`` back to shape out + in."""
    r, k = len(out_shape), len(in_shape)
    if layout is Layout.BOOK:
        return D
    if layout is Layout.SYMPY:
        return D.transpose(tuple(range(k, k + r)) + tuple(range(k)))
    if layout is Layout.MAGNUS_NEUDECKER:
        return D.reshape(out_shape + in_shape, order="F")
    if k == 2:
        return D if layout is Layout.DENOMINATOR else D.T
    numerator = D if layout is Layout.NUMERATOR else D.T
    return numerator.reshape(out_shape + in_shape)


def _refuse_complex(D: Any) -> None:
    """A TypeError for a complex D, naming its shape and dtype and saying why."""
    try:
        dtype = np.asarray(D).dtype
    except (TypeError, ValueError):  # not an array at all: as_real_array says so
        return
    if np.issubdtype(dtype, np.complexfloating):
        raise TypeError(
            f"D is complex (shape {np.shape(D)}, dtype {dtype}); convert_layout rearranges "
            f"real derivatives only. The gradient of a real function of a complex matrix "
            f"also depends on a choice of conjugate (jax.grad returns the conjugate of "
            f"2 ∂f/∂Z̄), which no layout records: see Chapter 6, Complex matrices")


def convert_layout(D: ArrayLike, from_: Layout | str, to: Layout | str, *,
                   in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> np.ndarray:
    """The derivative ``D``, given in layout ``from_``, rearranged into layout ``to``.

    Only the places of the numbers change: every entry ∂F_i/∂X_k of the derivative of a
    map F from arrays of shape ``in_shape`` to arrays of shape ``out_shape`` appears once
    in each layout (see the module docstring for the shapes).

    Parameters
    ----------
    D : array_like, real, of shape ``layout_shape(from_, in_shape, out_shape)``
        For example, the gradient of a scalar function of an (m, n) matrix in this book's
        layout has shape (m, n); Minka's BA for d tr(AXB)/dX has shape (n, m).
    from_, to : Layout or str
        The layouts, such as ``Layout.BOOK`` or ``"magnus-neudecker"``.
    in_shape : (n,) or (m, n)
        The shape of the map's input X.
    out_shape : (), (p,) or (p, q)
        The shape of its output F(X); () for a scalar function.

    Returns
    -------
    ndarray of shape ``layout_shape(to, in_shape, out_shape)``; a new array.

    Raises
    ------
    TypeError
        If D is complex (any complex dtype, even with zero imaginary parts) or not a
        numeric array, or a layout is neither a Layout nor a string.
    ValueError
        If a layout is unknown or does not define this kind of derivative, a shape is
        invalid, or D does not have the shape of ``from_`` (the message names the layouts
        whose shape D has, such as the transposed one).

    Chapter 6, *Layout conventions decoded*.
    """
    source, target = _layout(from_, "from_"), _layout(to, "to")
    expected = layout_shape(source, in_shape, out_shape)
    layout_shape(target, in_shape, out_shape)  # the target must define it too
    in_shape, out_shape = _shapes(in_shape, out_shape)
    _refuse_complex(D)
    D = as_real_array(D, "D")
    if D.shape != expected:
        matching = [member.value for member in Layout
                    if supports(member, in_shape, out_shape)
                    and layout_shape(member, in_shape, out_shape) == D.shape]
        hint = (f"; that is the shape of the {' and '.join(matching)} layout"
                f"{'s' if len(matching) > 1 else ''}" if matching else "")
        raise ValueError(
            f"D has shape {D.shape}, but a {derivative_kind(in_shape, out_shape)} "
            f"derivative (input {in_shape}, output {out_shape}) in the {source.value} "
            f"layout has shape {expected}{hint}")
    J = _to_book(D, source, in_shape, out_shape)
    return np.array(_from_book(J, target, in_shape, out_shape), copy=True)
