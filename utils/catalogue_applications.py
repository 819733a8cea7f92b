"""The registry's application identities: the losses that Chapter 11 trains or solves.

Each entry is the gradient, in one weight matrix X, of a loss that machine learning and
statistics minimise: softmax cross-entropy, a two-layer network's squared error in each
layer, weighted low-rank matrix completion in each factor, scaled dot-product attention in
its queries, keys and values, and the Rayleigh quotient of PCA. Every derivation is the
chain rule of differentials; the row-wise softmax enters through its differential
d softmax(S) = P ∘ (dS − ((P ∘ dS) 1) 1ᵀ), P = softmax(S), and tanh through
d tanh(Z) = (1 − tanh(Z)∘tanh(Z)) ∘ dZ. The softmax is computed without shifting its rows,
so that f stays one complex-analytic expression (the complex step applies) that JAX can
trace; the samplers keep the scores small. Introduced in Chapter 11, *Applications*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .array_namespace import xp
from .identity_record import Identity, Step
from .identity_samplers import full_column_rank, general, inv, sampler, sq, sym_inv, sym_trace

__all__ = ["APPLICATIONS"]

CHAPTER = "ch-applications"


def softmax(S: Any) -> Any:
    """The softmax of each row of S: exp(S_ij) / Σ_j exp(S_ij) (numpy or JAX, real or complex)."""
    E = xp.exp(S)
    return E / xp.sum(E, axis=1, keepdims=True)


def softmax_pullback(P: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The adjoint of the row-wise softmax at P = softmax(S), applied to G: P ∘ (G − rowsum(P ∘ G)).

    It is also its derivative: the Jacobian of each row, diag(p) − ppᵀ, is symmetric.
    """
    return P * (G - np.sum(P * G, axis=1, keepdims=True))


def _inner(G: np.ndarray, dX: np.ndarray) -> float:
    return float(np.sum(G * dX))


def _ones(n: int) -> np.ndarray:
    return np.ones((n, 1))


# -- samplers ----------------------------------------------------------------------------------


def probability_rows(m: int, k: int) -> Any:
    """A draw of an m×k matrix with positive rows that sum to 1 (soft labels)."""
    return lambda rng: np.asarray(softmax(rng.standard_normal((m, k))))


def weights_with_zeros(m: int, n: int) -> Any:
    """A draw of m×n weights: about 40% zeros (unobserved entries), the rest in [1/2, 3/2]."""

    def draw(rng: np.random.Generator) -> np.ndarray:
        mask = rng.random((m, n)) < 0.6
        return mask * rng.uniform(0.5, 1.5, size=(m, n))

    return draw


def scaled(draw: Any, factor: float) -> Any:
    """A draw multiplied by ``factor`` (keeps softmax scores and tanh inputs moderate)."""
    return lambda rng: factor * draw(rng)


# -- the pieces of the formulas ----------------------------------------------------------------


def _xent_grad(X: np.ndarray, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return A.T @ (np.asarray(softmax(A @ X)) - Y)


def _hidden(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    return np.tanh(X @ A)


def _first_layer_delta(X: np.ndarray, A: np.ndarray, W: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(Wᵀ R) ∘ (1 − H∘H) with H = tanh(XA), R = WH − B: the adjoint of the pre-activation."""
    H = _hidden(X, A)
    return (W.T @ (W @ H - B)) * (1 - H * H)


def _attention_scores(Q: np.ndarray, K: np.ndarray) -> np.ndarray:
    return np.asarray(softmax(Q @ K.T / np.sqrt(Q.shape[1])))


def _attention_delta(Q: np.ndarray, K: np.ndarray, V: np.ndarray, C: np.ndarray) -> np.ndarray:
    """E = P ∘ (CVᵀ − ((P ∘ CVᵀ) 1) 1ᵀ): the adjoint of the scores S = QKᵀ/√d."""
    return softmax_pullback(_attention_scores(Q, K), C @ V.T)


def _rayleigh_grad(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    Mi = inv(X.T @ X)
    B = X.T @ A @ X
    return (A + A.T) @ X @ Mi - X @ Mi @ (B + B.T) @ Mi


def _hadamard(A: Any, B: Any) -> Any:
    """A ∘ B for sympy: explicit matrices entrywise, matrix symbols as a HadamardProduct."""
    import sympy

    if isinstance(A, sympy.MatrixBase) and isinstance(B, sympy.MatrixBase):
        return A.multiply_elementwise(B)
    return sympy.hadamard_product(A, B)


def _sym_sq(M: Any) -> Any:
    """‖M‖²_F for sympy."""
    return sym_trace(M.T * M)


# the remarks that define the names the formulas share
SOFTMAX_P = r",\ P = \operatorname{softmax}(AX)"
HIDDEN = r",\ H = \tanh(XA),\ R = W H - B"
SCORES_Q = r",\ P = \operatorname{softmax}(X K^\top / \sqrt{d})"
SCORES_K = r",\ P = \operatorname{softmax}(Q X^\top / \sqrt{d})"
DELTA = r",\ E = P \circ (C V^\top - ((P \circ (C V^\top)) 1_k) 1_k^\top)"
RAYLEIGH = r",\ M = X^\top X,\ B = X^\top A X"

APPLICATIONS: tuple[Identity, ...] = (
    Identity(
        name="softmax_cross_entropy",
        kind="application",
        f_latex=r"-\sum_{ij} Y_{ij} \log P_{ij},\ P = \operatorname{softmax}(AX)",
        grad_latex=r"A^\top (\operatorname{softmax}(AX) - Y)",
        shapes="A: m×n, X: n×k, Y: m×k",
        assumptions=("Y has rows that sum to 1",),
        sample=sampler(X=scaled(general(3, 4), 0.5), A=general(5, 3),
                       Y=probability_rows(5, 4)),
        f=lambda X, A, Y: -xp.sum(Y * xp.log(softmax(A @ X))),
        grad=_xent_grad,
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"-\inner{Y}{A\,\mathrm{d}X - ((P \circ (A\,\mathrm{d}X)) 1_k) 1_k^\top}"
                 + SOFTMAX_P,
                 lambda dX, X, A, Y: -_inner(Y, A @ dX - np.sum(
                     np.asarray(softmax(A @ X)) * (A @ dX), axis=1, keepdims=True))),
            Step(r"\inner{P - Y}{A\,\mathrm{d}X} \quad (Y 1_k = 1_m)",
                 lambda dX, X, A, Y: _inner(np.asarray(softmax(A @ X)) - Y, A @ dX)),
            Step(r"\inner{A^\top (P - Y)}{\mathrm{d}X}",
                 lambda dX, X, A, Y: _inner(_xent_grad(X, A, Y), dX)),
        ),
    ),
    Identity(
        name="network_first_layer",
        kind="application",
        f_latex=r"\frac{1}{2}\fro{W \tanh(XA) - B}^2",
        grad_latex=r"((W^\top R) \circ (1_h 1_q^\top - H \circ H)) A^\top" + HIDDEN,
        shapes="X: h×d, A: d×q, W: k×h, B: k×q",
        assumptions=(),
        sample=sampler(X=scaled(general(5, 3), 0.5), A=general(3, 6), W=general(2, 5),
                       B=general(2, 6)),
        f=lambda X, A, W, B: sq(W @ xp.tanh(X @ A) - B) / 2,
        grad=lambda X, A, W, B: _first_layer_delta(X, A, W, B) @ A.T,
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"\inner{R}{W ((1_h 1_q^\top - H \circ H) \circ (\mathrm{d}X\,A))}",
                 lambda dX, X, A, W, B: _inner(W @ _hidden(X, A) - B, W @ (
                     (1 - _hidden(X, A) ** 2) * (dX @ A)))),
            Step(r"\inner{(W^\top R) \circ (1_h 1_q^\top - H \circ H)}{\mathrm{d}X\,A}",
                 lambda dX, X, A, W, B: _inner(_first_layer_delta(X, A, W, B), dX @ A)),
            Step(r"\inner{((W^\top R) \circ (1_h 1_q^\top - H \circ H)) A^\top}{\mathrm{d}X}",
                 lambda dX, X, A, W, B: _inner(_first_layer_delta(X, A, W, B) @ A.T, dX)),
        ),
    ),
    Identity(
        name="network_second_layer",
        kind="application",
        f_latex=r"\frac{1}{2}\fro{X \tanh(WA) - B}^2",
        grad_latex=r"(X H - B) H^\top,\ H = \tanh(WA)",
        shapes="X: k×h, W: h×d, A: d×q, B: k×q",
        assumptions=(),
        sample=sampler(X=general(2, 5), W=scaled(general(5, 3), 0.5), A=general(3, 6),
                       B=general(2, 6)),
        f=lambda X, W, A, B: sq(X @ xp.tanh(W @ A) - B) / 2,
        grad=lambda X, W, A, B: (X @ np.tanh(W @ A) - B) @ np.tanh(W @ A).T,
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"\inner{X H - B}{\mathrm{d}X\,H}",
                 lambda dX, X, W, A, B: _inner(X @ np.tanh(W @ A) - B, dX @ np.tanh(W @ A))),
            Step(r"\inner{(X H - B) H^\top}{\mathrm{d}X}",
                 lambda dX, X, W, A, B: _inner((X @ np.tanh(W @ A) - B) @ np.tanh(W @ A).T,
                                               dX)),
        ),
    ),
    Identity(
        name="completion_left_factor",
        kind="application",
        f_latex=r"\fro{W \circ (X V^\top - C)}^2",
        grad_latex=r"2 (W \circ W \circ (X V^\top - C)) V",
        shapes="X: m×r, V: n×r, C: m×n, W: m×n",
        assumptions=(),
        sample=sampler(X=general(5, 2), V=general(4, 2), C=general(5, 4),
                       W=weights_with_zeros(5, 4)),
        f=lambda X, V, C, W: sq(W * (X @ V.T - C)),
        grad=lambda X, V, C, W: 2 * (W * W * (X @ V.T - C)) @ V,
        source="",
        chapter=CHAPTER,
        sympy_f=lambda X, V, C, W: _sym_sq(_hadamard(W, X * V.T - C)),
        sympy_grad=lambda X, V, C, W: 2 * _hadamard(_hadamard(W, W), X * V.T - C) * V,
        derivation=(
            Step(r"2\inner{W \circ (X V^\top - C)}{W \circ (\mathrm{d}X\,V^\top)}",
                 lambda dX, X, V, C, W: 2 * _inner(W * (X @ V.T - C), W * (dX @ V.T))),
            Step(r"2\inner{W \circ W \circ (X V^\top - C)}{\mathrm{d}X\,V^\top}",
                 lambda dX, X, V, C, W: 2 * _inner(W * W * (X @ V.T - C), dX @ V.T)),
            Step(r"\inner{2 (W \circ W \circ (X V^\top - C)) V}{\mathrm{d}X}",
                 lambda dX, X, V, C, W: _inner(2 * (W * W * (X @ V.T - C)) @ V, dX)),
        ),
    ),
    Identity(
        name="completion_right_factor",
        kind="application",
        f_latex=r"\fro{W \circ (U X^\top - C)}^2",
        grad_latex=r"2 (W \circ W \circ (U X^\top - C))^\top U",
        shapes="U: m×r, X: n×r, C: m×n, W: m×n",
        assumptions=(),
        sample=sampler(U=general(5, 2), X=general(4, 2), C=general(5, 4),
                       W=weights_with_zeros(5, 4)),
        f=lambda X, U, C, W: sq(W * (U @ X.T - C)),
        grad=lambda X, U, C, W: 2 * (W * W * (U @ X.T - C)).T @ U,
        source="",
        chapter=CHAPTER,
        sympy_f=lambda X, U, C, W: _sym_sq(_hadamard(W, U * X.T - C)),
        sympy_grad=lambda X, U, C, W: 2 * _hadamard(_hadamard(W, W), U * X.T - C).T * U,
        derivation=(
            Step(r"2\inner{W \circ W \circ (U X^\top - C)}{U\,\mathrm{d}X^\top}",
                 lambda dX, X, U, C, W: 2 * _inner(W * W * (U @ X.T - C), U @ dX.T)),
            Step(r"2\inner{U^\top (W \circ W \circ (U X^\top - C))}{\mathrm{d}X^\top}",
                 lambda dX, X, U, C, W: 2 * _inner(U.T @ (W * W * (U @ X.T - C)), dX.T)),
            Step(r"\inner{2 (W \circ W \circ (U X^\top - C))^\top U}{\mathrm{d}X}",
                 lambda dX, X, U, C, W: _inner(2 * (W * W * (U @ X.T - C)).T @ U, dX)),
        ),
    ),
    Identity(
        name="attention_queries",
        kind="application",
        f_latex=r"\inner{C}{P V},\ P = \operatorname{softmax}(X K^\top / \sqrt{d})",
        grad_latex=r"E K / \sqrt{d}" + SCORES_Q + DELTA,
        shapes="X: m×d, K: k×d, V: k×p, C: m×p",
        assumptions=(),
        sample=sampler(X=general(4, 3), K=general(5, 3), V=general(5, 2), C=general(4, 2)),
        f=lambda X, K, V, C: xp.sum(C * (softmax(X @ K.T / np.sqrt(X.shape[1])) @ V)),
        grad=lambda X, K, V, C: _attention_delta(X, K, V, C) @ K / np.sqrt(X.shape[1]),
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"\inner{C V^\top}{P \circ (\mathrm{d}X\,K^\top - ((P \circ (\mathrm{d}X\,"
                 r"K^\top)) 1_k) 1_k^\top)} / \sqrt{d}",
                 lambda dX, X, K, V, C: _inner(C @ V.T, softmax_pullback(
                     _attention_scores(X, K), dX @ K.T)) / np.sqrt(X.shape[1])),
            Step(r"\inner{E}{\mathrm{d}X\,K^\top} / \sqrt{d}",
                 lambda dX, X, K, V, C: _inner(_attention_delta(X, K, V, C), dX @ K.T)
                 / np.sqrt(X.shape[1])),
            Step(r"\inner{E K / \sqrt{d}}{\mathrm{d}X}",
                 lambda dX, X, K, V, C: _inner(_attention_delta(X, K, V, C) @ K
                                               / np.sqrt(X.shape[1]), dX)),
        ),
    ),
    Identity(
        name="attention_keys",
        kind="application",
        f_latex=r"\inner{C}{P V},\ P = \operatorname{softmax}(Q X^\top / \sqrt{d})",
        grad_latex=r"E^\top Q / \sqrt{d}" + SCORES_K + DELTA,
        shapes="Q: m×d, X: k×d, V: k×p, C: m×p",
        assumptions=(),
        sample=sampler(Q=general(4, 3), X=general(5, 3), V=general(5, 2), C=general(4, 2)),
        f=lambda X, Q, V, C: xp.sum(C * (softmax(Q @ X.T / np.sqrt(Q.shape[1])) @ V)),
        grad=lambda X, Q, V, C: _attention_delta(Q, X, V, C).T @ Q / np.sqrt(Q.shape[1]),
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"\inner{E}{Q\,\mathrm{d}X^\top} / \sqrt{d}",
                 lambda dX, X, Q, V, C: _inner(_attention_delta(Q, X, V, C), Q @ dX.T)
                 / np.sqrt(Q.shape[1])),
            Step(r"\inner{Q^\top E}{\mathrm{d}X^\top} / \sqrt{d}",
                 lambda dX, X, Q, V, C: _inner(Q.T @ _attention_delta(Q, X, V, C), dX.T)
                 / np.sqrt(Q.shape[1])),
            Step(r"\inner{E^\top Q / \sqrt{d}}{\mathrm{d}X}",
                 lambda dX, X, Q, V, C: _inner(_attention_delta(Q, X, V, C).T @ Q
                                               / np.sqrt(Q.shape[1]), dX)),
        ),
    ),
    Identity(
        name="attention_values",
        kind="application",
        f_latex=r"\inner{C}{P X},\ P = \operatorname{softmax}(Q K^\top / \sqrt{d})",
        grad_latex=r"P^\top C,\ P = \operatorname{softmax}(Q K^\top / \sqrt{d})",
        shapes="Q: m×d, K: k×d, X: k×p, C: m×p",
        assumptions=(),
        sample=sampler(Q=general(4, 3), K=general(5, 3), X=general(5, 2), C=general(4, 2)),
        f=lambda X, Q, K, C: xp.sum(C * (softmax(Q @ K.T / np.sqrt(Q.shape[1])) @ X)),
        grad=lambda X, Q, K, C: _attention_scores(Q, K).T @ C,
        source="",
        chapter=CHAPTER,
        derivation=(
            Step(r"\inner{C}{P\,\mathrm{d}X}",
                 lambda dX, X, Q, K, C: _inner(C, _attention_scores(Q, K) @ dX)),
            Step(r"\inner{P^\top C}{\mathrm{d}X}",
                 lambda dX, X, Q, K, C: _inner(_attention_scores(Q, K).T @ C, dX)),
        ),
    ),
    Identity(
        name="rayleigh_quotient",
        kind="application",
        f_latex=r"\tr(X^\top A X (X^\top X)^{-1})",
        grad_latex=r"(A + A^\top) X M^{-1} - X M^{-1} (B + B^\top) M^{-1}" + RAYLEIGH,
        shapes="X: m×n, A: m×m",
        assumptions=("X has full column rank",),
        sample=sampler(X=full_column_rank(4, 2), A=general(4)),
        f=lambda X, A: xp.trace(X.T @ A @ X @ inv(X.T @ X)),
        grad=_rayleigh_grad,
        source="",
        chapter=CHAPTER,
        sympy_f=lambda X, A: sym_trace(X.T * A * X * sym_inv(X.T * X)),
        sympy_grad=lambda X, A: ((A + A.T) * X * sym_inv(X.T * X)
                                 - X * sym_inv(X.T * X) * (X.T * A * X + X.T * A.T * X)
                                 * sym_inv(X.T * X)),
        derivation=(
            Step(r"\tr(\mathrm{d}X^\top A X M^{-1} + X^\top A\,\mathrm{d}X\,M^{-1}"
                 r" - B M^{-1} (\mathrm{d}X^\top X + X^\top\,\mathrm{d}X) M^{-1})",
                 lambda dX, X, A: np.trace(
                     dX.T @ A @ X @ inv(X.T @ X) + X.T @ A @ dX @ inv(X.T @ X)
                     - X.T @ A @ X @ inv(X.T @ X) @ (dX.T @ X + X.T @ dX) @ inv(X.T @ X))),
            Step(r"\inner{A X M^{-1} + A^\top X M^{-1} - X M^{-1} B M^{-1}"
                 r" - X M^{-1} B^\top M^{-1}}{\mathrm{d}X}",
                 lambda dX, X, A: _inner(_rayleigh_grad(X, A), dX)),
            Step(r"\inner{(A + A^\top) X M^{-1} - X M^{-1} (B + B^\top) M^{-1}}{\mathrm{d}X}",
                 lambda dX, X, A: _inner(_rayleigh_grad(X, A), dX)),
        ),
    ),
)
