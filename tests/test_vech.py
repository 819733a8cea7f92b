"""Tests of utils.vech: vech and unvech, the duplication matrix D and the elimination matrix L.

The properties are those that define them: D vech X = vec X for symmetric X, L vec X =
vech X for every square X, L D = I, D⁺D = I, all in the column-major order of utils.vec.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import duplication_matrix, elimination_matrix, unvech, vec, vech

sizes = st.integers(1, 7)
seeds = st.integers(0, 2**32 - 1)


def square(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, n))


@settings(max_examples=40, deadline=None)
@given(sizes, seeds)
def test_duplication_rebuilds_vec_of_a_symmetric_matrix(n: int, seed: int) -> None:
    X = square(n, seed)
    S = X + X.T
    assert np.array_equal(duplication_matrix(n) @ vech(S), vec(S))


@settings(max_examples=40, deadline=None)
@given(sizes, seeds)
def test_elimination_picks_vech_of_any_square_matrix(n: int, seed: int) -> None:
    X = square(n, seed)  # not symmetric: L ignores the entries above the diagonal
    assert np.array_equal(elimination_matrix(n) @ vec(X), vech(X))


@settings(max_examples=20, deadline=None)
@given(sizes)
def test_L_D_and_the_pseudo_inverse_of_D_are_left_inverses(n: int) -> None:
    D, L = duplication_matrix(n), elimination_matrix(n)
    N = n * (n + 1) // 2
    assert D.shape == (n * n, N) and L.shape == (N, n * n)
    assert np.array_equal(L @ D, np.eye(N))
    assert np.allclose(np.linalg.pinv(D) @ D, np.eye(N))
    # DᵀD is diagonal: 1 for a diagonal position, 2 for an off-diagonal pair
    assert np.array_equal(D.T @ D, np.diag(np.where(vech(np.eye(n)) == 1, 1.0, 2.0)))


@settings(max_examples=40, deadline=None)
@given(sizes, seeds)
def test_unvech_inverts_vech_on_symmetric_matrices(n: int, seed: int) -> None:
    X = square(n, seed)
    S = X + X.T
    assert np.array_equal(unvech(vech(S)), S)
    v = np.random.default_rng(seed).standard_normal(n * (n + 1) // 2)
    assert np.array_equal(vech(unvech(v)), v) and np.array_equal(unvech(v[:, None]), unvech(v))


def test_vech_order_is_column_major() -> None:
    X = np.arange(9.0).reshape(3, 3)  # X[i, j] = 3i + j
    assert vech(X).tolist() == [0.0, 3.0, 6.0, 4.0, 7.0, 8.0]  # column 0, then 1, then 2
    assert vech(np.array([[5.0]])).tolist() == [5.0]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: vech(np.ones((2, 3))), ValueError, r"square matrix, got shape \(2, 3\)"),
    (lambda: vech(np.ones(3)), ValueError, "X"),
    (lambda: vech("abc"), TypeError, "X"),
    (lambda: unvech(np.ones(4)), ValueError, "length n\\(n \\+ 1\\)/2 .* got length 4"),
    (lambda: unvech(np.ones((2, 3))), ValueError, r"got shape \(2, 3\)"),
    (lambda: duplication_matrix(0), ValueError, "positive int, got 0"),
    (lambda: duplication_matrix(2.0), TypeError, "positive int, got float"),
    (lambda: elimination_matrix(True), TypeError, "positive int, got bool"),
])
def test_bad_input_is_refused_with_a_clear_message(call, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
