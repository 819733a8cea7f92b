"""Tests of utils.check_hessian and utils.second_differences: right Hessians pass, each
usual slip fails with its own message, verdicts stay honest under large constants and
ill-conditioning, bad input is refused, and the cost does not grow with X."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import HessianCheck, check_hessian, commutation_matrix
from utils.second_differences import mixed_derivatives

inv = np.linalg.inv


def quadratic(rng, m=4, n=3):
    """f = tr(XᵀAX) with A non-symmetric, X non-square; ∇²f[H] = (A + Aᵀ)H."""
    A, X = rng.standard_normal((m, m)), rng.standard_normal((m, n))
    return (lambda Y: np.trace(Y.T @ A @ Y)), (lambda H: (A + A.T) @ H), A, X


def logdet(rng, n=4, shift=3.0):
    """f = log|det X|, written complex-analytic; ∇²f[H] = −X⁻ᵀHᵀX⁻ᵀ."""
    X = rng.standard_normal((n, n)) + shift * np.sqrt(n) * np.eye(n)
    Xi = inv(X)
    return (lambda Y: np.log(np.linalg.det(Y) ** 2) / 2), (lambda H: -Xi.T @ H.T @ Xi.T), X


# -- right Hessians pass ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "complex", "richardson"])
def test_right_hessians_pass_with_every_method(method):
    rng = np.random.default_rng(0)
    f, hess, _, X = quadratic(rng)
    result = check_hessian(f, hess, X, rng, method=method)
    assert result and result.verdict == "correct" and result.rel_error < 1e-8, result
    g, ghess, Y = logdet(rng)
    assert check_hessian(g, ghess, Y, rng, method=method), method


def test_the_vec_matrix_form_is_accepted():
    """vec(∇²f[H]) = (I ⊗ (A + Aᵀ)) vec H, column-major; with Xᵀ the commutation matrix."""
    rng = np.random.default_rng(1)
    f, _, A, X = quadratic(rng)
    n = X.shape[1]
    assert check_hessian(f, np.kron(np.eye(n), A + A.T), X)
    # tr(X²) on square X: ∇²f[H] = 2Hᵀ, the matrix 2K with K vec H = vec Hᵀ
    Z = rng.standard_normal((3, 3))
    assert check_hessian(lambda Y: np.trace(Y @ Y), 2 * commutation_matrix(3, 3), Z)
    assert not check_hessian(lambda Y: np.trace(Y @ Y), 2 * np.eye(9), Z)


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_least_squares_hessians_pass_on_any_shape(m, n, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((m + 1, m)), rng.standard_normal((m + 1, n))
    X = rng.standard_normal((m, n))
    result = check_hessian(lambda Y: np.sum((A @ Y - B) ** 2), lambda H: 2 * A.T @ A @ H, X, rng)
    assert result, result
    wrong = check_hessian(lambda Y: np.sum((A @ Y - B) ** 2), lambda H: A.T @ A @ H, X, rng)
    assert wrong.verdict == "wrong" and "factor of about 0.5" in wrong.message, wrong


# -- each slip fails with its message ---------------------------------------------------------


def test_a_lost_symmetrisation_is_named():
    f, _, A, X = quadratic(np.random.default_rng(2))
    result = check_hessian(f, lambda H: 2 * A @ H, X)
    assert result.verdict == "wrong" and "not symmetric" in result.message
    assert "symmetrisation" in result.message and result.asymmetry > 0.1


def test_a_missing_term_fails():
    f, _, A, X = quadratic(np.random.default_rng(3))
    result = check_hessian(f, lambda H: A @ H, X)
    assert result.verdict == "wrong" and "not symmetric" in result.message, result
    # a missing term that keeps the operator symmetric: ‖AX − B‖² + ‖X‖² without the 2H
    rng = np.random.default_rng(4)
    A, B, Y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    ridge = check_hessian(lambda Z: np.sum((A @ Z - B) ** 2) + np.sum(Z * Z),
                          lambda H: 2 * A.T @ A @ H, Y)
    assert ridge.verdict == "wrong" and "term of the second differential" in ridge.message


def test_a_lost_symmetrisation_with_a_lost_factor_is_named():
    """T[H] = AH for tr(XᵀAX): its symmetric part is half the Hessian (A + Aᵀ)H."""
    f, _, A, X = quadratic(np.random.default_rng(2))
    result = check_hessian(f, lambda H: A @ H, X)
    assert result.verdict == "wrong" and "not symmetric" in result.message, result
    assert "symmetric part" in result.message and "factor of about 0.5" in result.message
    # one term of tr(X⁻¹)'s two, unsymmetrised: X⁻ᵀHᵀX⁻²ᵀ, whose symmetric part is half
    g = np.random.default_rng(12)
    Y = g.standard_normal((3, 3)) + 3 * np.eye(3)
    M = inv(Y).T
    half = check_hessian(lambda Z: np.trace(inv(Z)), lambda H: M @ H.T @ M @ M, Y)
    assert "symmetric part" in half.message and "factor of about 0.5" in half.message, half
    # without the factor (the full 2X⁻ᵀHᵀX⁻²ᵀ) the symmetric part matches outright
    whole = check_hessian(lambda Z: np.trace(inv(Z)), lambda H: 2 * M @ H.T @ M @ M, Y)
    assert "matches: a symmetrisation was lost" in whole.message, whole


def test_the_generic_hint_speaks_of_product_rule_terms():
    rng = np.random.default_rng(4)
    A, B, Y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    ridge = check_hessian(lambda Z: np.sum((A @ Z - B) ** 2) + np.sum(Z * Z),
                          lambda H: 2 * A.T @ A @ H, Y)
    assert "each product-rule term of d²f gives a term of the Hessian" in ridge.message, ridge
    assert "occurrences" not in ridge.message


def test_a_factor_of_two_and_a_sign_are_named():
    f, hess, _, X = quadratic(np.random.default_rng(5))
    double = check_hessian(f, lambda H: 2 * hess(H), X)
    assert not double and "factor of about 2" in double.message, double
    flipped = check_hessian(f, lambda H: -hess(H), X)
    assert not flipped and "wrong sign" in flipped.message, flipped


def test_a_transpose_is_named():
    g, _, X = logdet(np.random.default_rng(6))
    Xi = inv(X)
    on_H = check_hessian(g, lambda H: -Xi.T @ H @ Xi.T, X)
    assert on_H.verdict == "wrong" and "matches the transpose" in on_H.message, on_H
    output = check_hessian(g, lambda H: (-Xi.T @ H.T @ Xi.T).T, X)
    assert output.verdict == "wrong" and "transpose" in output.message, output


def test_a_row_major_vec_is_named():
    f, _, A, X = quadratic(np.random.default_rng(7))
    n = X.shape[1]
    result = check_hessian(f, np.kron(A + A.T, np.eye(n)), X)
    assert result.verdict == "wrong" and "row-major" in result.message, result


@pytest.mark.parametrize(("candidate", "message"), [
    (lambda H: H.T, "the transpose's shape"),
    (lambda H: np.ones(3), "shape (3,)"),
    (lambda H: H.reshape(-1, order="F"), "not its vec: v.reshape(4, 3, order='F')"),
    (lambda H: H * np.nan, "NaN"),
    (lambda H: H + 0j, "complex"),
    (lambda H: "H", "not numeric"),
    (np.eye(5), "must be (12, 12)"),
])
def test_invalid_candidates_fail_without_evaluating_f(candidate, message):
    f, _, _, X = quadratic(np.random.default_rng(8))
    result = check_hessian(f, candidate, X)
    assert result.verdict == "invalid candidate" and message in result.message, result
    assert result.n_evaluations == 0 and not result and "FAILED" in repr(result)


# -- honest verdicts ---------------------------------------------------------------------------


def test_a_large_constant_makes_real_differences_inconclusive_not_wrong():
    g, hess, X = logdet(np.random.default_rng(9))
    shifted = lambda Y: g(Y) + 1e9  # noqa: E731
    real = check_hessian(shifted, hess, X, method="richardson")
    assert real.verdict == "inconclusive" and "subtract the constant" in real.message, real
    assert check_hessian(shifted, hess, X)  # the complex step never sees the constant
    wrong = check_hessian(shifted, lambda H: 2 * hess(H), X, method="richardson")
    assert wrong.verdict != "correct"


def test_an_ill_conditioned_point_is_judged_honestly():
    """Near-singular X (condition number 1e6): verdicts are right or inconclusive."""
    rng = np.random.default_rng(10)
    U, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    V, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    X = U @ np.diag([1.0, 0.5, 0.1, 1e-6]) @ V.T
    Xi = inv(X)
    g = lambda Y: np.log(np.linalg.det(Y) ** 2) / 2  # noqa: E731
    for method in ("complex", "richardson"):
        right = check_hessian(g, lambda H: -Xi.T @ H.T @ Xi.T, X, method=method)
        assert right.verdict in ("correct", "inconclusive"), (method, right)
        wrong = check_hessian(g, lambda H: -1.01 * Xi.T @ H.T @ Xi.T, X, method=method)
        assert wrong.verdict in ("wrong", "inconclusive"), (method, wrong)


def ill_conditioned(rng, n=4, cond=1e8):
    """A non-symmetric X with singular values spread from 1 to 1/cond."""
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return U @ np.diag(np.logspace(0, -np.log10(cond), n)) @ V.T


def real_only_logdet(Y):
    return np.linalg.slogdet(Y)[1]  # takes no complex step: real differences only


def trace_inverse(Y):
    return np.trace(np.linalg.inv(Y))


def logdet_hessian(X):
    Xi_T = inv(X).T
    return lambda H: -Xi_T @ H.T @ Xi_T


def trace_inverse_hessian(X):
    Xi_T = inv(X).T
    return lambda H: Xi_T @ H.T @ Xi_T @ Xi_T + Xi_T @ Xi_T @ H.T @ Xi_T


@pytest.mark.parametrize("cond", [1e8, 1e10, 1e12])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("f", "hessian", "method"), [
    (real_only_logdet, logdet_hessian, "auto"),
    (trace_inverse, trace_inverse_hessian, "richardson"),
    (trace_inverse, trace_inverse_hessian, "auto"),
], ids=["slogdet", "trace-inverse-real", "trace-inverse-auto"])
def test_a_correct_hessian_at_a_near_singular_point_is_not_called_wrong(
        f, hessian, method, cond, seed):
    """Every step of the ladder reaches across the singularity: the rungs disagree."""
    X = ill_conditioned(np.random.default_rng(seed), cond=cond)
    result = check_hessian(f, hessian(X), X, np.random.default_rng(seed), method=method)
    assert result.verdict in ("correct", "inconclusive"), result
    if result.verdict == "inconclusive":
        assert not result and "cannot resolve" in result.message, result
        assert "better-conditioned X" in result.message, result
        assert "INCONCLUSIVE" in repr(result)


def wrong_candidates(X):
    Xi, right = inv(X), logdet_hessian(X)
    return {
        "transpose": lambda H: -Xi.T @ H @ Xi.T,
        "naive": lambda H: -Xi @ H @ Xi,
        "times 2": lambda H: 2 * right(H),
        "missing term": right,  # of slogdet(Y) + ‖Y‖², whose Hessian adds 2H
    }


@pytest.mark.parametrize("slip", ["transpose", "naive", "times 2", "missing term"])
@pytest.mark.parametrize("seed", [0, 1])
def test_wrong_hessians_of_real_only_f_are_rejected_at_a_well_conditioned_point(slip, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 4)) + 2 * np.eye(4)
    assert np.linalg.cond(X) < 100
    f = ((lambda Y: real_only_logdet(Y) + np.sum(Y * Y)) if slip == "missing term"
         else real_only_logdet)
    result = check_hessian(f, wrong_candidates(X)[slip], X, rng)
    assert result.verdict == "wrong" and result.method == "richardson", result
    extra = (lambda H: 2 * H) if slip == "missing term" else (lambda H: 0 * H)
    right = check_hessian(f, lambda H: logdet_hessian(X)(H) + extra(H), X, rng)
    assert right.verdict == "correct", right
    # the same with the trace of the inverse, real differences only
    doubled = check_hessian(trace_inverse, lambda H: 2 * trace_inverse_hessian(X)(H), X, rng,
                            method="richardson")
    assert doubled.verdict == "wrong" and "factor of about 2" in doubled.message, doubled


def test_unsettled_estimates_are_flagged():
    """mixed_derivatives says when successive step sizes never agreed."""
    rng = np.random.default_rng(15)
    pairs = [(rng.standard_normal((4, 4)), rng.standard_normal((4, 4)))]
    near = mixed_derivatives(real_only_logdet, ill_conditioned(rng, cond=1e10), pairs)
    assert not near.settled.any(), near
    far = mixed_derivatives(real_only_logdet, rng.standard_normal((4, 4)) + 4 * np.eye(4), pairs)
    assert far.settled.all(), far
    # an affine f: D²f = 0, the estimates are rounding, and they settle at that level
    zero = mixed_derivatives(np.sum, np.ones((3, 3)), [(np.ones((3, 3)), np.eye(3))],
                             "richardson")
    assert zero.settled.all() and abs(zero.values[0]) <= zero.errors[0], zero


def test_single_precision_is_refused_with_a_message():
    f, hess, _, X = quadratic(np.random.default_rng(16))
    with pytest.raises(TypeError, match="needs float64, but X has dtype float32"):
        check_hessian(f, hess, X.astype(np.float32))
    with pytest.raises(TypeError, match="needs float64, but f\\(X\\) has dtype float32"):
        check_hessian(lambda Y: np.float32(f(Y)), hess, X)
    with pytest.raises(TypeError, match="float16"):
        check_hessian(f, hess, X.astype(np.float16))
    assert check_hessian(lambda Y: np.sum(Y * Y), lambda H: 2 * H, np.arange(6).reshape(2, 3))


def test_an_affine_f_is_inconclusive_about_a_nonzero_hessian_only_by_size():
    """f affine: D²f = 0; the zero operator passes nothing relative, a nonzero one fails."""
    A = np.random.default_rng(11).standard_normal((3, 3))
    X = np.random.default_rng(12).standard_normal((3, 3))
    result = check_hessian(lambda Y: np.trace(A @ Y), lambda H: H, X)
    assert result.verdict == "wrong", result


# -- cost, errors, the estimates themselves ------------------------------------------------------


@pytest.mark.parametrize("method", ["complex", "richardson"])
def test_the_number_of_evaluations_does_not_grow_with_X(method):
    counts = []
    for n in (3, 30, 100):
        rng = np.random.default_rng(n)
        A = rng.standard_normal((n, n))
        X = rng.standard_normal((n, n))
        result = check_hessian(lambda Y, A=A: np.trace(Y.T @ A @ Y),
                               lambda H, A=A: (A + A.T) @ H, X, rng, method=method)
        assert result, result
        counts.append(result.n_evaluations)
    assert len(set(counts)) == 1 and counts[0] <= 60, counts


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"f": 3}, TypeError, "f must be a function"),
    ({"X": np.ones((2, 2)) * 1j}, TypeError, "complex"),
    ({"X": np.array([[np.nan]])}, ValueError, "finite"),
    ({"hess": object()}, TypeError, "hess must be a function"),
    ({"n_directions": 0}, ValueError, "at least 1"),
    ({"n_directions": 2.0}, TypeError, "n_directions must be an int"),
    ({"rtol": 1.0}, ValueError, "0 < rtol < 1"),
    ({"rtol": "1e-6"}, TypeError, "rtol must be a real number"),
    ({"method": "central"}, ValueError, "method must be one of"),
    ({"rng": 0}, TypeError, "Generator"),
])
def test_bad_input_is_refused_with_a_message(kwargs, error, message):
    arguments = {"f": lambda Y: np.sum(Y * Y), "hess": lambda H: 2 * H, "X": np.ones((2, 3))}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        check_hessian(**arguments)


def test_f_must_be_real_valued():
    with pytest.raises(TypeError, match="real-valued"):
        check_hessian(lambda Y: 1j * np.sum(Y), lambda H: H, np.ones((2, 2)))


def test_the_result_object():
    f, hess, _, X = quadratic(np.random.default_rng(13))
    result = check_hessian(f, hess, X)
    assert isinstance(result, HessianCheck) and repr(result).startswith("HessianCheck OK")
    assert result.method == "complex" and result.asymmetry == 0 and result.resolution > 0


def test_mixed_derivatives_carry_honest_bounds():
    rng = np.random.default_rng(14)
    X = rng.standard_normal((4, 4)) + 6 * np.eye(4)
    pairs = [(rng.standard_normal((4, 4)), rng.standard_normal((4, 4))) for _ in range(3)]
    Xi = inv(X)
    exact = np.array([-np.trace(Xi @ K @ Xi @ H) for H, K in pairs])
    for method in ("complex", "richardson"):
        estimates = mixed_derivatives(lambda Y: np.log(np.linalg.det(Y)), X, pairs, method)
        assert np.all(np.abs(estimates.values - exact) <= estimates.errors), method
        assert np.all(estimates.errors < 1e-6 * np.abs(exact)), method
    with pytest.raises(ValueError, match="zero matrix"):
        mixed_derivatives(np.sum, X, [(np.zeros((4, 4)), X)])
    with pytest.raises(ValueError, match="same shape"):
        mixed_derivatives(np.sum, X, [(np.ones((4, 3)), X)])
    with pytest.raises(ValueError, match="pairs is empty"):
        mixed_derivatives(np.sum, X, [])
