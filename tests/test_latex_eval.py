r"""Tests of utils.latex_eval: the book's LaTeX, evaluated with numpy.

Every value is compared with numpy on random, non-square, non-symmetric matrices, so that
a misread precedence or a transpose in the wrong place shows.
"""

from __future__ import annotations

import string
from functools import reduce

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.latex_eval import Display, LatexError, evaluate, split_display

rng = np.random.default_rng(7)
A = rng.standard_normal((2, 3))
B = rng.standard_normal((3, 4))
C = rng.standard_normal((2, 4))
D = rng.standard_normal((4, 3))
S = rng.standard_normal((3, 3)) + 3 * np.eye(3)  # square, invertible, not symmetric
x = rng.standard_normal((3, 1))
VALUES = {"A": A, "B": B, "C": C, "D": D, "S": S, "x": x, "dX": D.T, r"\lambda": np.array(0.5),
          "k": np.array(2), "u": (x, 2 * x), r"\sigma": np.array([3.0, 2.0])}
SIZES = {"m": 3, "n": 4}
inv = np.linalg.inv


def value(latex: str) -> np.ndarray:
    return np.asarray(evaluate(latex, VALUES, SIZES))


def same(latex: str, expected) -> None:
    got = value(latex)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"{latex}: shape {got.shape}, expected {expected.shape}"
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12), f"{latex}: {got} != {expected}"


def test_the_test_matrices_are_not_square_or_symmetric() -> None:
    assert len({A.shape, B.shape, C.shape, D.shape}) == 4 and not np.allclose(S, S.T)


# -- products, transposes and precedence ---------------------------------------------------------


@pytest.mark.parametrize(("latex", "expected"), [
    ("AB", A @ B),
    (r"A\,B", A @ B),
    (r"A \cdot B", A @ B),
    (r"A B D", A @ B @ D),
    (r"A D^\top", A @ D.T),  # the transpose takes the factor before it only
    (r"(AB)^\top", (A @ B).T),
    (r"B^\top A^\top", (A @ B).T),
    (r"A B + C", A @ B + C),  # products bind tighter than sums
    (r"C - A B", C - A @ B),
    (r"-A B + C", -(A @ B) + C),
    (r"2 A B", 2 * (A @ B)),
    (r"A \odot A", A * A),
    (r"A \circ A", A * A),
    (r"\mathrm{d}X^\top", D),  # the direction, transposed
    (r"\lambda A", 0.5 * A),
])
def test_products_transposes_and_precedence(latex: str, expected) -> None:
    same(latex, expected)


@pytest.mark.parametrize(("latex", "expected"), [
    ("6 - 2 - 1", 3),  # left to right
    ("2^3", 8),
    ("2^{3-1}", 4),
    ("-2^2", -4),  # the minus takes the whole term
    (r"\frac{6}{2}", 3),
    (r"\frac{A}{2}", A / 2),
    (r"A / 2", A / 2),
    ("6 / 2 3", 9),  # / takes the next factor only
    (r"\left(1 + 2\right) 3", 9),
])
def test_numbers(latex: str, expected) -> None:
    same(latex, expected)


@given(dims=st.lists(st.integers(1, 4), min_size=2, max_size=6),
       transposed=st.lists(st.booleans(), min_size=5, max_size=5), seed=st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_a_product_of_many_factors_is_their_matrix_product(dims, transposed, seed) -> None:
    """M_0 M_1^T M_2 ... of random conforming shapes equals numpy's chained product."""
    draw = np.random.default_rng(seed)
    letters = string.ascii_uppercase[:len(dims) - 1]
    factors, values, written = [], {}, []
    for i, letter in enumerate(letters):
        factor = draw.standard_normal((dims[i], dims[i + 1]))
        factors.append(factor)
        values[letter] = factor.T if transposed[i] else factor
        written.append(letter + (r"^\top" if transposed[i] else ""))
    got = evaluate(" ".join(written), values)
    assert np.allclose(np.asarray(got), reduce(np.matmul, factors))


# -- inverses, powers, functions -------------------------------------------------------------


@pytest.mark.parametrize(("latex", "expected"), [
    (r"S^{-1}", inv(S)),
    (r"S^{-\top}", inv(S).T),
    (r"(S^\top)^{-1}", inv(S).T),
    (r"S^{-2}", inv(S) @ inv(S)),
    (r"S^2", S @ S),
    (r"S^k", S @ S),  # an integer power named by an input
    (r"S^0", np.eye(3)),
    (r"\tr S^2", np.trace(S @ S)),  # the argument of \tr is the factor, power included
    (r"\tr(S)^2", np.trace(S) ** 2),
    (r"\det(S)^{-1}", 1 / np.linalg.det(S)),
    (r"\det S^{-1}", np.linalg.det(inv(S))),
    (r"\det(B D) \tr(S)", np.linalg.det(B @ D) * np.trace(S)),
    (r"\operatorname{tr}(S)", np.trace(S)),
    (r"\tr\left(S^\top S\right)", np.sum(S * S)),
    (r"\log\det(S^\top S)", np.log(np.linalg.det(S.T @ S))),
    (r"\log \lvert \det(-S) \rvert", np.log(abs(np.linalg.det(S)))),
    (r"\exp(\tr(S) / 10)", np.exp(np.trace(S) / 10)),
])
def test_inverses_powers_and_functions(latex: str, expected) -> None:
    same(latex, expected)


# -- entrywise functions (Chapter 9) ------------------------------------------------------------


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\tanh(A)", np.tanh(A)),
    (r"\tanh A^\top", np.tanh(A.T)),  # the argument is the next factor, transpose included
    (r"\tanh(S)", np.tanh(S)),  # entry by entry, also on a square matrix
    (r"\tanh(A) \circ \tanh(A)", np.tanh(A) ** 2),
    (r"\tanh(B_{12})^2", np.tanh(B[1, 2]) ** 2),  # a number, then its square
    (r"1_m 1_n^\top - \tanh(B)", 1 - np.tanh(B)),
    (r"\tanh(A) B", np.tanh(A) @ B),  # then a matrix product
])
def test_entrywise_functions(latex: str, expected) -> None:
    same(latex, expected)


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\inner{A}{2A}", 2 * np.sum(A * A)),
    (r"\fro{B}^2", np.sum(B * B)),
    (r"\norm{x}", np.linalg.norm(x)),
    (r"\norm{B}_2", np.linalg.norm(B, 2)),
    (r"\norm{B}_*", np.linalg.norm(B, "nuc")),
    (r"\norm{B}_F", np.linalg.norm(B)),
    (r"\sigma_0(B)", np.linalg.norm(B, 2)),
    (r"\sum_k \sigma_k(B)", np.linalg.norm(B, "nuc")),  # k runs over the singular values
    (r"\sum_{ij} B_{ij}", np.sum(B)),  # i over the rows, j over the columns
    (r"B_{12}", B[1, 2]),  # counting from 0; one digit, one subscript, as X_{00}
    (r"x_2", x[2, 0]),
    (r"\sum_{k=0}^{2} S^k", np.eye(3) + S + S @ S),  # both bounds included
    (r"\sum_{k=0}^{2} \tr(S^k) + 1", np.trace(np.eye(3) + S + S @ S) + 1),  # the sum ends at +
    (r"\sum_k u_k^\top x", 3 * x.T @ x),  # a family: u_0 = x, u_1 = 2x
    (r"\sigma_1", 2.0),
    (r"1_m^\top B 1_n", np.sum(B, keepdims=True)),
    (r"I_m", np.eye(3)),
    (r"\frac{A}{x^\top x}", A / (x.T @ x)),  # a 1×1 matrix as a number where one is needed
    (r"\log(x^\top x)", np.log(x.T @ x).item()),
])
def test_norms_sums_subscripts_and_sizes(latex: str, expected) -> None:
    same(latex, expected)


def _toeplitz_projection(M: np.ndarray) -> np.ndarray:
    """Each diagonal of M replaced by its mean, written without utils.structured."""
    out = np.empty_like(M)
    i, j = np.indices(M.shape)
    for k in range(-(M.shape[0] - 1), M.shape[1]):
        out[j - i == k] = M[j - i == k].mean()
    return out


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\sym(S)", (S + S.T) / 2),
    (r"\sym S^{-1}", (inv(S) + inv(S).T) / 2),  # the argument is the next factor
    (r"\sym(S A^\top A) B", (S @ A.T @ A + A.T @ A @ S.T) / 2 @ B),
    (r"\operatorname{sym}(S)", (S + S.T) / 2),
    (r"\operatorname{skew}(S)", (S - S.T) / 2),
    (r"\operatorname{tril}(B)", np.tril(B)),
    (r"\operatorname{triu}(A B)", np.triu(A @ B)),
    (r"2\operatorname{tril}(S) - S", 2 * np.tril(S) - S),
    (r"\operatorname{toep}(A)", _toeplitz_projection(A)),
    (r"\operatorname{toep}(x x^\top)", _toeplitz_projection(x @ x.T)),
    (r"S \circ I_m", S * np.eye(3)),
])
def test_projections_onto_structured_matrices(latex: str, expected) -> None:
    """The projections of Chapter 7: sym, skew, tril, triu, toep."""
    same(latex, expected)


def _row_softmax(M: np.ndarray) -> np.ndarray:
    """The softmax of each row, written out: exp(M_ij) / Σ_j exp(M_ij)."""
    return np.exp(M) / np.exp(M).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\operatorname{softmax}(A)", _row_softmax(A)),
    (r"\operatorname{softmax}(A B) 1_n", np.ones((2, 1))),  # every row sums to 1
    (r"\operatorname{softmax}(A B / \sqrt{m})", _row_softmax(A @ B / np.sqrt(3))),  # m is a size
    (r"\tanh(A)", np.tanh(A)),
    (r"\tanh A B", np.tanh(A) @ B),  # the argument is the next factor
    (r"1 - \tanh(\tr S)^2", 1 - np.tanh(np.trace(S)) ** 2),
    (r"\sqrt{k}", np.sqrt(2)),
])
def test_softmax_tanh_and_sqrt_of_a_size(latex: str, expected) -> None:
    """The functions of Chapter 11's applications."""
    same(latex, expected)


def test_the_cross_entropy_takes_the_log_entry_by_entry() -> None:
    """\\log of a matrix is the matrix logarithm (Chapter 10), so the cross-entropy is
    written with the entries: an entry is a number."""
    P, Y = _row_softmax(A @ B), _row_softmax(B.T @ A.T).T[:2]
    got = evaluate(r"-\sum_{ij} Y_{ij} \log P_{ij}", {"P": P, "Y": Y})
    assert np.isclose(got, -np.sum(Y * np.log(P)))


@pytest.mark.parametrize(("latex", "message"), [
    (r"\operatorname{softmax}(\tr S)", "softmax needs a matrix, got a number"),
    (r"\sqrt{-k}", "square root of -2, which is negative"),
    (r"\sqrt{A}", "needs a square matrix, got a 2×3 matrix"),  # \sqrt of a matrix: Chapter 10's
    (r"\log(A)", "needs a square matrix, got a 2×3 matrix"),  # the matrix logarithm, not entrywise
])
def test_errors_of_the_application_functions(latex: str, message: str) -> None:
    with pytest.raises(LatexError) as error:
        evaluate(latex, VALUES, SIZES)
    assert message in str(error.value), str(error.value)


def test_a_number_comes_back_as_a_number_and_a_1x1_matrix_as_a_matrix() -> None:
    assert np.ndim(evaluate(r"\tr(S)", VALUES)) == 0
    assert np.shape(evaluate(r"x^\top x", VALUES)) == (1, 1)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("latex", "message"), [
    (r"\vec(A)", r"unsupported token '\vec' at character 0"),
    (r"\operatorname{diag}(S)", r"unsupported token '\operatorname{diag}'"),
    (r"\mathrm{e}^S", r"unsupported token '\mathrm{e}'"),
    (r"2 \vec(A)", r"unsupported token '\vec' at character 2"),
    (r"A @ B", "unsupported character '@'"),
    (r"[A]", "unsupported token '['"),  # brackets only after \D f(M) (Chapter 10)
    (r"B A", "the product of B (a 3×4 matrix) and A (a 2×3 matrix) is not defined"),
    (r"x^\top x A", r"the product of x^\top x (a 1×1 matrix) and A"),  # no 1×1 in products
    (r"A + B", "cannot add a 2×3 matrix and a 3×4 matrix"),
    (r"A^{-1}", "needs a square matrix, got a 2×3 matrix"),
    (r"A^{-\top}", "needs a square matrix, got a 2×3 matrix"),
    (r"\tr(A)", r"\tr needs a square matrix, got a 2×3 matrix"),
    (r"\sym(A)", r"\sym needs a square matrix, got a 2×3 matrix"),
    (r"\operatorname{skew}(B)", r"\operatorname{skew} needs a square matrix, got a 3×4"),
    (r"\operatorname{tril}(\tr S)", r"\operatorname{tril} needs a matrix, got a number"),
    (r"\operatorname{vech}(S)", r"unsupported token '\operatorname{vech}'"),
    (r"\det(A B)", r"\det needs a square matrix, got a 2×4 matrix"),
    (r"A^{1/2}", "needs a square matrix, got a 2×3 matrix"),
    (r"(-S^\top S)^{1/2}", "closed negative real axis"),
    (r"S^23", "must be one character, got '23'"),
    (r"\inner{A}{B}", "an inner product of a 2×3 matrix and a 3×4 matrix"),
    (r"A \odot B", "entrywise product of a 2×3 matrix and a 3×4 matrix"),
    (r"\norm{A}", "needs a vector, got a 2×3 matrix"),
    (r"\norm{A}_1", "unsupported norm subscript '1'"),
    (r"\frac{1}{A}", "expected a number, got a 2×3 matrix"),
    (r"\log(1 - 2)", "logarithm of -1, which is not positive"),
    (r"\exp(A)", r"\exp needs a square matrix, got a 2×3 matrix"),
    (r"\log(-S^\top S)", "closed negative real axis"),
    (r"\D\tr(S)[S]", r"\D needs a matrix function"),
    (r"\D\exp(S)[A]", "must have the shape of the point"),
    (r"\lambda_0(S - S^\top)", "needs real eigenvalues"),
    (r"(S - S)^{-1}", "numpy: Singular matrix"),
    (r"Q", "no value for the name 'Q'; the values are for ['A', "),
    (r"1_q", "no size 'q'"),
    (r"u", "u is a family; give it a subscript"),
    (r"B_{90}", "subscript (9, 0) out of range"),
    (r"B_1", "1 subscripts for a 3×4 matrix"),
    (r"\sum_k A", "cannot tell how far k runs"),
    (r"(A B", "ends too early"),
    (r"A B)", "unexpected ')'"),
    (r"A = A", "split_display"),
    ("", "empty"),
])
def test_errors_name_what_is_wrong(latex: str, message: str) -> None:
    with pytest.raises(LatexError) as error:
        evaluate(latex, VALUES, SIZES)
    assert message in str(error.value), str(error.value)


# -- matrix functions and eigenvalues (Chapter 10) -----------------------------------------------

SPD = S.T @ S  # symmetric positive definite
T = S @ np.diag([1.0, 2.0, 4.0]) @ inv(S)  # non-symmetric, real eigenvalues 1, 2, 4


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\exp(S)", scipy.linalg.expm(S)),
    (r"\exp 2", np.exp(2)),
    (r"\log S", scipy.linalg.logm(S)),
    (r"\log 2", np.log(2)),
    (r"\sin S + \cos(S)", scipy.linalg.sinm(S) + scipy.linalg.cosm(S)),
    (r"\sqrt{S}", scipy.linalg.sqrtm(S)),
    (r"\sqrt{4}", 2.0),
    (r"S^{1/2} S^{1/2}", S),
    (r"S^{-1/2}", inv(scipy.linalg.sqrtm(S))),
    (r"\tr\exp(S)^\top", np.trace(scipy.linalg.expm(S))),
    (r"\D\exp(S)[S^\top]", scipy.linalg.expm_frechet(S, S.T)[1]),
    (r"\tr(S\,\D\log(S)[S^\top])",
     np.trace(S @ scipy.linalg.logm(np.block([[S, S.T], [0 * S, S]]))[:3, 3:])),
    (r"\lambda_0(P)", np.linalg.eigvalsh(SPD)[-1]),
    (r"\sum_k \lambda_k(T)", 7.0),
    (r"\lambda_2(T)", 1.0),
    (r"\lambda_k", 0.5 * np.ones(1)[0]),  # \lambda without a parenthesis is still a name
])
def test_matrix_functions_and_eigenvalues(latex: str, expected) -> None:
    values = {**VALUES, "P": SPD, "T": T}
    values[r"\lambda"] = (np.array(0.5),) * 3
    assert np.allclose(np.real_if_close(evaluate(latex, values, SIZES)), expected)


def test_frechet_derivative_is_linear_in_the_direction() -> None:
    one, two = (evaluate(r"\D\sin(S)[" + E + "]", VALUES) for E in ("S", r"S^\top"))
    assert np.allclose(evaluate(r"\D\sin(S)[S + 2 S^\top]", VALUES), one + 2 * two)


def test_latex_error_is_a_value_error() -> None:
    assert issubclass(LatexError, ValueError)


@pytest.mark.parametrize(("latex", "values", "message"), [
    (3, {}, "latex must be a str, got int"),
    ("A", [A], "values must be a mapping"),
    ("A", {"A": np.ones((2, 2, 2))}, "must be a number, a 2-D array or a family"),
    ("A", {"A": "text"}, "must be a number, a 2-D array or a family"),
])
def test_bad_arguments_raise_type_errors(latex, values, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        evaluate(latex, values)


# -- displays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("latex", "expected"), [
    (r"\fro{X}^2 = \tr(X^\top X)", Display((r"\fro{X}^2", r"\tr(X^\top X)"), (), ())),
    (r"\det(M)\,M^{-\top},\ M = X^\top A X",
     Display((r"\det(M)\,M^{-\top}",), (("M", r"X^\top A X"),), ())),
    (r"k \det(X)^k \quad (\det(X^k) = \det(X)^k)",
     Display((r"k \det(X)^k",), ((r"\det(X^k)", r"\det(X)^k"),), ())),
    (r"2\tr(M) \quad ((X^\top X)^{-2} \text{ is symmetric})",
     Display((r"2\tr(M)",), (), (r"(X^\top X)^{-2}", r"\text{ is symmetric}"))),
    (r"u_0 v_0^\top \quad (\text{unit } u_0 \text{ with } X v_0 = \sigma_0 u_0,\ X = Y)",
     Display((r"u_0 v_0^\top",), ((r"X v_0", r"\sigma_0 u_0"), ("X", "Y")),
             (r"\text{unit }", "u_0", r"\text{ with }"))),
    (r"\inner{A}{B, C}", Display((r"\inner{A}{B, C}",), (), ())),  # a comma inside braces
])
def test_split_display(latex: str, expected: Display) -> None:
    assert split_display(latex) == expected


@pytest.mark.parametrize(("latex", "error", "message"), [
    (r"\tr(A", LatexError, "unclosed"),
    (r"A) + (B", LatexError, "unbalanced ')' at character 1"),
    (r"= A", LatexError, "an empty side"),
    (None, TypeError, "latex must be a str"),
])
def test_split_display_errors(latex, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        split_display(latex)
    assert message in str(raised.value), str(raised.value)
