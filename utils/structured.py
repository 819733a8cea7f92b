"""Orthogonal projections onto the subspaces of structured matrices.

On a subspace S of matrices (the symmetric ones, the diagonal ones, ...) with the
Frobenius inner product, the gradient of f restricted to S is the orthogonal projection of
∇f onto S, and the gradient of X ↦ f(P(X)) on the whole space is P(∇f(P(X))). Each
projection here is written against :data:`utils.array_namespace.xp`, so it takes numpy
arrays (real, or complex for complex-step derivatives) and JAX arrays alike. Introduced in
Chapter 7, *Structured matrices and constraints*.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .array_namespace import xp

__all__ = ["PROJECTIONS", "SQUARE_ONLY", "project", "toeplitz_masks"]


def _shape(G: Any, onto: str) -> tuple[int, int]:
    shape = getattr(G, "shape", None)
    if shape is None or len(shape) != 2:
        raise ValueError(
            f"the projection onto {onto} matrices needs a matrix (2-D array), got "
            f"{'shape ' + str(tuple(shape)) if shape is not None else type(G).__name__}")
    if onto in SQUARE_ONLY and shape[0] != shape[1]:
        raise ValueError(
            f"{onto} matrices are square; got a matrix of shape {tuple(shape)}")
    return int(shape[0]), int(shape[1])


def _symmetric(G: Any) -> Any:
    return (G + G.T) / 2


def _skew(G: Any) -> Any:
    return (G - G.T) / 2


def _diagonal(G: Any) -> Any:
    return G * np.eye(*G.shape)


def _upper(G: Any) -> Any:
    return xp.triu(G)


def _lower(G: Any) -> Any:
    return xp.tril(G)


def toeplitz_masks(shape: tuple[int, int]) -> np.ndarray:
    """The 0/1 masks of the diagonals of an m×n matrix, shape (m + n − 1, m, n).

    Mask k marks the entries (i, j) with j − i = k − (m − 1), from the bottom-left corner
    (k = 0) to the top-right one (k = m + n − 2): an orthogonal basis of the Toeplitz
    matrices, each of squared norm the length of its diagonal.

    Chapter 7, *Structured matrices and constraints*.
    """
    m, n = shape
    offsets = np.subtract.outer(np.arange(n), np.arange(m)).T  # (m, n): j − i
    return (offsets[None, :, :] == np.arange(-(m - 1), n)[:, None, None]).astype(float)


def _toeplitz(G: Any) -> Any:
    masks = toeplitz_masks(G.shape)
    means = xp.tensordot(masks, G, axes=([1, 2], [0, 1])) / masks.sum(axis=(1, 2))
    return xp.tensordot(means, masks, axes=(0, 0))


# Name of the subspace -> the orthogonal projection onto it (Frobenius inner product).
PROJECTIONS: dict[str, Callable[[Any], Any]] = {
    "symmetric": _symmetric,
    "skew-symmetric": _skew,
    "diagonal": _diagonal,
    "upper triangular": _upper,
    "lower triangular": _lower,
    "Toeplitz": _toeplitz,
}
SQUARE_ONLY = frozenset({"symmetric", "skew-symmetric"})


def project(G: Any, onto: str) -> Any:
    """The orthogonal projection of G onto a subspace of structured matrices.

    Parameters
    ----------
    G : array, shape (m, n)
        A numpy array (real or complex) or a JAX array; square for "symmetric" and
        "skew-symmetric".
    onto : str
        One of ``PROJECTIONS``: "symmetric" ((G + Gᵀ)/2), "skew-symmetric" ((G − Gᵀ)/2),
        "diagonal" (G ∘ I), "upper triangular", "lower triangular", "Toeplitz" (each
        diagonal replaced by its mean).

    Returns
    -------
    array, shape (m, n), of the same kind as G.

    Raises
    ------
    ValueError
        For an unknown subspace, an array that is not 2-D, or a non-square G where the
        subspace needs a square one.

    Chapter 7, *Structured matrices and constraints*.
    """
    if onto not in PROJECTIONS:
        raise ValueError(f"unknown subspace {onto!r}; choose one of {sorted(PROJECTIONS)}")
    if isinstance(G, (list, tuple)):
        G = np.asarray(G)
    _shape(G, onto)
    return PROJECTIONS[onto](G)
