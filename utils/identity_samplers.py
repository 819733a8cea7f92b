"""Building blocks for the identities' samplers and formulas.

A *draw* makes one random input from a generator: a general matrix, an invertible one, a
matrix with prescribed singular values, a positive number. :func:`sampler` combines named
draws into the ``sample(rng)`` of an :class:`~utils.identity_record.Identity`. All draws
are well conditioned, so that numerical checks are reliable, and non-symmetric unless a
claim needs symmetry. The module also holds the few numerical and symbolic operations the
catalogue's formulas share: sympy is imported only when a symbolic formula is evaluated.
Introduced in Chapter 4, *Trace identities and the trace trick*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .identity_record import Inputs, Sampler
from .random_matrices import random_invertible, random_matrix, random_orthogonal, random_spd

__all__ = [
    "Draw",
    "M",
    "N",
    "P",
    "dominant_part",
    "full_column_rank",
    "general",
    "integer",
    "inv",
    "invertible",
    "positive",
    "sampler",
    "spd",
    "sq",
    "sym_det",
    "sym_eye",
    "sym_inv",
    "sym_log",
    "sym_ones",
    "sym_sqrt",
    "sym_trace",
    "value",
    "with_singular_values",
]

Draw = Callable[[np.random.Generator], np.ndarray]
COND = 10.0  # condition number of the structured draws
M, N, P = 4, 3, 2  # the sizes m, n, p of the identities' shapes: distinct, to catch transposes


def general(m: int, n: int | None = None) -> Draw:
    """A draw of an m×n matrix with standard normal entries (n defaults to m).

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: random_matrix(rng, m, n)


def invertible(n: int) -> Draw:
    """A draw of a non-symmetric invertible n×n matrix with condition number 10.

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: random_invertible(rng, n, cond=COND)


def spd(n: int) -> Draw:
    """A draw of a symmetric positive definite n×n matrix with condition number 10.

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: random_spd(rng, n, cond=COND)


def dominant_part(n: int) -> Draw:
    """A draw of a non-symmetric n×n matrix S + K with S SPD and K skew-symmetric.

    Its symmetric part S is positive definite, so xᵀMx > 0 for x ≠ 0, every eigenvalue has
    a positive real part, det M > 0, and XᵀMX is invertible for every X of full column
    rank.

    Chapter 4, *Trace identities and the trace trick*.
    """

    def draw(rng: np.random.Generator) -> np.ndarray:
        S = random_spd(rng, n, cond=COND)
        K = random_matrix(rng, n) / (2 * np.sqrt(n))
        return S + K - K.T

    return draw


def with_singular_values(m: int, n: int, values: Sequence[float]) -> Draw:
    """A draw of U diag(values) Vᵀ: an m×n matrix with the given singular values.

    U (m×r) and V (n×r) have orthonormal columns drawn at random, r = len(values) =
    min(m, n). Distinct values well apart keep singular vectors well defined.

    Chapter 4, *Trace identities and the trace trick*.
    """
    s = np.asarray(values, dtype=float)
    if s.shape != (min(m, n),):
        raise ValueError(f"need min(m, n) = {min(m, n)} singular values, got {s.shape}")

    def draw(rng: np.random.Generator) -> np.ndarray:
        U = random_orthogonal(rng, m)[:, : s.size]
        V = random_orthogonal(rng, n)[:, : s.size]
        return (U * s) @ V.T

    return draw


def full_column_rank(m: int, n: int) -> Draw:
    """A draw of an m×n matrix (m ≥ n) of rank n with singular values from 2 down to 1/2.

    XᵀX is then invertible with condition number 16, whatever the random directions.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if m < n:
        raise ValueError(f"full column rank needs m ≥ n, got shape ({m}, {n})")
    return with_singular_values(m, n, np.geomspace(2.0, 0.5, n))


def positive(low: float = 0.5, high: float = 2.0) -> Draw:
    """A draw of a positive number (an array of shape ()) uniform in [low, high].

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: np.array(rng.uniform(low, high))


def integer(choices: Sequence[int]) -> Draw:
    """A draw of one of ``choices`` (an integer array of shape ()).

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: np.array(rng.choice(np.asarray(choices, dtype=int)))


def sampler(**draws: Draw) -> Sampler:
    """Combine named draws into ``sample(rng) -> {name: array}``, drawn in the given order.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if "X" not in draws:
        raise ValueError(f"a sampler must draw the variable X; got only {sorted(draws)}")

    def sample(rng: np.random.Generator) -> Inputs:
        return {name: draw(rng) for name, draw in draws.items()}

    return sample


# -- numerical operations (complex-safe, so that complex-step checks apply) ---------------------


def value(M: Any) -> Any:
    """The entry of a 1×1 matrix (or a number) as a Python number, real or complex.

    Raises ValueError, naming the shape, for an array of more than one entry.

    Chapter 4, *Trace identities and the trace trick*.
    """
    array = np.asarray(M)
    if array.size != 1:
        raise ValueError(f"expected a 1×1 matrix or a number, got an array of shape {array.shape}")
    return array.reshape(()).item()


def sq(M: np.ndarray) -> Any:
    """Σ M_ij², the squared Frobenius norm written without abs (complex-analytic).

    Chapter 4, *Trace identities and the trace trick*.
    """
    return np.sum(M * M)


def inv(M: np.ndarray) -> np.ndarray:
    """M⁻¹.

    Chapter 3, *A calculus of differentials*.
    """
    return np.linalg.inv(M)


# -- symbolic operations: the same operations on sp.Matrix and sp.MatrixSymbol ------------------


def sym_trace(M: Any) -> Any:
    """tr M for sympy matrices; also turns a 1×1 product such as aᵀXb into a scalar.

    Chapter 4, *Trace identities and the trace trick*.
    """
    import sympy

    return sympy.trace(M)


def sym_det(M: Any) -> Any:
    """det M for sympy matrices (``Determinant(M)`` for matrix expressions).

    Chapter 3, *A calculus of differentials*.
    """
    import sympy

    return sympy.det(M)


def sym_inv(M: Any) -> Any:
    """M⁻¹ for sympy matrices (``M**-1``).

    Chapter 3, *A calculus of differentials*.
    """
    return M**-1


def sym_log(x: Any) -> Any:
    """The natural logarithm of a sympy scalar.

    Chapter 3, *A calculus of differentials*.
    """
    import sympy

    return sympy.log(x)


def sym_sqrt(x: Any) -> Any:
    """The square root of a sympy scalar.

    Chapter 3, *A calculus of differentials*.
    """
    import sympy

    return sympy.sqrt(x)


def sym_eye(n: Any) -> Any:
    """An explicit n×n sympy identity matrix.

    Chapter 4, *Trace identities and the trace trick*.
    """
    import sympy

    return sympy.eye(n)


def sym_ones(m: Any, n: Any) -> Any:
    """An explicit m×n sympy matrix of ones.

    Chapter 4, *Trace identities and the trace trick*.
    """
    import sympy

    return sympy.ones(m, n)
