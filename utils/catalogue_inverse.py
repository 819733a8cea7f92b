"""The registry's identities with inverses, determinants and log-determinants.

They rest on two differentials, d(X⁻¹) = −X⁻¹ dX X⁻¹ and Jacobi's formula
d det X = det X tr(X⁻¹ dX). The samplers keep every matrix that is inverted well
conditioned (condition number about 10), non-symmetric unless the identity needs symmetry,
and with a determinant that is never 1, so that a formula without its determinant factor
fails. Where a formula holds more widely than the sampler draws (det(AXB) for singular A
or B), the tests check the wider claim exactly.
Introduced in Chapter 3, *A calculus of differentials*.
"""

from __future__ import annotations

import numpy as np

from .array_namespace import xp
from .identity_record import Identity, Step
from .identity_samplers import (
    M,
    N,
    P,
    dominant_part,
    full_column_rank,
    general,
    integer,
    inv,
    invertible,
    sampler,
    spd,
    sym_det,
    sym_inv,
    sym_log,
    sym_trace,
    value,
)

__all__ = ["DETERMINANT", "INVERSE", "LOG_DETERMINANT"]

det = xp.linalg.det


def _log_abs_det(A: np.ndarray) -> object:
    """log|det A| written as ½ log(det(A)²): complex-analytic near a real invertible A."""
    return xp.log(det(A) ** 2) / 2


# Samplers shared by several entries.
SQUARE = sampler(X=invertible(N))
TALL = sampler(X=full_column_rank(M, N))

INVERSE: tuple[Identity, ...] = (
    Identity(
        name="trace_Xinv",
        kind="inverse",
        f_latex=r"\tr(X^{-1})",
        grad_latex=r"-(X^{-2})^\top",
        shapes="X: n×n",
        assumptions=("X invertible",),
        sample=SQUARE,
        f=lambda X: xp.trace(inv(X)),
        grad=lambda X: -(inv(X) @ inv(X)).T,
        hessian=lambda H, X: (inv(X) @ H @ inv(X) @ inv(X) + inv(X) @ inv(X) @ H @ inv(X)).T,
        hessian_latex=(r"X^{-\top} H^\top X^{-\top} X^{-\top} + "
                       r"X^{-\top} X^{-\top} H^\top X^{-\top}"),
        source="Matrix Cookbook eq. (64) with A = 0",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_trace(sym_inv(X)),
        sympy_grad=lambda X: -(sym_inv(X) * sym_inv(X)).T,
        derivation=(
            Step(r"-\tr(X^{-1}\,\mathrm{d}X\,X^{-1})",
                 lambda dX, X: -np.trace(inv(X) @ dX @ inv(X))),
            Step(r"-\tr(X^{-2}\,\mathrm{d}X)", lambda dX, X: -np.trace(inv(X) @ inv(X) @ dX)),
            Step(r"\inner{-(X^{-2})^\top}{\mathrm{d}X}",
                 lambda dX, X: np.sum(-(inv(X) @ inv(X)).T * dX)),
        ),
    ),
    Identity(
        name="trace_AXinvB",
        kind="inverse",
        f_latex=r"\tr(A X^{-1} B)",
        grad_latex=r"-X^{-\top} A^\top B^\top X^{-\top}",
        shapes="A: p×n, X: n×n, B: n×p",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N), A=general(P, N), B=general(N, P)),
        f=lambda X, A, B: xp.trace(A @ inv(X) @ B),
        grad=lambda X, A, B: -inv(X).T @ A.T @ B.T @ inv(X).T,
        hessian=lambda H, X, A, B: (inv(X) @ H @ inv(X) @ B @ A @ inv(X)
                                     + inv(X) @ B @ A @ inv(X) @ H @ inv(X)).T,
        hessian_latex=(r"X^{-\top} H^\top X^{-\top} A^\top B^\top X^{-\top} + "
                       r"X^{-\top} A^\top B^\top X^{-\top} H^\top X^{-\top}"),
        source="Matrix Cookbook eq. (63)",
        chapter="ch-trace",
        sympy_f=lambda X, A, B: sym_trace(A * sym_inv(X) * B),
        sympy_grad=lambda X, A, B: -sym_inv(X).T * A.T * B.T * sym_inv(X).T,
        derivation=(
            Step(r"-\tr(A X^{-1}\,\mathrm{d}X\,X^{-1} B)",
                 lambda dX, X, A, B: -np.trace(A @ inv(X) @ dX @ inv(X) @ B)),
            Step(r"-\tr(X^{-1} B A X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, A, B: -np.trace(inv(X) @ B @ A @ inv(X) @ dX)),
            Step(r"\inner{-X^{-\top} A^\top B^\top X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, A, B: np.sum(-inv(X).T @ A.T @ B.T @ inv(X).T * dX)),
        ),
    ),
    Identity(
        name="bilinear_aXinvb",
        kind="inverse",
        f_latex=r"a^\top X^{-1} b",
        grad_latex=r"-X^{-\top} a b^\top X^{-\top}",
        shapes="a: n×1, X: n×n, b: n×1",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N), a=general(N, 1), b=general(N, 1)),
        f=lambda X, a, b: value(a.T @ inv(X) @ b),
        grad=lambda X, a, b: -inv(X).T @ a @ b.T @ inv(X).T,
        hessian=lambda H, X, a, b: (inv(X) @ H @ inv(X) @ b @ a.T @ inv(X)
                                     + inv(X) @ b @ a.T @ inv(X) @ H @ inv(X)).T,
        hessian_latex=(r"X^{-\top} H^\top X^{-\top} a b^\top X^{-\top} + "
                       r"X^{-\top} a b^\top X^{-\top} H^\top X^{-\top}"),
        source="Matrix Cookbook eq. (61)",
        chapter="ch-trace",
        sympy_f=lambda X, a, b: sym_trace(a.T * sym_inv(X) * b),
        sympy_grad=lambda X, a, b: -sym_inv(X).T * a * b.T * sym_inv(X).T,
        derivation=(
            Step(r"-a^\top X^{-1}\,\mathrm{d}X\,X^{-1} b",
                 lambda dX, X, a, b: -value(a.T @ inv(X) @ dX @ inv(X) @ b)),
            Step(r"-\tr(X^{-1} b a^\top X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, a, b: -np.trace(inv(X) @ b @ a.T @ inv(X) @ dX)),
            Step(r"\inner{-X^{-\top} a b^\top X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, a, b: np.sum(-inv(X).T @ a @ b.T @ inv(X).T * dX)),
        ),
    ),
    Identity(
        name="trace_inv_XtX",
        kind="inverse",
        f_latex=r"\tr\left((X^\top X)^{-1}\right)",
        grad_latex=r"-2 X (X^\top X)^{-2}",
        shapes="X: m×n",
        assumptions=("X has full column rank",),
        sample=TALL,
        f=lambda X: xp.trace(inv(X.T @ X)),
        grad=lambda X: -2 * X @ inv(X.T @ X) @ inv(X.T @ X),
        source="",
        chapter="ch-trace",
        sympy_f=lambda X: sym_trace(sym_inv(X.T * X)),
        sympy_grad=lambda X: -2 * X * sym_inv(X.T * X) * sym_inv(X.T * X),
        derivation=(
            Step(r"-\tr((X^\top X)^{-1}(\mathrm{d}X^\top X + X^\top\,\mathrm{d}X)(X^\top X)^{-1})",
                 lambda dX, X: -np.trace(inv(X.T @ X) @ (dX.T @ X + X.T @ dX) @ inv(X.T @ X))),
            Step(r"-\tr((X^\top X)^{-2}\,\mathrm{d}X^\top X)"
                 r" - \tr((X^\top X)^{-2} X^\top\,\mathrm{d}X)",
                 lambda dX, X: -np.trace(inv(X.T @ X) @ inv(X.T @ X) @ dX.T @ X)
                     - np.trace(inv(X.T @ X) @ inv(X.T @ X) @ X.T @ dX)),
            Step(r"-\tr(X^\top\,\mathrm{d}X\,(X^\top X)^{-2})"
                 r" - \tr((X^\top X)^{-2} X^\top\,\mathrm{d}X)"
                 r" \quad ((X^\top X)^{-2} \text{ is symmetric})",
                 lambda dX, X: -np.trace(X.T @ dX @ inv(X.T @ X) @ inv(X.T @ X))
                     - np.trace(inv(X.T @ X) @ inv(X.T @ X) @ X.T @ dX)),
            Step(r"-2\tr((X^\top X)^{-2} X^\top\,\mathrm{d}X)",
                 lambda dX, X: -2 * np.trace(inv(X.T @ X) @ inv(X.T @ X) @ X.T @ dX)),
            Step(r"\inner{-2 X (X^\top X)^{-2}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(-2 * X @ inv(X.T @ X) @ inv(X.T @ X) * dX)),
        ),
    ),
    Identity(
        name="gaussian_nll",
        kind="inverse",
        f_latex=r"\log\det X + \tr(X^{-1} S)",
        grad_latex=r"X^{-\top} - X^{-\top} S^\top X^{-\top}",
        shapes="X: n×n, S: n×n",
        assumptions=("X has positive determinant",),
        sample=sampler(X=dominant_part(N), S=general(N)),
        f=lambda X, S: xp.log(det(X)) + xp.trace(inv(X) @ S),
        grad=lambda X, S: inv(X).T - inv(X).T @ S.T @ inv(X).T,
        hessian=lambda H, X, S: (-inv(X) @ H @ inv(X) + inv(X) @ H @ inv(X) @ S @ inv(X)
                                  + inv(X) @ S @ inv(X) @ H @ inv(X)).T,
        hessian_latex=(r"-X^{-\top} H^\top X^{-\top} + X^{-\top} H^\top X^{-\top} S^\top X^{-\top} "
                       r"+ X^{-\top} S^\top X^{-\top} H^\top X^{-\top}"),
        source="",
        chapter="ch-differentials",
        sympy_f=lambda X, S: sym_log(sym_det(X)) + sym_trace(sym_inv(X) * S),
        sympy_grad=lambda X, S: sym_inv(X).T - sym_inv(X).T * S.T * sym_inv(X).T,
        derivation=(
            Step(r"\tr(X^{-1}\,\mathrm{d}X) - \tr(X^{-1}\,\mathrm{d}X\,X^{-1} S)",
                 lambda dX, X, S: np.trace(inv(X) @ dX) - np.trace(inv(X) @ dX @ inv(X) @ S)),
            Step(r"\tr(X^{-1}\,\mathrm{d}X) - \tr(X^{-1} S X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, S: np.trace(inv(X) @ dX) - np.trace(inv(X) @ S @ inv(X) @ dX)),
            Step(r"\inner{X^{-\top} - X^{-\top} S^\top X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, S: np.sum((inv(X).T - inv(X).T @ S.T @ inv(X).T) * dX)),
        ),
    ),
)

DETERMINANT: tuple[Identity, ...] = (
    Identity(
        name="det_X",
        kind="determinant",
        f_latex=r"\det X",
        grad_latex=r"\det(X) X^{-\top}",
        shapes="X: n×n",
        assumptions=("X invertible",),
        sample=SQUARE,
        f=lambda X: det(X),
        grad=lambda X: det(X) * inv(X).T,
        hessian=lambda H, X: det(X) * (np.trace(inv(X) @ H) * inv(X).T - (inv(X) @ H @ inv(X)).T),
        hessian_latex=r"\det(X) (\tr(X^{-1} H) X^{-\top} - X^{-\top} H^\top X^{-\top})",
        source="Matrix Cookbook eq. (49)",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_det(X),
        sympy_grad=lambda X: sym_det(X) * sym_inv(X).T,
        derivation=(
            Step(r"\det(X)\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X: det(X) * np.trace(inv(X) @ dX)),
            Step(r"\inner{\det(X) X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(det(X) * inv(X).T * dX)),
        ),
    ),
    Identity(
        name="det_AXB",
        kind="determinant",
        f_latex=r"\det(AXB)",
        grad_latex=r"\det(AXB) X^{-\top}",
        shapes="A: n×n, X: n×n, B: n×n",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N), A=general(N), B=general(N)),
        f=lambda X, A, B: det(A @ X @ B),
        grad=lambda X, A, B: det(A @ X @ B) * inv(X).T,
        source="Matrix Cookbook eq. (51)",
        chapter="ch-differentials",
        sympy_f=lambda X, A, B: sym_det(A * X * B),
        sympy_grad=lambda X, A, B: sym_det(A * X * B) * sym_inv(X).T,
        derivation=(
            Step(r"\det(A)\,\det(X)\tr(X^{-1}\,\mathrm{d}X)\,\det(B)",
                 lambda dX, X, A, B: det(A) * det(X) * np.trace(inv(X) @ dX) * det(B)),
            Step(r"\det(AXB)\tr(X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, A, B: det(A @ X @ B) * np.trace(inv(X) @ dX)),
            Step(r"\inner{\det(AXB) X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, A, B: np.sum(det(A @ X @ B) * inv(X).T * dX)),
        ),
    ),
    Identity(
        name="det_Xk",
        kind="determinant",
        f_latex=r"\det(X^k)",
        grad_latex=r"k \det(X)^k X^{-\top}",
        shapes="X: n×n, k: scalar",
        assumptions=("X invertible", "k integer"),
        sample=sampler(X=invertible(N), k=integer((-3, -2, -1, 2, 3, 4))),
        f=lambda X, k: det(xp.linalg.matrix_power(X, int(k))),
        grad=lambda X, k: int(k) * det(X) ** int(k) * inv(X).T,
        source="Matrix Cookbook eq. (58)",
        chapter="ch-differentials",
        sympy_f=lambda X, k: sym_det(X**k),
        sympy_grad=lambda X, k: k * sym_det(X) ** k * sym_inv(X).T,
        derivation=(
            Step(r"k \det(X)^{k-1}\,\det(X)\tr(X^{-1}\,\mathrm{d}X) \quad (\det(X^k) = \det(X)^k)",
                 lambda dX, X, k: int(k) * det(X) ** (int(k) - 1) * det(X) * np.trace(inv(X) @ dX)),
            Step(r"k \det(X)^k \tr(X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, k: int(k) * det(X) ** int(k) * np.trace(inv(X) @ dX)),
            Step(r"\inner{k \det(X)^k X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, k: np.sum(int(k) * det(X) ** int(k) * inv(X).T * dX)),
        ),
    ),
    Identity(
        name="det_XtX",
        kind="determinant",
        f_latex=r"\det(X^\top X)",
        grad_latex=r"2 \det(X^\top X) X (X^\top X)^{-1}",
        shapes="X: m×n",
        assumptions=("X has full column rank",),
        sample=TALL,
        f=lambda X: det(X.T @ X),
        grad=lambda X: 2 * det(X.T @ X) * X @ inv(X.T @ X),
        source="Matrix Cookbook eq. (53) with A = I",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_det(X.T * X),
        sympy_grad=lambda X: 2 * sym_det(X.T * X) * X * sym_inv(X.T * X),
        derivation=(
            Step(r"\det(X^\top X)\tr((X^\top X)^{-1}(\mathrm{d}X^\top X + X^\top\,\mathrm{d}X))",
                 lambda dX, X: det(X.T @ X) * np.trace(inv(X.T @ X) @ (dX.T @ X + X.T @ dX))),
            Step(r"\det(X^\top X)(\tr(X^\top\,\mathrm{d}X\,(X^\top X)^{-\top})"
                 r" + \tr((X^\top X)^{-1} X^\top\,\mathrm{d}X))",
                 lambda dX, X: det(X.T @ X) * (np.trace(X.T @ dX @ inv(X.T @ X).T)
                     + np.trace(inv(X.T @ X) @ X.T @ dX))),
            Step(r"\det(X^\top X)(\tr(X^\top\,\mathrm{d}X\,(X^\top X)^{-1})"
                 r" + \tr((X^\top X)^{-1} X^\top\,\mathrm{d}X))"
                 r" \quad (X^\top X \text{ is symmetric})",
                 lambda dX, X: det(X.T @ X) * (np.trace(X.T @ dX @ inv(X.T @ X))
                     + np.trace(inv(X.T @ X) @ X.T @ dX))),
            Step(r"2\det(X^\top X)\tr((X^\top X)^{-1} X^\top\,\mathrm{d}X)",
                 lambda dX, X: 2 * det(X.T @ X) * np.trace(inv(X.T @ X) @ X.T @ dX)),
            Step(r"\inner{2 \det(X^\top X) X (X^\top X)^{-1}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(2 * det(X.T @ X) * X @ inv(X.T @ X) * dX)),
        ),
    ),
    Identity(
        name="det_XtAX",
        kind="determinant",
        f_latex=r"\det(X^\top A X)",
        grad_latex=r"\det(M)\,(A X M^{-1} + A^\top X M^{-\top}),\ M = X^\top A X",
        shapes="X: m×n, A: m×m",
        assumptions=("XᵀAX invertible",),
        sample=sampler(X=full_column_rank(M, N), A=dominant_part(M)),
        f=lambda X, A: det(X.T @ A @ X),
        grad=lambda X, A: det(X.T @ A @ X)
        * (A @ X @ inv(X.T @ A @ X) + A.T @ X @ inv(X.T @ A.T @ X)),
        source="Matrix Cookbook eq. (54)",
        chapter="ch-differentials",
        sympy_f=lambda X, A: sym_det(X.T * A * X),
        sympy_grad=lambda X, A: sym_det(X.T * A * X)
        * (A * X * sym_inv(X.T * A * X) + A.T * X * sym_inv(X.T * A.T * X)),
        derivation=(
            Step(r"\det(M)\tr(M^{-1}(\mathrm{d}X^\top A X + X^\top A\,\mathrm{d}X))"
                 r" \quad (M = X^\top A X)",
                 lambda dX, X, A: det(X.T @ A @ X)
                     * np.trace(inv(X.T @ A @ X) @ (dX.T @ A @ X + X.T @ A @ dX))),
            Step(r"\det(M)(\tr(X^\top A^\top\,\mathrm{d}X\,M^{-\top})"
                 r" + \tr(M^{-1} X^\top A\,\mathrm{d}X))",
                 lambda dX, X, A: det(X.T @ A @ X) * (np.trace(X.T @ A.T @ dX @ inv(X.T @ A @ X).T)
                     + np.trace(inv(X.T @ A @ X) @ X.T @ A @ dX))),
            Step(r"\det(M)\tr((M^{-\top} X^\top A^\top + M^{-1} X^\top A)\,\mathrm{d}X)",
                 lambda dX, X, A: det(X.T @ A @ X) * np.trace(
                     (inv(X.T @ A @ X).T @ X.T @ A.T + inv(X.T @ A @ X) @ X.T @ A) @ dX)),
            Step(r"\inner{\det(M)\,(A X M^{-1} + A^\top X M^{-\top})}{\mathrm{d}X}",
                 lambda dX, X, A: np.sum(det(X.T @ A @ X) * (
                     A @ X @ inv(X.T @ A @ X) + A.T @ X @ inv(X.T @ A @ X).T) * dX)),
        ),
    ),
)

LOG_DETERMINANT: tuple[Identity, ...] = (
    Identity(
        name="logdet_X",
        kind="log-determinant",
        f_latex=r"\log \lvert \det X \rvert",
        grad_latex=r"X^{-\top}",
        shapes="X: n×n",
        assumptions=("X invertible",),
        sample=SQUARE,
        f=lambda X: _log_abs_det(X),
        grad=lambda X: inv(X).T,
        hessian=lambda H, X: -(inv(X) @ H @ inv(X)).T,
        hessian_latex=r"-X^{-\top} H^\top X^{-\top}",
        source="Matrix Cookbook eq. (57)",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_log(sym_det(X) ** 2) / 2,
        sympy_grad=lambda X: sym_inv(X).T,
        derivation=(
            Step(r"\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X: np.trace(inv(X) @ dX)),
            Step(r"\inner{X^{-\top}}{\mathrm{d}X}", lambda dX, X: np.sum(inv(X).T * dX)),
        ),
    ),
    Identity(
        name="logdet_AXB",
        kind="log-determinant",
        f_latex=r"\log \lvert \det(AXB) \rvert",
        grad_latex=r"X^{-\top}",
        shapes="A: n×n, X: n×n, B: n×n",
        assumptions=("A invertible", "X invertible", "B invertible"),
        sample=sampler(X=invertible(N), A=invertible(N), B=invertible(N)),
        f=lambda X, A, B: _log_abs_det(A @ X @ B),
        grad=lambda X, A, B: inv(X).T,
        source="",
        chapter="ch-differentials",
        sympy_f=lambda X, A, B: sym_log(sym_det(A * X * B) ** 2) / 2,
        sympy_grad=lambda X, A, B: sym_inv(X).T,
        derivation=(
            Step(r"\tr((AXB)^{-1} A\,\mathrm{d}X\,B)",
                 lambda dX, X, A, B: np.trace(inv(A @ X @ B) @ A @ dX @ B)),
            Step(r"\tr(B^{-1} X^{-1} A^{-1} A\,\mathrm{d}X\,B)",
                 lambda dX, X, A, B: np.trace(inv(B) @ inv(X) @ inv(A) @ A @ dX @ B)),
            Step(r"\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X, A, B: np.trace(inv(X) @ dX)),
            Step(r"\inner{X^{-\top}}{\mathrm{d}X}", lambda dX, X, A, B: np.sum(inv(X).T * dX)),
        ),
    ),
    Identity(
        name="logdet_XtX",
        kind="log-determinant",
        f_latex=r"\log\det(X^\top X)",
        grad_latex=r"2 X (X^\top X)^{-1}",
        shapes="X: m×n",
        assumptions=("X has full column rank",),
        sample=TALL,
        f=lambda X: xp.log(det(X.T @ X)),
        grad=lambda X: 2 * X @ inv(X.T @ X),
        source="Matrix Cookbook eq. (55), as 2(X⁺)ᵀ",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_log(sym_det(X.T * X)),
        sympy_grad=lambda X: 2 * X * sym_inv(X.T * X),
        derivation=(
            Step(r"\tr((X^\top X)^{-1}(\mathrm{d}X^\top X + X^\top\,\mathrm{d}X))",
                 lambda dX, X: np.trace(inv(X.T @ X) @ (dX.T @ X + X.T @ dX))),
            Step(r"\tr(X^\top\,\mathrm{d}X\,(X^\top X)^{-\top})"
                 r" + \tr((X^\top X)^{-1} X^\top\,\mathrm{d}X)",
                 lambda dX, X: np.trace(X.T @ dX @ inv(X.T @ X).T)
                     + np.trace(inv(X.T @ X) @ X.T @ dX)),
            Step(r"\tr(X^\top\,\mathrm{d}X\,(X^\top X)^{-1})"
                 r" + \tr((X^\top X)^{-1} X^\top\,\mathrm{d}X)"
                 r" \quad (X^\top X \text{ is symmetric})",
                 lambda dX, X: np.trace(X.T @ dX @ inv(X.T @ X))
                     + np.trace(inv(X.T @ X) @ X.T @ dX)),
            Step(r"2\tr((X^\top X)^{-1} X^\top\,\mathrm{d}X)",
                 lambda dX, X: 2 * np.trace(inv(X.T @ X) @ X.T @ dX)),
            Step(r"\inner{2 X (X^\top X)^{-1}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(2 * X @ inv(X.T @ X) * dX)),
        ),
    ),
    Identity(
        name="logdet_XtAX",
        kind="log-determinant",
        f_latex=r"\log\det(X^\top A X)",
        grad_latex=r"2 A X (X^\top A X)^{-1}",
        shapes="X: m×n, A: m×m",
        assumptions=("A symmetric", "XᵀAX has positive determinant"),
        sample=sampler(X=full_column_rank(M, N), A=spd(M)),
        f=lambda X, A: xp.log(det(X.T @ A @ X)),
        grad=lambda X, A: 2 * A @ X @ inv(X.T @ A @ X),
        source="",
        chapter="ch-differentials",
        sympy_f=lambda X, A: sym_log(sym_det(X.T * A * X)),
        sympy_grad=lambda X, A: 2 * A * X * sym_inv(X.T * A * X),
        derivation=(
            Step(r"\tr((X^\top A X)^{-1}(\mathrm{d}X^\top A X + X^\top A\,\mathrm{d}X))",
                 lambda dX, X, A: np.trace(inv(X.T @ A @ X) @ (dX.T @ A @ X + X.T @ A @ dX))),
            Step(r"\tr(X^\top A^\top\,\mathrm{d}X\,(X^\top A X)^{-\top})"
                 r" + \tr((X^\top A X)^{-1} X^\top A\,\mathrm{d}X)",
                 lambda dX, X, A: np.trace(X.T @ A.T @ dX @ inv(X.T @ A @ X).T)
                     + np.trace(inv(X.T @ A @ X) @ X.T @ A @ dX)),
            Step(r"\tr(X^\top A\,\mathrm{d}X\,(X^\top A X)^{-1})"
                 r" + \tr((X^\top A X)^{-1} X^\top A\,\mathrm{d}X)"
                 r" \quad (A \text{ and } X^\top A X \text{ are symmetric})",
                 lambda dX, X, A: np.trace(X.T @ A @ dX @ inv(X.T @ A @ X))
                     + np.trace(inv(X.T @ A @ X) @ X.T @ A @ dX)),
            Step(r"2\tr((X^\top A X)^{-1} X^\top A\,\mathrm{d}X)",
                 lambda dX, X, A: 2 * np.trace(inv(X.T @ A @ X) @ X.T @ A @ dX)),
            Step(r"\inner{2 A X (X^\top A X)^{-1}}{\mathrm{d}X}",
                 lambda dX, X, A: np.sum(2 * A @ X @ inv(X.T @ A @ X) * dX)),
        ),
    ),
)
