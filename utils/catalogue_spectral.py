"""The registry's identities for matrix functions and eigenvalues (Chapter 10).

*Matrix functions*: traces of exp, log, sin and the square root of X, whose gradients are
f′(X)ᵀ, and tr(A e^X), whose gradient is the Fréchet derivative of exp at Xᵀ in the
direction Aᵀ. *Spectral*: the largest eigenvalue and the sum of the two largest
eigenvalues of a symmetric X (gradients q qᵀ on the symmetric matrices), and a simple real
eigenvalue of a general X (gradient y xᵀ / (yᵀx) with left and right eigenvectors).

Each f is written once, against :data:`utils.array_namespace.xp` or the small dispatcher
:func:`expm` below, so that numpy (also with a complex X, for complex-step derivatives)
and ``jax.grad`` differentiate the same function. A trace tr f(X) is written as the sum
of f over the eigenvalues of X (Chapter 10 proves the two equal) or, for exp and sin,
through the matrix exponential. The samplers draw non-symmetric matrices S D S⁻¹ with
real, well separated eigenvalues where an identity needs them. Introduced in Chapter 10,
*Matrix functions and spectra*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .array_namespace import is_jax_array, xp
from .identity_record import Identity, Step
from .identity_samplers import (
    Draw,
    N,
    _scale,
    general,
    inv,
    sampler,
    sym_det,
    sym_inv,
    sym_log,
    value,
)
from .random_matrices import random_invertible, random_orthogonal

__all__ = ["MATRIX_FUNCTION", "SPECTRAL", "expm"]

CHAPTER = "ch-spectra"


def linalg() -> Any:
    """scipy.linalg, imported on first use so that ``import utils`` stays fast."""
    import scipy.linalg

    return scipy.linalg


def expm(X: Any) -> Any:
    """e^X: ``scipy.linalg.expm`` for numpy arrays (real or complex), ``jax.scipy.linalg.expm``
    for JAX arrays, so that one f serves both.

    Chapter 10, *Matrix functions and spectra*.
    """
    if is_jax_array(X):
        import jax.scipy.linalg

        return jax.scipy.linalg.expm(X)
    return linalg().expm(X)


def _sin(X: Any) -> Any:
    """sin X as the lower left block of exp([[0, −X], [X, 0]]) (real for real X, analytic)."""
    n = X.shape[0]
    Z = xp.zeros_like(X)
    return expm(xp.block([[Z, -X], [X, Z]]))[n:, :n]


def real_spectrum(n: int, low: float, high: float) -> Draw:
    """A draw of c S diag(d) S⁻¹: a non-symmetric n×n matrix with real eigenvalues c·d, where
    d is spread over (low, high) with gaps of at least (high − low)/(2n), so that the
    eigenvalues lie in c·(low, high) with gaps of at least c(high − low)/(2n); its
    eigenvectors have condition number 10 (S random, c a random scale in [5/4, 2]).

    Chapter 10, *Matrix functions and spectra*.
    """
    def draw(rng: np.random.Generator) -> np.ndarray:
        step = (high - low) / n
        d = low + step * (np.arange(n) + rng.uniform(0.25, 0.75, n))
        S = random_invertible(rng, n, cond=10.0)
        return _scale(rng) * S @ np.diag(rng.permutation(d)) @ np.linalg.inv(S)

    return draw


def symmetric_spectrum(n: int) -> Draw:
    """A draw of Q diag(d) Qᵀ with Q random orthogonal and eigenvalues d of both signs,
    separated by at least 1/2 (so simple), times a random scale: symmetric, not diagonal.

    Chapter 10, *Matrix functions and spectra*.
    """
    def draw(rng: np.random.Generator) -> np.ndarray:
        d = -n / 2 + np.arange(n) + rng.uniform(0.25, 0.75, n)
        Q = random_orthogonal(rng, n)
        X = _scale(rng) * Q @ np.diag(d) @ Q.T
        return (X + X.T) / 2

    return draw


def _eigh(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (largest first) and orthonormal eigenvectors of a symmetric X."""
    lam, Q = np.linalg.eigh((X + X.T) / 2)
    return lam[::-1], Q[:, ::-1]


def _q(X: np.ndarray, k: int) -> np.ndarray:
    """The unit eigenvector (n×1) of the k-th largest eigenvalue of a symmetric X."""
    return _eigh(X)[1][:, [k]]


def _left_right(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Right and left eigenvectors x, y (n×1, real) of the largest real eigenvalue of X."""
    lam, left, right = linalg().eig(X, left=True, right=True)
    k = int(np.argmax(lam.real))
    return right[:, [k]].real, left[:, [k]].real


def _eig_gradient(X: np.ndarray) -> np.ndarray:
    x, y = _left_right(X)
    return y @ x.T / value(y.T @ x)


def _top_eigenvalue(X: Any) -> Any:
    """The eigenvalue of largest real part (complex for a complex X, analytic near X)."""
    lam = xp.linalg.eigvals(X)
    return lam[xp.argmax(xp.real(lam))]


def _inner(G: np.ndarray, dX: np.ndarray) -> float:
    return float(np.sum(G * dX))


def _frechet(function: str, X: np.ndarray, E: np.ndarray) -> np.ndarray:
    """L_f(X, E) from the block identity f([[X, E], [0, X]]) = [[f(X), L], [0, f(X)]]."""
    n = len(X)
    block = np.block([[X, E], [np.zeros_like(X), X]])
    f = {"exp": linalg().expm, "log": linalg().logm, "sqrt": linalg().sqrtm,
         "sin": linalg().sinm}[function]
    return np.real_if_close(f(block)[:n, n:], tol=1e6)


def _sqrtm_inv(X: np.ndarray) -> np.ndarray:
    return np.real_if_close(np.linalg.inv(linalg().sqrtm(X)), tol=1e6)


POSITIVE_SPECTRUM = real_spectrum(N, 0.5, 2.5)
NO_NEGATIVE = ("X has no eigenvalues on the closed negative real axis",)

MATRIX_FUNCTION: tuple[Identity, ...] = (
    Identity(
        name="trace_expm",
        kind="matrix function",
        f_latex=r"\tr\exp(X)",
        grad_latex=r"\exp(X)^\top",
        shapes="X: n×n",
        assumptions=(),
        sample=sampler(X=general(N)),
        f=lambda X: xp.trace(expm(X)),
        grad=lambda X: linalg().expm(X).T,
        source="Higham (2008), Functions of Matrices, §3.2 and §10.6; Al-Mohy & Higham (2009)",
        chapter=CHAPTER,
        derivation=(
            Step(r"\tr(\D\exp(X)[\mathrm{d}X])",
                 lambda dX, X: np.trace(linalg().expm_frechet(X, dX)[1])),
            Step(r"\tr(\exp(X)\,\mathrm{d}X)", lambda dX, X: np.trace(linalg().expm(X) @ dX)),
            Step(r"\inner{\exp(X)^\top}{\mathrm{d}X}",
                 lambda dX, X: _inner(linalg().expm(X).T, dX)),
        ),
    ),
    Identity(
        name="trace_A_expm",
        kind="matrix function",
        f_latex=r"\tr(A\exp(X))",
        grad_latex=r"\D\exp(X^\top)[A^\top]",
        shapes="A: n×n, X: n×n",
        assumptions=(),
        sample=sampler(X=general(N), A=general(N)),
        f=lambda X, A: xp.trace(A @ expm(X)),
        grad=lambda X, A: linalg().expm_frechet(X.T, A.T)[1],
        source="Higham (2008), Functions of Matrices, §3.2 and §10.6; Al-Mohy & Higham (2009)",
        chapter=CHAPTER,
        derivation=(
            Step(r"\tr(A\,\D\exp(X)[\mathrm{d}X])",
                 lambda dX, X, A: np.trace(A @ linalg().expm_frechet(X, dX)[1])),
            Step(r"\inner{A^\top}{\D\exp(X)[\mathrm{d}X]}",
                 lambda dX, X, A: _inner(A.T, linalg().expm_frechet(X, dX)[1])),
            Step(r"\inner{\D\exp(X^\top)[A^\top]}{\mathrm{d}X}",
                 lambda dX, X, A: _inner(linalg().expm_frechet(X.T, A.T)[1], dX)),
        ),
    ),
    Identity(
        name="trace_logm",
        kind="matrix function",
        f_latex=r"\tr\log X",
        grad_latex=r"X^{-\top}",
        shapes="X: n×n",
        assumptions=NO_NEGATIVE,
        sample=sampler(X=POSITIVE_SPECTRUM),
        f=lambda X: xp.sum(xp.log(xp.linalg.eigvals(X))),
        grad=lambda X: inv(X).T,
        source="Higham (2008), Functions of Matrices, Chapter 11",
        chapter=CHAPTER,
        sympy_f=lambda X: sym_log(sym_det(X)),  # tr log X = log det X on this domain
        sympy_grad=lambda X: sym_inv(X).T,
        derivation=(
            Step(r"\tr(\D\log(X)[\mathrm{d}X])",
                 lambda dX, X: np.trace(_frechet("log", X, dX))),
            Step(r"\tr(X^{-1}\,\mathrm{d}X)", lambda dX, X: np.trace(inv(X) @ dX)),
            Step(r"\inner{X^{-\top}}{\mathrm{d}X}", lambda dX, X: _inner(inv(X).T, dX)),
        ),
    ),
    Identity(
        name="trace_sqrtm",
        kind="matrix function",
        f_latex=r"\tr X^{1/2}",
        grad_latex=r"\frac{1}{2}(X^{-1/2})^\top",
        shapes="X: n×n",
        assumptions=NO_NEGATIVE,
        sample=sampler(X=POSITIVE_SPECTRUM),
        f=lambda X: xp.sum(xp.sqrt(xp.linalg.eigvals(X))),
        grad=lambda X: _sqrtm_inv(X).T / 2,
        source="Higham (2008), Functions of Matrices, Chapter 6",
        chapter=CHAPTER,
        derivation=(
            Step(r"\tr(\D\sqrt{X}[\mathrm{d}X])",
                 lambda dX, X: np.trace(_frechet("sqrt", X, dX))),
            Step(r"\frac{1}{2}\tr(X^{-1/2}\,\mathrm{d}X)",
                 lambda dX, X: np.trace(_sqrtm_inv(X) @ dX) / 2),
            Step(r"\inner{\frac{1}{2}(X^{-1/2})^\top}{\mathrm{d}X}",
                 lambda dX, X: _inner(_sqrtm_inv(X).T / 2, dX)),
        ),
    ),
    Identity(
        name="trace_sinm",
        kind="matrix function",
        f_latex=r"\tr\sin X",
        grad_latex=r"\cos(X)^\top",
        shapes="X: n×n",
        assumptions=(),
        sample=sampler(X=general(N)),
        f=lambda X: xp.trace(_sin(X)),
        grad=lambda X: linalg().cosm(X).T,
        source="Higham (2008), Functions of Matrices, Chapter 12",
        chapter=CHAPTER,
        derivation=(
            Step(r"\tr(\D\sin(X)[\mathrm{d}X])",
                 lambda dX, X: np.trace(_frechet("sin", X, dX))),
            Step(r"\tr(\cos(X)\,\mathrm{d}X)", lambda dX, X: np.trace(linalg().cosm(X) @ dX)),
            Step(r"\inner{\cos(X)^\top}{\mathrm{d}X}",
                 lambda dX, X: _inner(linalg().cosm(X).T, dX)),
        ),
    ),
)

SYMMETRIC_STEP = r" \quad (\mathrm{d}X^\top = \mathrm{d}X)"
UNIT_Q0 = r" \quad (\text{unit } q_0 \text{ with } X q_0 = \lambda_0(X) q_0)"
UNIT_Q01 = (r" \quad (\text{orthonormal } q_0, q_1 \text{ with } X q_0 = \lambda_0(X) q_0,\ "
            r"X q_1 = \lambda_1(X) q_1)")
LEFT_RIGHT = (r" \quad (\text{real } x_0, y_0 \text{ with } X x_0 = \lambda_0(X) x_0,\ "
              r"X^\top y_0 = \lambda_0(X) y_0)")

SPECTRAL: tuple[Identity, ...] = (
    Identity(
        name="sym_lambda_max",
        kind="spectral",
        f_latex=r"\lambda_0(X)",
        grad_latex=r"q_0 q_0^\top" + UNIT_Q0,
        shapes="X: n×n",
        assumptions=("X has a simple largest eigenvalue",),
        sample=sampler(X=symmetric_spectrum(N)),
        f=lambda X: xp.linalg.eigvalsh(X)[-1],
        grad=lambda X: _q(X, 0) @ _q(X, 0).T,
        source="Magnus (1985)",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"q_0^\top\,\mathrm{d}X\,q_0" + UNIT_Q0,
                 lambda dX, X: value(_q(X, 0).T @ dX @ _q(X, 0))),
            Step(r"\inner{q_0 q_0^\top}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X: _inner(_q(X, 0) @ _q(X, 0).T, dX)),
        ),
    ),
    Identity(
        name="sym_top2_eigenvalues",
        kind="spectral",
        f_latex=r"\lambda_0(X) + \lambda_1(X)",
        grad_latex=r"q_0 q_0^\top + q_1 q_1^\top" + UNIT_Q01,
        shapes="X: n×n",
        assumptions=("X has distinct second and third largest eigenvalues",),
        sample=sampler(X=symmetric_spectrum(N)),
        f=lambda X: xp.linalg.eigvalsh(X)[-1] + xp.linalg.eigvalsh(X)[-2],
        grad=lambda X: _eigh(X)[1][:, :2] @ _eigh(X)[1][:, :2].T,
        source="Overton & Womersley (1993)",
        chapter=CHAPTER,
        subspace="symmetric",
        derivation=(
            Step(r"q_0^\top\,\mathrm{d}X\,q_0 + q_1^\top\,\mathrm{d}X\,q_1",
                 lambda dX, X: value(_q(X, 0).T @ dX @ _q(X, 0))
                 + value(_q(X, 1).T @ dX @ _q(X, 1))),
            Step(r"\inner{q_0 q_0^\top + q_1 q_1^\top}{\mathrm{d}X}" + SYMMETRIC_STEP,
                 lambda dX, X: _inner(_eigh(X)[1][:, :2] @ _eigh(X)[1][:, :2].T, dX)),
        ),
    ),
    Identity(
        name="eig_simple_real",
        kind="spectral",
        f_latex=r"\lambda_0(X)",
        grad_latex=r"\frac{y_0 x_0^\top}{y_0^\top x_0}" + LEFT_RIGHT,
        shapes="X: n×n",
        assumptions=("X has a simple real eigenvalue of largest real part",),
        sample=sampler(X=real_spectrum(N, -1.5, 1.5)),
        f=_top_eigenvalue,
        grad=_eig_gradient,
        source="Magnus (1985)",
        chapter=CHAPTER,
        derivation=(
            Step(r"\frac{y_0^\top\,\mathrm{d}X\,x_0}{y_0^\top x_0}" + LEFT_RIGHT,
                 lambda dX, X: value(_left_right(X)[1].T @ dX @ _left_right(X)[0])
                 / value(_left_right(X)[1].T @ _left_right(X)[0])),
            Step(r"\inner{\frac{y_0 x_0^\top}{y_0^\top x_0}}{\mathrm{d}X}",
                 lambda dX, X: _inner(_eig_gradient(X), dX)),
        ),
    ),
)
