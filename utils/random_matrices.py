"""Random test matrices drawn from a caller's ``numpy.random.Generator``.

Checks in the book use general, non-symmetric, non-square matrices wherever a claim allows
them, because symmetric or identity matrices hide transpose mistakes. The structured
samplers here are for claims that need structure (invertibility, symmetry, definiteness).
Introduced in Chapter 1, *Matrices as vectors*.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_real_number, require_generator, require_shape_tuple

MAX_COND = 1e12  # beyond this, rounding in the construction dominates the condition number

__all__ = [
    "random_invertible",
    "random_matrix",
    "random_orthogonal",
    "random_spd",
    "random_symmetric",
]


def random_matrix(rng: np.random.Generator, m: int, n: int | None = None) -> np.ndarray:
    """A matrix with independent standard normal entries.

    Parameters
    ----------
    rng : numpy.random.Generator
    m, n : int
        Shape (m, n); ``n`` defaults to ``m``.

    Returns
    -------
    ndarray, shape (m, n)

    Chapter 1, *Matrices as vectors*.
    """
    rng = require_generator(rng)
    shape = require_shape_tuple((m, m if n is None else n))
    return rng.standard_normal(shape)


def random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """An orthogonal matrix Q (QᵀQ = I) drawn uniformly (Haar measure).

    Uses the QR factorisation of a Gaussian matrix with the signs of R's diagonal moved
    into Q, which makes the distribution uniform.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        The size.

    Returns
    -------
    ndarray, shape (n, n)

    Chapter 1, *Matrices as vectors*.
    """
    Q, R = np.linalg.qr(random_matrix(rng, n))
    return Q * np.sign(np.diag(R))


def random_invertible(rng: np.random.Generator, n: int, cond: float = 10.0) -> np.ndarray:
    """A non-symmetric invertible matrix with 2-norm condition number ``cond``.

    Built as U diag(s) Vᵀ with random orthogonal U, V and singular values s spaced
    geometrically from 1 down to 1/cond, so ‖A‖₂ = 1 and cond(A) = cond up to rounding
    (for n = 1 the matrix is a number of size 1 and its condition number is 1).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        The size.
    cond : float
        The condition number, 1 ≤ cond ≤ 1e12 (beyond that rounding dominates).

    Returns
    -------
    ndarray, shape (n, n)

    Chapter 1, *Matrices as vectors*.
    """
    singular_values = _geometric_spectrum(n, cond)
    U = random_orthogonal(rng, n)
    V = random_orthogonal(rng, n)
    return (U * singular_values) @ V.T


def random_symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    """A symmetric matrix (A + Aᵀ)/2 with A standard normal.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        The size.

    Returns
    -------
    ndarray, shape (n, n)

    Chapter 1, *Matrices as vectors*.
    """
    A = random_matrix(rng, n)
    return (A + A.T) / 2


def random_spd(rng: np.random.Generator, n: int, cond: float = 10.0) -> np.ndarray:
    """A symmetric positive definite matrix with condition number ``cond``.

    Built as Q diag(λ) Qᵀ with a random orthogonal Q and eigenvalues λ spaced
    geometrically from 1 down to 1/cond (so cond(S) = cond up to rounding; 1 for n = 1).

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        The size.
    cond : float
        The condition number, 1 ≤ cond ≤ 1e12.

    Returns
    -------
    ndarray, shape (n, n)

    Chapter 1, *Matrices as vectors*.
    """
    eigenvalues = _geometric_spectrum(n, cond)
    Q = random_orthogonal(rng, n)
    S = (Q * eigenvalues) @ Q.T
    return (S + S.T) / 2


def _geometric_spectrum(n: int, cond: float) -> np.ndarray:
    """n values spaced geometrically from 1 down to 1/cond (cond ≥ 1)."""
    cond = as_real_number(cond, "cond")
    if not 1 <= cond <= MAX_COND:
        raise ValueError(f"cond must be a number between 1 and {MAX_COND:g}, got {cond}")
    (n,) = require_shape_tuple((n,), "n")
    return np.geomspace(1.0, 1.0 / cond, n)
