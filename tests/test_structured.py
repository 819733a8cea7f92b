"""Tests of utils.structured: each map is the orthogonal projection onto its subspace.

An orthogonal projection P is idempotent (P² = P) and self-adjoint (⟨PG, H⟩ = ⟨G, PH⟩);
its image is the subspace, described here independently of the code (G = Gᵀ, zero off the
diagonal, constant along diagonals, ...).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import frobenius, project
from utils.structured import PROJECTIONS, SQUARE_ONLY, toeplitz_masks


def in_subspace(Y: np.ndarray, onto: str) -> bool:
    """Membership, stated without the projections."""
    m, n = Y.shape
    i, j = np.indices((m, n))
    if onto == "symmetric":
        return np.allclose(Y, Y.T)
    if onto == "skew-symmetric":
        return np.allclose(Y, -Y.T)
    if onto == "diagonal":
        return np.allclose(Y[i != j], 0)
    if onto == "upper triangular":
        return np.allclose(Y[i > j], 0)
    if onto == "lower triangular":
        return np.allclose(Y[i < j], 0)
    if onto == "Toeplitz":
        return all(np.allclose(Y[j - i == k], Y[j - i == k][0]) for k in range(-(m - 1), n))
    raise AssertionError(onto)


shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))


@settings(max_examples=30, deadline=None)
@given(onto=st.sampled_from(sorted(PROJECTIONS)), shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_each_map_is_the_orthogonal_projection(onto, shape, seed):
    if onto in SQUARE_ONLY:
        shape = (shape[0], shape[0])
    rng = np.random.default_rng(seed)
    G, H = rng.standard_normal(shape), rng.standard_normal(shape)
    PG = project(G, onto)
    assert in_subspace(PG, onto)
    np.testing.assert_allclose(project(PG, onto), PG, atol=1e-12)  # idempotent
    assert frobenius(PG, H) == pytest.approx(frobenius(G, project(H, onto)), abs=1e-10)
    assert abs(frobenius(G - PG, project(H, onto))) < 1e-10  # the residual is orthogonal


def test_a_matrix_in_the_subspace_is_left_alone_and_others_move():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((4, 4))
    for onto in PROJECTIONS:
        assert not in_subspace(G, onto)
        P = project(G, onto)
        np.testing.assert_array_equal(project(P, onto), P)


def test_known_values():
    G = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(project(G, "diagonal"), [[1, 0, 0], [0, 5, 0]])
    np.testing.assert_array_equal(project(G, "upper triangular"), [[1, 2, 3], [0, 5, 6]])
    np.testing.assert_array_equal(project(G, "lower triangular"), [[1, 0, 0], [4, 5, 0]])
    np.testing.assert_allclose(project(G, "Toeplitz"), [[3, 4, 3], [4, 3, 4]])
    S = np.array([[1.0, 2.0], [4.0, 3.0]])
    np.testing.assert_array_equal(project(S, "symmetric"), [[1, 3], [3, 3]])
    np.testing.assert_array_equal(project(S, "skew-symmetric"), [[0, -1], [1, 0]])
    assert toeplitz_masks((2, 3)).shape == (4, 2, 3)


def test_complex_and_jax_arrays_keep_their_kind():
    import jax.numpy as jnp

    from utils.array_namespace import is_jax_array

    G = np.arange(9.0).reshape(3, 3) * (1 + 1j)
    for onto in PROJECTIONS:
        assert np.iscomplexobj(project(G, onto))
        assert is_jax_array(project(jnp.asarray(G.real), onto))
        np.testing.assert_allclose(np.asarray(project(jnp.asarray(G.real), onto)),
                                   project(G.real, onto))


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="unknown subspace 'hermitian'"):
        project(np.eye(2), "hermitian")
    with pytest.raises(ValueError, match=r"square; got a matrix of shape \(2, 3\)"):
        project(np.ones((2, 3)), "symmetric")
    with pytest.raises(ValueError, match=r"2-D array\), got shape \(3,\)"):
        project(np.ones(3), "diagonal")
    with pytest.raises(ValueError, match="got float"):
        project(1.0, "diagonal")
    np.testing.assert_array_equal(project([[1.0, 2.0], [3.0, 4.0]], "diagonal"), np.diag([1, 4]))
