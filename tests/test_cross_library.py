"""The package's numerical derivatives agree with independent libraries.

scipy.differentiate.derivative differentiates the scalar function t ↦ f(X + tH) at t = 0
(an adaptive finite-difference scheme of its own); numdifftools differentiates f on the
flattened matrix. Neither shares code with utils.numdiff.
"""

import numdifftools as nd
import numpy as np
import pytest
from scipy.differentiate import derivative

from utils import (
    directional_derivative,
    jacobian_tensor,
    numerical_gradient,
    random_invertible,
    random_spd,
    relative_error,
)

RNG = np.random.default_rng(97)
A_4 = RNG.standard_normal((4, 4))
C_43 = RNG.standard_normal((4, 3))
SPD_ISH = random_spd(RNG, 4, cond=10.0) + 0.05 * RNG.standard_normal((4, 4))  # non-symmetric


def _log_abs_det(Y):
    return np.linalg.slogdet(Y)[1]


def _sum_singular_values(Y):
    return np.sum(np.linalg.svd(Y, compute_uv=False))


# name: (f, point X); X is non-square where f allows it
FUNCTIONS = {
    "tr(XᵀAX)": (lambda Y: np.trace(Y.T @ A_4 @ Y), RNG.standard_normal((4, 3))),
    "log det (SPD-ish)": (_log_abs_det, SPD_ISH),
    "analytic log det": (lambda Y: np.log(np.linalg.det(Y)), SPD_ISH),
    "Frobenius norm": (np.linalg.norm, RNG.standard_normal((4, 3))),
    "sum of singular values": (_sum_singular_values, RNG.standard_normal((4, 3))),
    "weighted sigmoid": (lambda Y: np.sum(C_43 / (1 + np.exp(-Y))), RNG.standard_normal((4, 3))),
}


def test_spd_ish_point_is_non_symmetric_with_positive_determinant():
    """Sanity check of the test data: log det is defined there and X is not symmetric."""
    assert np.linalg.det(SPD_ISH) > 0
    assert not np.allclose(SPD_ISH, SPD_ISH.T)


def _along(f, X, H):
    """t ↦ f(X + tH), vectorised over an array of t as scipy.differentiate requires."""

    def g(t):
        t = np.asarray(t, dtype=float)
        return np.array([f(X + s * H) for s in t.ravel()]).reshape(t.shape)

    return g


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_directional_derivative_agrees_with_scipy_differentiate(name):
    """Df(X)[H] from utils equals scipy.differentiate.derivative of t ↦ f(X + tH) at 0."""
    f, X = FUNCTIONS[name]
    rng = np.random.default_rng(5)
    for _ in range(3):
        H = rng.standard_normal(X.shape)
        reference = derivative(_along(f, X, H), 0.0, initial_step=0.01)
        assert reference.success
        ours = directional_derivative(f, X, H)
        assert ours == pytest.approx(float(reference.df), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_numerical_gradient_agrees_with_numdifftools(name):
    """numerical_gradient equals numdifftools.Gradient on vec(X) (row-major flattening)."""
    f, X = FUNCTIONS[name]
    reference = nd.Gradient(lambda x: f(x.reshape(X.shape)))(X.ravel()).reshape(X.shape)
    ours = numerical_gradient(f, X)
    assert ours.shape == X.shape
    assert relative_error(ours, reference) < 1e-8


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_gradient_is_consistent_with_scipy_directional_derivative(name):
    """⟨∇f(X), H⟩ from utils equals scipy's derivative along H (links the two APIs)."""
    f, X = FUNCTIONS[name]
    H = np.random.default_rng(11).standard_normal(X.shape)
    reference = derivative(_along(f, X, H), 0.0, initial_step=0.01)
    G = numerical_gradient(f, X)
    assert np.sum(G * H) == pytest.approx(float(reference.df), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize(
    ("name", "F", "X"),
    [
        ("inverse", np.linalg.inv, random_invertible(np.random.default_rng(3), 3, cond=5.0)),
        ("X A Xᵀ", lambda Y: Y @ A_4 @ Y.T, np.random.default_rng(4).standard_normal((2, 4))),
        ("elementwise tanh times B", lambda Y: np.tanh(Y) @ C_43, RNG.standard_normal((2, 4))),
    ],
)
def test_jacobian_tensor_agrees_with_numdifftools(name, F, X):
    """jacobian_tensor, reshaped to (F.size, X.size), equals numdifftools.Jacobian on vec(X)."""
    out_shape = np.shape(F(X))
    reference = nd.Jacobian(lambda x: F(x.reshape(X.shape)).ravel())(X.ravel())
    J = jacobian_tensor(F, X)
    assert J.shape == out_shape + X.shape
    reference = np.reshape(reference, out_shape + X.shape)
    assert relative_error(J, reference) < 1e-8, name
