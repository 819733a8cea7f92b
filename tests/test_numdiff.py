"""Unit tests of utils.numdiff: step formulas, directional derivatives, gradients, Jacobians.

Closed-form derivatives are checked on random non-symmetric, non-square matrices, so that a
missing transpose or a swapped index cannot pass.
"""

import warnings

import numpy as np
import pytest

from utils import (
    central_difference,
    complex_step,
    directional_derivative,
    forward_difference,
    jacobian_tensor,
    numerical_gradient,
    random_invertible,
    relative_error,
    richardson,
)


@pytest.fixture
def rng():
    return np.random.default_rng(31415)


class Recorder:
    """Wraps f and records whether each call received a complex argument."""

    def __init__(self, f):
        self.f = f
        self.complex_calls = 0
        self.real_calls = 0

    def __call__(self, Y):
        if np.iscomplexobj(Y):
            self.complex_calls += 1
        else:
            self.real_calls += 1
        return self.f(Y)


# -- the textbook formulas with an explicit step -------------------------------------------


def test_forward_difference_of_a_quadratic_has_an_order_h_error(rng):
    """For f = ‖X‖²: (f(X+hH) − f(X))/h = 2⟨X, H⟩ + h‖H‖² exactly."""
    X, H = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    h = 0.1
    result = forward_difference(lambda Y: np.sum(Y**2), X, H, h)
    assert result == pytest.approx(2 * np.sum(X * H) + h * np.sum(H**2), rel=1e-12)


def test_central_difference_of_a_cubic_has_an_order_h2_error(rng):
    """For f = Σ Y³: central difference = 3Σ X²H + h² Σ H³ exactly."""
    X, H = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    h = 0.1
    result = central_difference(lambda Y: np.sum(Y**3), X, H, h)
    assert result == pytest.approx(3 * np.sum(X**2 * H) + h**2 * np.sum(H**3), rel=1e-12)


def test_complex_step_of_a_cubic(rng):
    """For f = Σ Y³: Im f(X + ihH)/h = 3Σ X²H − h² Σ H³ exactly."""
    X, H = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    h = 0.1
    result = complex_step(lambda Y: np.sum(Y**3), X, H, h)
    assert result == pytest.approx(3 * np.sum(X**2 * H) - h**2 * np.sum(H**3), rel=1e-12)


def test_step_formulas_of_exp_on_a_one_element_array():
    """For f(x) = exp(x₀): forward e^x(e^h−1)/h, central e^x sinh(h)/h, complex e^x sin(h)/h."""
    x, H, h = np.array([0.3]), np.array([1.0]), 0.2
    e = np.exp(0.3)
    f = lambda y: np.exp(y[0])  # noqa: E731
    assert forward_difference(f, x, H, h) == pytest.approx(e * np.expm1(h) / h, rel=1e-13)
    assert central_difference(f, x, H, h) == pytest.approx(e * np.sinh(h) / h, rel=1e-13)
    assert complex_step(f, x, H, h) == pytest.approx(e * np.sin(h) / h, rel=1e-13)


def test_step_formulas_on_a_matrix_valued_map(rng):
    """F(X) = X²: forward gives XH + HX + hH², central and complex give XH + HX exactly."""
    X, H = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    h = 0.25
    exact = X @ H + H @ X
    square = lambda Y: Y @ Y  # noqa: E731
    np.testing.assert_allclose(forward_difference(square, X, H, h), exact + h * H @ H, rtol=1e-12)
    np.testing.assert_allclose(central_difference(square, X, H, h), exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(complex_step(square, X, H, h), exact, rtol=1e-12, atol=1e-12)


def test_complex_step_has_no_roundoff_at_tiny_h(rng):
    """With h = 1e-30 the complex step is still exact, where X ± hH rounds to X: a central
    difference would silently return 0, so it refuses with an error naming the step."""
    X, H = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    f = lambda Y: np.sum(np.sin(Y) * Y)  # noqa: E731
    exact = np.sum((np.cos(X) * X + np.sin(X)) * H)
    assert complex_step(f, X, H, 1e-30) == pytest.approx(exact, rel=1e-14)
    for formula in (central_difference, forward_difference, richardson):
        with pytest.raises(ValueError, match=r"h = 1e-30 is too small"):
            formula(f, X, H, 1e-30)
    with pytest.raises(ValueError, match="too small"):
        directional_derivative(f, X, H, method="central", h=1e-30)


def test_step_formulas_return_float_for_scalar_f(rng):
    """Scalar-valued f gives a Python float, array-valued F an array shaped like F(X)."""
    X, H = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for formula in (forward_difference, central_difference, complex_step):
        assert type(formula(np.sum, X, H, 1e-3)) is float
        assert formula(lambda Y: Y.T @ Y, X, H, 1e-3).shape == (3, 3)


@pytest.mark.parametrize("formula", [forward_difference, central_difference, complex_step])
@pytest.mark.parametrize(
    ("h", "error"),
    [(0.0, ValueError), (-1e-3, ValueError), (np.inf, ValueError), (np.nan, ValueError),
     ("0.1", TypeError), (None, TypeError), (True, TypeError)],
)
def test_step_formulas_reject_bad_steps(rng, formula, h, error):
    """h must be a positive finite number."""
    X = rng.standard_normal((2, 2))
    with pytest.raises(error, match="step h"):
        formula(np.sum, X, X, h)


@pytest.mark.parametrize("formula", [forward_difference, central_difference, complex_step])
def test_bad_step_is_rejected_before_f_is_called(rng, formula):
    """Bad input fails early: f is never evaluated at X + hH with an invalid h."""
    X = rng.standard_normal((2, 2))
    recorder = Recorder(np.sum)
    with pytest.raises(ValueError, match="step h"):
        formula(recorder, X, X, np.inf)
    assert recorder.real_calls + recorder.complex_calls == 0


# -- directional derivatives against closed forms -------------------------------------------


def test_directional_derivative_of_linear_trace(rng):
    """f(X) = tr(AXB), X (3, 4): Df(X)[H] = tr(AHB)."""
    A, X, B = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    H = rng.standard_normal((3, 4))
    result = directional_derivative(lambda Y: np.trace(A @ Y @ B), X, H)
    assert result == pytest.approx(np.trace(A @ H @ B), rel=1e-12)


def test_directional_derivative_of_inverse(rng):
    """F(X) = X⁻¹: DF(X)[H] = −X⁻¹HX⁻¹ (X non-symmetric)."""
    X = random_invertible(rng, 4, cond=20.0)
    H = rng.standard_normal((4, 4))
    Xi = np.linalg.inv(X)
    result = directional_derivative(np.linalg.inv, X, H)
    assert result.shape == (4, 4)
    assert relative_error(result, -Xi @ H @ Xi) < 1e-10


def test_directional_derivative_of_a_product_map(rng):
    """F(X) = XCXᵀ, X (3, 5): DF(X)[H] = HCXᵀ + XCHᵀ."""
    X, H, C = rng.standard_normal((3, 5)), rng.standard_normal((3, 5)), rng.standard_normal((5, 5))
    result = directional_derivative(lambda Y: Y @ C @ Y.T, X, H)
    assert relative_error(result, H @ C @ X.T + X @ C @ H.T) < 1e-12


@pytest.mark.parametrize(
    ("method", "tolerance"),
    [("forward", 1e-6), ("central", 1e-9), ("richardson", 1e-11), ("complex", 1e-14),
     ("auto", 1e-13)],
)
def test_every_method_gets_tr_xtax_right(rng, method, tolerance):
    """f(X) = tr(XᵀAX), A non-symmetric: Df(X)[H] = ⟨(A + Aᵀ)X, H⟩, to each method's accuracy."""
    A, X, H = rng.standard_normal((4, 4)), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    f = lambda Y: np.trace(Y.T @ A @ Y)  # noqa: E731
    result = directional_derivative(f, X, H, method=method)
    assert result == pytest.approx(np.sum((A + A.T) @ X * H), rel=tolerance)


@pytest.mark.parametrize(("method", "h"), [("forward", 1e-7), ("central", 1e-5),
                                           ("richardson", 1e-3), ("complex", 1e-8)])
def test_explicit_step_is_used(rng, method, h):
    """An explicit h with an explicit method gives the same value as the textbook formula."""
    X, H = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    f = lambda Y: np.sum(np.exp(Y) * Y[::-1])  # noqa: E731
    result = directional_derivative(f, X, H, method=method, h=h)
    if method == "forward":
        expected = (f(X + h * H) - f(X)) / h
    elif method == "central":
        expected = (f(X + h * H) - f(X - h * H)) / (2 * h)
    elif method == "complex":
        expected = np.imag(f(X + 1j * h * H)) / h
    else:
        def c(s):
            return (f(X + s * H) - f(X - s * H)) / (2 * s)
        expected = (4 * c(h / 2) - c(h)) / 3
    assert result == pytest.approx(expected, rel=1e-9)


# -- gradients -----------------------------------------------------------------------------------


def test_gradient_of_tr_axb(rng):
    """∇ tr(AXB) = AᵀBᵀ, with X (3, 4), A (2, 3), B (4, 2)."""
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    G = numerical_gradient(lambda Y: np.trace(A @ Y @ B), X)
    assert G.shape == X.shape
    assert relative_error(G, A.T @ B.T) < 1e-12


def test_gradient_of_tr_xtax(rng):
    """∇ tr(XᵀAX) = (A + Aᵀ)X with A non-symmetric and X (5, 2); AX alone is wrong."""
    A, X = rng.standard_normal((5, 5)), rng.standard_normal((5, 2))
    G = numerical_gradient(lambda Y: np.trace(Y.T @ A @ Y), X)
    assert relative_error(G, (A + A.T) @ X) < 1e-12
    assert relative_error(G, 2 * A @ X) > 1e-2


def test_gradient_of_log_abs_det(rng):
    """∇ log|det X| = X⁻ᵀ (not X⁻¹) for a non-symmetric X, via slogdet (not complex-analytic)."""
    X = random_invertible(rng, 4, cond=30.0)
    G = numerical_gradient(lambda Y: np.linalg.slogdet(Y)[1], X)
    assert relative_error(G, np.linalg.inv(X).T) < 1e-8
    assert relative_error(G, np.linalg.inv(X)) > 1e-2


def test_gradient_on_a_vector_and_a_3d_array(rng):
    """X may be a vector or a 3-D array; the gradient has its shape."""
    x = rng.standard_normal(5)
    A = rng.standard_normal((5, 5))
    np.testing.assert_allclose(numerical_gradient(lambda y: y @ A @ y, x), (A + A.T) @ x,
                               rtol=1e-12)
    T = rng.standard_normal((2, 3, 4))
    W = rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(numerical_gradient(lambda Y: np.sum(W * np.sin(Y)), T),
                               W * np.cos(T), rtol=1e-12)


def test_gradient_accepts_size_one_array_output(rng):
    """f(x) = xᵀAx with x of shape (n, 1) returns a (1, 1) array; the gradient is (A + Aᵀ)x."""
    A, x = rng.standard_normal((4, 4)), rng.standard_normal((4, 1))
    G = numerical_gradient(lambda y: y.T @ A @ y, x)
    assert G.shape == (4, 1)
    np.testing.assert_allclose(G, (A + A.T) @ x, rtol=1e-12)


def test_gradient_rejects_matrix_valued_f(rng):
    """numerical_gradient is for scalar f: a matrix-valued f raises TypeError naming the shape."""
    X = rng.standard_normal((3, 2))
    with pytest.raises(TypeError, match=r"scalar.*\(2, 2\)"):
        numerical_gradient(lambda Y: Y.T @ Y, X)


# -- Jacobian tensors --------------------------------------------------------------------------


def test_jacobian_of_right_multiplication(rng):
    """F(A) = AB, A (3, 4), B (4, 2): J[i, j, k, l] = δ_ik B[l, j], shape (3, 2, 3, 4)."""
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    J = jacobian_tensor(lambda Y: Y @ B, A)
    assert J.shape == (3, 2, 3, 4)
    expected = np.einsum("ik,lj->ijkl", np.eye(3), B)
    np.testing.assert_allclose(J, expected, rtol=1e-12, atol=1e-14)


def test_jacobian_of_left_multiplication(rng):
    """F(X) = CX, C (2, 3), X (3, 4): J[i, j, k, l] = C[i, k] δ_jl."""
    C, X = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    J = jacobian_tensor(lambda Y: C @ Y, X)
    np.testing.assert_allclose(J, np.einsum("ik,jl->ijkl", C, np.eye(4)), rtol=1e-12, atol=1e-14)


def test_jacobian_of_inverse(rng):
    """F(X) = X⁻¹: J[i, j, k, l] = −(X⁻¹)[i, k] (X⁻¹)[l, j]."""
    X = random_invertible(rng, 3, cond=10.0)
    Xi = np.linalg.inv(X)
    J = jacobian_tensor(np.linalg.inv, X)
    assert relative_error(J, -np.einsum("ik,lj->ijkl", Xi, Xi)) < 1e-10


def test_jacobian_of_transpose_is_the_commutation_pattern(rng):
    """F(X) = Xᵀ, X (2, 3): J[i, j, k, l] = δ_jk δ_il, shape (3, 2, 2, 3)."""
    X = rng.standard_normal((2, 3))
    J = jacobian_tensor(lambda Y: Y.T, X)
    np.testing.assert_array_equal(J, np.einsum("jk,il->ijkl", np.eye(2), np.eye(3)))


def test_jacobian_contracts_to_the_directional_derivative(rng):
    """Σ_kl J[..., k, l] H[k, l] = DF(X)[H] for F(X) = XCXᵀ, X (3, 5)."""
    X, H, C = rng.standard_normal((3, 5)), rng.standard_normal((3, 5)), rng.standard_normal((5, 5))
    F = lambda Y: Y @ C @ Y.T  # noqa: E731
    J = jacobian_tensor(F, X)
    contracted = np.tensordot(J, H, axes=2)
    np.testing.assert_allclose(contracted, directional_derivative(F, X, H), rtol=1e-10)
    np.testing.assert_allclose(contracted, H @ C @ X.T + X @ C @ H.T, rtol=1e-10)


@pytest.mark.parametrize(
    ("F", "x_shape", "expected"),
    [
        (lambda Y: Y[:2, :] @ Y.T, (3, 4), (2, 3, 3, 4)),
        (lambda Y: np.sum(Y**2), (3, 4), (3, 4)),
        (lambda Y: np.outer(Y, Y), (5,), (5, 5, 5)),
        (lambda Y: np.sum(Y, axis=0), (2, 3, 4), (3, 4, 2, 3, 4)),
        (lambda Y: Y.reshape(1, -1), (3, 2), (1, 6, 3, 2)),
    ],
)
def test_jacobian_shape_is_output_shape_plus_input_shape(rng, F, x_shape, expected):
    """jacobian_tensor(F, X).shape == F(X).shape + X.shape."""
    X = rng.standard_normal(x_shape)
    J = jacobian_tensor(F, X)
    assert J.shape == np.shape(F(X)) + X.shape == expected


def test_jacobian_of_scalar_function_is_the_gradient(rng):
    """For scalar f, jacobian_tensor equals numerical_gradient and the closed form."""
    A, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    f = lambda Y: np.trace(Y.T @ A @ Y)  # noqa: E731
    np.testing.assert_allclose(jacobian_tensor(f, X), (A + A.T) @ X, rtol=1e-12)
    np.testing.assert_allclose(jacobian_tensor(f, X), numerical_gradient(f, X), rtol=0)


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_jacobian_explicit_methods(rng, method):
    """Every explicit method gives J of F(A) = AB to its accuracy."""
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    J = jacobian_tensor(lambda Y: np.sin(Y) @ B, A, method=method)
    expected = np.einsum("ik,lj->ijkl", np.eye(2), B) * np.cos(A)[None, None, :, :]
    tolerance = {"forward": 1e-6, "central": 1e-9, "richardson": 1e-10, "complex": 1e-13}[method]
    assert relative_error(J, expected) < tolerance


# -- "auto": complex step when valid, Richardson otherwise -------------------------------------


def test_auto_uses_complex_step_for_analytic_functions(rng):
    """For an analytic f every entry of the Jacobian is taken with a complex step."""
    A, X = rng.standard_normal((4, 4)), rng.standard_normal((4, 3))
    f = Recorder(lambda Y: np.trace(Y.T @ A @ np.sin(Y)))
    G = numerical_gradient(f, X)
    assert f.complex_calls >= X.size
    assert f.real_calls <= 10  # only the probe that validates the complex step
    expected = A @ np.sin(X) + (A.T @ X) * np.cos(X)
    assert relative_error(G, expected) < 1e-14


def test_complex_step_silently_fails_on_norm_but_auto_does_not(rng):
    """complex_step of ‖X‖ is 0 (the reason auto must check); auto gets ⟨X/‖X‖, H⟩."""
    X, H = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    exact = np.sum(X * H) / np.linalg.norm(X)
    assert complex_step(np.linalg.norm, X, H, 1e-20) == 0.0
    assert directional_derivative(np.linalg.norm, X, H) == pytest.approx(exact, rel=1e-9)


def _nuclear(Y):
    return np.sum(np.linalg.svd(Y, compute_uv=False))


def _polar(X):
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return U @ Vt


def _raises_on_complex(Y):
    if np.iscomplexobj(Y):
        raise TypeError("this function only takes real input")
    return np.sum(np.sin(Y) * Y)


A_FIXED = np.random.default_rng(1).standard_normal((4, 4))
B_FIXED = np.random.default_rng(2).standard_normal((3, 3))

# name: (f of a (4, 3) matrix, its gradient at X)
NON_ANALYTIC = {
    "abs": (lambda Y: np.sum(np.abs(Y) * Y), lambda X: 2 * np.abs(X)),
    "norm": (np.linalg.norm, lambda X: X / np.linalg.norm(X)),
    "nuclear": (_nuclear, _polar),
    "vdot": (lambda Y: np.vdot(Y, A_FIXED @ Y), lambda X: (A_FIXED + A_FIXED.T) @ X),
    "conj": (lambda Y: np.sum(Y.conj() * (Y @ B_FIXED)), lambda X: X @ (B_FIXED + B_FIXED.T)),
    "raises": (_raises_on_complex, lambda X: np.sin(X) + X * np.cos(X)),
    "float-cast": (lambda Y: float(np.sum(Y**3)), lambda X: 3 * X**2),
    "astype": (lambda Y: np.sum(np.sin(Y.astype(np.float64))), lambda X: np.cos(X)),
    "real": (lambda Y: np.sum(np.exp(np.real(Y))), lambda X: np.exp(X)),
}


@pytest.mark.parametrize("name", list(NON_ANALYTIC))
def test_auto_detects_non_analytic_functions(rng, name):
    """Functions that break the complex step are detected and still differentiated right."""
    f, gradient = NON_ANALYTIC[name]
    X = rng.standard_normal((4, 3))
    expected = gradient(X)
    recorder = Recorder(f)
    G = numerical_gradient(recorder, X)
    assert relative_error(G, expected) < 1e-8
    assert recorder.complex_calls <= 3  # at most the probe's steps h, 3h, −h: never entry by entry
    H = rng.standard_normal((4, 3))
    assert directional_derivative(f, X, H) == pytest.approx(np.sum(expected * H), rel=1e-8)


@pytest.mark.parametrize("name", ["abs", "norm", "nuclear", "vdot", "conj"])
def test_plain_complex_step_is_wrong_on_those_functions(rng, name):
    """Sanity check of the test cases above: method='complex' does get them wrong."""
    f, gradient = NON_ANALYTIC[name]
    X = rng.standard_normal((4, 3))
    G = numerical_gradient(f, X, method="complex")
    assert relative_error(G, gradient(X)) > 1e-3


# -- scale robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_tiny_and_huge_matrices_quadratic(rng, scale):
    """∇ tr(XᵀAX) = (A + Aᵀ)X for X with entries of size 1e-8 and 1e8."""
    A, X = rng.standard_normal((4, 4)), scale * rng.standard_normal((4, 3))
    G = numerical_gradient(lambda Y: np.trace(Y.T @ A @ Y), X)
    assert relative_error(G, (A + A.T) @ X) < 1e-10


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_tiny_and_huge_matrices_non_analytic(rng, scale):
    """∇‖X‖ = X/‖X‖ and ∇ log|det X| = X⁻ᵀ for tiny and huge X (Richardson path)."""
    X = scale * rng.standard_normal((3, 4))
    G = numerical_gradient(np.linalg.norm, X)
    assert relative_error(G, X / np.linalg.norm(X)) < 1e-8
    Y = scale * random_invertible(rng, 4, cond=10.0)
    G = numerical_gradient(lambda Z: np.linalg.slogdet(Z)[1], Y)
    assert relative_error(G, np.linalg.inv(Y).T) < 1e-8


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_tiny_and_huge_matrices_inverse(rng, scale):
    """DF(X)[H] = −X⁻¹HX⁻¹ for F = inv at tiny and huge X."""
    X = scale * random_invertible(rng, 4, cond=10.0)
    H = scale * rng.standard_normal((4, 4))
    Xi = np.linalg.inv(X)
    assert relative_error(directional_derivative(np.linalg.inv, X, H), -Xi @ H @ Xi) < 1e-10


@pytest.fixture
def ill_conditioned():
    """A non-symmetric 4×4 matrix with condition number 1e8, a direction and a weight."""
    rng = np.random.default_rng(1)
    X = random_invertible(rng, 4, cond=1e8)
    return X, rng.standard_normal((4, 4)), rng.standard_normal((4, 4))


def test_ill_conditioned_inverse_trace_directional(ill_conditioned):
    """f(X) = tr(C X⁻¹) is analytic; Df(X)[H] = −tr(C X⁻¹HX⁻¹) at cond(X) = 1e8."""
    X, H, C = ill_conditioned
    Xi = np.linalg.inv(X)
    exact = -np.trace(C @ Xi @ H @ Xi)
    result = directional_derivative(lambda Y: np.trace(C @ np.linalg.inv(Y)), X, H)
    assert result == pytest.approx(exact, rel=1e-6)


def test_ill_conditioned_inverse_trace_gradient(ill_conditioned):
    """∇ tr(C X⁻¹) = −(X⁻¹CX⁻¹)ᵀ at cond(X) = 1e8."""
    X, _, C = ill_conditioned
    Xi = np.linalg.inv(X)
    G = numerical_gradient(lambda Y: np.trace(C @ np.linalg.inv(Y)), X)
    assert relative_error(G, -(Xi @ C @ Xi).T) < 1e-6


def test_ill_conditioned_inverse_jacobian(ill_conditioned):
    """J of X ↦ X⁻¹ at cond(X) = 1e8 is −(X⁻¹)_ik (X⁻¹)_lj."""
    X, _, _ = ill_conditioned
    Xi = np.linalg.inv(X)
    J = jacobian_tensor(np.linalg.inv, X)
    assert relative_error(J, -np.einsum("ik,lj->ijkl", Xi, Xi)) < 1e-6


def test_ill_conditioned_log_abs_det_gradient(ill_conditioned):
    """∇ log|det X| = X⁻ᵀ at cond(X) = 1e8 (slogdet is not complex-analytic)."""
    X, _, _ = ill_conditioned
    G = numerical_gradient(lambda Y: np.linalg.slogdet(Y)[1], X)
    assert relative_error(G, np.linalg.inv(X).T) < 1e-5


def test_ill_conditioned_log_abs_det_directional(ill_conditioned):
    """D log|det X|[H] = tr(X⁻¹H) at cond(X) = 1e8."""
    X, H, _ = ill_conditioned
    result = directional_derivative(lambda Y: np.linalg.slogdet(Y)[1], X, H)
    assert result == pytest.approx(np.trace(np.linalg.solve(X, H)), rel=1e-5)


def test_ill_conditioned_tolerances_are_attainable(ill_conditioned):
    """Reference for the tests above: at cond(X) = 1e8 the tolerances used there are reachable
    with an explicit method (complex step for the analytic functions, a Richardson step
    below σ_min = 1e-8 for slogdet), so a failure above is a fault of the automatic choice."""
    X, H, C = ill_conditioned
    Xi = np.linalg.inv(X)
    f = lambda Y: np.trace(C @ np.linalg.inv(Y))  # noqa: E731
    result = directional_derivative(f, X, H, method="complex")
    assert result == pytest.approx(-np.trace(C @ Xi @ H @ Xi), rel=1e-6)
    G = numerical_gradient(f, X, method="complex")
    assert relative_error(G, -(Xi @ C @ Xi).T) < 1e-6
    J = jacobian_tensor(np.linalg.inv, X, method="complex")
    assert relative_error(J, -np.einsum("ik,lj->ijkl", Xi, Xi)) < 1e-6
    logabsdet = lambda Y: np.linalg.slogdet(Y)[1]  # noqa: E731
    G = numerical_gradient(logabsdet, X, method="richardson", h=1e-10)
    assert relative_error(G, Xi.T) < 1e-5


@pytest.mark.parametrize("seed", range(5))
def test_moderately_ill_conditioned_gradients(seed):
    """cond(X) = 1e3 is not extreme: ∇ tr(C X⁻¹) = −(X⁻¹CX⁻¹)ᵀ and ∇ log|det X| = X⁻ᵀ."""
    rng = np.random.default_rng(seed)
    X = random_invertible(rng, 4, cond=1e3)
    C = rng.standard_normal((4, 4))
    Xi = np.linalg.inv(X)
    G = numerical_gradient(lambda Y: np.trace(C @ np.linalg.inv(Y)), X)
    assert relative_error(G, -(Xi @ C @ Xi).T) < 1e-6
    G = numerical_gradient(lambda Y: np.linalg.slogdet(Y)[1], X)
    assert relative_error(G, Xi.T) < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_moderately_ill_conditioned_reference(seed):
    """Reference for the test above: a fixed Richardson step (h = 1e-6) meets 1e-6 easily."""
    rng = np.random.default_rng(seed)
    X = random_invertible(rng, 4, cond=1e3)
    C = rng.standard_normal((4, 4))
    Xi = np.linalg.inv(X)
    G = numerical_gradient(lambda Y: np.trace(C @ np.linalg.inv(Y)), X, "richardson", h=1e-6)
    assert relative_error(G, -(Xi @ C @ Xi).T) < 1e-6
    G = numerical_gradient(lambda Y: np.linalg.slogdet(Y)[1], X, "richardson", h=1e-6)
    assert relative_error(G, Xi.T) < 1e-6


def test_richardson_path_with_entries_of_different_sizes():
    """f(x) = |1/x₁| (not analytic) at x = (1, 0.01): ∂f/∂x₁ = −1/x₁² = −1e4.

    The steps scale with the size of the whole of x, so the ladder starts far too coarse for
    x₁ = 0.01; it must still reach steps small enough to resolve the derivative.
    """
    x = np.array([1.0, 0.01])
    G = numerical_gradient(lambda y: np.abs(1 / y[1]), x)
    np.testing.assert_allclose(G, [0.0, -1e4], rtol=1e-6, atol=1e-6)


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda f, X: directional_derivative(f, X, X, h=1e-3),
        lambda f, X: numerical_gradient(f, X, h=1e-3),
        lambda f, X: jacobian_tensor(f, X, h=1e-3),
        lambda f, X: numerical_gradient(f, X, method="auto", h=1e-6),
    ],
)
def test_h_with_auto_raises(rng, call):
    """A step h needs an explicit method."""
    with pytest.raises(ValueError, match="explicit method"):
        call(np.sum, rng.standard_normal((2, 3)))


@pytest.mark.parametrize("method", ["Complex", "backward", "", None, "richardson "])
def test_unknown_method_raises(rng, method):
    """Unknown methods raise ValueError listing the valid ones."""
    X = rng.standard_normal((2, 3))
    for call in (lambda: directional_derivative(np.sum, X, X, method=method),
                 lambda: numerical_gradient(np.sum, X, method=method),
                 lambda: jacobian_tensor(np.sum, X, method=method)):
        with pytest.raises(ValueError, match=r"method must be one of .*richardson"):
            call()


def test_bad_step_with_explicit_method_raises(rng):
    """A non-positive h raises even in the high-level functions."""
    X = rng.standard_normal((2, 3))
    with pytest.raises(ValueError, match="positive"):
        directional_derivative(np.sum, X, X, method="central", h=-1e-3)
    with pytest.raises(TypeError, match="number"):
        numerical_gradient(np.sum, X, method="central", h="small")


@pytest.mark.parametrize(
    "call",
    [
        lambda f, X, Z: directional_derivative(f, X, Z),
        lambda f, X, Z: directional_derivative(f, X, Z, method="richardson"),
        lambda f, X, Z: forward_difference(f, X, Z, 1e-3),
        lambda f, X, Z: central_difference(f, X, Z, 1e-3),
        lambda f, X, Z: complex_step(f, X, Z, 1e-3),
    ],
)
def test_zero_direction_raises(rng, call):
    """H = 0 is not a direction."""
    X = rng.standard_normal((3, 2))
    with pytest.raises(ValueError, match="zero"):
        call(np.sum, X, np.zeros((3, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_raises(rng, bad):
    """X with NaN or infinite entries raises ValueError in every entry point."""
    X = rng.standard_normal((3, 2))
    X[1, 0] = bad
    H = rng.standard_normal((3, 2))
    for call in (lambda: directional_derivative(np.sum, X, H),
                 lambda: numerical_gradient(np.sum, X),
                 lambda: jacobian_tensor(np.sum, X),
                 lambda: central_difference(np.sum, X, H, 1e-3)):
        with pytest.raises(ValueError, match=r"NaN or infinite.*\(3, 2\)"):
            call()


def test_nan_direction_raises(rng):
    """A direction with NaN raises ValueError naming H."""
    X = rng.standard_normal((2, 2))
    H = X.copy()
    H[0, 0] = np.nan
    with pytest.raises(ValueError, match="H contains NaN"):
        directional_derivative(np.sum, X, H)


def test_shape_mismatch_between_x_and_h(rng):
    """X and H must have the same shape; the message names both."""
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        directional_derivative(np.sum, rng.standard_normal((3, 2)), rng.standard_normal((2, 3)))


def test_complex_x_and_scalar_x_rejected(rng):
    """X must be a real array with at least one dimension."""
    X = rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match="real"):
        numerical_gradient(np.sum, X + 1j)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        numerical_gradient(np.sum, 2.0)


@pytest.mark.parametrize("output", ["abc", np.array(["a", "b"]), None, {"a": 1}])
def test_f_returning_non_numbers_raises_type_error(rng, output):
    """f returning strings (or other non-numbers) raises TypeError, for every entry point."""
    X = rng.standard_normal((2, 2))
    for call in (lambda: directional_derivative(lambda Y: output, X, X),
                 lambda: directional_derivative(lambda Y: output, X, X, method="central"),
                 lambda: numerical_gradient(lambda Y: output, X),
                 lambda: jacobian_tensor(lambda Y: output, X),
                 lambda: forward_difference(lambda Y: output, X, X, 1e-3)):
        with pytest.raises(TypeError, match="f must return"):
            call()


def test_f_must_be_callable(rng):
    """A non-callable f raises TypeError."""
    X = rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match="must be a function"):
        directional_derivative(X, X, X)
    with pytest.raises(TypeError, match="must be a function"):
        numerical_gradient("np.sum", X)


@pytest.mark.parametrize(
    "where", ["directional_derivative", "numerical_gradient", "jacobian_tensor"]
)
def test_non_finite_value_at_X_is_a_clear_error(where):
    """f(X) = NaN or inf means there is nothing to differentiate: a ValueError says so."""
    X = np.arange(1.0, 7.0).reshape(2, 3)
    f = lambda Y: np.log(Y - Y)  # noqa: E731  (-inf everywhere)
    call = {
        "directional_derivative": lambda: directional_derivative(f, X, np.ones_like(X)),
        "numerical_gradient": lambda: numerical_gradient(lambda Y: np.sum(f(Y)), X),
        "jacobian_tensor": lambda: jacobian_tensor(f, X),
    }[where]
    with pytest.raises(ValueError, match="not finite"), np.errstate(divide="ignore"):
        call()


def test_entries_of_very_different_sizes_get_their_own_steps():
    """Per-entry step scales: log is differentiated at 1e8 and at 1e-4 without leaving its
    domain and without numpy warnings."""
    x = np.array([1e8, 1e-4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = numerical_gradient(lambda v: np.linalg.norm(np.log(v)), x)
    logs = np.log(x)
    assert np.allclose(g, logs / np.linalg.norm(logs) / x, rtol=1e-8)


def test_mixed_scale_outputs_are_compared_entry_by_entry(rng):
    """A conjugating output entry next to a huge analytic one is still detected."""
    X, H = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))

    def F(Y):
        return np.array([1e6 * np.sum(Y**2), np.vdot(Y, Y)])

    expected = np.array([2e6 * np.sum(X * H), 2 * np.sum(X * H)])
    assert np.allclose(directional_derivative(F, X, H), expected, rtol=1e-8)


def test_complex_dtype_with_real_values_is_accepted(rng):
    """The trace of eigvals is real but comes back with a complex dtype."""
    X, H = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    result = directional_derivative(lambda Y: np.sum(np.linalg.eigvals(Y)), X, H)
    assert result == pytest.approx(np.trace(H), rel=1e-8)


def test_output_shape_must_not_change(rng):
    X = rng.standard_normal((3, 3))
    X[0, 0] = 0.5  # on the mask's threshold: a step changes how many entries pass

    with pytest.raises(ValueError, match="must not depend on X"):
        jacobian_tensor(lambda Y: Y[np.abs(Y) > 0.5], X, method="richardson")
