"""The registry's second-order identities: functions whose Hessians the book derives.

Each entry states its gradient and its Hessian operator H ↦ ∇²f(X)[H] (shaped like X),
both read off by differentials: the gradient from df = ⟨G, dX⟩, the Hessian from
d²f = ⟨dX, ∇²f(X)[dX]⟩ with a self-adjoint operator. The objectives are those of
least squares, matrix factorisation, orthogonality penalties and log-determinant
barriers, the problems on which Newton's method is run. Introduced in Chapter 8,
*Second derivatives*.
"""

from __future__ import annotations

from typing import Any

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
    inv,
    invertible,
    sampler,
    sq,
    sym_det,
    sym_eye,
    sym_inv,
    sym_log,
    sym_trace,
    value,
)

__all__ = ["SECOND_ORDER"]

det = xp.linalg.det


def _sym_exp(x: Any) -> Any:
    """exp of a sympy scalar (sympy imported only here)."""
    import sympy

    return sympy.exp(x)


def _scaled(draw: Any, factor: float) -> Any:
    """A draw multiplied by ``factor`` (keeps exp(tr(AX)) of moderate size)."""
    return lambda rng: factor * draw(rng)


def _gram(X: Any) -> Any:
    """I_n + XᵀX, which is symmetric positive definite for every X."""
    return np.eye(X.shape[1]) + X.T @ X


def _quartic_hessian(H: np.ndarray, X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """∇² tr((XᵀAX)²)[H] = 2(AHM + AX dM + AᵀHMᵀ + AᵀX dMᵀ), dM = HᵀAX + XᵀAH."""
    Mx = X.T @ A @ X
    dM = H.T @ A @ X + X.T @ A @ H
    return 2 * (A @ H @ Mx + A @ X @ dM + A.T @ H @ Mx.T + A.T @ X @ dM.T)


def _inv_quad_hessian(H: np.ndarray, X: np.ndarray, a: np.ndarray) -> np.ndarray:
    """∇² aᵀ(XᵀX)⁻¹a [H] = −2HN + 2X(M⁻¹EN + NEM⁻¹), M = XᵀX, N = M⁻¹aaᵀM⁻¹, E = HᵀX + XᵀH."""
    Mi = inv(X.T @ X)
    Nx = Mi @ a @ a.T @ Mi
    E = H.T @ X + X.T @ H
    return -2 * H @ Nx + 2 * X @ (Mi @ E @ Nx + Nx @ E @ Mi)


SECOND_ORDER: tuple[Identity, ...] = (
    Identity(
        name="logdet_barrier",
        kind="second order",
        f_latex=r"\tr(CX) - \log\det X",
        grad_latex=r"C^\top - X^{-\top}",
        shapes="C: n×n, X: n×n",
        assumptions=("X has positive determinant",),
        sample=sampler(X=dominant_part(N), C=general(N)),
        f=lambda X, C: xp.trace(C @ X) - xp.log(det(X)),
        grad=lambda X, C: C.T - inv(X).T,
        hessian=lambda H, X, C: (inv(X) @ H @ inv(X)).T,
        hessian_latex=r"X^{-\top} H^\top X^{-\top}",
        source="",
        chapter="ch-second",
        sympy_f=lambda X, C: sym_trace(C * X) - sym_log(sym_det(X)),
        sympy_grad=lambda X, C: C.T - sym_inv(X).T,
        derivation=(
            Step(r"\tr(C\,\mathrm{d}X) - \tr(X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, C: np.trace(C @ dX) - np.trace(inv(X) @ dX)),
            Step(r"\tr((C - X^{-1})\,\mathrm{d}X)",
                 lambda dX, X, C: np.trace((C - inv(X)) @ dX)),
            Step(r"\inner{C^\top - X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, C: np.sum((C.T - inv(X).T) * dX)),
        ),
    ),
    Identity(
        name="exp_trace",
        kind="second order",
        f_latex=r"\exp(\tr(AX))",
        grad_latex=r"\exp(\tr(AX)) A^\top",
        shapes="A: n×m, X: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N), A=_scaled(general(N, M), 0.3)),
        f=lambda X, A: xp.exp(xp.trace(A @ X)),
        grad=lambda X, A: np.exp(np.trace(A @ X)) * A.T,
        hessian=lambda H, X, A: np.exp(np.trace(A @ X)) * np.trace(A @ H) * A.T,
        hessian_latex=r"\exp(\tr(AX)) \tr(AH) A^\top",
        source="",
        chapter="ch-second",
        sympy_f=lambda X, A: _sym_exp(sym_trace(A * X)),
        sympy_grad=lambda X, A: _sym_exp(sym_trace(A * X)) * A.T,
        derivation=(
            Step(r"\exp(\tr(AX)) \tr(A\,\mathrm{d}X)",
                 lambda dX, X, A: np.exp(np.trace(A @ X)) * np.trace(A @ dX)),
            Step(r"\inner{\exp(\tr(AX)) A^\top}{\mathrm{d}X}",
                 lambda dX, X, A: np.sum(np.exp(np.trace(A @ X)) * A.T * dX)),
        ),
    ),
    Identity(
        name="orth_residual",
        kind="second order",
        f_latex=r"\fro{X^\top X - I_n}^2",
        grad_latex=r"4 X (X^\top X - I_n)",
        shapes="X: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N)),
        f=lambda X: sq(X.T @ X - np.eye(X.shape[1])),
        grad=lambda X: 4 * X @ (X.T @ X - np.eye(X.shape[1])),
        hessian=lambda H, X: (4 * H @ (X.T @ X - np.eye(X.shape[1]))
                              + 4 * X @ (H.T @ X + X.T @ H)),
        hessian_latex=r"4 H (X^\top X - I_n) + 4 X (H^\top X + X^\top H)",
        source="",
        chapter="ch-second",
        sympy_f=lambda X: sym_trace((X.T * X - sym_eye(X.shape[1])).T
                                    * (X.T * X - sym_eye(X.shape[1]))),
        sympy_grad=lambda X: 4 * X * (X.T * X - sym_eye(X.shape[1])),
        derivation=(
            Step(r"2\inner{X^\top X - I_n}{\mathrm{d}X^\top X + X^\top\,\mathrm{d}X}",
                 lambda dX, X: 2 * np.sum((X.T @ X - np.eye(X.shape[1]))
                                          * (dX.T @ X + X.T @ dX))),
            Step(r"4\inner{X^\top X - I_n}{X^\top\,\mathrm{d}X}",
                 lambda dX, X: 4 * np.sum((X.T @ X - np.eye(X.shape[1])) * (X.T @ dX))),
            Step(r"\inner{4 X (X^\top X - I_n)}{\mathrm{d}X}",
                 lambda dX, X: np.sum(4 * X @ (X.T @ X - np.eye(X.shape[1])) * dX)),
        ),
    ),
    Identity(
        name="ls_AXB",
        kind="second order",
        f_latex=r"\fro{AXB - C}^2",
        grad_latex=r"2 A^\top (AXB - C) B^\top",
        shapes="A: m×n, X: n×p, B: p×n, C: m×n",
        assumptions=(),
        sample=sampler(X=general(N, P), A=general(M, N), B=general(P, N), C=general(M, N)),
        f=lambda X, A, B, C: sq(A @ X @ B - C),
        grad=lambda X, A, B, C: 2 * A.T @ (A @ X @ B - C) @ B.T,
        hessian=lambda H, X, A, B, C: 2 * A.T @ A @ H @ B @ B.T,
        hessian_latex=r"2 A^\top A H B B^\top",
        source="",
        chapter="ch-second",
        sympy_f=lambda X, A, B, C: sym_trace((A * X * B - C).T * (A * X * B - C)),
        sympy_grad=lambda X, A, B, C: 2 * A.T * (A * X * B - C) * B.T,
        derivation=(
            Step(r"2\inner{AXB - C}{A\,\mathrm{d}X\,B}",
                 lambda dX, X, A, B, C: 2 * np.sum((A @ X @ B - C) * (A @ dX @ B))),
            Step(r"2\tr(B (AXB - C)^\top A\,\mathrm{d}X)",
                 lambda dX, X, A, B, C: 2 * np.trace(B @ (A @ X @ B - C).T @ A @ dX)),
            Step(r"\inner{2 A^\top (AXB - C) B^\top}{\mathrm{d}X}",
                 lambda dX, X, A, B, C: np.sum(2 * A.T @ (A @ X @ B - C) @ B.T * dX)),
        ),
    ),
    Identity(
        name="trace_XtAX_sq",
        kind="second order",
        f_latex=r"\tr((X^\top A X)^2)",
        grad_latex=r"2 (A X M + A^\top X M^\top),\ M = X^\top A X",
        shapes="X: m×n, A: m×m",
        assumptions=(),
        sample=sampler(X=general(M, N), A=general(M)),
        f=lambda X, A: xp.trace(X.T @ A @ X @ X.T @ A @ X),
        grad=lambda X, A: 2 * (A @ X @ (X.T @ A @ X) + A.T @ X @ (X.T @ A @ X).T),
        hessian=_quartic_hessian,
        hessian_latex=(r"2 (A H M + A X E + A^\top H M^\top + A^\top X E^\top),\ "
                       r"M = X^\top A X,\ E = H^\top A X + X^\top A H"),
        source="",
        chapter="ch-second",
        sympy_f=lambda X, A: sym_trace(X.T * A * X * X.T * A * X),
        sympy_grad=lambda X, A: 2 * (A * X * (X.T * A * X) + A.T * X * (X.T * A * X).T),
        derivation=(
            Step(r"2\tr(X^\top A X (\mathrm{d}X^\top A X + X^\top A\,\mathrm{d}X))",
                 lambda dX, X, A: 2 * np.trace(X.T @ A @ X @ (dX.T @ A @ X + X.T @ A @ dX))),
            Step(r"2\tr(M^\top X^\top A^\top\,\mathrm{d}X) + 2\tr(M X^\top A\,\mathrm{d}X),\ "
                 r"M = X^\top A X",
                 lambda dX, X, A: 2 * np.trace((X.T @ A @ X).T @ X.T @ A.T @ dX)
                 + 2 * np.trace(X.T @ A @ X @ X.T @ A @ dX)),
            Step(r"\inner{2 (A X M + A^\top X M^\top)}{\mathrm{d}X}",
                 lambda dX, X, A: np.sum(2 * (A @ X @ (X.T @ A @ X)
                                              + A.T @ X @ (X.T @ A @ X).T) * dX)),
        ),
    ),
    Identity(
        name="logdet_I_XtX",
        kind="second order",
        f_latex=r"\log\det(I_n + X^\top X)",
        grad_latex=r"2 X (I_n + X^\top X)^{-1}",
        shapes="X: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N)),
        f=lambda X: xp.log(det(_gram(X))),
        grad=lambda X: 2 * X @ inv(_gram(X)),
        hessian=lambda H, X: (2 * H @ inv(_gram(X))
                              - 2 * X @ inv(_gram(X)) @ (H.T @ X + X.T @ H) @ inv(_gram(X))),
        hessian_latex=(r"2 H M^{-1} - 2 X M^{-1} (H^\top X + X^\top H) M^{-1},\ "
                       r"M = I_n + X^\top X"),
        source="",
        chapter="ch-second",
        sympy_f=lambda X: sym_log(sym_det(sym_eye(X.shape[1]) + X.T * X)),
        sympy_grad=lambda X: 2 * X * sym_inv(sym_eye(X.shape[1]) + X.T * X),
        derivation=(
            Step(r"\tr((I_n + X^\top X)^{-1} (\mathrm{d}X^\top X + X^\top\,\mathrm{d}X))",
                 lambda dX, X: np.trace(inv(_gram(X)) @ (dX.T @ X + X.T @ dX))),
            Step(r"2\tr((I_n + X^\top X)^{-1} X^\top\,\mathrm{d}X)",
                 lambda dX, X: 2 * np.trace(inv(_gram(X)) @ X.T @ dX)),
            Step(r"\inner{2 X (I_n + X^\top X)^{-1}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(2 * X @ inv(_gram(X)) * dX)),
        ),
    ),
    Identity(
        name="fro_inv_sq",
        kind="second order",
        f_latex=r"\fro{X^{-1}}^2",
        grad_latex=r"-2 X^{-\top} X^{-1} X^{-\top}",
        shapes="X: n×n",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N)),
        f=lambda X: sq(inv(X)),
        grad=lambda X: -2 * inv(X).T @ inv(X) @ inv(X).T,
        hessian=lambda H, X: 2 * (inv(X).T @ H.T @ inv(X).T @ inv(X) @ inv(X).T
                                  + inv(X).T @ inv(X) @ H @ inv(X) @ inv(X).T
                                  + inv(X).T @ inv(X) @ inv(X).T @ H.T @ inv(X).T),
        hessian_latex=(r"2 (X^{-\top} H^\top X^{-\top} X^{-1} X^{-\top} + X^{-\top} X^{-1} H "
                       r"X^{-1} X^{-\top} + X^{-\top} X^{-1} X^{-\top} H^\top X^{-\top})"),
        source="",
        chapter="ch-second",
        sympy_f=lambda X: sym_trace(sym_inv(X).T * sym_inv(X)),
        sympy_grad=lambda X: -2 * sym_inv(X).T * sym_inv(X) * sym_inv(X).T,
        derivation=(
            Step(r"2\inner{X^{-1}}{-X^{-1}\,\mathrm{d}X\,X^{-1}}",
                 lambda dX, X: 2 * np.sum(inv(X) * (-inv(X) @ dX @ inv(X)))),
            Step(r"-2\tr(X^{-1} X^{-\top} X^{-1}\,\mathrm{d}X)",
                 lambda dX, X: -2 * np.trace(inv(X) @ inv(X).T @ inv(X) @ dX)),
            Step(r"\inner{-2 X^{-\top} X^{-1} X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(-2 * inv(X).T @ inv(X) @ inv(X).T * dX)),
        ),
    ),
    Identity(
        name="inv_quad_XtX",
        kind="second order",
        f_latex=r"a^\top (X^\top X)^{-1} a",
        grad_latex=r"-2 X (X^\top X)^{-1} a a^\top (X^\top X)^{-1}",
        shapes="X: m×n, a: n×1",
        assumptions=("X has full column rank",),
        sample=sampler(X=full_column_rank(M, N), a=general(N, 1)),
        f=lambda X, a: value(a.T @ inv(X.T @ X) @ a),
        grad=lambda X, a: -2 * X @ inv(X.T @ X) @ a @ a.T @ inv(X.T @ X),
        hessian=_inv_quad_hessian,
        hessian_latex=(r"-2 H N + 2 X (M^{-1} E N + N E M^{-1}),\ M = X^\top X,\ "
                       r"N = M^{-1} a a^\top M^{-1},\ E = H^\top X + X^\top H"),
        source="",
        chapter="ch-second",
        sympy_f=lambda X, a: sym_trace(a.T * sym_inv(X.T * X) * a),
        sympy_grad=lambda X, a: -2 * X * sym_inv(X.T * X) * a * a.T * sym_inv(X.T * X),
        derivation=(
            Step(r"-a^\top (X^\top X)^{-1} (\mathrm{d}X^\top X + X^\top\,\mathrm{d}X) "
                 r"(X^\top X)^{-1} a",
                 lambda dX, X, a: -value(a.T @ inv(X.T @ X) @ (dX.T @ X + X.T @ dX)
                                         @ inv(X.T @ X) @ a)),
            Step(r"-2 a^\top (X^\top X)^{-1} X^\top\,\mathrm{d}X\,(X^\top X)^{-1} a",
                 lambda dX, X, a: -2 * value(a.T @ inv(X.T @ X) @ X.T @ dX
                                             @ inv(X.T @ X) @ a)),
            Step(r"\inner{-2 X (X^\top X)^{-1} a a^\top (X^\top X)^{-1}}{\mathrm{d}X}",
                 lambda dX, X, a: np.sum(-2 * X @ inv(X.T @ X) @ a @ a.T @ inv(X.T @ X)
                                         * dX)),
        ),
    ),
    Identity(
        name="factorization_XXt",
        kind="second order",
        f_latex=r"\fro{X X^\top - C}^2",
        grad_latex=r"2 (R + R^\top) X,\ R = X X^\top - C",
        shapes="X: m×n, C: m×m",
        assumptions=(),
        sample=sampler(X=general(M, N), C=general(M)),
        f=lambda X, C: sq(X @ X.T - C),
        grad=lambda X, C: 2 * ((X @ X.T - C) + (X @ X.T - C).T) @ X,
        hessian=lambda H, X, C: (4 * (H @ X.T + X @ H.T) @ X
                                 + 2 * ((X @ X.T - C) + (X @ X.T - C).T) @ H),
        hessian_latex=r"4 (H X^\top + X H^\top) X + 2 (R + R^\top) H,\ R = X X^\top - C",
        source="",
        chapter="ch-second",
        sympy_f=lambda X, C: sym_trace((X * X.T - C).T * (X * X.T - C)),
        sympy_grad=lambda X, C: 2 * ((X * X.T - C) + (X * X.T - C).T) * X,
        derivation=(
            Step(r"2\inner{X X^\top - C}{\mathrm{d}X\,X^\top + X\,\mathrm{d}X^\top}",
                 lambda dX, X, C: 2 * np.sum((X @ X.T - C) * (dX @ X.T + X @ dX.T))),
            Step(r"2\tr(X^\top (X X^\top - C)^\top\,\mathrm{d}X) "
                 r"+ 2\tr(X^\top (X X^\top - C)\,\mathrm{d}X)",
                 lambda dX, X, C: 2 * np.trace(X.T @ (X @ X.T - C).T @ dX)
                 + 2 * np.trace(X.T @ (X @ X.T - C) @ dX)),
            Step(r"\inner{2 (R + R^\top) X}{\mathrm{d}X}",
                 lambda dX, X, C: np.sum(2 * ((X @ X.T - C) + (X @ X.T - C).T) @ X * dX)),
        ),
    ),
    Identity(
        name="sylvester_residual",
        kind="second order",
        f_latex=r"\fro{AX + XB - C}^2",
        grad_latex=r"2 (A^\top R + R B^\top),\ R = AX + XB - C",
        shapes="A: m×m, X: m×n, B: n×n, C: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N), A=general(M), B=general(N), C=general(M, N)),
        f=lambda X, A, B, C: sq(A @ X + X @ B - C),
        grad=lambda X, A, B, C: 2 * (A.T @ (A @ X + X @ B - C) + (A @ X + X @ B - C) @ B.T),
        hessian=lambda H, X, A, B, C: 2 * (A.T @ (A @ H + H @ B) + (A @ H + H @ B) @ B.T),
        hessian_latex=r"2 (A^\top (A H + H B) + (A H + H B) B^\top)",
        source="",
        chapter="ch-second",
        sympy_f=lambda X, A, B, C: sym_trace((A * X + X * B - C).T * (A * X + X * B - C)),
        sympy_grad=lambda X, A, B, C: 2 * (A.T * (A * X + X * B - C)
                                           + (A * X + X * B - C) * B.T),
        derivation=(
            Step(r"2\inner{AX + XB - C}{A\,\mathrm{d}X + \mathrm{d}X\,B}",
                 lambda dX, X, A, B, C: 2 * np.sum((A @ X + X @ B - C) * (A @ dX + dX @ B))),
            Step(r"\inner{2 (A^\top R + R B^\top)}{\mathrm{d}X}",
                 lambda dX, X, A, B, C: np.sum(2 * (A.T @ (A @ X + X @ B - C)
                                                    + (A @ X + X @ B - C) @ B.T) * dX)),
        ),
    ),
)
