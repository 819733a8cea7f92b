"""Half-vectorisation of symmetric matrices: vech, its inverse, and the matrices D and L.

A symmetric n×n matrix has N = n(n + 1)/2 free entries, those on and below the diagonal.
``vech`` stacks them column by column (column-major, like :func:`utils.vec`), ``unvech``
rebuilds the symmetric matrix, and two 0/1 matrices connect vech with vec: the
*duplication matrix* D (n² × N) with D vech(X) = vec(X) for symmetric X, and the
*elimination matrix* L (N × n²) with L vec(X) = vech(X) for every square X. Then L D = I
and the Moore–Penrose inverse D⁺ = (DᵀD)⁻¹Dᵀ satisfies D⁺D = I. Introduced in Chapter 7,
*Structured matrices and constraints*.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array

__all__ = ["duplication_matrix", "elimination_matrix", "unvech", "vech"]


def _lower_positions(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns (i ≥ j) of the lower triangle, column by column."""
    columns, rows = np.triu_indices(n)  # (j, i) with j ≤ i, ordered by j, then i
    return rows, columns


def _size(n: object, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be a positive int, got {n}")
    return int(n)


def vech(X: ArrayLike) -> np.ndarray:
    """The entries of X on and below the diagonal, column by column.

    Parameters
    ----------
    X : array_like, shape (n, n)
        A square matrix; it need not be symmetric (the entries above the diagonal are
        ignored).

    Returns
    -------
    ndarray, shape (n(n + 1)/2,)
        ``[X[0, 0], X[1, 0], ..., X[n-1, 0], X[1, 1], ..., X[n-1, n-1]]``.

    Raises
    ------
    ValueError
        If X is not a non-empty square matrix.

    Chapter 7, *Structured matrices and constraints*.
    """
    X = as_real_array(X, "X", ndim=2, nonempty=True)
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"vech needs a square matrix, got shape {X.shape}")
    rows, columns = _lower_positions(X.shape[0])
    return X[rows, columns]


def unvech(v: ArrayLike) -> np.ndarray:
    """The symmetric matrix whose vech is v.

    Parameters
    ----------
    v : array_like, shape (N,) or (N, 1)
        With N = n(n + 1)/2 for some n ≥ 1.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric, with ``vech(unvech(v)) == v``.

    Raises
    ------
    ValueError
        If v is not a vector, or its length is not a triangular number n(n + 1)/2.

    Chapter 7, *Structured matrices and constraints*.
    """
    v = as_real_array(v, "v", nonempty=True)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"unvech needs a vector of shape (N,) or (N, 1), got shape {v.shape}")
    n = round(float(np.sqrt(8 * v.size + 1) - 1) / 2)
    if n * (n + 1) // 2 != v.size:
        raise ValueError(f"unvech needs a vector of length n(n + 1)/2 (1, 3, 6, 10, ...), "
                         f"got length {v.size}")
    X = np.zeros((n, n))
    rows, columns = _lower_positions(n)
    X[rows, columns] = v
    X[columns, rows] = v
    return X


def duplication_matrix(n: int) -> np.ndarray:
    """The duplication matrix D: D vech(X) = vec(X) for every symmetric n×n X.

    Column k of D is vec(E_ij + E_ji) for the k-th position (i, j), i > j, of vech, and
    vec(E_ii) for a diagonal position: one 1 or two 1s per column.

    Parameters
    ----------
    n : int
        Positive.

    Returns
    -------
    ndarray, shape (n², n(n + 1)/2)

    Raises
    ------
    TypeError, ValueError
        If n is not a positive int.

    Chapter 7, *Structured matrices and constraints*.
    """
    n = _size(n)
    rows, columns = _lower_positions(n)
    D = np.zeros((n * n, rows.size))
    k = np.arange(rows.size)
    D[rows + n * columns, k] = 1.0  # vec index of (i, j) is i + n j
    D[columns + n * rows, k] = 1.0  # and of (j, i)
    return D


def elimination_matrix(n: int) -> np.ndarray:
    """The elimination matrix L: L vec(X) = vech(X) for every n×n X.

    Row k of L is vec(E_ij)ᵀ for the k-th position (i, j), i ≥ j, of vech.

    Parameters
    ----------
    n : int
        Positive.

    Returns
    -------
    ndarray, shape (n(n + 1)/2, n²)

    Raises
    ------
    TypeError, ValueError
        If n is not a positive int.

    Chapter 7, *Structured matrices and constraints*.
    """
    n = _size(n)
    rows, columns = _lower_positions(n)
    L = np.zeros((rows.size, n * n))
    L[np.arange(rows.size), rows + n * columns] = 1.0
    return L
