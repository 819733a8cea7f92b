"""Tests of utils.stiefel: tangent projection, retractions and the Riemannian gradient check.

The tangent space of St(n, p) at Q is {V : QᵀV + VᵀQ = 0}; the projection onto it must be
idempotent, self-adjoint and land in it; retractions must give orthonormal columns, fix Q
at V = 0 and agree with Q + V to first order; the check must accept the projected gradient
and reject the Euclidean one with a message that says to project it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import frobenius, random_orthogonal
from utils.stiefel import (
    check_riemannian_gradient,
    retract_polar,
    retract_qr,
    riemannian_gradient,
    tangent_project,
)

RETRACTIONS = [retract_qr, retract_polar]


@st.composite
def points(draw):
    n = draw(st.integers(1, 6))
    p = draw(st.integers(1, n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return random_orthogonal(rng, n)[:, :p], rng


@settings(max_examples=40, deadline=None)
@given(points())
def test_projection_is_orthogonal_onto_the_tangent_space(point) -> None:
    Q, rng = point
    V, W = rng.standard_normal(Q.shape), rng.standard_normal(Q.shape)
    P = tangent_project(Q, V)
    assert np.allclose(Q.T @ P + P.T @ Q, 0, atol=1e-12)          # tangent
    assert np.allclose(tangent_project(Q, P), P, atol=1e-12)        # idempotent
    assert np.isclose(frobenius(P, W), frobenius(V, tangent_project(Q, W)))  # self-adjoint


@settings(max_examples=40, deadline=None)
@given(points())
def test_retractions_land_on_the_manifold_and_move_along_V_to_first_order(point) -> None:
    Q, rng = point
    V = tangent_project(Q, rng.standard_normal(Q.shape))
    for retract in RETRACTIONS:
        assert np.allclose(retract(Q, np.zeros_like(Q)), Q, atol=1e-12), retract.__name__
        R = retract(Q, 0.5 * V)
        assert np.allclose(R.T @ R, np.eye(Q.shape[1]), atol=1e-12), retract.__name__
        errors = [np.linalg.norm(retract(Q, t * V) - Q - t * V) for t in (1e-2, 1e-3)]
        if errors[0] > 1e-13:  # second order: ten times shorter, a hundred times smaller
            assert errors[1] < errors[0] / 50, (retract.__name__, errors)


def test_on_the_orthogonal_group_the_gradient_is_Q_times_a_skew_matrix() -> None:
    rng = np.random.default_rng(1)
    Q, G = random_orthogonal(rng, 4), rng.standard_normal((4, 4))
    R = riemannian_gradient(Q, G)
    assert np.allclose(R, Q @ (Q.T @ G - G.T @ Q) / 2)
    assert np.allclose(Q.T @ R, -(Q.T @ R).T)


def procrustes(rng, n: int = 5, p: int = 3):
    Q = random_orthogonal(rng, n)[:, :p]
    A, B = rng.standard_normal((4, n)), rng.standard_normal((4, p))
    return Q, (lambda Y: np.sum((A @ Y - B) ** 2)), 2 * A.T @ (A @ Q - B)


@pytest.mark.parametrize("retraction", ["qr", "polar"])
def test_the_check_accepts_the_riemannian_gradient(retraction: str) -> None:
    for seed in range(3):
        Q, f, G = procrustes(np.random.default_rng(seed))
        result = check_riemannian_gradient(f, riemannian_gradient(Q, G), Q,
                                           np.random.default_rng(seed), retraction=retraction)
        assert result.ok, result.message
        assert check_riemannian_gradient(f, lambda Y, G=G: riemannian_gradient(Y, G), Q).ok


def test_the_euclidean_gradient_fails_with_advice_to_project_it() -> None:
    Q, f, G = procrustes(np.random.default_rng(0))
    result = check_riemannian_gradient(f, G, Q)
    assert not result.ok
    assert "not tangent" in result.message and "not yet projected" in result.message


def test_a_wrong_gradient_fails_and_is_not_called_the_euclidean_one() -> None:
    Q, f, G = procrustes(np.random.default_rng(0))
    wrong = check_riemannian_gradient(f, 2 * G, Q)
    assert not wrong.ok and "Euclidean gradient itself is wrong" in wrong.message
    tangent_but_wrong = check_riemannian_gradient(f, 2 * riemannian_gradient(Q, G), Q)
    assert not tangent_but_wrong.ok and "not tangent" not in tangent_but_wrong.message
    transposed = check_riemannian_gradient(f, G.T, Q)
    assert not transposed.ok and "shape" in transposed.message


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda Q: tangent_project(2 * Q, Q), ValueError, "orthonormal columns"),
    (lambda Q: tangent_project(Q.T, Q.T), ValueError, r"n ≥ p .* got shape \(3, 5\)"),
    (lambda Q: tangent_project(Q, Q[:, :2]), ValueError, r"shape of Q, \(5, 3\), got \(5, 2\)"),
    (lambda Q: retract_qr(Q, -Q), ValueError, "full column rank"),
    (lambda Q: retract_polar(Q, -Q), ValueError, "full column rank"),
    (lambda Q: check_riemannian_gradient(None, Q, Q), TypeError, "f must be a function"),
    (lambda Q: check_riemannian_gradient(np.sum, Q, Q, retraction="exp"), ValueError,
     r"retraction must be one of \['polar', 'qr'\]"),
    (lambda Q: check_riemannian_gradient(np.sum, Q, Q, rng=0), TypeError, "Generator"),
])
def test_bad_input_is_refused_with_a_clear_message(call, error: type, message: str) -> None:
    Q = random_orthogonal(np.random.default_rng(0), 5)[:, :3]
    with pytest.raises(error, match=message):
        call(Q)
