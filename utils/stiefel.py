"""Matrices with orthonormal columns: tangent spaces, Riemannian gradients, retractions.

The Stiefel manifold St(n, p) = {Q ∈ ℝ^{n×p} : QᵀQ = I_p} (the orthogonal group O(n) when
p = n) carries the metric of the surrounding space, ⟨U, V⟩ = tr(UᵀV). Its tangent space at
Q is {V : QᵀV + VᵀQ = 0}, the orthogonal projection onto it is V ↦ V − Q sym(QᵀV), and the
Riemannian gradient of f at Q is the projection of the Euclidean gradient. A retraction
maps a tangent step back onto the manifold: the Q factor of a QR factorisation, or the
polar factor. :func:`check_riemannian_gradient` checks a candidate Riemannian gradient along
tangent curves through a retraction and says when a candidate is the unprojected Euclidean
gradient. Introduced in Chapter 7, *Structured matrices and constraints*.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, generator_or_seeded, require_callable
from .checks import DEFAULT_SEED, GradientCheck, check_gradient
from .matrix_space import frobenius_norm

__all__ = [
    "RETRACTIONS",
    "check_riemannian_gradient",
    "retract_polar",
    "retract_qr",
    "riemannian_gradient",
    "tangent_project",
]

ORTHONORMAL_TOL = 1e-8  # ‖QᵀQ − I‖_F allowed for a point of the manifold


def _point(Q: ArrayLike) -> np.ndarray:
    """Q as a real n×p array with n ≥ p and orthonormal columns, or a clear error."""
    Q = as_real_array(Q, "Q", ndim=2, nonempty=True)
    n, p = Q.shape
    if n < p:
        raise ValueError(f"Q must be n×p with n ≥ p to have orthonormal columns, got shape "
                         f"{Q.shape}")
    error = frobenius_norm(Q.T @ Q - np.eye(p))
    if not error <= ORTHONORMAL_TOL:
        raise ValueError(f"Q (shape {Q.shape}) must have orthonormal columns, but "
                         f"‖QᵀQ − I‖_F = {error:.1e}; orthonormalise it first, e.g. with "
                         "retract_qr(Q, 0 * Q)" if error < 1 else
                         f"Q (shape {Q.shape}) must have orthonormal columns, but "
                         f"‖QᵀQ − I‖_F = {error:.1e}")
    return Q


def _direction(Q: np.ndarray, V: ArrayLike, name: str) -> np.ndarray:
    V = as_real_array(V, name, ndim=2)
    if V.shape != Q.shape:
        raise ValueError(f"{name} must have the shape of Q, {Q.shape}, got {V.shape}")
    return V


def tangent_project(Q: ArrayLike, V: ArrayLike) -> np.ndarray:
    """The orthogonal projection of V onto the tangent space of St(n, p) at Q.

    Parameters
    ----------
    Q : array_like, shape (n, p)
        Orthonormal columns (QᵀQ = I_p), n ≥ p.
    V : array_like, shape (n, p)

    Returns
    -------
    ndarray, shape (n, p)
        V − Q sym(QᵀV), with sym(M) = (M + Mᵀ)/2: the tangent vector nearest to V in the
        Frobenius norm (QᵀP + PᵀQ = 0 for the result P).

    Raises
    ------
    ValueError
        If Q does not have orthonormal columns or V not the shape of Q.

    Chapter 7, *Structured matrices and constraints*.
    """
    Q = _point(Q)
    V = _direction(Q, V, "V")
    M = Q.T @ V
    return V - Q @ (M + M.T) / 2


def riemannian_gradient(Q: ArrayLike, G: ArrayLike) -> np.ndarray:
    """The Riemannian gradient at Q of a function whose Euclidean gradient at Q is G.

    With the metric of the surrounding space (tr(UᵀV)), it is the tangent projection of G,
    G − Q sym(QᵀG). For p = n (the orthogonal group) it equals Q skew(QᵀG), with
    skew(M) = (M − Mᵀ)/2.

    Parameters
    ----------
    Q : array_like, shape (n, p)
        Orthonormal columns.
    G : array_like, shape (n, p)
        The Euclidean gradient ∇f(Q) of f extended to all n×p matrices.

    Returns
    -------
    ndarray, shape (n, p)

    Raises
    ------
    ValueError
        If Q does not have orthonormal columns or G not the shape of Q.

    Chapter 7, *Structured matrices and constraints*.
    """
    return tangent_project(Q, G)


def retract_qr(Q: ArrayLike, V: ArrayLike) -> np.ndarray:
    """The QR retraction: the Q factor of Q + V, with the signs that make R's diagonal > 0.

    Parameters
    ----------
    Q : array_like, shape (n, p)
        Orthonormal columns.
    V : array_like, shape (n, p)
        A step, usually tangent at Q.

    Returns
    -------
    ndarray, shape (n, p)
        Orthonormal columns; equal to Q for V = 0, and Q + V + O(‖V‖²) for tangent V.

    Raises
    ------
    ValueError
        If Q does not have orthonormal columns, V is not the shape of Q, or Q + V does not
        have full column rank.

    Chapter 7, *Structured matrices and constraints*.
    """
    Q = _point(Q)
    Y = Q + _direction(Q, V, "V")
    factor, R = np.linalg.qr(Y)
    signs = np.sign(np.diag(R))
    if np.any(np.abs(np.diag(R)) <= 1e-12 * max(np.abs(R).max(), 1e-300)):
        raise ValueError(f"Q + V (shape {Y.shape}) does not have full column rank; take a "
                         "shorter step")
    return factor * signs


def retract_polar(Q: ArrayLike, V: ArrayLike) -> np.ndarray:
    """The polar retraction: the orthonormal polar factor U Wᵀ of Q + V = U Σ Wᵀ.

    It is the matrix with orthonormal columns nearest to Q + V in the Frobenius norm.

    Parameters
    ----------
    Q : array_like, shape (n, p)
        Orthonormal columns.
    V : array_like, shape (n, p)
        A step, usually tangent at Q.

    Returns
    -------
    ndarray, shape (n, p)

    Raises
    ------
    ValueError
        If Q does not have orthonormal columns, V is not the shape of Q, or Q + V does not
        have full column rank.

    Chapter 7, *Structured matrices and constraints*.
    """
    Q = _point(Q)
    Y = Q + _direction(Q, V, "V")
    U, s, Wt = np.linalg.svd(Y, full_matrices=False)
    if s[-1] <= 1e-12 * s[0]:
        raise ValueError(f"Q + V (shape {Y.shape}) does not have full column rank; take a "
                         "shorter step")
    return U @ Wt


RETRACTIONS: dict[str, Callable[[Any, Any], np.ndarray]] = {
    "qr": retract_qr,
    "polar": retract_polar,
}


def check_riemannian_gradient(
    f: Callable[[np.ndarray], Any],
    rgrad: ArrayLike | Callable[[np.ndarray], ArrayLike],
    Q: ArrayLike,
    rng: np.random.Generator | None = None,
    *,
    retraction: str = "qr",
) -> GradientCheck:
    """Check a candidate Riemannian gradient of f at a point Q of St(n, p).

    The Riemannian gradient is the tangent vector G with d/dt f(R_Q(tV)) at t = 0 equal to
    ⟨G, V⟩ for every tangent V, R a retraction. This runs :func:`utils.check_gradient` on
    V ↦ f(R_Q(P_Q V)) at V = 0 (P_Q the tangent projection), whose Euclidean gradient is
    exactly the Riemannian gradient (both retractions move along V to first order). A
    candidate that is not tangent fails: the message says so and, when the candidate's
    tangent part is right — the candidate is the Euclidean gradient, not yet projected —
    says to project it.

    Parameters
    ----------
    f : callable
        Maps an n×p matrix with orthonormal columns to a real number.
    rgrad : array_like or callable
        The candidate, shape (n, p), or a function returning it when called with Q.
    Q : array_like, shape (n, p)
        The point; orthonormal columns, n ≥ p.
    rng : numpy.random.Generator, optional
        Source of the random directions; a fixed seed when omitted.
    retraction : {"qr", "polar"}
        The retraction that carries the directions onto the manifold.

    Returns
    -------
    GradientCheck
        Truthy when the candidate is the Riemannian gradient.

    Raises
    ------
    TypeError, ValueError
        If f is not callable, Q does not have orthonormal columns, the retraction is
        unknown, or ``rng`` is not a Generator or None.

    Chapter 7, *Structured matrices and constraints*.
    """
    f = require_callable(f, "f")
    Q = _point(Q)
    rng = generator_or_seeded(rng, DEFAULT_SEED)
    if retraction not in RETRACTIONS:
        raise ValueError(f"retraction must be one of {sorted(RETRACTIONS)}, got {retraction!r}")
    retract = RETRACTIONS[retraction]
    candidate = rgrad(Q.copy()) if callable(rgrad) else rgrad
    G = np.asarray(candidate)
    where = (f"Riemannian gradient at Q of shape {Q.shape}, along tangent curves through "
             f"the {retraction} retraction: ")

    def along(V: np.ndarray) -> Any:
        return f(retract(Q, tangent_project(Q, V)))

    zero = np.zeros_like(Q)
    state = rng.bit_generator.state
    result = check_gradient(along, G, zero, rng)
    if result.ok or G.shape != Q.shape or not np.all(np.isfinite(G)):
        return dataclasses.replace(result, message=where + result.message)
    M = Q.T @ G
    normal = frobenius_norm(M + M.T) / 2
    if normal <= 1e-8 * max(frobenius_norm(G), 1e-300):
        return dataclasses.replace(result, message=where + result.message)
    rng.bit_generator.state = state  # the same directions for the projected candidate
    projected = check_gradient(along, tangent_project(Q, G), zero, rng)
    size = normal / max(frobenius_norm(G), 1e-300)
    if projected.ok:
        advice = ("it is not tangent at Q (‖sym(QᵀG)‖_F is {size:.1e} of ‖G‖_F), but its "
                  "tangent part G − Q sym(QᵀG) is the Riemannian gradient: it has an extra "
                  "normal component QM with M symmetric, as the Euclidean gradient not yet "
                  "projected onto the tangent space has, or a projection other than "
                  "G − Q sym(QᵀG)")
    else:
        advice = ("it is not tangent at Q (‖sym(QᵀG)‖_F is {size:.1e} of ‖G‖_F: a "
                  "Riemannian gradient G satisfies QᵀG + GᵀQ = 0), and even its tangent part "
                  "G − Q sym(QᵀG) is wrong, so the Euclidean gradient itself is wrong")
    return dataclasses.replace(
        result, message=where + "the candidate fails; " + advice.format(size=size)
        + f" (relative error {result.rel_error:.2g}, {result.n_evaluations} evaluations "
        "of f).")
