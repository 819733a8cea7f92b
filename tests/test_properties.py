"""Property tests (hypothesis) of the matrix-space identities and the numerical derivatives.

Shapes range over 1..5 and matrices come from np.random.default_rng(seed) with the seed drawn
by hypothesis, so every example is a reproducible random non-symmetric matrix.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import (
    check_gradient,
    commutation_matrix,
    frobenius,
    numerical_gradient,
    relative_error,
    unvec,
    vec,
)

sizes = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
fast = settings(max_examples=30, deadline=None)


def _close(a, b, scale):
    """|a − b| within a few ulps of the size of the terms that were summed."""
    return abs(a - b) <= 1e-12 * max(scale, 1.0)


@fast
@given(m=sizes, n=sizes, p=sizes, seed=seeds)
def test_left_multiplication_adjoint(m, n, p, seed):
    """⟨AX, Y⟩ = ⟨X, AᵀY⟩ for A (p, m), X (m, n), Y (p, n)."""
    rng = np.random.default_rng(seed)
    A, X, Y = rng.standard_normal((p, m)), rng.standard_normal((m, n)), rng.standard_normal((p, n))
    scale = np.abs(A).sum() * np.abs(X).max() * np.abs(Y).sum()
    assert _close(frobenius(A @ X, Y), frobenius(X, A.T @ Y), scale)


@fast
@given(m=sizes, n=sizes, q=sizes, seed=seeds)
def test_right_multiplication_adjoint(m, n, q, seed):
    """⟨XB, Y⟩ = ⟨X, YBᵀ⟩ for X (m, n), B (n, q), Y (m, q)."""
    rng = np.random.default_rng(seed)
    X, B, Y = rng.standard_normal((m, n)), rng.standard_normal((n, q)), rng.standard_normal((m, q))
    scale = np.abs(X).sum() * np.abs(B).max() * np.abs(Y).sum()
    assert _close(frobenius(X @ B, Y), frobenius(X, Y @ B.T), scale)


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_transpose_adjoint(m, n, seed):
    """⟨Xᵀ, Y⟩ = ⟨X, Yᵀ⟩ for X (m, n), Y (n, m): the same products, so equal to rounding."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((m, n)), rng.standard_normal((n, m))
    assert _close(frobenius(X.T, Y), frobenius(X, Y.T), np.abs(X).sum() * np.abs(Y).max())


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_frobenius_matches_trace(m, n, seed):
    """⟨X, Y⟩ = tr(XᵀY) = vec(X)·vec(Y)."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    value = frobenius(X, Y)
    scale = np.abs(X).sum() * np.abs(Y).max()
    assert _close(value, np.trace(X.T @ Y), scale)
    assert _close(value, vec(X) @ vec(Y), scale)


@fast
@given(p=sizes, m=sizes, n=sizes, q=sizes, seed=seeds)
def test_vec_kronecker_identity(p, m, n, q, seed):
    """vec(AXB) = (Bᵀ ⊗ A) vec(X) for A (p, m), X (m, n), B (n, q)."""
    rng = np.random.default_rng(seed)
    A, X, B = rng.standard_normal((p, m)), rng.standard_normal((m, n)), rng.standard_normal((n, q))
    np.testing.assert_allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X), rtol=1e-10, atol=1e-10)


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_vec_unvec_roundtrip(m, n, seed):
    """unvec(vec(X)) = X and vec(X)[i + j m] = X[i, j]."""
    X = np.random.default_rng(seed).standard_normal((m, n))
    v = vec(X)
    np.testing.assert_array_equal(unvec(v, (m, n)), X)
    i, j = m - 1, n - 1
    assert v[i + j * m] == X[i, j]


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_commutation_matrix_property(m, n, seed):
    """K(m, n) vec(X) = vec(Xᵀ), K(m, n)ᵀ = K(n, m) and K is a permutation."""
    X = np.random.default_rng(seed).standard_normal((m, n))
    K = commutation_matrix(m, n)
    np.testing.assert_array_equal(K @ vec(X), vec(X.T))
    np.testing.assert_array_equal(K.T, commutation_matrix(n, m))
    np.testing.assert_array_equal(K @ K.T, np.eye(m * n))


@fast
@given(m=sizes, n=sizes, p=sizes, q=sizes, seed=seeds)
def test_commutation_matrix_swaps_kronecker(m, n, p, q, seed):
    """K(p, m)(A ⊗ B)K(n, q) = B ⊗ A for A (m, n), B (p, q)."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m, n)), rng.standard_normal((p, q))
    lhs = commutation_matrix(p, m) @ np.kron(A, B) @ commutation_matrix(n, q)
    np.testing.assert_allclose(lhs, np.kron(B, A), rtol=0, atol=0)


@fast
@given(n=sizes, seed=seeds)
def test_numerical_gradient_of_vector_quadratic_form(n, seed):
    """∇ xᵀAx = (A + Aᵀ)x for x of shape (n, 1) and non-symmetric A."""
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((n, n)), rng.standard_normal((n, 1))
    G = numerical_gradient(lambda y: y.T @ A @ y, x)
    assert G.shape == (n, 1)
    np.testing.assert_allclose(G, (A + A.T) @ x, rtol=1e-9, atol=1e-12)


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_numerical_gradient_of_matrix_quadratic_form(m, n, seed):
    """∇ tr(XᵀAX) = (A + Aᵀ)X for X (m, n) and non-symmetric A (m, m)."""
    rng = np.random.default_rng(seed)
    A, X = rng.standard_normal((m, m)), rng.standard_normal((m, n))
    G = numerical_gradient(lambda Y: np.trace(Y.T @ A @ Y), X)
    expected = (A + A.T) @ X
    assert relative_error(G, expected) <= 1e-9 or np.abs(G - expected).max() <= 1e-12


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_numerical_gradient_of_trace_of_product(m, n, seed):
    """∇ tr(AXB) = AᵀBᵀ for X (m, n) with A (n, m) and B (n, n)."""
    rng = np.random.default_rng(seed)
    X, A, B = rng.standard_normal((m, n)), rng.standard_normal((n, m)), rng.standard_normal((n, n))
    G = numerical_gradient(lambda Y: np.trace(A @ Y @ B), X)
    np.testing.assert_allclose(G, A.T @ B.T, rtol=1e-9, atol=1e-12)


@fast
@given(m=sizes, n=sizes, seed=seeds)
def test_check_gradient_accepts_true_gradient_of_quadratic_form(m, n, seed):
    """check_gradient accepts (A + Aᵀ)X for tr(XᵀAX) and rejects twice that."""
    rng = np.random.default_rng(seed)
    A, X = rng.standard_normal((m, m)), rng.standard_normal((m, n))
    f = lambda Y: np.trace(Y.T @ A @ Y)  # noqa: E731
    G = (A + A.T) @ X
    result = check_gradient(f, G, X, rng=np.random.default_rng(seed + 1))
    assert result.ok, result.message
    if np.linalg.norm(G) > 1e-6 * np.linalg.norm(A) * np.linalg.norm(X):
        assert not check_gradient(f, 2 * G, X)


@fast
@given(n=sizes, seed=seeds)
def test_check_gradient_accepts_vector_quadratic_form(n, seed):
    """check_gradient accepts (A + Aᵀ)x for xᵀAx with a size-1 array output."""
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((n, n)), rng.standard_normal((n, 1))
    result = check_gradient(lambda y: y.T @ A @ y, (A + A.T) @ x, x)
    assert result.ok, result.message
    assert result.rel_error <= 1e-9
