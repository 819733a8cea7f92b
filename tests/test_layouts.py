"""Unit and property tests of utils.layouts: one derivative in every layout convention."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import (
    Layout,
    check_gradient,
    convert_layout,
    derivative_kind,
    jacobian_tensor,
    layout_shape,
    random_matrix,
    supports,
)
from utils.layouts import KIND_NAMES

fast = settings(max_examples=40, deadline=None)
sizes = st.integers(min_value=1, max_value=4)
in_shapes = st.one_of(st.tuples(sizes), st.tuples(sizes, sizes))
out_shapes = st.one_of(st.just(()), st.tuples(sizes), st.tuples(sizes, sizes))
PAIRS = list(itertools.product(Layout, repeat=2))


@pytest.fixture
def rng():
    return np.random.default_rng(20260601)


def book_array(seed: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> np.ndarray:
    """A random derivative in this book's layout, with distinct entries."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(out_shape + in_shape)


# -- round trips ---------------------------------------------------------------------------


def shapes_of(kind: str, draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Random (in_shape, out_shape) of a kind such as "scalar-by-matrix"."""
    out_kind, in_kind = kind.split("-by-")
    dims = {"scalar": 0, "vector": 1, "matrix": 2}
    in_shape = tuple(draw(sizes) for _ in range(dims[in_kind]))
    out_shape = tuple(draw(sizes) for _ in range(dims[out_kind]))
    return in_shape, out_shape


@fast
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_round_trip_between_every_pair(source, target, data, seed):
    """source → target → source gives D back, on random shapes of every kind both define."""
    shared = sorted(kind for kind in KIND_NAMES.values()
                    if supports(source, *example_shapes(kind))
                    and supports(target, *example_shapes(kind)))
    assert "scalar-by-matrix" in shared       # every layout defines the gradient's kind
    kind = data.draw(st.sampled_from(shared))
    in_shape, out_shape = shapes_of(kind, data.draw)
    J = book_array(seed, in_shape, out_shape)
    D = convert_layout(J, Layout.BOOK, source, in_shape=in_shape, out_shape=out_shape)
    assert D.shape == layout_shape(source, in_shape, out_shape)
    E = convert_layout(D, source, target, in_shape=in_shape, out_shape=out_shape)
    assert E.shape == layout_shape(target, in_shape, out_shape)
    assert sorted(E.ravel()) == sorted(J.ravel()), "a conversion only moves the numbers"
    back = convert_layout(E, target, source, in_shape=in_shape, out_shape=out_shape)
    assert np.array_equal(back, D)
    # going through this book's layout is the same as going directly
    assert np.array_equal(
        convert_layout(convert_layout(D, source, Layout.BOOK, in_shape=in_shape,
                                      out_shape=out_shape),
                       Layout.BOOK, target, in_shape=in_shape, out_shape=out_shape), E)


def example_shapes(kind: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Fixed shapes of a kind, with different sizes (2, 3 for the input; 4, 5 the output)."""
    out_kind, in_kind = kind.split("-by-")
    dims = {"scalar": 0, "vector": 1, "matrix": 2}
    return (2, 3)[:dims[in_kind]], (4, 5)[:dims[out_kind]]


@pytest.mark.parametrize("layout", list(Layout), ids=[layout.value for layout in Layout])
@pytest.mark.parametrize("kind", sorted(KIND_NAMES.values()))
def test_a_layout_without_a_kind_refuses_it(layout, kind):
    """Converting into or out of a layout that does not define the kind is a ValueError."""
    in_shape, out_shape = example_shapes(kind)
    J = np.ones(out_shape + in_shape)
    if supports(layout, in_shape, out_shape):
        assert convert_layout(J, "book", layout, in_shape=in_shape,
                              out_shape=out_shape).size == J.size
        return
    with pytest.raises(ValueError, match=f"the {layout.value} layout defines no {kind}"):
        convert_layout(J, "book", layout, in_shape=in_shape, out_shape=out_shape)
    with pytest.raises(ValueError, match=f"the {layout.value} layout defines no {kind}"):
        convert_layout(J, layout, "book", in_shape=in_shape, out_shape=out_shape)


@fast
@given(in_shape=in_shapes, out_shape=out_shapes, seed=st.integers(0, 2**32 - 1))
def test_each_layout_puts_each_partial_where_its_definition_says(in_shape, out_shape, seed):
    """Entry by entry: the place of ∂F_i/∂X_k in every layout that defines the kind."""
    J = book_array(seed, in_shape, out_shape)
    kind = derivative_kind(in_shape, out_shape)
    for layout in Layout:
        if not supports(layout, in_shape, out_shape):
            continue
        D = convert_layout(J, Layout.BOOK, layout, in_shape=in_shape, out_shape=out_shape)
        for i in np.ndindex(out_shape):
            for k in np.ndindex(in_shape):
                value = J[i + k]
                if layout is Layout.BOOK:
                    assert D[i + k] == value
                elif layout is Layout.SYMPY:
                    assert D[k + i] == value
                elif layout is Layout.MAGNUS_NEUDECKER:   # column-major vec on both sides
                    row = np.ravel_multi_index(i, out_shape, order="F") if i else 0
                    col = np.ravel_multi_index(k, in_shape, order="F")
                    assert D[row, col] == value
                elif kind == "scalar-by-matrix":
                    assert D[k if layout is Layout.DENOMINATOR else k[::-1]] == value
                else:  # vector input, numerator or denominator
                    place = (i[0] if i else 0, k[0])
                    assert D[place if layout is Layout.NUMERATOR else place[::-1]] == value


# -- agreement with the numerical derivatives ---------------------------------------------


def test_matrix_by_matrix_agrees_with_jacobian_tensor(rng):
    """F(X) = AXB: the book's tensor A_ik B_lj, Magnus–Neudecker's Bᵀ ⊗ A, sympy's order."""
    p, m, n, q = 2, 3, 4, 5
    A, B, X = random_matrix(rng, p, m), random_matrix(rng, n, q), random_matrix(rng, m, n)
    J = jacobian_tensor(lambda X: A @ X @ B, X)
    shapes = {"in_shape": (m, n), "out_shape": (p, q)}
    assert np.allclose(J, np.einsum("ik,lj->ijkl", A, B), atol=1e-8)
    mn = convert_layout(J, "book", "magnus-neudecker", **shapes)
    assert np.allclose(mn, np.kron(B.T, A), atol=1e-8)
    assert not np.allclose(mn, np.kron(A, B.T), atol=1e-3)  # the row-major reshape
    sym = convert_layout(mn, "magnus-neudecker", "sympy", **shapes)
    assert sym.shape == (m, n, p, q)
    assert np.allclose(sym, np.einsum("ik,lj->klij", A, B), atol=1e-8)


def test_vector_by_vector_agrees_with_jacobian_tensor(rng):
    """y(x) = tanh(Mx): numerator = Magnus–Neudecker = book = diag(1 − y²) M; denominator
    its transpose."""
    M, x = random_matrix(rng, 3, 5), rng.standard_normal(5)
    jacobian = (1 - np.tanh(M @ x) ** 2)[:, None] * M
    J = jacobian_tensor(lambda x: np.tanh(M @ x), x)
    assert np.allclose(J, jacobian, atol=1e-8)
    shapes = {"in_shape": (5,), "out_shape": (3,)}
    for layout in ("numerator", "magnus-neudecker"):
        assert np.allclose(convert_layout(J, "book", layout, **shapes), jacobian, atol=1e-8)
    assert np.allclose(convert_layout(J, "book", "denominator", **shapes), jacobian.T,
                       atol=1e-8)
    assert np.allclose(convert_layout(J, "book", "sympy", **shapes), jacobian.T, atol=1e-8)


def test_scalar_by_vector_is_a_row_or_a_column(rng):
    """f(x) = ½‖Ax − c‖²: gradient Aᵀr (book), row rᵀA (numerator, MN), column (denominator)."""
    A, c, x = random_matrix(rng, 4, 3), rng.standard_normal(4), rng.standard_normal(3)
    grad = A.T @ (A @ x - c)
    assert check_gradient(lambda x: 0.5 * np.sum((A @ x - c) ** 2), grad, x)
    shapes = {"in_shape": (3,), "out_shape": ()}
    row = convert_layout(grad, "book", "numerator", **shapes)
    assert row.shape == (1, 3) and np.allclose(row, (A @ x - c)[None, :] @ A)
    assert np.array_equal(convert_layout(grad, "book", "magnus-neudecker", **shapes), row)
    assert np.array_equal(convert_layout(grad, "book", "denominator", **shapes), row.T)
    assert np.array_equal(convert_layout(row, "numerator", "book", **shapes), grad)


# -- known examples: tr(AXB) in every layout ----------------------------------------------


def test_trace_AXB_in_every_layout(rng):
    """d/dX tr(AXB), X m×n, A p×m, B n×p: AᵀBᵀ here, BA in Minka's and the numerator
    layout, vec(AᵀBᵀ)ᵀ for Magnus–Neudecker; each converts back to a checked gradient."""
    p, m, n = 2, 3, 4
    A, B, X = random_matrix(rng, p, m), random_matrix(rng, n, p), random_matrix(rng, m, n)

    def f(X):
        return np.trace(A @ X @ B)

    known = {
        Layout.BOOK: A.T @ B.T,
        Layout.DENOMINATOR: A.T @ B.T,
        Layout.SYMPY: A.T @ B.T,
        Layout.NUMERATOR: B @ A,
        Layout.MINKA: B @ A,
        Layout.MAGNUS_NEUDECKER: (A.T @ B.T).reshape(1, -1, order="F"),
    }
    shapes = {"in_shape": (m, n), "out_shape": ()}
    for layout, formula in known.items():
        D = convert_layout(A.T @ B.T, Layout.BOOK, layout, **shapes)
        assert D.shape == formula.shape and np.allclose(D, formula), layout
        gradient = convert_layout(formula, layout, Layout.BOOK, **shapes)
        assert check_gradient(f, gradient, X), layout
    # a layout's formula used as if it were this book's gradient fails the check
    assert not check_gradient(f, B @ A, X)                 # the wrong shape: a failed check
    X_square = random_matrix(rng, m, m)
    B_square = random_matrix(rng, m, p)
    assert not check_gradient(lambda X: np.trace(A @ X @ B_square), B_square @ A, X_square)


def test_vec_gradient_is_the_magnus_neudecker_row(rng):
    """For scalar f, DF = ∂f/∂(vec X)ᵀ: its entries pair with vec(H) to give Df(X)[H]."""
    X, H = random_matrix(rng, 3, 2), random_matrix(rng, 3, 2)
    C = random_matrix(rng, 3, 3)

    def f(X):
        return np.trace(X.T @ C @ X)

    grad = (C + C.T) @ X
    assert check_gradient(f, grad, X)
    row = convert_layout(grad, "book", "magnus-neudecker", in_shape=(3, 2), out_shape=())
    t = 1e-6
    slope = (f(X + t * H) - f(X - t * H)) / (2 * t)
    assert row @ H.reshape(-1, order="F") == pytest.approx([slope], rel=1e-6)


# -- shapes, kinds and bad input ----------------------------------------------------------


def test_layout_shapes_of_each_kind():
    m, n, p, q = 2, 3, 5, 7
    expected = {
        ((n,), ()): {"book": (n,), "numerator": (1, n), "denominator": (n, 1),
                     "magnus-neudecker": (1, n), "sympy": (n,)},
        ((n,), (p,)): {"book": (p, n), "numerator": (p, n), "denominator": (n, p),
                       "magnus-neudecker": (p, n), "sympy": (n, p)},
        ((m, n), ()): {"book": (m, n), "numerator": (n, m), "denominator": (m, n),
                       "magnus-neudecker": (1, m * n), "minka": (n, m), "sympy": (m, n)},
        ((m, n), (p, q)): {"book": (p, q, m, n), "magnus-neudecker": (p * q, m * n),
                           "sympy": (m, n, p, q)},
    }
    for (in_shape, out_shape), shapes in expected.items():
        for layout in Layout:
            if layout.value in shapes:
                assert supports(layout, in_shape, out_shape)
                assert layout_shape(layout, in_shape, out_shape) == shapes[layout.value]
            else:
                assert not supports(layout, in_shape, out_shape)


def test_kinds_and_layout_values():
    assert derivative_kind((3,), ()) == "scalar-by-vector"
    assert derivative_kind((3, 2), (4,)) == "vector-by-matrix"
    assert derivative_kind((3,), (4, 2)) == "matrix-by-vector"
    assert Layout("minka") is Layout.MINKA and Layout.MINKA == "minka"
    assert str(Layout.MAGNUS_NEUDECKER) == "magnus-neudecker"


def test_unknown_and_wrongly_typed_layouts():
    G = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"'denominater' is not a layout.*'denominator'"):
        convert_layout(G, "book", "denominater", in_shape=(2, 3), out_shape=())
    with pytest.raises(TypeError, match="from_ must be a Layout"):
        convert_layout(G, 1, "book", in_shape=(2, 3), out_shape=())
    with pytest.raises(TypeError, match="layout must be a Layout"):
        supports(None, (2, 3), ())


def test_wrong_shapes_name_the_layout_they_fit():
    G = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*has shape \(3, 2\).*book"):
        convert_layout(G, "minka", "book", in_shape=(2, 3), out_shape=())
    with pytest.raises(ValueError, match=r"shape of the numerator and minka layouts"):
        convert_layout(G.T, "book", "minka", in_shape=(2, 3), out_shape=())
    with pytest.raises(ValueError, match=r"has shape \(1, 6\)$"):
        convert_layout(np.zeros(6), "magnus-neudecker", "book", in_shape=(2, 3),
                       out_shape=())


def test_undefined_kinds_and_bad_shapes():
    with pytest.raises(ValueError, match="minka layout defines no scalar-by-vector"):
        layout_shape("minka", (3,), ())
    with pytest.raises(ValueError, match=r"numerator layout defines no matrix-by-matrix.*"
                                         r"book, magnus-neudecker, sympy"):
        convert_layout(np.zeros((2, 2, 2, 2)), "book", "numerator", in_shape=(2, 2),
                       out_shape=(2, 2))
    with pytest.raises(ValueError, match="in_shape must be a vector"):
        layout_shape("book", (2, 2, 2), ())
    with pytest.raises(ValueError, match="in_shape must be a vector"):
        layout_shape("book", (), (3,))
    with pytest.raises(ValueError, match="out_shape must be"):
        layout_shape("book", (2,), (1, 2, 3))
    with pytest.raises(ValueError, match="positive sizes"):
        layout_shape("book", (0, 2), ())
    with pytest.raises(TypeError, match="tuple of ints"):
        layout_shape("book", (2.0, 3), ())


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_complex_arrays_are_refused(source, target, rng):
    """Any complex D, of the right shape, is a TypeError naming its shape and dtype."""
    in_shape, out_shape = (2, 3), ()
    G = rng.standard_normal(layout_shape(source, in_shape, out_shape))
    real = convert_layout(G, source, target, in_shape=in_shape, out_shape=out_shape)
    assert real.dtype == np.float64
    for D in (G + 1j * rng.standard_normal(G.shape),   # a complex gradient
              G.astype(np.complex64),                 # zero imaginary parts: still refused
              (G + 0j).tolist()):                     # Python complex numbers
        with pytest.raises(TypeError, match=r"D is complex \(shape " + re.escape(
                str(G.shape)) + r", dtype complex(64|128)\).*real derivatives only"):
            convert_layout(D, source, target, in_shape=in_shape, out_shape=out_shape)


def test_bad_arrays():
    with pytest.raises(TypeError, match="D must be"):
        convert_layout("gradient", "book", "minka", in_shape=(2, 3), out_shape=())
    with pytest.raises(ValueError, match="NaN"):
        convert_layout(np.full((2, 3), np.nan), "book", "minka", in_shape=(2, 3),
                       out_shape=())


def test_result_is_a_new_array():
    G = np.arange(6.0).reshape(2, 3)
    same = convert_layout(G, "book", "book", in_shape=(2, 3), out_shape=())
    same[0, 0] = 99.0
    assert G[0, 0] == 0.0


def test_sympy_returns_a_column_for_a_scalar_by_a_vector():
    """sympy's vectors are (n, 1) matrices: its scalar-by-vector derivative is SYMPY with
    in_shape (n, 1), the denominator layout's column, not the 1-D (n,) of in_shape (n,)."""
    import sympy as sp

    n, p = 3, 2
    M, x, c = sp.MatrixSymbol("M", p, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("c", p, 1)
    derivative = ((M * x - c).T * (M * x - c)).diff(x)
    assert derivative.shape == (n, 1)
    assert layout_shape("sympy", (n, 1), ()) == derivative.shape
    assert layout_shape("denominator", (n,), ()) == derivative.shape
    assert layout_shape("sympy", (n,), ()) == (n,)
