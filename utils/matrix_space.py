"""The space of m×n real matrices as a Euclidean space.

The Frobenius inner product, column-major vectorisation, the commutation matrix and the
standard basis E_ij. Introduced in Chapter 1, *Matrices as vectors*.

Shapes have positive sizes here as everywhere in the package: ``vec``, ``unvec``,
``commutation_matrix`` and ``basis_matrix`` refuse a matrix or shape with no rows or no
columns, such as (0, 3), with a ValueError, so that ``unvec(vec(X), X.shape)`` gives back
every X that ``vec`` accepts. ``frobenius`` and ``frobenius_norm`` are sums over all
entries and give the empty sum, 0.0, for an empty array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_same_shape, require_shape_tuple

__all__ = ["basis_matrix", "commutation_matrix", "frobenius", "frobenius_norm", "unvec", "vec"]


def frobenius(X: ArrayLike, Y: ArrayLike) -> float:
    """Frobenius inner product ⟨X, Y⟩ = tr(XᵀY) = Σ_ij X_ij Y_ij.

    Parameters
    ----------
    X, Y : array_like, same shape (m, n)
        Real matrices (vectors or higher arrays are allowed too: the sum runs over all
        entries; for empty arrays it is 0.0).

    Returns
    -------
    float

    Chapter 1, *Matrices as vectors*.
    """
    X = as_real_array(X, "X")
    Y = as_real_array(Y, "Y")
    require_same_shape(X, Y, "X", "Y")
    return float(np.sum(X * Y))


def frobenius_norm(X: ArrayLike) -> float:
    """Frobenius norm ‖X‖_F = √⟨X, X⟩ = √(Σ X_ij²), without overflow or underflow.

    Parameters
    ----------
    X : array_like, any shape (all entries are summed; an empty array gives 0.0)

    Returns
    -------
    float

    Chapter 1, *Matrices as vectors*.
    """
    X = np.abs(as_real_array(X, "X"))
    top = float(np.max(X, initial=0.0))
    if top == 0.0:
        return 0.0
    return top * float(np.sqrt(np.sum((X / top) ** 2)))


def vec(X: ArrayLike) -> np.ndarray:
    """Stack the columns of X into one vector (column-major order).

    Parameters
    ----------
    X : array_like, shape (m, n)
        With m, n ≥ 1, as for :func:`unvec`; an empty matrix is a ValueError.

    Returns
    -------
    ndarray, shape (m*n,)
        ``vec(X)[i + j*m] == X[i, j]``, so that vec(AXB) = (Bᵀ ⊗ A) vec(X).

    Chapter 1, *Matrices as vectors*.
    """
    X = as_real_array(X, "X", ndim=2, nonempty=True)
    return X.reshape(-1, order="F")


def unvec(v: ArrayLike, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`vec`: refill the columns of an m×n matrix from a vector.

    Parameters
    ----------
    v : array_like, shape (m*n,) or (m*n, 1)
    shape : (m, n)
        Positive ints, as for every shape in the package.

    Returns
    -------
    ndarray, shape (m, n)

    Chapter 1, *Matrices as vectors*.
    """
    m, n = _matrix_shape(shape)
    v = as_real_array(v, "v")
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1 or v.size != m * n:
        raise ValueError(
            f"unvec needs a vector of length m*n = {m * n} for shape {(m, n)}, "
            f"got an array of shape {v.shape}"
        )
    return v.reshape((m, n), order="F")


def commutation_matrix(m: int, n: int) -> np.ndarray:
    """The commutation matrix K of size mn × mn with K vec(X) = vec(Xᵀ) for X of shape (m, n).

    K is a permutation matrix, so K⁻¹ = Kᵀ; Kᵀ is the commutation matrix for shape (n, m).

    Returns
    -------
    ndarray, shape (m*n, m*n)

    Chapter 1, *Matrices as vectors*.
    """
    m, n = _matrix_shape((m, n))
    K = np.zeros((m * n, m * n))
    rows, cols = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    # X[i, j] sits at position i + j*m of vec(X) and at position j + i*n of vec(X.T).
    K[(cols + rows * n).ravel(), (rows + cols * m).ravel()] = 1.0
    return K


def basis_matrix(shape: tuple[int, int], i: int, j: int) -> np.ndarray:
    """The standard basis matrix E_ij: a one in entry (i, j), zeros elsewhere.

    Parameters
    ----------
    shape : (m, n)
    i, j : int
        Row and column, 0-based, with 0 ≤ i < m and 0 ≤ j < n.

    Returns
    -------
    ndarray, shape (m, n)

    Chapter 1, *Matrices as vectors*.
    """
    m, n = _matrix_shape(shape)
    for name, index, size in (("i", i, m), ("j", j, n)):
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"{name} must be an int, got {type(index).__name__}")
        if not 0 <= index < size:
            raise ValueError(f"{name} = {index} is out of range for shape {(m, n)}")
    E = np.zeros((m, n))
    E[i, j] = 1.0
    return E


def _matrix_shape(shape: object) -> tuple[int, int]:
    """Validate a 2-tuple of positive sizes."""
    dims = require_shape_tuple(shape)
    if len(dims) != 2:
        raise ValueError(f"shape must be (m, n), got {shape!r}")
    return dims[0], dims[1]
