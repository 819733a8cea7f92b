"""The registry's norms and least-squares objectives.

Squared Frobenius norms are polynomials in X and differentiate like traces; the norm itself
and the nuclear and spectral norms are differentiable only away from their kinks (X = 0,
rank deficiency, a repeated top singular value), which the samplers keep well away from.
Their samplers draw tall and wide X alike, since the formulas hold for both shapes. The
nuclear and spectral norms have no sympy form: sympy cannot differentiate an SVD.
Introduced in Chapter 4, *Trace identities and the trace trick*.
"""

from __future__ import annotations

import numpy as np

from .array_namespace import xp
from .identity_record import Identity, Sampler, Step
from .identity_samplers import (
    M,
    N,
    P,
    general,
    one_of,
    positive,
    sampler,
    sq,
    sym_sqrt,
    sym_trace,
    value,
    with_singular_values,
)

__all__ = ["LEAST_SQUARES", "NORM"]


def _polar_factor(X: np.ndarray) -> np.ndarray:
    """U Vᵀ from the thin SVD X = U Σ Vᵀ."""
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return U @ Vt


def _thin_svd(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U, the singular values and Vᵀ of the thin SVD X = U Σ Vᵀ."""
    return np.linalg.svd(X, full_matrices=False)


def _top_singular_pair(X: np.ndarray) -> np.ndarray:
    """u₀ v₀ᵀ for the largest singular value (the signs of u₀ and v₀ cancel)."""
    U, _, Vt = np.linalg.svd(X, full_matrices=False)
    return np.outer(U[:, 0], Vt[0])


def _tall_or_wide(values: tuple[float, ...]) -> Sampler:
    """A sampler of X, M×N or N×M with equal chances, with singular values ∝ ``values``."""
    return sampler(X=one_of(with_singular_values(M, N, values),
                            with_singular_values(N, M, values)))


# Samplers shared by several entries.
ANY = sampler(X=general(M, N))
LEAST_SQUARES_INPUTS = {"X": general(N, P), "A": general(M, N), "B": general(M, P)}

NORM: tuple[Identity, ...] = (
    Identity(
        name="fro_sq",
        kind="norm",
        f_latex=r"\fro{X}^2 = \tr(X^\top X)",
        grad_latex=r"2X",
        shapes="X: m×n",
        assumptions=(),
        sample=ANY,
        f=lambda X: sq(X),
        grad=lambda X: 2 * X,
        hessian=lambda H, X: 2 * H,
        hessian_latex=r"2 H",
        source="Matrix Cookbook eq. (132)",
        chapter="ch-trace",
        sympy_f=lambda X: sym_trace(X.T * X),
        sympy_grad=lambda X: 2 * X,
        derivation=(
            Step(r"\tr(\mathrm{d}X^\top X) + \tr(X^\top\,\mathrm{d}X)",
                 lambda dX, X: np.trace(dX.T @ X) + np.trace(X.T @ dX)),
            Step(r"2\tr(X^\top\,\mathrm{d}X)", lambda dX, X: 2 * np.trace(X.T @ dX)),
            Step(r"\inner{2X}{\mathrm{d}X}", lambda dX, X: np.sum(2 * X * dX)),
        ),
    ),
    Identity(
        name="fro",
        kind="norm",
        f_latex=r"\fro{X}",
        grad_latex=r"X / \fro{X}",
        shapes="X: m×n",
        assumptions=("X nonzero",),
        sample=ANY,
        f=lambda X: xp.sqrt(sq(X)),
        grad=lambda X: X / np.sqrt(sq(X)),
        source="",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_sqrt(sym_trace(X.T * X)),
        sympy_grad=lambda X: X / sym_sqrt(sym_trace(X.T * X)),
        derivation=(
            Step(r"\frac{\tr(\mathrm{d}X^\top X) + \tr(X^\top\,\mathrm{d}X)}{2\fro{X}}",
                 lambda dX, X: (np.trace(dX.T @ X) + np.trace(X.T @ dX)) / (2 * np.sqrt(sq(X)))),
            Step(r"\frac{2\tr(X^\top\,\mathrm{d}X)}{2\fro{X}}",
                 lambda dX, X: 2 * np.trace(X.T @ dX) / (2 * np.sqrt(sq(X)))),
            Step(r"\inner{X / \fro{X}}{\mathrm{d}X}",
                 lambda dX, X: np.sum(X / np.sqrt(sq(X)) * dX)),
        ),
    ),
    Identity(
        name="fro_XtX_sq",
        kind="norm",
        f_latex=r"\fro{X^\top X}^2",
        grad_latex=r"4 X X^\top X",
        shapes="X: m×n",
        assumptions=(),
        sample=ANY,
        f=lambda X: sq(X.T @ X),
        grad=lambda X: 4 * X @ X.T @ X,
        source="",
        chapter="ch-differentials",
        sympy_f=lambda X: sym_trace(X.T * X * X.T * X),
        sympy_grad=lambda X: 4 * X * X.T * X,
        derivation=(
            Step(r"2\inner{X^\top X}{\mathrm{d}X^\top X + X^\top\,\mathrm{d}X}",
                 lambda dX, X: 2 * np.sum(X.T @ X * (dX.T @ X + X.T @ dX))),
            Step(r"2\tr(X^\top X\,(\mathrm{d}X^\top X + X^\top\,\mathrm{d}X))",
                 lambda dX, X: 2 * np.trace(X.T @ X @ (dX.T @ X + X.T @ dX))),
            Step(r"2\tr(X^\top\,\mathrm{d}X\,X^\top X) + 2\tr(X^\top X X^\top\,\mathrm{d}X)",
                 lambda dX, X: 2 * np.trace(X.T @ dX @ X.T @ X) + 2 * np.trace(X.T @ X @ X.T @ dX)),
            Step(r"4\tr(X^\top X X^\top\,\mathrm{d}X)",
                 lambda dX, X: 4 * np.trace(X.T @ X @ X.T @ dX)),
            Step(r"\inner{4 X X^\top X}{\mathrm{d}X}", lambda dX, X: np.sum(4 * X @ X.T @ X * dX)),
        ),
    ),
    Identity(
        name="nuclear",
        kind="norm",
        f_latex=r"\norm{X}_* = \sum_k \sigma_k(X)",
        grad_latex=r"U V^\top \quad (\text{thin SVD } X = U \Sigma V^\top)",
        shapes="X: m×n",
        assumptions=("X has full rank",),
        sample=_tall_or_wide((3.0, 2.0, 1.0)),
        f=lambda X: xp.linalg.norm(X, "nuc"),
        grad=lambda X: _polar_factor(X),
        source="",
        chapter="ch-differentials",
        derivation=(
            Step(r"\sum_k u_k^\top\,\mathrm{d}X\,v_k \quad (u_k, v_k \text{ the columns of } U, V;"
                 r"\ \text{distinct } \sigma_k)",
                 lambda dX, X: sum(u @ dX @ v for u, v in
                                   zip(_thin_svd(X)[0].T, _thin_svd(X)[2], strict=True))),
            Step(r"\tr(U^\top\,\mathrm{d}X\,V)",
                 lambda dX, X: np.trace(_thin_svd(X)[0].T @ dX @ _thin_svd(X)[2].T)),
            Step(r"\tr(V U^\top\,\mathrm{d}X)",
                 lambda dX, X: np.trace(_thin_svd(X)[2].T @ _thin_svd(X)[0].T @ dX)),
            Step(r"\inner{U V^\top}{\mathrm{d}X}",
                 lambda dX, X: np.sum(_thin_svd(X)[0] @ _thin_svd(X)[2] * dX)),
        ),
    ),
    Identity(
        name="spectral",
        kind="norm",
        f_latex=r"\norm{X}_2 = \sigma_0(X)",
        grad_latex=(r"u_0 v_0^\top \quad (\text{unit } u_0, v_0 \text{ with } "
                    r"X v_0 = \sigma_0 u_0,\ X^\top u_0 = \sigma_0 v_0)"),
        shapes="X: m×n",
        assumptions=("X has a simple, positive largest singular value",),
        sample=_tall_or_wide((3.0, 1.5, 1.0)),
        f=lambda X: xp.linalg.norm(X, 2),
        grad=lambda X: _top_singular_pair(X),
        source="",
        chapter="ch-differentials",
        derivation=(
            Step(r"u_0^\top\,\mathrm{d}X\,v_0 \quad (\text{unit } u_0, v_0 \text{ with }"
                 r" X v_0 = \sigma_0 u_0,\ X^\top u_0 = \sigma_0 v_0)",
                 lambda dX, X: _thin_svd(X)[0][:, 0] @ dX @ _thin_svd(X)[2][0]),
            Step(r"\tr(v_0 u_0^\top\,\mathrm{d}X)",
                 lambda dX, X: np.trace(np.outer(_thin_svd(X)[2][0], _thin_svd(X)[0][:, 0]) @ dX)),
            Step(r"\inner{u_0 v_0^\top}{\mathrm{d}X}",
                 lambda dX, X: np.sum(_top_singular_pair(X) * dX)),
        ),
    ),
    Identity(
        name="vec_norm_sq",
        kind="norm",
        f_latex=r"\norm{X a}^2",
        grad_latex=r"2 X a a^\top",
        shapes="X: m×n, a: n×1",
        assumptions=(),
        sample=sampler(X=general(M, N), a=general(N, 1)),
        f=lambda X, a: sq(X @ a),
        grad=lambda X, a: 2 * X @ a @ a.T,
        source="",
        chapter="ch-trace",
        sympy_f=lambda X, a: sym_trace(a.T * X.T * X * a),
        sympy_grad=lambda X, a: 2 * X * a * a.T,
        derivation=(
            Step(r"a^\top\,\mathrm{d}X^\top X a + a^\top X^\top\,\mathrm{d}X\,a",
                 lambda dX, X, a: value(a.T @ dX.T @ X @ a + a.T @ X.T @ dX @ a)),
            Step(r"2\,a^\top X^\top\,\mathrm{d}X\,a",
                 lambda dX, X, a: 2 * value(a.T @ X.T @ dX @ a)),
            Step(r"2\tr(a a^\top X^\top\,\mathrm{d}X)",
                 lambda dX, X, a: 2 * np.trace(a @ a.T @ X.T @ dX)),
            Step(r"\inner{2 X a a^\top}{\mathrm{d}X}",
                 lambda dX, X, a: np.sum(2 * X @ a @ a.T * dX)),
        ),
    ),
)

LEAST_SQUARES: tuple[Identity, ...] = (
    Identity(
        name="ls_vector",
        kind="least squares",
        f_latex=r"\norm{Ax - b}^2",
        grad_latex=r"2 A^\top (Ax - b)",
        shapes="A: m×n, x: n×1, b: m×1",
        assumptions=(),
        sample=sampler(X=general(N, 1), A=general(M, N), b=general(M, 1)),
        f=lambda X, A, b: sq(A @ X - b),
        grad=lambda X, A, b: 2 * A.T @ (A @ X - b),
        hessian=lambda H, X, A, b: 2 * A.T @ A @ H,
        hessian_latex=r"2 A^\top A h",
        source="",
        chapter="ch-trace",
        sympy_f=lambda X, A, b: sym_trace((A * X - b).T * (A * X - b)),
        sympy_grad=lambda X, A, b: 2 * A.T * (A * X - b),
        derivation=(
            Step(r"(A\,\mathrm{d}x)^\top (Ax - b) + (Ax - b)^\top A\,\mathrm{d}x",
                 lambda dX, X, A, b: value((A @ dX).T @ (A @ X - b) + (A @ X - b).T @ A @ dX)),
            Step(r"2\,(Ax - b)^\top A\,\mathrm{d}x",
                 lambda dX, X, A, b: 2 * value((A @ X - b).T @ A @ dX)),
            Step(r"\inner{2 A^\top (Ax - b)}{\mathrm{d}x}",
                 lambda dX, X, A, b: np.sum(2 * A.T @ (A @ X - b) * dX)),
        ),
    ),
    Identity(
        name="ls_AX",
        kind="least squares",
        f_latex=r"\fro{AX - B}^2",
        grad_latex=r"2 A^\top (AX - B)",
        shapes="A: m×n, X: n×p, B: m×p",
        assumptions=(),
        sample=sampler(**LEAST_SQUARES_INPUTS),
        f=lambda X, A, B: sq(A @ X - B),
        grad=lambda X, A, B: 2 * A.T @ (A @ X - B),
        hessian=lambda H, X, A, B: 2 * A.T @ A @ H,
        hessian_latex=r"2 A^\top A H",
        source="Matrix Cookbook eq. (119), a special case",
        chapter="ch-trace",
        sympy_f=lambda X, A, B: sym_trace((A * X - B).T * (A * X - B)),
        sympy_grad=lambda X, A, B: 2 * A.T * (A * X - B),
        derivation=(
            Step(r"\inner{A\,\mathrm{d}X}{AX - B} + \inner{AX - B}{A\,\mathrm{d}X}",
                 lambda dX, X, A, B: np.sum((A @ dX) * (A @ X - B))
                     + np.sum((A @ X - B) * (A @ dX))),
            Step(r"2\tr((AX - B)^\top A\,\mathrm{d}X)",
                 lambda dX, X, A, B: 2 * np.trace((A @ X - B).T @ A @ dX)),
            Step(r"\inner{2 A^\top (AX - B)}{\mathrm{d}X}",
                 lambda dX, X, A, B: np.sum(2 * A.T @ (A @ X - B) * dX)),
        ),
    ),
    Identity(
        name="ls_XA",
        kind="least squares",
        f_latex=r"\fro{XA - B}^2",
        grad_latex=r"2 (XA - B) A^\top",
        shapes="X: p×m, A: m×n, B: p×n",
        assumptions=(),
        sample=sampler(X=general(P, M), A=general(M, N), B=general(P, N)),
        f=lambda X, A, B: sq(X @ A - B),
        grad=lambda X, A, B: 2 * (X @ A - B) @ A.T,
        hessian=lambda H, X, A, B: 2 * H @ A @ A.T,
        hessian_latex=r"2 H A A^\top",
        source="Matrix Cookbook eq. (119), a special case",
        chapter="ch-trace",
        sympy_f=lambda X, A, B: sym_trace((X * A - B).T * (X * A - B)),
        sympy_grad=lambda X, A, B: 2 * (X * A - B) * A.T,
        derivation=(
            Step(r"\inner{\mathrm{d}X\,A}{XA - B} + \inner{XA - B}{\mathrm{d}X\,A}",
                 lambda dX, X, A, B: np.sum((dX @ A) * (X @ A - B))
                     + np.sum((X @ A - B) * (dX @ A))),
            Step(r"2\tr((XA - B)^\top\,\mathrm{d}X\,A)",
                 lambda dX, X, A, B: 2 * np.trace((X @ A - B).T @ dX @ A)),
            Step(r"2\tr(A (XA - B)^\top\,\mathrm{d}X)",
                 lambda dX, X, A, B: 2 * np.trace(A @ (X @ A - B).T @ dX)),
            Step(r"\inner{2 (XA - B) A^\top}{\mathrm{d}X}",
                 lambda dX, X, A, B: np.sum(2 * (X @ A - B) @ A.T * dX)),
        ),
    ),
    Identity(
        name="ridge",
        kind="least squares",
        f_latex=r"\fro{AX - B}^2 + \lambda \fro{X}^2",
        grad_latex=r"2 A^\top (AX - B) + 2 \lambda X",
        shapes="A: m×n, X: n×p, B: m×p, λ: scalar",
        assumptions=(),
        sample=sampler(**LEAST_SQUARES_INPUTS, lam=positive()),
        f=lambda X, A, B, lam: sq(A @ X - B) + lam * sq(X),
        grad=lambda X, A, B, lam: 2 * A.T @ (A @ X - B) + 2 * lam * X,
        hessian=lambda H, X, A, B, lam: 2 * A.T @ A @ H + 2 * lam * H,
        hessian_latex=r"2 A^\top A H + 2 \lambda H",
        source="",
        chapter="ch-trace",
        sympy_f=lambda X, A, B, lam: sym_trace((A * X - B).T * (A * X - B))
        + lam * sym_trace(X.T * X),
        sympy_grad=lambda X, A, B, lam: 2 * A.T * (A * X - B) + 2 * lam * X,
        derivation=(
            Step(r"2\inner{AX - B}{A\,\mathrm{d}X} + 2\lambda\inner{X}{\mathrm{d}X}",
                 lambda dX, X, A, B, lam: 2 * np.sum((A @ X - B) * (A @ dX))
                     + 2 * lam * np.sum(X * dX)),
            Step(r"2\tr((AX - B)^\top A\,\mathrm{d}X) + 2\lambda\inner{X}{\mathrm{d}X}",
                 lambda dX, X, A, B, lam: 2 * np.trace((A @ X - B).T @ A @ dX)
                     + 2 * lam * np.sum(X * dX)),
            Step(r"\inner{2 A^\top (AX - B) + 2 \lambda X}{\mathrm{d}X}",
                 lambda dX, X, A, B, lam: np.sum((2 * A.T @ (A @ X - B) + 2 * lam * X) * dX)),
        ),
    ),
    Identity(
        name="weighted_ls",
        kind="least squares",
        f_latex=r"\tr\left((AX - B)^\top W (AX - B)\right)",
        grad_latex=r"A^\top (W + W^\top)(AX - B)",
        shapes="A: m×n, X: n×p, B: m×p, W: m×m",
        assumptions=(),
        sample=sampler(**LEAST_SQUARES_INPUTS, W=general(M)),
        f=lambda X, A, B, W: xp.trace((A @ X - B).T @ W @ (A @ X - B)),
        grad=lambda X, A, B, W: A.T @ (W + W.T) @ (A @ X - B),
        hessian=lambda H, X, A, B, W: A.T @ (W + W.T) @ A @ H,
        hessian_latex=r"A^\top (W + W^\top) A H",
        source="",
        chapter="ch-trace",
        sympy_f=lambda X, A, B, W: sym_trace((A * X - B).T * W * (A * X - B)),
        sympy_grad=lambda X, A, B, W: A.T * (W + W.T) * (A * X - B),
        derivation=(
            Step(r"\tr(\mathrm{d}X^\top A^\top W (AX - B)) + \tr((AX - B)^\top W A\,\mathrm{d}X)",
                 lambda dX, X, A, B, W: np.trace(dX.T @ A.T @ W @ (A @ X - B))
                     + np.trace((A @ X - B).T @ W @ A @ dX)),
            Step(r"\tr((AX - B)^\top W^\top A\,\mathrm{d}X) + \tr((AX - B)^\top W A\,\mathrm{d}X)",
                 lambda dX, X, A, B, W: np.trace((A @ X - B).T @ W.T @ A @ dX)
                     + np.trace((A @ X - B).T @ W @ A @ dX)),
            Step(r"\tr((AX - B)^\top (W + W^\top) A\,\mathrm{d}X)",
                 lambda dX, X, A, B, W: np.trace((A @ X - B).T @ (W + W.T) @ A @ dX)),
            Step(r"\inner{A^\top (W + W^\top)(AX - B)}{\mathrm{d}X}",
                 lambda dX, X, A, B, W: np.sum(A.T @ (W + W.T) @ (A @ X - B) * dX)),
        ),
    ),
)
