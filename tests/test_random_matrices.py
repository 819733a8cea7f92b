"""Unit tests of utils.random_matrices: shapes, structure, conditioning, reproducibility."""

import numpy as np
import pytest

from utils import (
    random_invertible,
    random_matrix,
    random_orthogonal,
    random_spd,
    random_symmetric,
)

SAMPLERS_N = [random_orthogonal, random_invertible, random_symmetric, random_spd]


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# -- shapes ----------------------------------------------------------------------------


def test_random_matrix_shape_and_default_square(rng):
    """random_matrix(rng, m, n) has shape (m, n); n defaults to m."""
    assert random_matrix(rng, 3, 5).shape == (3, 5)
    assert random_matrix(rng, 5, 3).shape == (5, 3)
    assert random_matrix(rng, 4).shape == (4, 4)
    assert random_matrix(rng, 1, 1).shape == (1, 1)


@pytest.mark.parametrize("sampler", SAMPLERS_N)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_square_samplers_shape_and_dtype(rng, sampler, n):
    """Structured samplers return a real float (n, n) array with finite entries."""
    A = sampler(rng, n)
    assert A.shape == (n, n)
    assert A.dtype == np.float64
    assert np.all(np.isfinite(A))


def test_random_matrix_looks_standard_normal(rng):
    """Entries have mean ≈ 0 and variance ≈ 1 (10 000 samples, loose 5-sigma bounds)."""
    A = random_matrix(rng, 100, 100)
    assert abs(A.mean()) < 5 / 100
    assert abs(A.var() - 1) < 5 * np.sqrt(2) / 100


# -- structure -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 4, 7])
def test_random_matrix_is_not_symmetric(rng, n):
    """A general square sample is not symmetric (symmetric samples would hide transposes)."""
    A = random_matrix(rng, n)
    assert not np.allclose(A, A.T)


@pytest.mark.parametrize("n", [2, 4, 7])
def test_random_invertible_is_not_symmetric(rng, n):
    """random_invertible is invertible but not symmetric."""
    A = random_invertible(rng, n)
    assert not np.allclose(A, A.T)
    np.testing.assert_allclose(A @ np.linalg.inv(A), np.eye(n), atol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_random_symmetric_is_symmetric_not_diagonal(rng, n):
    """random_symmetric is exactly symmetric and (for n > 1) has non-zero off-diagonal."""
    S = random_symmetric(rng, n)
    np.testing.assert_array_equal(S, S.T)
    if n > 1:
        assert np.any(np.abs(S - np.diag(np.diag(S))) > 1e-3)


@pytest.mark.parametrize("n", [1, 3, 6])
@pytest.mark.parametrize("cond", [1.0, 10.0, 1e4])
def test_random_spd_is_symmetric_positive_definite(rng, n, cond):
    """random_spd is exactly symmetric with eigenvalues in [1/cond, 1], all > 0."""
    S = random_spd(rng, n, cond=cond)
    np.testing.assert_array_equal(S, S.T)
    eigenvalues = np.linalg.eigvalsh(S)
    assert np.all(eigenvalues > 0)
    assert eigenvalues.max() == pytest.approx(1.0, rel=1e-10)
    assert eigenvalues.min() == pytest.approx(1.0 / cond if n > 1 else 1.0, rel=1e-8)
    np.linalg.cholesky(S)  # raises LinAlgError if S is not positive definite


def test_random_spd_is_not_diagonal(rng):
    """The eigenvectors are random: the sample is not a diagonal matrix."""
    S = random_spd(rng, 4)
    assert np.any(np.abs(S - np.diag(np.diag(S))) > 1e-3)


@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_random_orthogonal_is_orthogonal(rng, n):
    """QᵀQ = QQᵀ = I and |det Q| = 1."""
    Q = random_orthogonal(rng, n)
    np.testing.assert_allclose(Q.T @ Q, np.eye(n), atol=1e-13)
    np.testing.assert_allclose(Q @ Q.T, np.eye(n), atol=1e-13)
    assert abs(np.linalg.det(Q)) == pytest.approx(1.0, rel=1e-12)


def test_random_orthogonal_is_not_symmetric_or_identity(rng):
    """A Haar sample is almost surely neither symmetric nor ±I."""
    Q = random_orthogonal(rng, 4)
    assert not np.allclose(Q, Q.T)
    assert not np.allclose(np.abs(Q), np.eye(4))


def test_random_orthogonal_has_haar_moments(rng):
    """Under the Haar measure E[Q_ij] = 0 and E[Q_ij²] = 1/n; QR without the sign fix is biased.

    With 600 samples of 3×3 matrices the standard error of a mean entry is ≈ 0.024, so the
    bounds below are about 5 standard errors wide.
    """
    samples = np.array([random_orthogonal(rng, 3) for _ in range(600)])
    assert np.all(np.abs(samples.mean(axis=0)) < 0.12)
    np.testing.assert_allclose((samples**2).mean(axis=0), np.full((3, 3), 1 / 3), atol=0.07)
    determinants = np.linalg.det(samples)
    assert np.any(determinants > 0) and np.any(determinants < 0)


# -- condition numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("cond", [1.0, 10.0, 1e3, 1e8])
@pytest.mark.parametrize("n", [2, 5])
def test_random_invertible_condition_number(rng, n, cond):
    """The 2-norm condition number is `cond`, with largest singular value 1."""
    A = random_invertible(rng, n, cond=cond)
    singular_values = np.linalg.svd(A, compute_uv=False)
    assert singular_values[0] == pytest.approx(1.0, rel=1e-12)
    assert np.linalg.cond(A) == pytest.approx(cond, rel=1e-6)


@pytest.mark.parametrize("cond", [1.0, 10.0, 1e3, 1e8])
@pytest.mark.parametrize("n", [2, 5])
def test_random_spd_condition_number(rng, n, cond):
    """The condition number of the SPD sample is `cond`."""
    assert np.linalg.cond(random_spd(rng, n, cond=cond)) == pytest.approx(cond, rel=1e-6)


def test_default_condition_number_is_ten(rng):
    """Without `cond`, both conditioned samplers give condition number 10."""
    assert np.linalg.cond(random_invertible(rng, 4)) == pytest.approx(10.0, rel=1e-10)
    assert np.linalg.cond(random_spd(rng, 4)) == pytest.approx(10.0, rel=1e-10)


def test_integer_and_numpy_cond_accepted(rng):
    """cond may be an int or a numpy number."""
    assert np.linalg.cond(random_invertible(rng, 3, cond=100)) == pytest.approx(100, rel=1e-9)
    assert np.linalg.cond(random_spd(rng, 3, cond=np.float32(4.0))) == pytest.approx(4, rel=1e-9)


@pytest.mark.parametrize("sampler", [random_invertible, random_spd])
@pytest.mark.parametrize("cond", [0.5, 0.0, -3.0, np.inf, np.nan, 1e300])
def test_bad_cond_raises_value_error(rng, sampler, cond):
    """cond outside [1, 1e12] (or not finite) is a ValueError naming cond and its range."""
    with pytest.raises(ValueError, match="cond must be a number between 1 and 1e\\+12"):
        sampler(rng, 3, cond=cond)


@pytest.mark.parametrize("sampler", [random_invertible, random_spd])
@pytest.mark.parametrize("cond", ["10", None, True, [10.0]])
def test_non_numeric_cond_raises_type_error(rng, sampler, cond):
    """A cond that is not a real number is a TypeError naming its type."""
    with pytest.raises(TypeError, match="cond must be a real number, got "):
        sampler(rng, 3, cond=cond)


# -- reproducibility and the rng argument -------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: random_matrix(g, 3, 4),
        lambda g: random_orthogonal(g, 4),
        lambda g: random_invertible(g, 4, cond=50.0),
        lambda g: random_symmetric(g, 4),
        lambda g: random_spd(g, 4, cond=50.0),
    ],
    ids=["matrix", "orthogonal", "invertible", "symmetric", "spd"],
)
def test_reproducible_from_seed(draw):
    """The same seed gives the same matrix; another seed or a second draw gives another one."""
    first = draw(np.random.default_rng(123))
    np.testing.assert_array_equal(first, draw(np.random.default_rng(123)))
    assert not np.allclose(first, draw(np.random.default_rng(124)))
    rng = np.random.default_rng(123)
    draw(rng)
    assert not np.allclose(first, draw(rng))


@pytest.mark.parametrize(
    "bad_rng",
    [0, 42, None, np.random, np.random.RandomState(0), np.random.PCG64(0)],
    ids=["zero", "int", "None", "module", "RandomState", "BitGenerator"],
)
@pytest.mark.parametrize(
    "sampler",
    [
        lambda g: random_matrix(g, 2, 3),
        lambda g: random_orthogonal(g, 3),
        lambda g: random_invertible(g, 3),
        lambda g: random_symmetric(g, 3),
        lambda g: random_spd(g, 3),
    ],
    ids=["matrix", "orthogonal", "invertible", "symmetric", "spd"],
)
def test_rng_must_be_a_generator(bad_rng, sampler):
    """Anything but a numpy Generator raises TypeError with a hint at default_rng."""
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator.*default_rng"):
        sampler(bad_rng)


@pytest.mark.parametrize(
    ("args", "error"),
    [((0, 3), ValueError), ((3, 0), ValueError), ((-2,), ValueError), ((2.5,), TypeError),
     ((2, "3"), TypeError)],
)
def test_random_matrix_bad_sizes(rng, args, error):
    """Sizes must be positive ints."""
    with pytest.raises(error, match=r"positive|ints"):
        random_matrix(rng, *args)


@pytest.mark.parametrize("sampler", SAMPLERS_N)
@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (2.0, TypeError)])
def test_square_samplers_bad_size(rng, sampler, n, error):
    """n must be a positive int."""
    with pytest.raises(error, match=r"positive|ints"):
        sampler(rng, n)
