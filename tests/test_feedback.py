"""Unit tests of utils.feedback: the shape hints of graded test cells.

The rule under test: each mismatch gets the hint that fits it, and only that one. "Did you
return the transpose?" appears exactly when the transpose of the answer is right; a 1-D
answer with the matrix's number of entries is told to return the matrix, not its vec; the
advice about `.T` on 1-D arrays only for the other 1-D answers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import utils
from utils import layout_problem

TRANSPOSE = "did you return the transpose?"
ONE_D = ".T does nothing to a 1-D array"


@pytest.fixture
def rng():
    return np.random.default_rng(808)


def gradient_of_linear(A):
    """f(X) = <A, X>, whose gradient is A, and a predicate 'G is its gradient'."""
    X = np.zeros_like(A)
    return lambda G: utils.check_gradient(lambda Y: np.sum(A * Y), G, X)


def test_right_shape_and_right_answer_is_no_problem(rng):
    G = rng.standard_normal((3, 4))
    assert layout_problem(G, (3, 4)) == ""
    assert layout_problem(G, (3, 4), G) == ""
    assert layout_problem(G.tolist(), (3, 4), gradient_of_linear(G)) == ""
    assert layout_problem(2.5, ()) == ""


@pytest.mark.parametrize("expected_kind", ["array", "predicate"])
def test_a_transposed_answer_is_asked_about_the_transpose(rng, expected_kind):
    G = rng.standard_normal((3, 4))
    expected = G if expected_kind == "array" else gradient_of_linear(G)
    message = layout_problem(G.T, (3, 4), expected)
    assert message.startswith("expected shape (3, 4), got (4, 3)"), message
    assert TRANSPOSE in message and ONE_D not in message, message


def test_a_wrong_answer_of_the_transposed_shape_is_not_told_it_is_a_transpose(rng):
    G = rng.standard_normal((3, 4))
    for wrong in (np.zeros((4, 3)), G.T + 0.1, 2 * G.T):
        message = layout_problem(wrong, (3, 4), G)
        assert "expected shape (3, 4), got (4, 3)" in message
        assert TRANSPOSE not in message and "not the right answer either" in message, message
    without = layout_problem(G.T, (3, 4))  # nothing to compare with: the shapes only
    assert without == "expected shape (3, 4), got (4, 3), the transposed shape", without


def test_a_square_transposed_answer_is_caught_only_with_an_expected_answer(rng):
    S = rng.standard_normal((3, 3))
    assert TRANSPOSE in layout_problem(S.T, (3, 3), S)
    assert TRANSPOSE in layout_problem(S.T, (3, 3), gradient_of_linear(S))
    assert layout_problem(S.T, (3, 3)) == "", "without expected, only shapes are judged"
    symmetric = S + S.T  # its transpose is itself: right, so nothing to report
    assert layout_problem(symmetric, (3, 3), symmetric) == ""
    assert layout_problem(S + 1, (3, 3), S) == "", "a wrong value is the test's business"


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_the_transpose_hint_appears_exactly_when_the_transpose_is_right(m, n, seed):
    """On random non-symmetric matrices of every shape up to 5×5 (1×1 included, where
    G = Gᵀ and nothing is wrong)."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((m, n))
    assert (TRANSPOSE in layout_problem(G.T, (m, n), G)) == (m > 1 or n > 1)
    assert TRANSPOSE not in layout_problem(G.T + 1e-3 * (1 + abs(G.T)), (m, n), G)
    assert TRANSPOSE not in layout_problem(G, (m, n), G)


@pytest.mark.parametrize(("answer", "hint"), [
    (None, "got None: does the function end with `return`?"),
    (1.5, "got (), a single number: return the whole array"),
    (np.ones(12), "got (12,): a 1-D array with the 12 entries of a 3×4 matrix. Return the "
                  "matrix, not its vec: v.reshape(3, 4, order='F')"),
    (np.ones(5), f"got (5,): a 1-D array where a matrix is expected. {ONE_D}"),
    (np.ones((2, 6)), "got (2, 6): the right number of entries, in another shape"),
    (np.ones((2, 2)), "expected shape (3, 4), got (2, 2)"),
    ("G", "expected an array of shape (3, 4), got the string 'G'"),
    ([[1, 2], [3]], "expected an array of shape (3, 4), got a list"),
    (np.ones((3, 4), dtype=bool), "got an array of bool values, not numbers"),
])
def test_each_mismatch_gets_its_own_hint(answer, hint):
    message = layout_problem(answer, (3, 4), np.ones((3, 4)))
    assert hint in message, message
    if not (isinstance(answer, np.ndarray) and answer.ndim == 1):
        assert ONE_D not in message, message
    assert TRANSPOSE not in message, message


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (1, 5), (5, 1)])
def test_a_vec_of_the_right_size_is_told_to_return_the_matrix(rng, shape):
    """A 1-D answer with the matrix's number of entries, such as the vec of a Hessian
    operator's image, is told how to undo the vec, and the advice the message gives
    (reshape with order='F') turns the book's vec of the right answer into the answer."""
    G = rng.standard_normal(shape)
    m, n = shape
    message = layout_problem(utils.vec(G), shape, G)
    assert f"v.reshape({m}, {n}, order='F')" in message and ONE_D not in message, message
    assert np.array_equal(utils.vec(G).reshape(m, n, order="F"), G)
    other = layout_problem(np.ones(m * n + 1), shape, G)
    assert ONE_D in other and "reshape" not in other, other


def test_higher_dimensional_shapes():
    assert layout_problem(np.ones((4, 3, 2)), (2, 3, 4)).endswith(
        "the right sizes in another order; check which index comes first")
    assert layout_problem(np.ones((3, 4)), ()) == (
        "expected shape (), got (3, 4), not a single number")


def test_a_predicate_that_raises_counts_as_not_right(rng):
    def fussy(G):
        raise RuntimeError("the test's own function failed on this answer")

    message = layout_problem(rng.standard_normal((4, 3)), (3, 4), fussy)
    assert "not the right answer either" in message, message


@pytest.mark.parametrize(("shape", "expected", "error", "pattern"), [
    ((0, 3), None, ValueError, "positive sizes"),
    ("3x4", None, TypeError, "tuple of ints"),
    ((3, 4), np.ones((4, 3)), ValueError, r"expected must have the shape \(3, 4\), got \(4, 3\)"),
    ((3, 4), np.full((3, 4), np.nan), ValueError, "expected contains NaN"),
    ((3, 4), "answer", TypeError, "expected must be a real numeric array"),
])
def test_mistakes_of_the_test_itself_are_errors(shape, expected, error, pattern):
    """A bad shape or expected answer is the test's mistake: an error, not feedback."""
    with pytest.raises(error, match=pattern):
        layout_problem(np.ones((3, 4)), shape, expected)
