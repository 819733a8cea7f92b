"""Tests of utils.tape, the reverse-mode automatic differentiation tape.

Every function below is written once, against a namespace ``t`` of operations: the tape
(``utils.tape``) or the array libraries (``ARRAYS``, whose functions are those of
:data:`utils.array_namespace.xp`, so numpy for numpy arrays and jax.numpy inside
``jax.grad``). The tape's gradient is then compared with two independent references:
``utils.check_gradient`` (numerical derivatives along random directions), on random shapes
drawn by hypothesis, and ``jax.grad`` in float64, on one set of shapes per case (JAX
compiles anew for every shape, which is slow). A matrix-valued operation F enters as
Σ W ∘ F(X) with random weights W, whose gradient is the VJP of F applied to W; a few
pullbacks are also compared with ``jax.vjp`` directly. Data are random, non-symmetric and
non-square wherever the operation allows.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import check_gradient, random_invertible, relative_error, tape
from utils.array_namespace import xp

jax.config.update("jax_enable_x64", True)

RTOL = 1e-10  # tape and JAX are both exact up to rounding; the matrices are well conditioned

ARRAYS = SimpleNamespace(
    inv=xp.linalg.inv, solve=xp.linalg.solve, det=xp.linalg.det,
    logdet=lambda X: xp.linalg.slogdet(X)[1], trace=xp.trace, sum=xp.sum, exp=xp.exp,
    log=xp.log, sin=xp.sin, cos=xp.cos, tanh=xp.tanh, square=xp.square,
    power=lambda X, p: X**p,
)


def tape_gradients(f, args):
    """The tape's value and gradients of f(tape, *args), always as a tuple."""
    value, grads = tape.value_and_grad(lambda *xs: f(tape, *xs), *args)
    grads = grads if len(args) > 1 else (grads,)
    assert value == pytest.approx(float(f(ARRAYS, *args)), rel=1e-12, abs=1e-12)
    for i, (x, g) in enumerate(zip(args, grads, strict=True)):
        assert isinstance(g, np.ndarray) and g.dtype == np.float64
        assert g.shape == np.shape(x), f"argument {i}: gradient {g.shape}, input {x.shape}"
    return grads


def assert_numerically_right(f, args, rng) -> None:
    """The tape's gradient of f(t, *args) with respect to each argument: check_gradient."""
    args = [np.asarray(x, dtype=float) for x in args]
    for i, (x, g) in enumerate(zip(args, tape_gradients(f, args), strict=True)):

        def f_i(xi, i=i, shape=x.shape):
            return f(ARRAYS, *args[:i], xi.reshape(shape), *args[i + 1:])

        shape = x.shape or (1,)  # check_gradient needs at least one dimension
        check = check_gradient(f_i, g.reshape(shape), x.reshape(shape), rng)
        assert check.ok, f"argument {i} of shape {x.shape}: {check.message}"


def assert_same_as_jax(f, args) -> None:
    """The tape's gradients of f(t, *args) equal jax.grad's (float64), for every argument."""
    args = [np.asarray(x, dtype=float) for x in args]
    grad = jax.jit(jax.grad(lambda *xs: f(ARRAYS, *xs), argnums=tuple(range(len(args)))))
    expected = grad(*(jnp.asarray(x) for x in args))
    for i, (x, g, e) in enumerate(zip(args, tape_gradients(f, args), expected, strict=True)):
        error = relative_error(g, np.asarray(e))
        assert error <= RTOL, f"argument {i} of shape {x.shape}: differs from JAX by {error:.2e}"


def normal(rng, *shape):
    return rng.standard_normal(shape)


def positive(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


# ---------------------------------------------------------------- the cases
# Each case draws, from an rng and three sizes m, n, p, a function f(t, *args) and its
# arguments. Weights W make the adjoint of an inner result a random matrix, not ones.


def matmul(rng, m, n, p):
    W = normal(rng, m, p)
    return (lambda t, A, B: t.sum(W * t.sin(A @ B))), (normal(rng, m, n), normal(rng, n, p))


def matrix_times_vector(rng, m, n, p):
    w = normal(rng, m)
    return (lambda t, A, x: t.sum(w * t.sin(A @ x))), (normal(rng, m, n), normal(rng, n))


def vector_times_matrix(rng, m, n, p):
    return (lambda t, y, A: t.sum(t.sin(y @ A))), (normal(rng, m), normal(rng, m, n))


def vector_times_vector(rng, m, n, p):
    return (lambda t, x, y: t.sin(x @ y)), (normal(rng, n), normal(rng, n))


def entrywise(combine):
    def case(rng, m, n, p):
        W = normal(rng, m, n)
        return (lambda t, A, B: t.sum(W * t.sin(combine(A, B)))), (normal(rng, m, n),
                                                                    normal(rng, m, n))
    return case


def scalar_with_array(combine, scalar_left):
    def case(rng, m, n, p):
        W, s, B = normal(rng, m, n), normal(rng), normal(rng, m, n)
        if scalar_left:
            return (lambda t, s, B: t.sum(W * t.sin(combine(s, B)))), (s, B)
        return (lambda t, B, s: t.sum(W * t.sin(combine(B, s)))), (B, s)
    return case


def divide_by_scalar(rng, m, n, p):
    W = normal(rng, m, n)
    return (lambda t, A, s: t.sum(W * t.sin(A / s))), (normal(rng, m, n), positive(rng))


def scalar_divisions(rng, m, n, p):
    return (lambda t, s: 2.0 / s + s / 4.0), (positive(rng),)


def transpose_and_negation(rng, m, n, p):
    C = normal(rng, m, m)
    return (lambda t, X: t.sum(t.sin(-X.T @ C @ X))), (normal(rng, m, n),)


def constants_on_both_sides(rng, m, n, p):
    C, W = normal(rng, n, p), normal(rng, m, n)
    return (lambda t, X: t.sum(t.sin(X @ C @ C.T + 2.0 * X - W * X / 3.0 + (1.5 - X) * W
                                     + W @ (X.T @ X) + (C @ C.T @ X.T).T))), (
        normal(rng, m, n),)


def entrywise_function(g, draw):
    def case(rng, m, n, p):
        W = normal(rng, m, n)
        return (lambda t, X: t.sum(W * g(t, X))), (draw(rng, m, n),)
    return case


def entrywise_function_of_scalar(g, draw):
    def case(rng, m, n, p):
        return (lambda t, x: g(t, x) * 1.5), (draw(rng),)
    return case


def sum_times_sum(rng, m, n, p):
    return (lambda t, X: t.sum(X) * t.sum(t.sin(X))), (normal(rng, m, n),)


def trace_of_product(rng, m, n, p):  # tr(AX) with X not square
    return (lambda t, A, X: t.trace(A @ X)), (normal(rng, m, n), normal(rng, n, m))


def inverse(rng, m, n, p):
    W = normal(rng, n, n)
    return (lambda t, X: t.sum(W * t.inv(X))), (random_invertible(rng, n),)


def solve_matrix(rng, m, n, p):
    W = normal(rng, n, p)
    return (lambda t, A, B: t.sum(W * t.solve(A, B))), (random_invertible(rng, n),
                                                         normal(rng, n, p))


def solve_vector(rng, m, n, p):
    w = normal(rng, n)
    return (lambda t, A, b: t.sum(w * t.solve(A, b))), (random_invertible(rng, n),
                                                         normal(rng, n))


def with_negative_determinant(rng, n):
    X = random_invertible(rng, n)
    return X if np.linalg.det(X) < 0 else X * np.r_[-1.0, np.ones(n - 1)][:, None]


def determinant(rng, m, n, p):
    return (lambda t, X: t.det(X)), (with_negative_determinant(rng, n),)


def log_abs_determinant(rng, m, n, p):
    return (lambda t, X: t.logdet(X)), (with_negative_determinant(rng, n),)


def logdet_XtAX_plus_I(rng, m, n, p):
    A = normal(rng, m, m) + m * np.eye(m)  # non-symmetric; XᵀAX + I stays invertible
    eye = np.eye(n)
    return (lambda t, X, A: t.logdet(X.T @ A @ X + eye)), (normal(rng, m, n) / np.sqrt(m), A)


def two_layer_network(rng, m, n, p):
    return (lambda t, W1, W2, X: t.sum(t.tanh(W2 @ t.tanh(W1 @ X)))), (
        normal(rng, n, m), normal(rng, p, n), normal(rng, m, p + 1))


def squared_error_with_bias(rng, m, n, p):
    X, Y = normal(rng, m, 3), normal(rng, p, 3)
    return (lambda t, W1, W2, b: t.sum(t.square(W2 @ t.tanh(W1 @ X + b) - Y)) / 3.0), (
        normal(rng, n, m), normal(rng, p, n), normal(rng))


def trace_AXBXt(rng, m, n, p):
    return (lambda t, A, X, B: t.trace(A @ X @ B @ X.T)), (
        normal(rng, m, m), normal(rng, m, n), normal(rng, n, n))


def used_twice(rng, m, n, p):  # X in both factors of a product, and through other paths
    A = normal(rng, n, m)
    return (lambda t, X: t.trace(X @ A @ X @ A) + t.sum(t.sin(X)) * t.sum(X)), (
        normal(rng, m, n),)


ENTRYWISE = {
    "exp": (lambda t, X: t.exp(X), normal),
    "log": (lambda t, X: t.log(X), positive),
    "sin": (lambda t, X: t.sin(X), normal),
    "cos": (lambda t, X: t.cos(X), normal),
    "tanh": (lambda t, X: t.tanh(X), normal),
    "square": (lambda t, X: t.square(X), normal),
    "power 3": (lambda t, X: t.power(X, 3), normal),
    "power -2": (lambda t, X: t.power(X, -2), positive),
    "power 0.5": (lambda t, X: t.power(X, 0.5), positive),
    "** 1.5": (lambda t, X: X**1.5, positive),
}
OPERATORS = {"+": lambda A, B: A + B, "-": lambda A, B: A - B, "*": lambda A, B: A * B}

CASES = {
    "A @ B": matmul, "A @ x": matrix_times_vector, "y @ A": vector_times_matrix,
    "x @ y": vector_times_vector,
    **{f"A {op} B": entrywise(combine) for op, combine in OPERATORS.items()},
    **{f"s {op} B": scalar_with_array(combine, True) for op, combine in OPERATORS.items()},
    **{f"B {op} s": scalar_with_array(combine, False) for op, combine in OPERATORS.items()},
    "A / s": divide_by_scalar, "2 / s + s / 4": scalar_divisions,
    "-Xᵀ": transpose_and_negation, "constants on both sides": constants_on_both_sides,
    **{name: entrywise_function(g, draw) for name, (g, draw) in ENTRYWISE.items()},
    **{f"{name} of a scalar": entrywise_function_of_scalar(g, draw)
       for name, (g, draw) in ENTRYWISE.items()},
    "sum": sum_times_sum, "trace": trace_of_product, "inv": inverse,
    "solve(A, B)": solve_matrix, "solve(A, b)": solve_vector, "det": determinant,
    "logdet": log_abs_determinant,
    "log det(XᵀAX + I)": logdet_XtAX_plus_I, "two-layer network": two_layer_network,
    "squared error with bias": squared_error_with_bias, "tr(AXBXᵀ)": trace_AXBXt,
    "used twice": used_twice,
}

sizes = st.integers(1, 5)


@pytest.mark.parametrize("name", list(CASES))
@settings(max_examples=8, deadline=None)
@given(m=sizes, n=sizes, p=sizes, seed=st.integers(0, 2**32 - 1))
def test_gradient_agrees_with_numerical_derivatives(name, m, n, p, seed):
    rng = np.random.default_rng(seed)
    f, args = CASES[name](rng, m, n, p)
    assert_numerically_right(f, args, rng)


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_agrees_with_jax(name):
    rng = np.random.default_rng(0)
    f, args = CASES[name](rng, 2, 3, 4)  # distinct sizes: a transposed adjoint cannot fit
    assert_same_as_jax(f, args)


MATRIX_VALUED = {  # name -> (the operation in namespace t, its arguments from an rng)
    "matmul": (lambda t, A, B: A @ B, lambda rng: (normal(rng, 2, 3), normal(rng, 3, 4))),
    "inv": (lambda t, X: t.inv(X), lambda rng: (random_invertible(rng, 3),)),
    "solve": (lambda t, A, B: t.solve(A, B),
              lambda rng: (random_invertible(rng, 3), normal(rng, 3, 2))),
    "transpose": (lambda t, X: X.T, lambda rng: (normal(rng, 2, 3),)),
    "multiply": (lambda t, A, B: A * B, lambda rng: (normal(rng, 2, 3), normal(rng, 2, 3))),
    "tanh": (lambda t, X: t.tanh(X), lambda rng: (normal(rng, 2, 3),)),
}


@pytest.mark.parametrize("name", list(MATRIX_VALUED))
def test_pullbacks_are_the_vjps_of_jax(name):
    """A node's pullbacks, applied to a random cotangent G, against jax.vjp."""
    op, draw = MATRIX_VALUED[name]
    rng = np.random.default_rng(9)
    args = draw(rng)
    node = op(tape, *(tape.Node(x, op="input", needs_grad=True) for x in args))
    G = normal(rng, *node.shape)
    value, vjp = jax.vjp(lambda *xs: op(ARRAYS, *xs), *(jnp.asarray(x) for x in args))
    assert relative_error(node.value, np.asarray(value)) <= RTOL
    for i, (pullback, expected) in enumerate(zip(node.pullbacks, vjp(jnp.asarray(G)),
                                                 strict=True)):
        assert relative_error(pullback(G), np.asarray(expected)) <= RTOL, f"argument {i}"


# ---------------------------------------------------------------- closed forms


def test_closed_form_gradients_of_the_book():
    rng = np.random.default_rng(1)
    A, X, B = normal(rng, 3, 3), normal(rng, 3, 2), normal(rng, 2, 2)
    C = normal(rng, 2, 3)
    # ∇ tr(CX) = Cᵀ
    assert relative_error(tape.grad(lambda X: tape.trace(C @ X), X), C.T) <= RTOL
    # ∇ tr(AXBXᵀ) = AᵀXBᵀ + AXB
    assert relative_error(tape.grad(lambda X: tape.trace(A @ X @ B @ X.T), X),
                          A.T @ X @ B.T + A @ X @ B) <= RTOL
    # ∇ log det(XᵀAX + I) = A X M⁻¹ + Aᵀ X M⁻ᵀ with M = XᵀAX + I
    M = X.T @ A @ X + np.eye(2)
    assert relative_error(
        tape.grad(lambda X: tape.logdet(X.T @ A @ X + np.eye(2)), X),
        A @ X @ np.linalg.inv(M) + A.T @ X @ np.linalg.inv(M).T) <= RTOL
    # ∇ log |det X| = X⁻ᵀ, ∇ det X = det(X) X⁻ᵀ
    assert relative_error(tape.grad(tape.logdet, A), np.linalg.inv(A).T) <= RTOL
    assert relative_error(tape.grad(tape.det, A),
                          np.linalg.det(A) * np.linalg.inv(A).T) <= RTOL


def test_quadratic_form_with_a_1_by_1_output():
    rng = np.random.default_rng(5)
    A, x = normal(rng, 4, 4), normal(rng, 4, 1)
    value, g = tape.value_and_grad(lambda x: x.T @ A @ x, x)
    assert value == pytest.approx((x.T @ A @ x).item()) and g.shape == (4, 1)
    assert relative_error(g, (A + A.T) @ x) <= RTOL


# ---------------------------------------------------------------- the reverse sweep


def test_a_node_used_twice_accumulates_its_adjoints():
    rng = np.random.default_rng(6)
    X, A = normal(rng, 3, 4), normal(rng, 4, 3)
    assert relative_error(tape.grad(lambda X: tape.sum(X * X), X), 2 * X) <= RTOL
    # Y = exp(X) is both factors of Y ∘ Y: Ȳ = Y + Y, and ∇ Σ exp(X)² = 2 exp(2X)
    g = tape.grad(lambda X: (lambda Y: tape.sum(Y * Y))(tape.exp(X)), X)
    assert relative_error(g, 2 * np.exp(2 * X)) <= RTOL
    # X in both factors of tr(AXAX): each use gives (AXA)ᵀ, so ∇ = 2 (AXA)ᵀ
    assert relative_error(tape.grad(lambda X: tape.trace(A @ X @ A @ X), X),
                          2 * (A @ X @ A).T) <= RTOL


def test_each_node_is_pulled_back_once():
    """Y ↦ Y + Y forty times: 2⁴⁰ paths from the output to X, but only 41 nodes."""
    def f(X):
        Y = X
        for _ in range(40):
            Y = Y + Y
        return tape.sum(Y)

    start = time.perf_counter()
    g = tape.grad(f, np.ones(3))
    assert np.array_equal(g, np.full(3, 2.0**40))
    assert time.perf_counter() - start < 1.0  # a sweep along every path would never end


def test_power_zero_has_zero_gradient_also_at_zero_entries():
    X = np.array([[0.0, 2.0, -3.0], [1.5, 0.0, 4.0]])
    for p in (0, 0.0, np.int64(0)):
        value, gradient = tape.value_and_grad(lambda Y, p=p: tape.sum(tape.power(Y, p)), X)
        assert value == X.size
        assert np.all(np.isfinite(gradient)) and np.array_equal(gradient, np.zeros_like(X))
    # p = 1 at a zero entry: X⁰ appears in the derivative and must be 1 there, not NaN
    gradient = tape.grad(lambda Y: tape.sum(tape.power(Y, 1)), X)
    assert np.array_equal(gradient, np.ones_like(X))


def test_a_long_chain_needs_no_recursion():
    def f(x):
        for _ in range(2000):
            x = tape.sin(x)
        return x

    x0 = 0.7
    expected, x = 1.0, x0
    for _ in range(2000):
        expected, x = expected * np.cos(x), np.sin(x)
    assert tape.grad(f, x0) == pytest.approx(expected, rel=1e-12)


def test_inputs_the_output_does_not_depend_on_get_zeros():
    rng = np.random.default_rng(7)
    X, Y = normal(rng, 2, 3), normal(rng, 3, 2)
    value, (gX, gY) = tape.value_and_grad(lambda X, Y: tape.sum(tape.exp(X)), X, Y)
    assert value == pytest.approx(np.exp(X).sum())
    assert np.allclose(gX, np.exp(X)) and np.array_equal(gY, np.zeros((3, 2)))
    g = tape.grad(lambda X: tape.sum(tape.exp(np.ones(3))), X)  # a constant output
    assert np.array_equal(g, np.zeros((2, 3)))


def test_inputs_are_copied_and_scalars_are_arrays_of_shape_0d():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(node):
        node.value[0, 0] = 100.0  # changes the tape's copy, not the caller's array
        return tape.sum(node)

    tape.grad(f, X)
    assert X[0, 0] == 1.0
    g = tape.grad(lambda s: s * s, 3)  # an int input is a float64 scalar
    assert g.shape == () and g.dtype == np.float64 and float(g) == 6.0
    node = tape.Node(np.ones((2, 3)))
    assert repr(node @ np.ones(3)) == "Node(matmul, shape (2,))" and node.T.shape == (3, 2)


# ---------------------------------------------------------------- bad input


def shapes_23_and_34():
    return np.ones((2, 3)), np.ones((3, 4))


@pytest.mark.parametrize(("f", "arrays", "error", "message"), [
    (lambda A, B: tape.sum(B @ A), shapes_23_and_34(), ValueError,
     r"matmul: \(3, 4\) @ \(2, 3\) — inner dimensions 4 and 2 differ"),
    (lambda x: tape.sum(x @ np.ones((3, 4, 5))), (np.ones(3),), ValueError,
     r"matmul needs vectors or matrices .* \(3,\) @ \(3, 4, 5\)"),
    (lambda x: x @ 2.0, (np.ones(3),), ValueError, r"matmul needs .* \(3,\) @ \(\)"),
    (lambda A, B: tape.sum(A + B), shapes_23_and_34(), ValueError,
     r"add: \(2, 3\) \+ \(3, 4\) — shapes differ; the tape broadcasts only a scalar"),
    (lambda A, B: tape.sum(A - B.T), shapes_23_and_34(), ValueError,
     r"subtract: \(2, 3\) - \(4, 3\) — shapes differ"),
    (lambda A: tape.sum(A * np.ones(3)), (np.ones((2, 3)),), ValueError,
     r"multiply: \(2, 3\) \* \(3,\) — shapes differ"),
    (lambda A: tape.sum(A / np.ones(3)), (np.ones((2, 3)),), ValueError,
     r"divide: \(2, 3\) / \(3,\) — the tape divides only by a scalar"),
    (lambda A: tape.sum(A ** A), (np.ones((2, 3)),), TypeError,
     "exponent must be a constant number, not a Node"),
    (lambda A: tape.sum(tape.power(A, "2")), (np.ones((2, 3)),), TypeError,
     "exponent must be a real number, got str"),
    (lambda A: tape.sum(tape.power(A - 2, 0.5)), (np.ones((2, 3)),), ValueError,
     r"the power 0.5 needs positive entries, got shape \(2, 3\) with minimum -1"),
    (lambda A: tape.sum(tape.power(A - 1, -1)), (np.ones((2, 3)),), ValueError,
     r"a zero entry to the power -1 \(shape \(2, 3\)\)"),
    (lambda A: tape.sum(tape.log(A - 1)), (np.ones((2, 3)),), ValueError,
     r"log needs positive entries, got shape \(2, 3\) with minimum 0"),
    (lambda A: tape.det(A), (np.ones((2, 3)),), ValueError,
     r"det needs a square matrix, got shape \(2, 3\)"),
    (lambda A: tape.sum(tape.inv(A)), (np.ones((2, 3)),), ValueError,
     r"inv needs a square matrix, got shape \(2, 3\)"),
    (lambda a: tape.trace(a), (np.ones(3),), ValueError,
     r"trace needs a square matrix, got shape \(3,\)"),
    (lambda A: tape.logdet(A), (np.ones((2, 3)),), ValueError,
     r"logdet needs a square matrix, got shape \(2, 3\)"),
    (lambda A: tape.logdet(A), (np.ones((2, 2)),), ValueError,
     r"logdet: the matrix of shape \(2, 2\) is singular"),
    (lambda A, B: tape.sum(tape.solve(A, B)), shapes_23_and_34(), ValueError,
     r"solve needs a square matrix, got shape \(2, 3\)"),
    (lambda A: tape.sum(tape.solve(A, np.ones((3, 2)))), (np.eye(2),), ValueError,
     r"solve: A of shape \(2, 2\) needs B of shape \(2, k\) or \(2,\), got \(3, 2\)"),
    (lambda A: tape.sum(tape.Node(np.ones((2, 2, 2))).T), (np.ones(1),), ValueError,
     r"transpose needs at most 2 dimensions, got shape \(2, 2, 2\)"),
    (lambda A: A @ A.T, (np.ones((3, 2)),), ValueError,
     r"grad needs a scalar output, f returned shape \(3, 3\)"),
    (lambda A: float(np.sum(A.value)), (np.ones(3),), TypeError,
     "grad needs f to return a Node .* got float"),
    (lambda A: tape.sum(A * (1 + 2j)), (np.ones(3),), TypeError,
     "the right operand of multiply must be real, got .*complex"),
    (lambda A: tape.sum(A + "abc"), (np.ones(3),), TypeError,
     "the right operand of add must be a real numeric array, got str"),
    (lambda A: tape.sum(A), (np.ones(3) * 1j,), TypeError,
     "argument 0 of grad must be real, got array of shape \\(3,\\) and dtype complex128"),
    (lambda A: tape.sum(A), ("abc",), TypeError,
     "argument 0 of grad must be a real numeric array, got str"),
    (lambda A, B: tape.sum(A), (np.ones(3), np.array([1.0, np.nan])), ValueError,
     r"argument 1 of grad contains NaN"),
])
def test_bad_input_is_refused_with_a_clear_message(f, arrays, error, message):
    with pytest.raises(error, match=message):
        tape.grad(f, *arrays)


@pytest.mark.parametrize(("call", "name", "hint"), [
    (lambda X: np.exp(X), "numpy.exp", "tape.exp"),
    (lambda X: np.maximum(X, 0), "numpy.maximum", None),
    (lambda X: np.sin(X) + 1, "numpy.sin", "tape.sin"),
    (lambda X: np.trace(X), "numpy.trace", "tape.trace"),
    (lambda X: np.linalg.inv(X), "numpy.linalg.inv", "tape.inv"),
    (lambda X: np.linalg.slogdet(X), "numpy.linalg.slogdet", "tape.logdet"),
    (lambda X: np.sum(X), "numpy.sum", "tape.sum"),
    (lambda X: np.add(X, 1, out=np.empty((2, 2))), "numpy.add", None),
])
def test_numpy_functions_refuse_a_node_and_list_what_is_supported(call, name, hint):
    with pytest.raises(TypeError) as info:
        tape.grad(lambda X: tape.sum(call(X)), np.eye(2))
    message = str(info.value)
    assert message.startswith(f"{name} cannot be applied to a tape Node")
    assert all(op in message for op in tape.SUPPORTED), message
    assert (f"use {hint} instead" in message) if hint else ("instead" not in message)


def test_a_node_is_not_a_numpy_array_and_grad_needs_a_function_and_an_array():
    with pytest.raises(TypeError, match="a tape Node is not a numpy array; its value is"):
        np.asarray(tape.Node(np.ones(2)))
    with pytest.raises(TypeError, match="grad needs a function f, got ndarray"):
        tape.grad(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="grad needs at least one array"):
        tape.grad(lambda: tape.Node(np.ones(())))


def test_operators_with_numpy_arrays_and_scalars_on_the_left_are_recorded():
    rng = np.random.default_rng(8)
    A, X = normal(rng, 3, 3), normal(rng, 3, 3)
    g = tape.grad(lambda X: tape.sum(np.float64(2.0) * (A @ X) + A * X - A / np.float64(4)
                                     + (A - X)), X)
    assert relative_error(g, 2 * A.T @ np.ones((3, 3)) + A - 1) <= RTOL
