"""Feedback for graded exercises: what is wrong with the shape or layout of an answer.

A graded test cell checks the shape of a student's answer before its values, and says what
the student can act on. :func:`layout_problem` is that check, shared by every chapter's
tests, so that each shape mismatch gets the hint that fits it: a transposed answer is told
"did you return the transpose?" only when its transpose is the right answer, a 1-D
answer with exactly the matrix's number of entries is told to return the matrix, not its
vec, and the advice about `.T` on 1-D arrays goes only to the other 1-D answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, require_shape_tuple
from .matrix_space import frobenius_norm

__all__ = ["RIGHT_RTOL", "layout_problem"]

# An array this close to the expected one (relative to its Frobenius norm) counts as right
# for a hint; the test's own check decides the score.
RIGHT_RTOL = 1e-6

Expected = ArrayLike | Callable[[np.ndarray], Any] | None


def layout_problem(answer: Any, shape: tuple[int, ...], expected: Expected = None) -> str:
    """What is wrong with the shape or layout of ``answer``, or ``""`` if nothing is.

    Written for a graded test cell: ``problem = layout_problem(G, (m, n), expected)``,
    then ``assert not problem, problem``. The message starts ``expected shape …, got …``
    and adds the hint that fits the mismatch: a single number, a 1-D array with as many
    entries as the matrix (return the matrix, not its vec: ``v.reshape(m, n, order='F')``),
    another 1-D array where a matrix is expected (``.T`` does nothing to it; ``np.outer``
    builds a matrix), the transposed
    shape (and, when ``expected`` is given and the transpose of the answer is right, "did
    you return the transpose?"), the right sizes in another order, or the right number of
    entries. With ``expected``, an answer of the right square shape whose transpose is
    right, and which is not right itself, is reported too. Values are otherwise not
    checked: that is the test's job.

    Parameters
    ----------
    answer : any
        What the student's function returned (None, a number, an array, a list…).
    shape : tuple of int
        The right shape, sizes ≥ 1; ``()`` for a single number.
    expected : array_like of shape ``shape``, or callable, optional
        The right answer, or a function that tells (truthy or falsy) whether an array of
        shape ``shape`` is right, such as ``lambda G: utils.check_gradient(f, G, X)``, so
        that a test need not spell the answer out. An array counts as right within
        relative distance ``RIGHT_RTOL`` in the Frobenius norm. A callable that raises
        counts as "not right".

    Returns
    -------
    str
        ``""`` when the layout is right (or cannot be faulted), else one sentence.

    Raises
    ------
    TypeError, ValueError
        For a bad ``shape``, or an ``expected`` array that is not real, finite and of
        shape ``shape``: those are mistakes of the test, not of the answer.

    Chapter 1, *Matrices as vectors*.
    """
    shape = () if isinstance(shape, tuple) and not shape else require_shape_tuple(shape)
    is_right = _rightness(expected, shape)
    if answer is None:
        return f"expected shape {shape}, got None: does the function end with `return`?"
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):  # ragged nested lists
        array = np.asarray(None)
    if not np.issubdtype(array.dtype, np.number) or array.dtype == bool:
        return f"expected an array of shape {shape}, got {_kind(answer)}"
    if array.shape == shape:
        square = array.ndim == 2 and shape[0] == shape[1]
        if square and is_right is not None and not is_right(array) and is_right(array.T):
            return (f"the shape {shape} is right, and the transpose of your answer is the "
                    "answer: did you return the transpose?")
        return ""
    return f"expected shape {shape}, got {array.shape}{_hint(array, shape, is_right)}"


def _hint(array: np.ndarray, shape: tuple[int, ...],
          is_right: Callable[[np.ndarray], bool] | None) -> str:
    """The part of the message after the two shapes: what the mismatch suggests."""
    if not shape:
        return ", not a single number"
    if array.ndim == 0:
        return ", a single number: return the whole array"
    if len(shape) == 2 and array.ndim == 2 and array.shape == shape[::-1]:
        if is_right is None:
            return ", the transposed shape"
        if is_right(array.T):
            return "; its transpose is the right answer: did you return the transpose?"
        return ", the transposed shape, but its transpose is not the right answer either"
    if len(shape) == 2 and array.ndim == 1 and array.size == math.prod(shape) > 1:
        m, n = shape
        return (f": a 1-D array with the {m * n} entries of a {m}×{n} matrix. Return the "
                f"matrix, not its vec: v.reshape({m}, {n}, order='F') undoes the book's "
                "column-major vec")
    if len(shape) == 2 and array.ndim == 1:
        return (": a 1-D array where a matrix is expected. .T does nothing to a 1-D array; "
                "np.outer(a, b) builds the matrix a bᵀ")
    if sorted(array.shape) == sorted(shape):
        return ": the right sizes in another order; check which index comes first"
    if array.size == math.prod(shape):
        return ": the right number of entries, in another shape"
    return ""


def _rightness(expected: Expected, shape: tuple[int, ...]
               ) -> Callable[[np.ndarray], bool] | None:
    """A test of "is this array of shape ``shape`` the right answer?", or None."""
    if expected is None:
        return None
    if callable(expected):
        def judged(candidate: np.ndarray) -> bool:
            try:
                return bool(expected(candidate))
            except Exception:  # a wrong answer may make the test's own function fail
                return False
        return judged
    right = as_real_array(expected, "expected")
    if right.shape != shape:
        raise ValueError(f"expected must have the shape {shape}, got {right.shape}")
    size = frobenius_norm(right)

    def close(candidate: np.ndarray) -> bool:
        if (candidate.shape != shape or np.iscomplexobj(candidate)
                or not np.all(np.isfinite(candidate))):
            return False
        return frobenius_norm(candidate - right) <= RIGHT_RTOL * size
    return close


def _kind(value: Any) -> str:
    """A short description of a non-numeric answer."""
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype} values, not numbers"
    return f"a {type(value).__name__}"
