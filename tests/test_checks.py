"""Unit tests of utils.checks: check_gradient and relative_error."""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from scipy.optimize import check_grad

from utils import GradientCheck, check_gradient, random_invertible, relative_error


@pytest.fixture
def rng():
    return np.random.default_rng(2718)


@pytest.fixture
def quadratic(rng):
    """f(X) = tr(XᵀAX) with A (5, 5) non-symmetric and X (5, 3); ∇f = (A + Aᵀ)X."""
    A, X = rng.standard_normal((5, 5)), rng.standard_normal((5, 3))
    return (lambda Y: np.trace(Y.T @ A @ Y)), (A + A.T) @ X, X, A


# -- correct gradients are accepted ----------------------------------------------------------------


def test_accepts_correct_gradient_of_analytic_function(quadratic):
    """The true gradient of tr(XᵀAX) passes with relative error ≤ 1e-9 via the complex step."""
    f, G, X, _ = quadratic
    result = check_gradient(f, G, X)
    assert isinstance(result, GradientCheck)
    assert result.ok is True
    assert result.rel_error <= 1e-9
    assert result.method == "complex"
    assert "relative error" in result.message


def test_accepts_gradient_of_trace_of_product(rng):
    """∇ tr(AXB) = AᵀBᵀ on non-square factors."""
    A, X, B = rng.standard_normal((2, 4)), rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    assert check_gradient(lambda Y: np.trace(A @ Y @ B), A.T @ B.T, X).ok


def test_accepts_gradient_of_log_abs_det(rng):
    """∇ log|det X| = X⁻ᵀ for a well-conditioned non-symmetric X."""
    X = random_invertible(rng, 4, cond=20.0)
    result = check_gradient(lambda Y: np.linalg.slogdet(Y)[1], np.linalg.inv(X).T, X)
    assert result.ok, result.message


def test_accepts_slightly_perturbed_correct_gradient(quadratic):
    """A gradient with a 1e-8 relative error is still accepted (the tolerance is ~1e-6)."""
    f, G, X, _ = quadratic
    assert check_gradient(f, G * (1 + 1e-8), X).ok


def test_correct_gradient_at_ill_conditioned_point(rng):
    """∇ tr(C X⁻¹) = −(X⁻¹CX⁻¹)ᵀ is accepted at a non-symmetric X with cond(X) = 1e8."""
    X = random_invertible(np.random.default_rng(1), 4, cond=1e8)
    C = rng.standard_normal((4, 4))
    Xi = np.linalg.inv(X)
    result = check_gradient(lambda Y: np.trace(C @ np.linalg.inv(Y)), -(Xi @ C @ Xi).T, X)
    assert result.ok, result.message


# -- wrong gradients are rejected ------------------------------------------------------------------


def test_rejects_transposed_gradient(rng):
    """For f(X) = tr(AX) the gradient is Aᵀ; A itself (square, non-symmetric) is rejected."""
    A, X = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    f = lambda Y: np.trace(A @ Y)  # noqa: E731
    assert check_gradient(f, A.T, X).ok
    result = check_gradient(f, A, X)
    assert result.ok is False
    assert result.rel_error > 1e-2
    assert "does not match" in result.message
    assert "transpose" in result.message


def test_rejects_missing_product_rule_term(quadratic):
    """For tr(XᵀAX), AX (dropping the AᵀX term) and 2AX are rejected."""
    f, _, X, A = quadratic
    for wrong in (A @ X, 2 * A @ X, A.T @ X):
        result = check_gradient(f, wrong, X)
        assert not result.ok
        assert result.rel_error > 1e-2


def test_rejects_factor_of_two(rng):
    """For ‖X‖² the gradient is 2X; X and 4X are rejected with relative error ≈ 1/2 and 1."""
    X = rng.standard_normal((3, 4))
    f = lambda Y: np.sum(Y**2)  # noqa: E731
    assert check_gradient(f, 2 * X, X).ok
    half = check_gradient(f, X, X)
    double = check_gradient(f, 4 * X, X)
    assert not half.ok and not double.ok
    assert half.rel_error == pytest.approx(0.5, rel=1e-6)
    assert double.rel_error == pytest.approx(1.0, rel=1e-6)
    assert "factor of 2" in half.message


def test_rejects_error_in_a_single_entry(quadratic):
    """A 1e-3 relative change to one entry of the gradient is detected."""
    f, G, X, _ = quadratic
    wrong = G.copy()
    wrong[2, 1] += 1e-3 * np.linalg.norm(G)
    assert not check_gradient(f, wrong, X).ok


def test_rejects_zero_gradient_and_accepts_it_where_true(rng):
    """0 is wrong for tr(XᵀAX) at X ≠ 0; for a constant function it cannot be refuted."""
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    assert not check_gradient(lambda Y: np.trace(Y.T @ A @ Y), np.zeros((3, 2)), X).ok
    # A derivative that vanishes cannot be resolved relative to itself: not a pass, but
    # not a wrong verdict either; a nonzero candidate is wrong.
    constant = check_gradient(lambda Y: 3.0, np.zeros((3, 2)), X)
    assert constant.verdict == "inconclusive" and "stationary point" in constant.message
    assert check_gradient(lambda Y: 3.0, np.ones((3, 2)), X).verdict == "wrong"


def test_wrong_shape_is_a_failed_check_naming_both_shapes(quadratic):
    """A (3, 5) candidate for a (5, 3) X gives ok False and names both shapes (no exception)."""
    f, G, X, _ = quadratic
    result = check_gradient(f, G.T, X)
    assert result.ok is False
    assert result.rel_error == np.inf
    assert "(3, 5)" in result.message and "(5, 3)" in result.message


def test_flattened_candidate_is_wrong_shape(quadratic):
    """A flattened gradient is a wrong answer too, not an error."""
    f, G, X, _ = quadratic
    result = check_gradient(f, G.ravel(), X)
    assert not result.ok
    assert "(15,)" in result.message and "(5, 3)" in result.message


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_candidate_is_a_failed_check(quadratic, bad):
    """A candidate with NaN or inf entries gives ok False with a message saying so."""
    f, G, X, _ = quadratic
    wrong = G.copy()
    wrong[0, 0] = bad
    result = check_gradient(f, wrong, X)
    assert result.ok is False
    assert "NaN" in result.message


def test_non_numeric_or_complex_candidate_is_a_failed_check(quadratic):
    """A string array or a complex array is a wrong answer, not an exception."""
    f, G, X, _ = quadratic
    assert not check_gradient(f, np.full(X.shape, "x"), X).ok
    complex_result = check_gradient(f, G + 1j * G, X)
    assert not complex_result.ok
    assert "complex" in complex_result.message


# -- what f may return -----------------------------------------------------------------------------


def test_f_may_return_python_float_numpy_scalar_or_size_one_array(rng):
    """float, np.float64 and a (1, 1) array (xᵀAx with x of shape (n, 1)) are all accepted."""
    A, x = rng.standard_normal((4, 4)), rng.standard_normal((4, 1))
    G = (A + A.T) @ x
    variants = {
        "float": lambda y: float((y.T @ A @ y)[0, 0]),
        "numpy scalar": lambda y: np.float64(np.sum(y * (A @ y))),
        "size-1 array": lambda y: y.T @ A @ y,
        "0-d array": lambda y: np.array(np.sum(y * (A @ y))),
    }
    for name, f in variants.items():
        result = check_gradient(f, G, x)
        assert result.ok, f"{name}: {result.message}"
        assert not check_gradient(f, A @ x, x).ok, name


def test_f_returning_a_matrix_raises_type_error_naming_shape(rng):
    """A matrix-valued f is a programming error: TypeError naming its shape."""
    X = rng.standard_normal((4, 3))
    with pytest.raises(TypeError, match=r"scalar.*\(3, 3\)"):
        check_gradient(lambda Y: Y.T @ Y, np.zeros((4, 3)), X)


def test_f_returning_a_string_raises_type_error(rng):
    """A non-numeric f raises TypeError."""
    with pytest.raises(TypeError, match="number"):
        check_gradient(lambda Y: "0.5", np.zeros((2, 2)), rng.standard_normal((2, 2)))


def test_f_not_finite_at_x_raises(rng):
    """f(X) = inf has no gradient: ValueError."""
    with pytest.raises(ValueError, match="not finite"):
        check_gradient(lambda Y: np.inf, np.zeros((2, 2)), rng.standard_normal((2, 2)))


# -- grad as a callable, options, result object ----------------------------------------------------


def test_grad_may_be_a_callable(quadratic):
    """A function returning the gradient is evaluated at X."""
    f, _, X, A = quadratic
    assert check_gradient(f, lambda Y: (A + A.T) @ Y, X).ok
    assert not check_gradient(f, lambda Y: A @ Y, X).ok
    assert not check_gradient(f, lambda Y: ((A + A.T) @ Y).T, X).ok


def test_result_truth_value_and_repr(quadratic):
    """The result is truthy/falsy like .ok, and its repr is a readable verdict."""
    f, G, X, _ = quadratic
    good, bad = check_gradient(f, G, X), check_gradient(f, 2 * G, X)
    assert bool(good) is True and bool(bad) is False
    assert good and not bad
    assert repr(good).startswith("GradientCheck OK")
    assert repr(bad).startswith("GradientCheck FAILED")
    for result in (good, bad):
        assert result.message in repr(result)
        assert "(5, 3)" in repr(result)
        assert "\n" not in repr(result)


def test_same_rng_seed_gives_same_result(quadratic):
    """Directions come from the rng: the same seed gives the same error; rng=None is fixed too."""
    f, G, X, _ = quadratic
    wrong = G + 0.01
    a = check_gradient(f, wrong, X, rng=np.random.default_rng(5))
    b = check_gradient(f, wrong, X, rng=np.random.default_rng(5))
    c = check_gradient(f, wrong, X, rng=np.random.default_rng(6))
    assert a.rel_error == b.rel_error
    assert a.rel_error != c.rel_error
    assert check_gradient(f, wrong, X).rel_error == check_gradient(f, wrong, X).rel_error


@pytest.mark.parametrize("method", ["richardson", "central", "complex"])
def test_explicit_methods(quadratic, method):
    """Explicit methods are honoured and reported."""
    f, G, X, _ = quadratic
    result = check_gradient(f, G, X, method=method)
    assert result.ok and result.method == method
    assert not check_gradient(f, 2 * G, X, method=method).ok


def test_rtol_and_n_directions(quadratic):
    """A looser rtol accepts a 1e-3 error that the default rejects; n_directions=1 still works."""
    f, G, X, _ = quadratic
    wrong = G.copy()
    wrong[0, 0] += 1e-3 * np.linalg.norm(G)
    assert not check_gradient(f, wrong, X)
    assert check_gradient(f, wrong, X, rtol=0.1)
    assert check_gradient(f, G, X, n_directions=1)
    assert not check_gradient(f, 2 * G, X, n_directions=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"rng": 0}, TypeError, "Generator"),
        ({"rng": np.random}, TypeError, "Generator"),
        ({"n_directions": 0}, ValueError, "n_directions"),
        ({"n_directions": 2.0}, TypeError, "n_directions"),
        ({"rtol": 0.0}, ValueError, "rtol"),
        ({"rtol": "1e-6"}, TypeError, "rtol"),
        ({"method": "exact"}, ValueError, "method must be one of"),
    ],
)
def test_bad_options_raise(quadratic, kwargs, error, pattern):
    """Invalid options raise TypeError/ValueError naming the option."""
    f, G, X, _ = quadratic
    with pytest.raises(error, match=pattern):
        check_gradient(f, G, X, **kwargs)


def test_bad_f_or_x_raise(quadratic):
    """A non-callable f or a NaN X raise."""
    f, G, X, _ = quadratic
    with pytest.raises(TypeError, match="function"):
        check_gradient(G, G, X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_gradient(f, G, bad)


# -- functions that are not complex-analytic -------------------------------------------------------


def _polar(X):
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return U @ Vt


def _max_gradient(X):
    G = np.zeros_like(X)
    G[np.unravel_index(np.argmax(X), X.shape)] = 1.0
    return G


def _max_abs_gradient(X):
    G = np.zeros_like(X)
    index = np.unravel_index(np.argmax(np.abs(X)), X.shape)
    G[index] = np.sign(X[index])
    return G


def _spectral_gradient(X):
    U, _, Vt = np.linalg.svd(X)
    return np.outer(U[:, 0], Vt[0])


# name: (f, true gradient, a plausible wrong gradient)
NON_ANALYTIC = {
    "frobenius norm": (np.linalg.norm, lambda X: X / np.linalg.norm(X), lambda X: X),
    "sum of abs": (lambda Y: np.sum(np.abs(Y)), np.sign, np.abs),
    "nuclear norm": (lambda Y: np.sum(np.linalg.svd(Y, compute_uv=False)), _polar,
                     lambda X: X / np.linalg.norm(X)),
    "spectral norm": (lambda Y: np.linalg.norm(Y, 2), _spectral_gradient,
                      lambda X: X / np.linalg.norm(X, 2)),
    "max": (np.max, _max_gradient, lambda X: 2 * _max_gradient(X)),
    "max abs": (lambda Y: np.max(np.abs(Y)), _max_abs_gradient,
                lambda X: -_max_abs_gradient(X)),
}


@pytest.mark.parametrize("name", list(NON_ANALYTIC))
def test_non_analytic_functions_are_checked_correctly(rng, name):
    """norm, abs, nuclear norm (svd), max: the true gradient passes and a wrong one fails."""
    f, gradient, wrong = NON_ANALYTIC[name]
    X = rng.standard_normal((5, 3))
    good = check_gradient(f, gradient(X), X)
    assert good.ok, good.message
    assert good.rel_error < 1e-7
    bad = check_gradient(f, wrong(X), X)
    assert not bad.ok
    assert bad.rel_error > 1e-2


@pytest.mark.parametrize("name", ["frobenius norm", "sum of abs", "nuclear norm"])
def test_non_analytic_functions_do_not_use_the_complex_step(rng, name):
    """For these the complex step silently gives 0 or a wrong value, so auto must not report it."""
    f, _, _ = NON_ANALYTIC[name]
    X = rng.standard_normal((5, 3))
    assert check_gradient(f, np.zeros_like(X), X).method != "complex"
    assert not check_gradient(f, np.zeros_like(X), X).ok


# -- cost ------------------------------------------------------------------------------------------


def test_cost_does_not_grow_with_size(rng):
    """n_evaluations is the same, and small, for a 5×5 and a 200×200 analytic problem."""
    counts = []
    for n in (5, 200):
        A, X = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        result = check_gradient(lambda Y, A=A: np.trace(Y.T @ A @ Y), (A + A.T) @ X, X)
        assert result.ok
        counts.append(result.n_evaluations)
    assert counts[0] == counts[1]
    assert counts[0] <= 14  # f(X), 3 × 2 complex steps, one at −h, 6 real on the probe


def test_cost_does_not_grow_with_size_non_analytic(rng):
    """Also on the Richardson path (‖X‖) the count does not depend on the size of X.

    Each direction costs one fixed ladder of Richardson steps, whatever n² is.
    """
    counts = []
    for n in (5, 200):
        X = rng.standard_normal((n, n))
        result = check_gradient(np.linalg.norm, X / np.linalg.norm(X), X)
        assert result.ok
        counts.append(result.n_evaluations)
    assert counts[0] == counts[1], f"evaluations for 5×5 and 200×200: {counts}"
    assert max(counts) <= 150, f"{max(counts)} evaluations for 3 directions"


def test_n_evaluations_counts_calls_to_f(quadratic):
    """n_evaluations equals the number of times f was actually called."""
    f, G, X, _ = quadratic
    calls = []

    def counted(Y):
        calls.append(1)
        return f(Y)

    result = check_gradient(counted, G, X)
    assert result.n_evaluations == len(calls)
    assert len(calls) >= 4  # f(X) and at least one evaluation per direction


def test_far_cheaper_than_scipy_check_grad():
    """On a 100×100 matrix check_gradient calls f over 500× less often than scipy's check_grad.

    The cost of either check is its number of evaluations of f: scipy's forward differences
    need one per entry (n² + 1), ours a handful whatever the size. Counting calls makes the
    comparison exact; CPU or wall time would depend on how many threads the machine's BLAS
    starts and on what else runs, so the timings are only printed.
    """
    rng = np.random.default_rng(0)
    n = 100
    A, X = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    S = A + A.T
    calls = {"ours": 0, "scipy": 0}

    def counted(who):
        def f(Y):
            calls[who] += 1
            return np.trace(Y.T @ A @ Y)
        return f

    f_ours, f_scipy = counted("ours"), counted("scipy")
    start = time.perf_counter()
    result = check_gradient(f_ours, S @ X, X)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    scipy_error = check_grad(lambda x: f_scipy(x.reshape(n, n)),
                             lambda x: (S @ x.reshape(n, n)).ravel(), X.ravel())
    t_scipy = time.perf_counter() - start
    print(f"check_gradient: {calls['ours']} calls, {t_ours * 1e3:.1f} ms; "
          f"scipy check_grad: {calls['scipy']} calls, {t_scipy * 1e3:.1f} ms")

    assert result.ok and result.rel_error <= 1e-9
    assert result.n_evaluations == calls["ours"]
    assert calls["scipy"] >= n * n
    assert calls["scipy"] >= 500 * calls["ours"], calls
    # scipy's forward differences are also much less accurate on the same problem
    assert scipy_error / np.linalg.norm(S @ X) > 10 * result.rel_error


SPEED_SCRIPT = textwrap.dedent(
    """
    import time
    import numpy as np
    from scipy.optimize import check_grad
    from utils import check_gradient

    rng = np.random.default_rng(0)
    n = 100
    A, X = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    S = A + A.T
    f = lambda Y: np.trace(Y.T @ A @ Y)

    def best_cpu_seconds(run, repeats):
        times = []
        for _ in range(repeats):
            start = time.process_time()
            run()
            times.append(time.process_time() - start)
        return min(times)

    ours = best_cpu_seconds(lambda: check_gradient(f, S @ X, X), 7)
    theirs = best_cpu_seconds(lambda: check_grad(lambda x: f(x.reshape(n, n)),
                                                 lambda x: (S @ x.reshape(n, n)).ravel(),
                                                 X.ravel()), 2)
    print(ours, theirs)
    """
)


def test_at_least_100x_faster_than_scipy_check_grad_on_one_thread():
    """On 100×100, check_gradient takes at least 100× less CPU time than scipy's check_grad.

    Run in a fresh interpreter with the BLAS limited to one thread: with one thread per core
    on a many-core machine, idle BLAS threads spin and their CPU time would count against
    the cheaper check (a 10× ratio instead of 260× was seen that way). CPU time rather than
    wall time, so that other programs sharing the cores do not distort the ratio.
    """
    one_thread = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                         "MKL_NUM_THREADS")}
    completed = subprocess.run([sys.executable, "-c", SPEED_SCRIPT],
                               env={**os.environ, **one_thread}, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    ours, theirs = map(float, completed.stdout.split())
    print(f"CPU time on one thread: check_gradient {ours * 1e3:.1f} ms, "
          f"scipy check_grad {theirs * 1e3:.0f} ms, ratio {theirs / ours:.0f}")
    assert theirs / ours >= 100, f"only {theirs / ours:.0f}× faster"


# -- relative_error --------------------------------------------------------------------------------


def test_relative_error_basics(rng):
    """‖a − b‖/‖b‖ with b the reference: 0 for equal arrays, 1/2 vs 1 when the roles swap."""
    b = rng.standard_normal((3, 4))
    assert relative_error(b, b) == 0.0
    assert relative_error(2 * b, b) == pytest.approx(1.0, rel=1e-14)
    assert relative_error(b, 2 * b) == pytest.approx(0.5, rel=1e-14)
    a = rng.standard_normal((3, 4))
    assert relative_error(a, b) == pytest.approx(
        np.sqrt(np.sum((a - b) ** 2) / np.sum(b**2)), rel=1e-13
    )
    assert type(relative_error(a, b)) is float


def test_relative_error_on_scalars_lists_and_zero_reference():
    """Scalars and lists work; a zero reference does not divide by zero."""
    assert relative_error(1.5, 1.0) == pytest.approx(0.5)
    with np.errstate(over="ignore"):  # 5 / tiny may overflow to inf, which is fine here
        assert relative_error([3.0, 4.0], [0.0, 0.0]) > 1e300
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert np.isfinite(relative_error([0.0], [0.0]))


def test_relative_error_shape_mismatch(rng):
    """No broadcasting: (3, 1) against (3,) raises ValueError naming both shapes."""
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(3,\)"):
        relative_error(np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        relative_error(rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))


def test_relative_error_rejects_non_numeric():
    """Strings raise TypeError."""
    with pytest.raises(TypeError, match="numeric"):
        relative_error(["a"], [1.0])


# -- cases found in review: small non-analytic terms, stationary points, extreme scales --


def test_small_non_analytic_term_is_not_missed(rng):
    """A ridge penalty lam‖X‖² written with np.linalg.norm (not complex-analytic) and
    lam = 1e-5: the correct gradient passes and the one that forgets the penalty fails."""
    A, B, X = rng.standard_normal((6, 4)), rng.standard_normal((6, 3)), rng.standard_normal((4, 3))
    lam = 1e-5

    def f(Y):
        return 0.5 * np.sum((A @ Y - B) ** 2) + 0.5 * lam * np.linalg.norm(Y) ** 2

    correct = A.T @ (A @ X - B) + lam * X
    assert check_gradient(f, correct, X).ok
    assert not check_gradient(f, correct - lam * X, X).ok


def test_conjugating_term_under_a_large_offset(rng):
    """f = 1e8 + vdot(X, X): the complex step silently gives 0 for the vdot part; auto must
    notice even though the offset swamps f's values, and judge candidates honestly."""
    X = 1e-2 * rng.standard_normal((4, 3))

    def f(Y):
        return 1e8 + np.vdot(Y, Y)

    correct = check_gradient(f, 2 * X, X)
    assert correct.method == "richardson", correct  # the complex step was refuted
    # Differences of f lose 8 digits to the offset: the check cannot confirm the candidate,
    # and says so rather than passing it ...
    assert correct.verdict == "inconclusive" and not correct.ok, correct
    assert "large compared with its changes" in correct.message
    # ... but a candidate that is off by far more than the uncertainty is still rejected.
    wrong = check_gradient(f, np.zeros_like(X), X)
    assert wrong.verdict == "wrong", wrong


def test_stationary_point_is_not_a_false_alarm(rng):
    """At a least-squares solution the gradient is zero up to rounding on both sides: the
    check cannot confirm a zero (or rounding-sized) candidate relative to a derivative
    that vanishes, and says so; it never calls them wrong, and rejects a nonzero one."""
    A, B = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    X = np.linalg.lstsq(A, B, rcond=None)[0]
    for f in (lambda Y: np.sum((A @ Y - B) ** 2), lambda Y: np.linalg.norm(A @ Y - B) ** 2):
        for candidate in (2 * A.T @ (A @ X - B), np.zeros_like(X)):
            result = check_gradient(f, candidate, X)
            assert result.verdict == "inconclusive", result
            assert "stationary point" in result.message, result
        assert check_gradient(f, np.ones_like(X), X).verdict == "wrong"


@pytest.mark.parametrize("size", [1e-150, 1e150])
def test_extreme_scales_do_not_overflow(rng, size):
    """Entries near the ends of the float range: no overflow in steps or norms."""
    X = size * (1.0 + rng.random((3, 3)))
    result = check_gradient(lambda Y: np.sum(np.log(Y)), 1.0 / X, X)
    assert result.ok, result
    assert not check_gradient(lambda Y: np.sum(np.log(Y)), 2.0 / X, X).ok


def test_f_and_grad_cannot_modify_the_callers_X(rng):
    X = rng.standard_normal((3, 3))
    before = X.copy()

    def vandal(Y):
        np.fill_diagonal(Y, 0.0)
        return float(np.sum(Y**2))

    check_gradient(vandal, lambda Y: 2 * Y, X)
    assert np.array_equal(X, before)


def test_ragged_candidate_is_a_failed_check(rng):
    X = rng.standard_normal((2, 2))
    result = check_gradient(lambda Y: np.sum(Y), [[1.0, 2.0], [3.0]], X)
    assert not result.ok and "not a numeric array" in result.message


def test_complex_valued_f_is_rejected(rng):
    X = rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match="real-valued"):
        check_gradient(lambda Y: 1j * np.sum(Y**2), np.zeros_like(X), X)


def test_infinite_rtol_is_rejected(rng):
    X = rng.standard_normal((2, 2))
    with pytest.raises(ValueError, match="rtol"):
        check_gradient(lambda Y: np.sum(Y), X, X, rtol=np.inf)


def test_relative_error_of_empty_arrays_is_refused():
    """Two empty arrays have no error to measure; 0.0 would read as agreement."""
    with pytest.raises(ValueError, match="empty"):
        relative_error(np.zeros((0, 3)), np.zeros((0, 3)))


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_relative_error_of_complex_arrays_is_scaled(scale):
    """Complex inputs at the ends of the float range: no overflow to NaN, no underflow to 0."""
    b = scale * np.array([1 + 1j, 2 - 1j])
    a = b * (1 + 1e-3)
    assert relative_error(a, b) == pytest.approx(1e-3, rel=1e-9)
