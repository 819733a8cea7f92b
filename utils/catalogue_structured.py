"""The registry's identities on subspaces of structured matrices (Chapter 7).

Each entry restricts X to a subspace S (symmetric, diagonal, skew-symmetric, upper or lower
triangular, Toeplitz matrices; ``subspace`` names it) and states the gradient of the
restriction: the matrix G *in S* with Df(X)[H] = ⟨G, H⟩ for every H in S, which is the
orthogonal projection of the full-space gradient onto S. The samplers draw X in S and the
other inputs general (non-symmetric); each derivation ends with a step that uses dX ∈ S,
stated as an equation (such as dXᵀ = dX) that the LaTeX checks evaluate. The lower-
triangular entries are functions of LLᵀ, the gradients through a Cholesky factor.
Introduced in Chapter 7, *Structured matrices and constraints*.
"""

from __future__ import annotations

import numpy as np

from .array_namespace import xp
from .identity_record import Identity, Step
from .identity_samplers import (
    M,
    N,
    P,
    diagonal,
    general,
    in_subspace,
    inv,
    lower_cholesky,
    sampler,
    spd,
    sq,
    symmetric_invertible,
    value,
)
from .structured import project

__all__ = ["STRUCTURED"]

det = xp.linalg.det
CHAPTER = "ch-structured"


def _sym(A: np.ndarray) -> np.ndarray:
    return (A + A.T) / 2


def _skew(A: np.ndarray) -> np.ndarray:
    return (A - A.T) / 2


def _inner(G: np.ndarray, dX: np.ndarray) -> float:
    return float(np.sum(G * dX))


SYMMETRIC_STEP = r" \quad (\mathrm{d}X^\top = \mathrm{d}X)"

STRUCTURED: tuple[Identity, ...] = (
    Identity(
        name="sym_trace_AX",
        kind="structured",
        f_latex=r"\tr(AX)",
        grad_latex=r"\sym(A)",
        shapes="A: n×n, X: n×n",
        assumptions=(),
        sample=sampler(X=in_subspace(general(N), "symmetric"), A=general(N)),
        f=lambda X, A: xp.trace(A @ X),
        grad=lambda X, A: _sym(A),
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"\tr(A\,\mathrm{d}X)", lambda dX, X, A: np.trace(A @ dX)),
            Step(r"\inner{A^\top}{\mathrm{d}X}", lambda dX, X, A: _inner(A.T, dX)),
            Step(r"\inner{\sym(A)}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X, A: _inner(_sym(A), dX)),
        ),
    ),
    Identity(
        name="sym_bilinear_aXb",
        kind="structured",
        f_latex=r"a^\top X b",
        grad_latex=r"(a b^\top + b a^\top)/2",
        shapes="a: n×1, X: n×n, b: n×1",
        assumptions=(),
        sample=sampler(X=in_subspace(general(N), "symmetric"), a=general(N, 1),
                       b=general(N, 1)),
        f=lambda X, a, b: value(a.T @ X @ b),
        grad=lambda X, a, b: (a @ b.T + b @ a.T) / 2,
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"a^\top\,\mathrm{d}X\,b", lambda dX, X, a, b: value(a.T @ dX @ b)),
            Step(r"\inner{a b^\top}{\mathrm{d}X}", lambda dX, X, a, b: _inner(a @ b.T, dX)),
            Step(r"\inner{(a b^\top + b a^\top)/2}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X, a, b: _inner((a @ b.T + b @ a.T) / 2, dX)),
        ),
    ),
    Identity(
        name="sym_fro_dist",
        kind="structured",
        f_latex=r"\fro{X - A}^2",
        grad_latex=r"2(X - \sym(A))",
        shapes="A: n×n, X: n×n",
        assumptions=(),
        sample=sampler(X=in_subspace(general(N), "symmetric"), A=general(N)),
        f=lambda X, A: sq(X - A),
        grad=lambda X, A: 2 * (X - _sym(A)),
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"2\inner{X - A}{\mathrm{d}X}", lambda dX, X, A: 2 * _inner(X - A, dX)),
            Step(r"\inner{2(X - \sym(A))}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X, A: _inner(2 * (X - _sym(A)), dX)),
        ),
    ),
    Identity(
        name="sym_logdet_X",
        kind="structured",
        f_latex=r"\log\det X",
        grad_latex=r"X^{-1}",
        shapes="X: n×n",
        assumptions=("X positive definite",),
        sample=sampler(X=spd(N)),
        f=lambda X: xp.log(det(X)),
        grad=lambda X: inv(X),
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X: np.trace(inv(X) @ dX)),
            Step(r"\inner{X^{-\top}}{\mathrm{d}X}", lambda dX, X: _inner(inv(X).T, dX)),
            Step(r"\inner{X^{-1}}{\mathrm{d}X} \quad (X^{-\top} = X^{-1})",
                 lambda dX, X: _inner(inv(X), dX)),
        ),
    ),
    Identity(
        name="sym_gaussian_nll",
        kind="structured",
        f_latex=r"\log\det X + \tr(X^{-1} y y^\top)",
        grad_latex=r"X^{-1} - X^{-1} y y^\top X^{-1}",
        shapes="y: n×1, X: n×n",
        assumptions=("X positive definite",),
        sample=sampler(X=spd(N), y=general(N, 1)),
        f=lambda X, y: xp.log(det(X)) + value(y.T @ inv(X) @ y),
        grad=lambda X, y: inv(X) - inv(X) @ y @ y.T @ inv(X),
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"\tr(X^{-1}\,\mathrm{d}X) - \tr(X^{-1}\,\mathrm{d}X\,X^{-1} y y^\top)",
                 lambda dX, X, y: np.trace(inv(X) @ dX)
                     - np.trace(inv(X) @ dX @ inv(X) @ y @ y.T)),
            Step(r"\tr((X^{-1} - X^{-1} y y^\top X^{-1})\,\mathrm{d}X)",
                 lambda dX, X, y: np.trace((inv(X) - inv(X) @ y @ y.T @ inv(X)) @ dX)),
            Step(r"\inner{X^{-1} - X^{-1} y y^\top X^{-1}}{\mathrm{d}X}"
                 r" \quad (X^{-\top} = X^{-1})",
                 lambda dX, X, y: _inner(inv(X) - inv(X) @ y @ y.T @ inv(X), dX)),
        ),
    ),
    Identity(
        name="sym_trace_XinvA",
        kind="structured",
        f_latex=r"\tr(X^{-1} A)",
        grad_latex=r"-X^{-1} \sym(A) X^{-1}",
        shapes="A: n×n, X: n×n",
        assumptions=("X invertible",),
        sample=sampler(X=symmetric_invertible(N), A=general(N)),
        f=lambda X, A: xp.trace(inv(X) @ A),
        grad=lambda X, A: -inv(X) @ _sym(A) @ inv(X),
        source="",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"-\tr(X^{-1}\,\mathrm{d}X\,X^{-1} A)",
                 lambda dX, X, A: -np.trace(inv(X) @ dX @ inv(X) @ A)),
            Step(r"-\tr(X^{-1} A X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, A: -np.trace(inv(X) @ A @ inv(X) @ dX)),
            Step(r"\inner{-X^{-\top} A^\top X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, A: _inner(-inv(X).T @ A.T @ inv(X).T, dX)),
            Step(r"\inner{-X^{-1} \sym(A) X^{-1}}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X, A: _inner(-inv(X) @ _sym(A) @ inv(X), dX)),
        ),
    ),
    Identity(
        name="diag_trace_AX",
        kind="structured",
        f_latex=r"\tr(AX)",
        grad_latex=r"A \circ I",
        shapes="A: n×n, X: n×n",
        assumptions=(),
        sample=sampler(X=diagonal(N), A=general(N)),
        f=lambda X, A: xp.trace(A @ X),
        grad=lambda X, A: A * np.eye(len(A)),
        source="",
        chapter=CHAPTER,
        subspace="diagonal",
        derivation=(
            Step(r"\tr(A\,\mathrm{d}X)", lambda dX, X, A: np.trace(A @ dX)),
            Step(r"\inner{A^\top}{\mathrm{d}X}", lambda dX, X, A: _inner(A.T, dX)),
            Step(r"\inner{A \circ I}{\mathrm{d}X} \quad (\mathrm{d}X = \mathrm{d}X \circ I)",
                 lambda dX, X, A: _inner(A * np.eye(len(A)), dX)),
        ),
    ),
    Identity(
        name="skew_trace_AX",
        kind="structured",
        f_latex=r"\tr(AX)",
        grad_latex=r"\operatorname{skew}(A^\top)",
        shapes="A: m×m, X: m×m",
        assumptions=(),
        sample=sampler(X=in_subspace(general(M), "skew-symmetric"), A=general(M)),
        f=lambda X, A: xp.trace(A @ X),
        grad=lambda X, A: _skew(A.T),
        source="",
        chapter=CHAPTER,
        subspace="skew-symmetric",
        derivation=(
            Step(r"\tr(A\,\mathrm{d}X)", lambda dX, X, A: np.trace(A @ dX)),
            Step(r"\inner{A^\top}{\mathrm{d}X}", lambda dX, X, A: _inner(A.T, dX)),
            Step(r"\inner{\operatorname{skew}(A^\top)}{\mathrm{d}X}"
                 r" \quad (\mathrm{d}X^\top = -\mathrm{d}X)",
                 lambda dX, X, A: _inner(_skew(A.T), dX)),
        ),
    ),
    Identity(
        name="triu_ls_AX",
        kind="structured",
        f_latex=r"\fro{AX - B}^2",
        grad_latex=r"2\operatorname{triu}(A^\top (AX - B))",
        shapes="A: m×n, X: n×p, B: m×p",
        assumptions=(),
        sample=sampler(X=in_subspace(general(N, P), "upper triangular"), A=general(M, N),
                       B=general(M, P)),
        f=lambda X, A, B: sq(A @ X - B),
        grad=lambda X, A, B: 2 * np.triu(A.T @ (A @ X - B)),
        source="",
        chapter=CHAPTER,
        subspace="upper triangular",
        derivation=(
            Step(r"2\tr((AX - B)^\top A\,\mathrm{d}X)",
                 lambda dX, X, A, B: 2 * np.trace((A @ X - B).T @ A @ dX)),
            Step(r"\inner{2A^\top (AX - B)}{\mathrm{d}X}",
                 lambda dX, X, A, B: _inner(2 * A.T @ (A @ X - B), dX)),
            Step(r"\inner{2\operatorname{triu}(A^\top (AX - B))}{\mathrm{d}X}"
                 r" \quad (\mathrm{d}X = \operatorname{triu}(\mathrm{d}X))",
                 lambda dX, X, A, B: _inner(2 * np.triu(A.T @ (A @ X - B)), dX)),
        ),
    ),
    Identity(
        name="toeplitz_bilinear_aXb",
        kind="structured",
        f_latex=r"a^\top X b",
        grad_latex=r"\operatorname{toep}(a b^\top)",
        shapes="a: m×1, X: m×n, b: n×1",
        assumptions=(),
        sample=sampler(X=in_subspace(general(M, N), "Toeplitz"), a=general(M, 1),
                       b=general(N, 1)),
        f=lambda X, a, b: value(a.T @ X @ b),
        grad=lambda X, a, b: np.asarray(project(a @ b.T, "Toeplitz")),
        source="",
        chapter=CHAPTER,
        subspace="Toeplitz",
        derivation=(
            Step(r"a^\top\,\mathrm{d}X\,b", lambda dX, X, a, b: value(a.T @ dX @ b)),
            Step(r"\inner{a b^\top}{\mathrm{d}X}", lambda dX, X, a, b: _inner(a @ b.T, dX)),
            Step(r"\inner{\operatorname{toep}(a b^\top)}{\mathrm{d}X}"
                 r" \quad (\mathrm{d}X = \operatorname{toep}(\mathrm{d}X))",
                 lambda dX, X, a, b: _inner(np.asarray(project(a @ b.T, "Toeplitz")), dX)),
        ),
    ),
    Identity(
        name="chol_trace_AXXt",
        kind="structured",
        f_latex=r"\tr(A X X^\top)",
        grad_latex=r"\operatorname{tril}((A + A^\top) X)",
        shapes="A: n×n, X: n×n",
        assumptions=(),
        sample=sampler(X=lower_cholesky(N), A=general(N)),
        f=lambda X, A: xp.trace(A @ X @ X.T),
        grad=lambda X, A: np.tril((A + A.T) @ X),
        source="",
        chapter=CHAPTER,
        subspace="lower triangular",
        derivation=(
            Step(r"\tr(A(\mathrm{d}X\,X^\top + X\,\mathrm{d}X^\top))",
                 lambda dX, X, A: np.trace(A @ (dX @ X.T + X @ dX.T))),
            Step(r"\tr(X^\top A\,\mathrm{d}X) + \tr(X^\top A^\top\,\mathrm{d}X)",
                 lambda dX, X, A: np.trace(X.T @ A @ dX) + np.trace(X.T @ A.T @ dX)),
            Step(r"\inner{(A + A^\top) X}{\mathrm{d}X}",
                 lambda dX, X, A: _inner((A + A.T) @ X, dX)),
            Step(r"\inner{\operatorname{tril}((A + A^\top) X)}{\mathrm{d}X}"
                 r" \quad (\mathrm{d}X = \operatorname{tril}(\mathrm{d}X))",
                 lambda dX, X, A: _inner(np.tril((A + A.T) @ X), dX)),
        ),
    ),
    Identity(
        name="chol_logdet_XXt",
        kind="structured",
        f_latex=r"\log\det(X X^\top)",
        grad_latex=r"2 X^{-1} \circ I",
        shapes="X: n×n",
        assumptions=("X invertible",),
        sample=sampler(X=lower_cholesky(N)),
        f=lambda X: xp.log(det(X @ X.T)),
        grad=lambda X: 2 * inv(X) * np.eye(len(X)),
        source="",
        chapter=CHAPTER,
        subspace="lower triangular",
        derivation=(
            Step(r"\tr((X X^\top)^{-1}(\mathrm{d}X\,X^\top + X\,\mathrm{d}X^\top))",
                 lambda dX, X: np.trace(inv(X @ X.T) @ (dX @ X.T + X @ dX.T))),
            Step(r"2\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X: 2 * np.trace(inv(X) @ dX)),
            Step(r"\inner{2 X^{-\top}}{\mathrm{d}X}", lambda dX, X: _inner(2 * inv(X).T, dX)),
            Step(r"\inner{2 X^{-1} \circ I}{\mathrm{d}X}"
                 r" \quad (\mathrm{d}X = \operatorname{tril}(\mathrm{d}X))",
                 lambda dX, X: _inner(2 * inv(X) * np.eye(len(X)), dX)),
        ),
    ),
)
