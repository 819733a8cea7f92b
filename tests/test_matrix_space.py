"""Unit tests of utils.matrix_space: Frobenius inner product, vec/unvec, commutation matrix."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from utils import basis_matrix, commutation_matrix, frobenius, frobenius_norm, unvec, vec


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


# -- frobenius ---------------------------------------------------------------------------


def test_frobenius_equals_trace_and_vec_dot(rng):
    """⟨X, Y⟩ = tr(XᵀY) = vec(X)·vec(Y) on non-square matrices."""
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    value = frobenius(X, Y)
    assert value == pytest.approx(np.trace(X.T @ Y), rel=1e-13)
    assert value == pytest.approx(np.trace(X @ Y.T), rel=1e-13)
    assert value == pytest.approx(sum(X[i, j] * Y[i, j] for i in range(3) for j in range(5)))


def test_frobenius_returns_python_float(rng):
    """The result is a plain float, not a 0-d array or numpy scalar of another kind."""
    value = frobenius(rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    assert type(value) is float


def test_frobenius_is_symmetric_bilinear_and_gives_the_norm(rng):
    """⟨X, Y⟩ = ⟨Y, X⟩, linear in X, and ⟨X, X⟩ = ‖X‖_F²."""
    X, Y, Z = (rng.standard_normal((4, 2)) for _ in range(3))
    assert frobenius(X, Y) == pytest.approx(frobenius(Y, X), rel=1e-14)
    assert frobenius(2.5 * X - Z, Y) == pytest.approx(
        2.5 * frobenius(X, Y) - frobenius(Z, Y), rel=1e-12
    )
    assert frobenius(X, X) == pytest.approx(np.linalg.norm(X, "fro") ** 2, rel=1e-13)


def test_frobenius_accepts_lists_and_integers():
    """Array-likes are converted: ⟨[[1,2],[3,4]], [[5,6],[7,8]]⟩ = 5+12+21+32 = 70."""
    assert frobenius([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == 70.0


def test_frobenius_shape_mismatch_names_both_shapes(rng):
    """Transposed shapes are an error, not a broadcast."""
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        frobenius(rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))


def test_frobenius_does_not_broadcast_row_vector(rng):
    """A (1, 3) row against a (4, 3) matrix would broadcast in numpy; here it must fail."""
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(1, 3\)"):
        frobenius(rng.standard_normal((4, 3)), rng.standard_normal((1, 3)))


def test_frobenius_rejects_complex_and_non_numeric(rng):
    """Complex input and strings raise TypeError naming the problem."""
    X = rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match="real"):
        frobenius(X + 1j * X, X)
    with pytest.raises(TypeError, match="Y must be a real numeric array"):
        frobenius(X, np.array([["a", "b"], ["c", "d"]]))


def test_frobenius_rejects_nan(rng):
    """NaN entries raise ValueError naming the shape."""
    X = rng.standard_normal((2, 3))
    Y = X.copy()
    Y[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*\(2, 3\)"):
        frobenius(X, Y)


# -- vec / unvec ---------------------------------------------------------------------------


def test_vec_is_column_major(rng):
    """vec(X)[i + j*m] == X[i, j] for every entry of a non-square X."""
    m, n = 3, 5
    X = rng.standard_normal((m, n))
    v = vec(X)
    assert v.shape == (m * n,)
    for i in range(m):
        for j in range(n):
            assert v[i + j * m] == X[i, j]


def test_vec_stacks_columns_small_example():
    """vec([[1, 2, 3], [4, 5, 6]]) = [1, 4, 2, 5, 3, 6]."""
    np.testing.assert_array_equal(vec([[1, 2, 3], [4, 5, 6]]), [1, 4, 2, 5, 3, 6])


def test_vec_of_column_and_row_vectors():
    """vec of an (m, 1) column is the column; vec of a (1, n) row is the row."""
    np.testing.assert_array_equal(vec([[1.0], [2.0], [3.0]]), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(vec([[1.0, 2.0, 3.0]]), [1.0, 2.0, 3.0])


def test_vec_dot_matches_frobenius(rng):
    """vec is an isometry: vec(X)·vec(Y) = ⟨X, Y⟩."""
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert vec(X) @ vec(Y) == pytest.approx(frobenius(X, Y), rel=1e-13)


def test_unvec_inverts_vec(rng):
    """unvec(vec(X), X.shape) == X and vec(unvec(v, shape)) == v."""
    X = rng.standard_normal((4, 7))
    np.testing.assert_array_equal(unvec(vec(X), (4, 7)), X)
    v = rng.standard_normal(12)
    np.testing.assert_array_equal(vec(unvec(v, (3, 4))), v)
    np.testing.assert_array_equal(vec(unvec(v, (4, 3))), v)


def test_unvec_accepts_a_column(rng):
    """An (mn, 1) column is accepted and gives the same matrix as the flat vector."""
    X = rng.standard_normal((2, 5))
    column = vec(X).reshape(-1, 1)
    result = unvec(column, (2, 5))
    assert result.shape == (2, 5)
    np.testing.assert_array_equal(result, X)


def test_unvec_fills_columns_first():
    """unvec([1..6], (2, 3)) = [[1, 3, 5], [2, 4, 6]]."""
    np.testing.assert_array_equal(unvec(np.arange(1, 7), (2, 3)), [[1, 3, 5], [2, 4, 6]])


def test_vec_kronecker_identity(rng):
    """vec(AXB) = (Bᵀ ⊗ A) vec(X) with all factors non-square."""
    A = rng.standard_normal((2, 3))
    X = rng.standard_normal((3, 4))
    B = rng.standard_normal((4, 5))
    np.testing.assert_allclose(vec(A @ X @ B), np.kron(B.T, A) @ vec(X), rtol=1e-12, atol=1e-12)


def test_vec_kronecker_special_cases(rng):
    """vec(AX) = (I ⊗ A) vec X and vec(XB) = (Bᵀ ⊗ I) vec X."""
    A = rng.standard_normal((5, 3))
    X = rng.standard_normal((3, 2))
    B = rng.standard_normal((2, 4))
    np.testing.assert_allclose(vec(A @ X), np.kron(np.eye(2), A) @ vec(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vec(X @ B), np.kron(B.T, np.eye(3)) @ vec(X), rtol=1e-12, atol=1e-12)


def test_vec_requires_a_matrix():
    """A 1-D or 3-D array raises ValueError naming its shape."""
    with pytest.raises(ValueError, match=r"2 dimension.*\(3,\)"):
        vec(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        vec(np.ones((2, 2, 2)))


def test_vec_rejects_complex_bool_and_callables():
    """Complex, boolean and callable arguments raise TypeError."""
    with pytest.raises(TypeError, match="complex128"):
        vec(np.ones((2, 2), dtype=complex))
    with pytest.raises(TypeError, match="bool"):
        vec(np.ones((2, 2), dtype=bool))
    with pytest.raises(TypeError, match="callable"):
        vec(np.eye)


def test_unvec_wrong_length_names_shapes():
    """A vector of the wrong length raises ValueError naming the target shape and the input."""
    with pytest.raises(ValueError, match=r"m\*n = 6.*\(2, 3\).*\(5,\)"):
        unvec(np.ones(5), (2, 3))


def test_unvec_rejects_a_matrix_that_is_not_a_column():
    """A (2, 3) matrix is not a vector, even though it has 6 entries."""
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        unvec(np.ones((2, 3)), (3, 2))
    with pytest.raises(ValueError, match=r"\(1, 6\)"):
        unvec(np.ones((1, 6)), (2, 3))


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
matrices = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=finite)


@settings(max_examples=60, deadline=None)
@given(X=matrices)
def test_vec_unvec_round_trip_bit_for_bit(X):
    """unvec(vec(X), X.shape) is X, and vec(unvec(v, shape)) is v, to the last bit (signed
    zeros, subnormals and the largest floats included): both only move entries."""
    back = unvec(vec(X), X.shape)
    assert back.shape == X.shape and back.tobytes() == X.tobytes()
    v = X.reshape(-1)  # any vector of length m·n, for every way to factor its length
    for m in (d for d in range(1, v.size + 1) if v.size % d == 0):
        assert vec(unvec(v, (m, v.size // m))).tobytes() == v.tobytes()


empty_shapes = st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda s: 0 in s)


@settings(max_examples=25, deadline=None)
@given(shape=empty_shapes)
def test_vec_and_unvec_both_refuse_empty_shapes(shape):
    """An m×n shape with m = 0 or n = 0 is refused by vec and unvec alike, as by every
    shape in the package, so vec accepts no matrix that unvec cannot give back."""
    with pytest.raises(ValueError, match=re.escape(f"X is empty (shape {shape})")):
        vec(np.zeros(shape))
    with pytest.raises(ValueError, match="positive sizes"):
        unvec(np.zeros(shape[0] * shape[1]), shape)


def test_frobenius_of_empty_arrays_is_the_empty_sum():
    """The sums over all entries are defined for every shape: 0.0 when there is none."""
    assert frobenius(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert frobenius_norm(np.zeros((2, 0))) == 0.0


@pytest.mark.parametrize(
    ("shape", "error", "pattern"),
    [
        ((2, 3, 1), ValueError, r"\(m, n\)"),
        ((0, 6), ValueError, "positive"),
        ((-1, 6), ValueError, "positive"),
        ((2.0, 3), TypeError, "tuple of ints"),
        (6, ValueError, r"\(m, n\)"),
        ("ab", TypeError, "tuple of ints"),
        (None, TypeError, "tuple of ints"),
    ],
)
def test_unvec_bad_shape(shape, error, pattern):
    """A shape that is not two positive ints raises the right error."""
    with pytest.raises(error, match=pattern):
        unvec(np.ones(6), shape)


# -- commutation matrix ------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n"), [(1, 1), (1, 4), (4, 1), (2, 3), (3, 2), (4, 5)])
def test_commutation_matrix_transposes_vec(rng, m, n):
    """K(m, n) vec(X) = vec(Xᵀ) for X of shape (m, n)."""
    X = rng.standard_normal((m, n))
    K = commutation_matrix(m, n)
    assert K.shape == (m * n, m * n)
    np.testing.assert_array_equal(K @ vec(X), vec(X.T))


@pytest.mark.parametrize(("m", "n"), [(2, 3), (3, 5), (4, 4)])
def test_commutation_matrix_is_a_permutation(m, n):
    """Entries are 0/1 with exactly one 1 per row and column, so K Kᵀ = I."""
    K = commutation_matrix(m, n)
    assert set(np.unique(K)) <= {0.0, 1.0}
    np.testing.assert_array_equal(K.sum(axis=0), np.ones(m * n))
    np.testing.assert_array_equal(K.sum(axis=1), np.ones(m * n))
    np.testing.assert_array_equal(K @ K.T, np.eye(m * n))


@pytest.mark.parametrize(("m", "n"), [(2, 3), (3, 5), (1, 4)])
def test_commutation_matrix_transpose_swaps_shape(m, n):
    """K(m, n)ᵀ = K(n, m) = K(m, n)⁻¹; it is not symmetric when m ≠ n (and both > 1)."""
    K = commutation_matrix(m, n)
    np.testing.assert_array_equal(K.T, commutation_matrix(n, m))
    np.testing.assert_array_equal(commutation_matrix(n, m) @ K, np.eye(m * n))
    if m > 1 and n > 1:
        assert not np.array_equal(K, K.T)


def test_commutation_matrix_swaps_kronecker_factors(rng):
    """K(p, m)(A ⊗ B)K(n, q) = B ⊗ A for A (m, n) and B (p, q)."""
    A = rng.standard_normal((2, 3))
    B = rng.standard_normal((4, 5))
    lhs = commutation_matrix(4, 2) @ np.kron(A, B) @ commutation_matrix(3, 5)
    np.testing.assert_allclose(lhs, np.kron(B, A), rtol=0, atol=0)


def test_commutation_matrix_small_example():
    """K(2, 2) swaps the middle two entries of vec."""
    expected = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(commutation_matrix(2, 2), expected)


@pytest.mark.parametrize(
    ("m", "n", "error"),
    [(0, 3, ValueError), (3, -2, ValueError), (2.5, 3, TypeError), ("2", 3, TypeError)],
)
def test_commutation_matrix_bad_sizes(m, n, error):
    """Sizes must be positive ints."""
    with pytest.raises(error, match=r"positive|ints"):
        commutation_matrix(m, n)


# -- basis matrices --------------------------------------------------------------------------


def test_basis_matrix_has_a_single_one():
    """E_ij has a 1 at (i, j), zeros elsewhere, and the requested non-square shape."""
    E = basis_matrix((3, 4), 2, 1)
    assert E.shape == (3, 4)
    assert E[2, 1] == 1.0
    assert E.sum() == 1.0
    assert np.count_nonzero(E) == 1


def test_basis_matrices_pick_out_entries(rng):
    """⟨E_ij, X⟩ = X[i, j], and Σ X[i, j] E_ij rebuilds X."""
    X = rng.standard_normal((2, 5))
    rebuilt = np.zeros_like(X)
    for i in range(2):
        for j in range(5):
            E = basis_matrix((2, 5), i, j)
            assert frobenius(E, X) == X[i, j]
            rebuilt += X[i, j] * E
    np.testing.assert_array_equal(rebuilt, X)


def test_basis_matrix_vec_is_a_standard_basis_vector():
    """vec(E_ij) is the unit vector e_{i + j*m}."""
    m, n = 3, 2
    for i in range(m):
        for j in range(n):
            np.testing.assert_array_equal(vec(basis_matrix((m, n), i, j)), np.eye(m * n)[i + j * m])


def test_basis_matrix_accepts_numpy_integers():
    """Indices may be numpy integers."""
    assert basis_matrix((2, 2), np.int64(1), np.int32(0))[1, 0] == 1.0


@pytest.mark.parametrize(
    ("i", "j", "error", "pattern"),
    [
        (3, 0, ValueError, r"i = 3 is out of range for shape \(3, 4\)"),
        (0, 4, ValueError, r"j = 4 is out of range for shape \(3, 4\)"),
        (-1, 0, ValueError, r"i = -1 is out of range"),
        (1.0, 0, TypeError, "i must be an int, got float"),
        (0, "1", TypeError, "j must be an int, got str"),
        (True, 0, TypeError, "i must be an int, got bool"),
    ],
)
def test_basis_matrix_bad_index(i, j, error, pattern):
    """Out-of-range or non-integer indices raise with a message naming index and shape."""
    with pytest.raises(error, match=pattern):
        basis_matrix((3, 4), i, j)


def test_basis_matrix_bad_shape():
    """The shape must be a pair of positive ints."""
    with pytest.raises(ValueError, match=r"\(m, n\)"):
        basis_matrix((3,), 0, 0)
    with pytest.raises(ValueError, match="positive"):
        basis_matrix((0, 2), 0, 0)
