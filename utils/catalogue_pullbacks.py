"""The registry's pullbacks: the reverse-mode rules of Chapter 9, as gradients.

A pullback (vector–Jacobian product) of a matrix-valued map F at X sends an output adjoint
G to DF(X)*[G], and DF(X)*[G] is the gradient of the scalar function X ↦ ⟨G, F(X)⟩ with G
held fixed. So each rule is an entry f(X) = ⟨G, F(X)⟩ with ∇f(X) = DF(X)*[G], checked like
every other entry; G plays the part of the adjoint Ȳ of the chapter's rules. The product
rules are the entries ``vjp_AX`` and ``vjp_XB`` of the products, and the rules for det,
log|det| and tr are, up to the factor of the adjoint, ``det_X``, ``logdet_X`` and
``trace_X``. This module holds the others (transpose, inverse, the two arguments of a solve,
the entrywise product and an entrywise function, tanh) and three compositions of them:
X ∘ X and XᵀX, which use X twice, and (XᵀAX)⁻¹. Introduced in Chapter 9, *Forward and
reverse mode*.
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
    sym_inv,
    sym_trace,
)

__all__ = ["PULLBACK"]

solve = xp.linalg.solve


def _sym_hadamard(A: Any, B: Any) -> Any:
    """A ∘ B for sympy: an explicit matrix, or a HadamardProduct of matrix symbols."""
    import sympy

    return sympy.hadamard_product(A, B)


def _sym_tanh(X: Any) -> Any:
    """tanh applied to each entry of a sympy matrix or matrix symbol."""
    import sympy

    return X.applyfunc(sympy.tanh)


def _sym_tanh_slope(X: Any) -> Any:
    """tanh′ = 1 − tanh² applied to each entry of a sympy matrix or matrix symbol."""
    import sympy

    return X.applyfunc(lambda x: 1 - sympy.tanh(x) ** 2)


def _sym_square(X: Any) -> Any:
    """X ∘ X for sympy, as x ↦ x² on each entry (sympy leaves X ∘ X of matrix symbols as a
    HadamardPower, which it does not evaluate once explicit matrices are substituted)."""
    return X.applyfunc(lambda x: x**2)


def _tanh_slope(X: np.ndarray) -> np.ndarray:
    """tanh′(X) = 1 − tanh(X) ∘ tanh(X), entry by entry."""
    return 1 - np.tanh(X) ** 2


def _inv_XtAX(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    """(XᵀAX)⁻¹."""
    return inv(X.T @ A @ X)


def _grad_inv_XtAX(X: np.ndarray, A: np.ndarray, G: np.ndarray) -> np.ndarray:
    """∇⟨G, (XᵀAX)⁻¹⟩ = AXWᵀ + AᵀXW with W = −M⁻ᵀGM⁻ᵀ, M = XᵀAX."""
    W = -_inv_XtAX(X, A).T @ G @ _inv_XtAX(X, A).T
    return A @ X @ W.T + A.T @ X @ W


PULLBACK: tuple[Identity, ...] = (
    Identity(
        name="vjp_transpose",
        kind="pullback",
        f_latex=r"\inner{G}{X^\top} = \tr(G^\top X^\top)",
        grad_latex=r"G^\top",
        shapes="X: m×n, G: n×m",
        assumptions=(),
        sample=sampler(X=general(M, N), G=general(N, M)),
        f=lambda X, G: xp.sum(G * X.T),
        grad=lambda X, G: G.T,
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, G: sym_trace(G.T * X.T),
        sympy_grad=lambda X, G: G.T,
        derivation=(
            Step(r"\inner{G}{\mathrm{d}X^\top}", lambda dX, X, G: np.sum(G * dX.T)),
            Step(r"\tr(G^\top\,\mathrm{d}X^\top)", lambda dX, X, G: np.trace(G.T @ dX.T)),
            Step(r"\inner{G^\top}{\mathrm{d}X}", lambda dX, X, G: np.sum(G.T * dX)),
        ),
    ),
    Identity(
        name="vjp_inverse",
        kind="pullback",
        f_latex=r"\inner{G}{X^{-1}}",
        grad_latex=r"-X^{-\top} G X^{-\top}",
        shapes="X: n×n, G: n×n",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N), G=general(N)),
        f=lambda X, G: xp.sum(G * inv(X)),
        grad=lambda X, G: -inv(X).T @ G @ inv(X).T,
        source="Giles (2008), reverse-mode rule for an inverse",
        chapter="ch-modes",
        sympy_f=lambda X, G: sym_trace(G.T * sym_inv(X)),
        sympy_grad=lambda X, G: -sym_inv(X).T * G * sym_inv(X).T,
        derivation=(
            Step(r"\inner{G}{-X^{-1}\,\mathrm{d}X\,X^{-1}}",
                 lambda dX, X, G: np.sum(G * (-inv(X) @ dX @ inv(X)))),
            Step(r"-\tr(X^{-1} G^\top X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, G: -np.trace(inv(X) @ G.T @ inv(X) @ dX)),
            Step(r"\inner{-X^{-\top} G X^{-\top}}{\mathrm{d}X}",
                 lambda dX, X, G: np.sum(-inv(X).T @ G @ inv(X).T * dX)),
        ),
    ),
    Identity(
        name="vjp_solve_A",
        kind="pullback",
        f_latex=r"\inner{G}{X^{-1} B}",
        grad_latex=r"-X^{-\top} G Y^\top,\ Y = X^{-1} B",
        shapes="X: n×n, B: n×p, G: n×p",
        assumptions=("X invertible",),
        sample=sampler(X=invertible(N), B=general(N, P), G=general(N, P)),
        f=lambda X, B, G: xp.sum(G * solve(X, B)),
        grad=lambda X, B, G: -np.linalg.solve(X.T, G) @ np.linalg.solve(X, B).T,
        source="Giles (2008), reverse-mode rule for an inverse product",
        chapter="ch-modes",
        sympy_f=lambda X, B, G: sym_trace(G.T * sym_inv(X) * B),
        sympy_grad=lambda X, B, G: -sym_inv(X).T * G * (sym_inv(X) * B).T,
        derivation=(
            Step(r"\inner{G}{-X^{-1}\,\mathrm{d}X\,X^{-1} B}",
                 lambda dX, X, B, G: np.sum(G * (-inv(X) @ dX @ inv(X) @ B))),
            Step(r"-\tr(X^{-1} B G^\top X^{-1}\,\mathrm{d}X)",
                 lambda dX, X, B, G: -np.trace(inv(X) @ B @ G.T @ inv(X) @ dX)),
            Step(r"\inner{-X^{-\top} G (X^{-1} B)^\top}{\mathrm{d}X}",
                 lambda dX, X, B, G: np.sum(-inv(X).T @ G @ (inv(X) @ B).T * dX)),
        ),
    ),
    Identity(
        name="vjp_solve_B",
        kind="pullback",
        f_latex=r"\inner{G}{A^{-1} X}",
        grad_latex=r"A^{-\top} G",
        shapes="A: n×n, X: n×p, G: n×p",
        assumptions=("A invertible",),
        sample=sampler(X=general(N, P), A=invertible(N), G=general(N, P)),
        f=lambda X, A, G: xp.sum(G * solve(A, X)),
        grad=lambda X, A, G: np.linalg.solve(A.T, G),
        source="Giles (2008), reverse-mode rule for an inverse product",
        chapter="ch-modes",
        sympy_f=lambda X, A, G: sym_trace(G.T * sym_inv(A) * X),
        sympy_grad=lambda X, A, G: sym_inv(A).T * G,
        derivation=(
            Step(r"\inner{G}{A^{-1}\,\mathrm{d}X}",
                 lambda dX, X, A, G: np.sum(G * (inv(A) @ dX))),
            Step(r"\tr(G^\top A^{-1}\,\mathrm{d}X)",
                 lambda dX, X, A, G: np.trace(G.T @ inv(A) @ dX)),
            Step(r"\inner{A^{-\top} G}{\mathrm{d}X}",
                 lambda dX, X, A, G: np.sum(inv(A).T @ G * dX)),
        ),
    ),
    Identity(
        name="vjp_hadamard",
        kind="pullback",
        f_latex=r"\inner{G}{A \circ X}",
        grad_latex=r"G \circ A",
        shapes="A: m×n, X: m×n, G: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N), A=general(M, N), G=general(M, N)),
        f=lambda X, A, G: xp.sum(G * (A * X)),
        grad=lambda X, A, G: G * A,
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, A, G: sym_trace(G.T * _sym_hadamard(A, X)),
        sympy_grad=lambda X, A, G: _sym_hadamard(G, A),
        derivation=(
            Step(r"\inner{G}{A \circ \mathrm{d}X}",
                 lambda dX, X, A, G: np.sum(G * (A * dX))),
            Step(r"\sum_{ij} G_{ij} A_{ij}\,\mathrm{d}X_{ij}",
                 lambda dX, X, A, G: sum(G[i, j] * A[i, j] * dX[i, j]
                                         for i in range(X.shape[0])
                                         for j in range(X.shape[1]))),
            Step(r"\inner{G \circ A}{\mathrm{d}X}", lambda dX, X, A, G: np.sum(G * A * dX)),
        ),
    ),
    Identity(
        name="vjp_square",
        kind="pullback",
        f_latex=r"\inner{G}{X \circ X}",
        grad_latex=r"2 G \circ X",
        shapes="X: m×n, G: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N), G=general(M, N)),
        f=lambda X, G: xp.sum(G * (X * X)),
        grad=lambda X, G: 2 * G * X,
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, G: sym_trace(G.T * _sym_square(X)),
        sympy_grad=lambda X, G: 2 * _sym_hadamard(G, X),
        derivation=(
            Step(r"\inner{G}{\mathrm{d}X \circ X + X \circ \mathrm{d}X}",
                 lambda dX, X, G: np.sum(G * (dX * X + X * dX))),
            Step(r"\inner{G \circ X}{\mathrm{d}X} + \inner{G \circ X}{\mathrm{d}X}",
                 lambda dX, X, G: 2 * np.sum(G * X * dX)),
            Step(r"\inner{2 G \circ X}{\mathrm{d}X}", lambda dX, X, G: np.sum(2 * G * X * dX)),
        ),
    ),
    Identity(
        name="vjp_tanh",
        kind="pullback",
        f_latex=r"\inner{G}{\tanh(X)}",
        grad_latex=r"G \circ (1_m 1_n^\top - \tanh(X) \circ \tanh(X))",
        shapes="X: m×n, G: m×n",
        assumptions=(),
        sample=sampler(X=general(M, N), G=general(M, N)),
        f=lambda X, G: xp.sum(G * xp.tanh(X)),
        grad=lambda X, G: G * _tanh_slope(X),
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, G: sym_trace(G.T * _sym_tanh(X)),
        sympy_grad=lambda X, G: _sym_hadamard(G, _sym_tanh_slope(X)),
        derivation=(
            Step(r"\inner{G}{(1_m 1_n^\top - \tanh(X) \circ \tanh(X)) \circ \mathrm{d}X}",
                 lambda dX, X, G: np.sum(G * (_tanh_slope(X) * dX))),
            Step(r"\sum_{ij} G_{ij} (1 - \tanh(X_{ij})^2)\,\mathrm{d}X_{ij}",
                 lambda dX, X, G: sum(G[i, j] * (1 - np.tanh(X[i, j]) ** 2) * dX[i, j]
                                      for i in range(X.shape[0])
                                      for j in range(X.shape[1]))),
            Step(r"\inner{G \circ (1_m 1_n^\top - \tanh(X) \circ \tanh(X))}{\mathrm{d}X}",
                 lambda dX, X, G: np.sum(G * _tanh_slope(X) * dX)),
        ),
    ),
    Identity(
        name="vjp_gram",
        kind="pullback",
        f_latex=r"\inner{G}{X^\top X}",
        grad_latex=r"X (G + G^\top)",
        shapes="X: m×n, G: n×n",
        assumptions=(),
        sample=sampler(X=general(M, N), G=general(N)),
        f=lambda X, G: xp.sum(G * (X.T @ X)),
        grad=lambda X, G: X @ (G + G.T),
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, G: sym_trace(G.T * X.T * X),
        sympy_grad=lambda X, G: X * (G + G.T),
        derivation=(
            Step(r"\inner{G}{\mathrm{d}X^\top X + X^\top\,\mathrm{d}X}",
                 lambda dX, X, G: np.sum(G * (dX.T @ X + X.T @ dX))),
            Step(r"\inner{G X^\top}{\mathrm{d}X^\top} + \inner{X G}{\mathrm{d}X}",
                 lambda dX, X, G: np.sum(G @ X.T * dX.T) + np.sum(X @ G * dX)),
            Step(r"\inner{X G^\top}{\mathrm{d}X} + \inner{X G}{\mathrm{d}X}",
                 lambda dX, X, G: np.sum(X @ G.T * dX) + np.sum(X @ G * dX)),
            Step(r"\inner{X (G + G^\top)}{\mathrm{d}X}",
                 lambda dX, X, G: np.sum(X @ (G + G.T) * dX)),
        ),
    ),
    Identity(
        name="vjp_inv_XtAX",
        kind="pullback",
        f_latex=r"\inner{G}{(X^\top A X)^{-1}}",
        grad_latex=r"A X W^\top + A^\top X W,\ M = X^\top A X,\ W = -M^{-\top} G M^{-\top}",
        shapes="X: m×n, A: m×m, G: n×n",
        assumptions=("XᵀAX invertible",),
        sample=sampler(X=full_column_rank(M, N), A=dominant_part(M), G=general(N)),
        f=lambda X, A, G: xp.sum(G * inv(X.T @ A @ X)),
        grad=_grad_inv_XtAX,
        source="",
        chapter="ch-modes",
        sympy_f=lambda X, A, G: sym_trace(G.T * sym_inv(X.T * A * X)),
        sympy_grad=lambda X, A, G: (
            -A * X * sym_inv(X.T * A * X) * G.T * sym_inv(X.T * A * X)
            - A.T * X * sym_inv(X.T * A * X).T * G * sym_inv(X.T * A * X).T),
        derivation=(
            Step(r"\inner{G}{-M^{-1}(\mathrm{d}X^\top A X + X^\top A\,\mathrm{d}X) M^{-1}},\ "
                 r"M = X^\top A X",
                 lambda dX, X, A, G: np.sum(G * (-_inv_XtAX(X, A)
                                                 @ (dX.T @ A @ X + X.T @ A @ dX)
                                                 @ _inv_XtAX(X, A)))),
            Step(r"\inner{W}{\mathrm{d}X^\top A X + X^\top A\,\mathrm{d}X},\ "
                 r"W = -M^{-\top} G M^{-\top}",
                 lambda dX, X, A, G: np.sum(-_inv_XtAX(X, A).T @ G @ _inv_XtAX(X, A).T
                                            * (dX.T @ A @ X + X.T @ A @ dX))),
            Step(r"\inner{W X^\top A^\top}{\mathrm{d}X^\top} + \inner{A^\top X W}{\mathrm{d}X}",
                 lambda dX, X, A, G: np.sum(-_inv_XtAX(X, A).T @ G @ _inv_XtAX(X, A).T
                                            @ X.T @ A.T * dX.T)
                 + np.sum(A.T @ X @ (-_inv_XtAX(X, A).T @ G @ _inv_XtAX(X, A).T) * dX)),
            Step(r"\inner{A X W^\top + A^\top X W}{\mathrm{d}X}",
                 lambda dX, X, A, G: np.sum(_grad_inv_XtAX(X, A, G) * dX)),
        ),
    ),
)
