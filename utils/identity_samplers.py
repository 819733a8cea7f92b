"""Building blocks for the identities' samplers and formulas.

A *draw* makes one random input from a generator: a general matrix, an invertible one, a
matrix with prescribed singular values, a positive number. :func:`sampler` combines named
draws into the ``sample(rng)`` of an :class:`~utils.identity_record.Identity`. All draws
are well conditioned, so that numerical checks are reliable, and non-symmetric unless a
claim needs symmetry. No draw gives a degenerate value that could hide a factor of a
formula: the structured draws carry a random scale in [5/4, 2], so that no determinant,
norm or trace of theirs is 1 or the same on every draw (with det(XᵀX) = 1 on every draw,
a gradient of det(XᵀX) without its factor det(XᵀX) would pass every check);
:func:`positive` leaves out 1 by default and :func:`integer` refuses 0 and 1. The module
also holds the few numerical and symbolic operations the catalogue's formulas share: sympy
is imported only when a symbolic formula is evaluated. Introduced in Chapter 4, *Trace
identities and the trace trick*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .array_namespace import is_jax_array, xp
from .identity_record import Inputs, Sampler
from .random_matrices import random_invertible, random_matrix, random_orthogonal, random_spd
from .structured import project

__all__ = [
    "Draw",
    "M",
    "N",
    "P",
    "diagonal",
    "dominant_part",
    "full_column_rank",
    "general",
    "in_subspace",
    "integer",
    "inv",
    "invertible",
    "lower_cholesky",
    "one_of",
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
    "symmetric_invertible",
    "value",
    "with_singular_values",
]

Draw = Callable[[np.random.Generator], np.ndarray]
COND = 10.0  # condition number of the structured draws
SCALE = (1.25, 2.0)  # range of their random scale: away from 1, so no factor is 1 by design
M, N, P = 4, 3, 2  # the sizes m, n, p of the identities' shapes: distinct, to catch transposes


def _scale(rng: np.random.Generator) -> float:
    """A random scale, uniform in SCALE: never 1, and different on every draw."""
    return float(rng.uniform(*SCALE))


def general(m: int, n: int | None = None) -> Draw:
    """A draw of an m×n matrix with standard normal entries (n defaults to m).

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: random_matrix(rng, m, n)


def invertible(n: int) -> Draw:
    """A draw of a non-symmetric invertible n×n matrix with condition number 10.

    It is c times :func:`utils.random_invertible` for a random c in [5/4, 2], so its
    singular values run from c down to c/10 and |det| = (c/√10)ⁿ lies strictly between 0
    and 1 and changes from draw to draw.

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: _scale(rng) * random_invertible(rng, n, cond=COND)


def spd(n: int) -> Draw:
    """A draw of a symmetric positive definite n×n matrix with condition number 10.

    It is c times :func:`utils.random_spd` for a random c in [5/4, 2]: eigenvalues from c
    down to c/10, determinant (c/√10)ⁿ, different on every draw.

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: _scale(rng) * random_spd(rng, n, cond=COND)


def dominant_part(n: int) -> Draw:
    """A draw of a non-symmetric n×n matrix S + K with S SPD and K skew-symmetric.

    Its symmetric part S is positive definite, so xᵀMx > 0 for x ≠ 0, every eigenvalue has
    a positive real part, det M > 0, and XᵀMX is invertible for every X of full column
    rank.

    Chapter 4, *Trace identities and the trace trick*.
    """

    def draw(rng: np.random.Generator) -> np.ndarray:
        S = spd(n)(rng)
        K = random_matrix(rng, n) / (2 * np.sqrt(n))
        return S + K - K.T

    return draw


def symmetric_invertible(n: int) -> Draw:
    """A draw of a symmetric, indefinite, invertible n×n matrix with condition number 10.

    It is c Q diag(λ) Qᵀ with Q a random orthogonal matrix, c a random scale in [5/4, 2]
    and eigenvalues λ of alternating sign whose sizes run from 1 down to 1/10.

    Chapter 7, *Structured matrices and constraints*.
    """
    sizes = np.geomspace(1.0, 1.0 / COND, n)
    signs = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)

    def draw(rng: np.random.Generator) -> np.ndarray:
        Q = random_orthogonal(rng, n)
        return _scale(rng) * (Q * (sizes * signs)) @ Q.T

    return draw


def diagonal(n: int) -> Draw:
    """A draw of a diagonal n×n matrix whose entries have random signs and sizes in
    [1/2, 2]: invertible, and with distinct entries on almost every draw.

    Chapter 7, *Structured matrices and constraints*.
    """

    def draw(rng: np.random.Generator) -> np.ndarray:
        return np.diag(rng.choice((-1.0, 1.0), n) * rng.uniform(0.5, 2.0, n))

    return draw


def lower_cholesky(n: int) -> Draw:
    """A draw of a lower-triangular n×n matrix with positive diagonal: the Cholesky factor
    L of an SPD matrix S = LLᵀ drawn by :func:`spd` (so L has condition number √10).

    Chapter 7, *Structured matrices and constraints*.
    """
    return lambda rng: np.linalg.cholesky(spd(n)(rng))


def in_subspace(draw: Draw, onto: str) -> Draw:
    """A draw projected onto a subspace of :data:`utils.structured.PROJECTIONS`, e.g.
    ``in_subspace(general(3), "upper triangular")``.

    Chapter 7, *Structured matrices and constraints*.
    """
    project(np.zeros((2, 2)), onto)  # an unknown subspace fails now, not at the first draw
    return lambda rng: np.asarray(project(draw(rng), onto))


def with_singular_values(m: int, n: int, values: Sequence[float]) -> Draw:
    """A draw of c U diag(values) Vᵀ: an m×n matrix with singular values c · values.

    U (m×r) and V (n×r) have orthonormal columns drawn at random, r = len(values) =
    min(m, n), and c is a random scale in [5/4, 2], so that the norms (c times those of
    diag(values)) change from draw to draw while the ratios of the singular values, and
    with them the condition number, stay fixed. Distinct values well apart keep singular
    vectors well defined.

    Chapter 4, *Trace identities and the trace trick*.
    """
    s = np.asarray(values, dtype=float)
    if s.shape != (min(m, n),):
        raise ValueError(f"need min(m, n) = {min(m, n)} singular values, got {s.shape}")

    def draw(rng: np.random.Generator) -> np.ndarray:
        U = random_orthogonal(rng, m)[:, : s.size]
        V = random_orthogonal(rng, n)[:, : s.size]
        return _scale(rng) * (U * s) @ V.T

    return draw


def full_column_rank(m: int, n: int) -> Draw:
    """A draw of an m×n matrix (m ≥ n) of rank n with singular values c·2 down to c/2.

    The scale c is random in [5/4, 2] (see :func:`with_singular_values`), so XᵀX is
    invertible with condition number 16 whatever the random directions, and
    det(XᵀX) = c²ⁿ is at least (5/4)²ⁿ, never 1.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if m < n:
        raise ValueError(f"full column rank needs m ≥ n, got shape ({m}, {n})")
    return with_singular_values(m, n, np.geomspace(2.0, 0.5, n))


def positive(low: float = 1.25, high: float = 2.5) -> Draw:
    """A draw of a positive number (an array of shape ()) uniform in [low, high].

    The default range leaves out 1, at which a formula that drops the number as a factor
    would still pass.

    Chapter 4, *Trace identities and the trace trick*.
    """
    return lambda rng: np.array(rng.uniform(low, high))


def integer(choices: Sequence[int]) -> Draw:
    """A draw of one of ``choices`` (an integer array of shape ()).

    Raises ValueError if ``choices`` contains 0 or 1, at which a factor k or a power k
    vanishes from a formula unseen.

    Chapter 4, *Trace identities and the trace trick*.
    """
    options = np.asarray(choices, dtype=int)
    if options.ndim != 1 or options.size == 0 or np.isin(options, (0, 1)).any():
        raise ValueError(f"choices must be a non-empty list of integers other than 0 and 1, "
                         f"got {choices!r}")
    return lambda rng: np.array(rng.choice(options))


def one_of(*draws: Draw) -> Draw:
    """A draw from one of ``draws``, chosen at random with equal chances.

    Used for a variable that may have either of two shapes, such as a tall or a wide X.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if not draws:
        raise ValueError("one_of needs at least one draw")
    return lambda rng: draws[int(rng.integers(len(draws)))](rng)


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

    Raises ValueError, naming the shape, for an array of more than one entry. A JAX array
    (inside ``jax.grad``) stays a JAX array of shape () (Chapter 6).

    Chapter 4, *Trace identities and the trace trick*.
    """
    if is_jax_array(M):
        if M.size != 1:
            raise ValueError(f"expected a 1×1 matrix or a number, got an array of shape {M.shape}")
        return M.reshape(())
    array = np.asarray(M)
    if array.size != 1:
        raise ValueError(f"expected a 1×1 matrix or a number, got an array of shape {array.shape}")
    return array.reshape(()).item()


def sq(M: np.ndarray) -> Any:
    """Σ M_ij², the squared Frobenius norm written without abs (complex-analytic).

    Chapter 4, *Trace identities and the trace trick*.
    """
    return xp.sum(M * M)


def inv(M: np.ndarray) -> np.ndarray:
    """M⁻¹.

    Chapter 3, *A calculus of differentials*.
    """
    return xp.linalg.inv(M)


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
