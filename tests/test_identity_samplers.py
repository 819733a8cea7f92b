"""Tests that the registry's samplers cannot hide a wrong formula.

A sampler that always draws det(XᵀX) = 1 lets a gradient of det(XᵀX) without its factor
det(XᵀX) pass every numerical check; an X drawn only tall never tests the formulas on wide
X. So the tests here check, for every identity, that

- the numbers that can appear as factors of a formula (determinants, traces and norms of
  the inputs, det(XᵀX), the scalars, the value of f) are never 0 or 1 and change from draw
  to draw, and no matrix is a multiple of an orthogonal one;
- wrong candidates fail ``check_identity`` on every seed: the gradient doubled, without
  its determinant or norm factor, with a scalar input set to 1, with a term dropped (the
  halved and the transposed gradient are tested in test_identities.py); for a gradient on
  a subspace, the full-space gradient (where it is not already in the subspace) and, on
  the symmetric matrices, the Cookbook's 2G − G∘I;
- the samplers reach what the formulas claim: tall and wide X for the nuclear and spectral
  norms, negative and positive powers k for det(Xᵏ);

and that the draws in ``utils.identity_samplers`` refuse options that would be degenerate.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import numpy as np
import pytest

from utils import IDENTITIES, Identity, check_identity, get_identity, numerical_gradient
from utils.identity_samplers import integer, one_of, positive

SEEDS = (0, 1, 2)  # the seeds of the registry's own tests
DRAWS = range(8)  # draws compared with each other
TINY = 1e-8  # closer than this to 0 or 1 counts as equal

inv = np.linalg.inv
det = np.linalg.det


def ids(identities: list[Identity]) -> list[str]:
    return [identity.name for identity in identities]


# -- the values that can appear as factors ---------------------------------------------------


def factor_values(identity: Identity, inputs: dict[str, np.ndarray]) -> dict[str, float]:
    """Determinants, traces and norms of the inputs, det of their Gram matrices, det(XᵀAX),
    the scalar inputs and f itself: every number a formula may carry as a factor."""
    values = {"f": float(identity.f(**inputs))}
    for key, array in inputs.items():
        if array.ndim == 0:
            values[key] = float(array)
            continue
        rows, cols = array.shape
        if rows == cols:
            values[f"det {key}"] = det(array)
            if not (key == "X" and identity.subspace == "skew-symmetric"):  # tr X = 0 there
                values[f"tr {key}"] = np.trace(array)
        gram = array.T @ array if rows >= cols else array @ array.T
        values[f"det of the Gram matrix of {key}"] = det(gram)
        for order in ("fro", 2, "nuc"):
            values[f"‖{key}‖_{order}"] = np.linalg.norm(array, order)
    X, A = inputs["X"], inputs.get("A")
    if A is not None and A.ndim == 2 and A.shape == (X.shape[0],) * 2 and X.shape[1] > 1:
        values["det(XᵀAX)"] = det(X.T @ A @ X)
    return values


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
class TestSamplersGiveInformativeValues:
    """No factor a formula may carry is 0 or 1, or the same on every draw."""

    def test_no_factor_is_zero_or_one(self, identity: Identity) -> None:
        for seed in DRAWS:
            values = factor_values(identity, identity.sample(np.random.default_rng(seed)))
            degenerate = {name: value for name, value in values.items()
                          if abs(value) < TINY or abs(value - 1) < TINY}
            assert not degenerate, (
                f"{identity.name}, seed {seed}: {degenerate} — a formula that drops such a "
                "factor would pass its check")

    def test_no_factor_is_the_same_on_every_draw(self, identity: Identity) -> None:
        draws = [factor_values(identity, identity.sample(np.random.default_rng(seed)))
                 for seed in DRAWS]
        for name in draws[0]:
            sizes = np.abs([values[name] for values in draws])
            assert sizes.max() - sizes.min() > 1e-6 * sizes.max(), (
                f"{identity.name}: |{name}| = {sizes[0]:.6g} on every draw; a formula with "
                "that number in place of the factor would pass every check")

    def test_no_matrix_is_a_multiple_of_an_orthogonal_one(self, identity: Identity) -> None:
        """Equal singular values (Q, cQ, I) make XᵀX a multiple of I and hide its inverse."""
        for seed in DRAWS:
            for key, array in identity.sample(np.random.default_rng(seed)).items():
                if array.ndim == 2 and min(array.shape) > 1:
                    sigma = np.linalg.svd(array, compute_uv=False)
                    assert sigma[0] - sigma[-1] > 1e-6 * sigma[0], (
                        f"{identity.name}, seed {seed}: {key} has equal singular values {sigma}")

    def test_no_matrix_is_symmetric_unless_assumed(self, identity: Identity) -> None:
        symmetric = {text.split(" ")[0] for text in identity.assumptions
                     if " symmetric" in text}
        if identity.subspace in ("symmetric", "diagonal"):  # X symmetric by design
            symmetric.add("X")
        for seed in DRAWS:
            for key, array in identity.sample(np.random.default_rng(seed)).items():
                if key not in symmetric and array.ndim == 2 and array.shape[0] == array.shape[1]:
                    assert not np.allclose(array, array.T), (
                        f"{identity.name}, seed {seed}: {key} is symmetric")


# -- wrong candidates fail -------------------------------------------------------------------

# For every gradient with a sum in it: the gradient with one term (or one summand) dropped.
DROPPED_TERM: dict[str, tuple[Callable[..., np.ndarray], ...]] = {
    "trace_AXBX": (lambda X, A, B: A.T @ X.T @ B.T, lambda X, A, B: B.T @ X.T @ A.T),
    "quad_xAx": (lambda X, A: A @ X, lambda X, A: A.T @ X),
    "quad_XtAX": (lambda X, A: A @ X, lambda X, A: A.T @ X),
    "quad_XAXt": (lambda X, A: X @ A, lambda X, A: X @ A.T),
    "quad_XBXtC": (lambda X, B, C: C.T @ X @ B.T, lambda X, B, C: C @ X @ B),
    "quad_XtBXC": (lambda X, B, C: B @ X @ C, lambda X, B, C: B.T @ X @ C.T),
    "quad_bXtDXc": (lambda X, b, D, c: D.T @ X @ b @ c.T, lambda X, b, D, c: D @ X @ c @ b.T),
    "quad_affine": (lambda X, b, c, D: D @ (X @ b + c) @ b.T,
                    lambda X, b, c, D: (D + D.T) @ X @ b @ b.T),
    "trace_AX2": (lambda X, A: (A @ X).T, lambda X, A: (X @ A).T),
    "gaussian_nll": (lambda X, S: inv(X).T, lambda X, S: -inv(X).T @ S.T @ inv(X).T),
    "det_XtAX": (lambda X, A: det(X.T @ A @ X) * A @ X @ inv(X.T @ A @ X),
                 lambda X, A: det(X.T @ A @ X) * A.T @ X @ inv(X.T @ A @ X).T),
    "ls_vector": (lambda X, A, b: 2 * A.T @ A @ X, lambda X, A, b: -2 * A.T @ b),
    "ls_AX": (lambda X, A, B: 2 * A.T @ A @ X, lambda X, A, B: -2 * A.T @ B),
    "ls_XA": (lambda X, A, B: 2 * X @ A @ A.T, lambda X, A, B: -2 * B @ A.T),
    "ridge": (lambda X, A, B, lam: 2 * A.T @ (A @ X - B), lambda X, A, B, lam: 2 * lam * X),
    "weighted_ls": (lambda X, A, B, W: A.T @ W @ (A @ X - B),
                    lambda X, A, B, W: A.T @ W.T @ (A @ X - B),
                    lambda X, A, B, W: A.T @ (W + W.T) @ A @ X),
    "sym_bilinear_aXb": (lambda X, a, b: a @ b.T / 2, lambda X, a, b: b @ a.T / 2),
    "sym_fro_dist": (lambda X, A: 2 * X, lambda X, A: -(A + A.T)),
    "sym_gaussian_nll": (lambda X, y: inv(X), lambda X, y: -inv(X) @ y @ y.T @ inv(X)),
    "triu_ls_AX": (lambda X, A, B: 2 * np.triu(A.T @ A @ X),
                   lambda X, A, B: -2 * np.triu(A.T @ B)),
    "chol_trace_AXXt": (lambda X, A: np.tril(A @ X), lambda X, A: np.tril(A.T @ X)),
    "logdet_barrier": (lambda X, C: C.T, lambda X, C: -inv(X).T),
    "orth_residual": (lambda X: 4 * X @ X.T @ X, lambda X: -4 * X),
    "ls_AXB": (lambda X, A, B, C: 2 * A.T @ A @ X @ B @ B.T,
               lambda X, A, B, C: -2 * A.T @ C @ B.T),
    "trace_XtAX_sq": (lambda X, A: 2 * A @ X @ X.T @ A @ X,
                      lambda X, A: 2 * A.T @ X @ (X.T @ A @ X).T),
    "logdet_I_XtX": (lambda X: 2 * X, lambda X: 2 * X @ inv(X.T @ X)),
    "factorization_XXt": (lambda X, C: 2 * (X @ X.T - C) @ X,
                          lambda X, C: 2 * (X @ X.T - C).T @ X),
    "sylvester_residual": (lambda X, A, B, C: 2 * A.T @ (A @ X + X @ B - C),
                           lambda X, A, B, C: 2 * (A @ X + X @ B - C) @ B.T),
    # Chapter 11's applications
    "softmax_cross_entropy": (lambda X, A, Y: A.T @ _softmax(A @ X), lambda X, A, Y: -A.T @ Y),
    "network_first_layer": (
        lambda X, A, W, B: (W.T @ (W @ np.tanh(X @ A) - B)) @ A.T,
        lambda X, A, W, B: -((W.T @ (W @ np.tanh(X @ A) - B)) * np.tanh(X @ A) ** 2) @ A.T),
    "network_second_layer": (lambda X, W, A, B: X @ np.tanh(W @ A) @ np.tanh(W @ A).T,
                             lambda X, W, A, B: -B @ np.tanh(W @ A).T),
    "completion_left_factor": (lambda X, V, C, W: 2 * (W * W * (X @ V.T)) @ V,
                               lambda X, V, C, W: -2 * (W * W * C) @ V),
    "completion_right_factor": (lambda X, U, C, W: 2 * (W * W * (U @ X.T)).T @ U,
                                lambda X, U, C, W: -2 * (W * W * C).T @ U),
    "attention_queries": (
        lambda X, K, V, C: (_scores(X, K) * (C @ V.T)) @ K / np.sqrt(X.shape[1]),
        lambda X, K, V, C: -(_scores(X, K) * np.sum(_scores(X, K) * (C @ V.T), axis=1,
                                                    keepdims=True)) @ K / np.sqrt(X.shape[1])),
    "attention_keys": (
        lambda X, Q, V, C: (_scores(Q, X) * (C @ V.T)).T @ Q / np.sqrt(Q.shape[1]),
        lambda X, Q, V, C: -(_scores(Q, X) * np.sum(_scores(Q, X) * (C @ V.T), axis=1,
                                                    keepdims=True)).T @ Q / np.sqrt(Q.shape[1])),
    "rayleigh_quotient": (lambda X, A: (A + A.T) @ X @ inv(X.T @ X),
                          lambda X, A: -X @ inv(X.T @ X) @ (X.T @ (A + A.T) @ X)
                          @ inv(X.T @ X)),
}
# The pullbacks of Chapter 9 with a sum in their gradients: one term of it.
DROPPED_TERM.update({
    "vjp_gram": (lambda X, G: X @ G, lambda X, G: X @ G.T),
    "vjp_tanh": (lambda X, G: G, lambda X, G: -G * np.tanh(X) ** 2),
    "vjp_inv_XtAX": (
        lambda X, A, G: -A @ X @ inv(X.T @ A @ X) @ G.T @ inv(X.T @ A @ X),
        lambda X, A, G: -A.T @ X @ inv(X.T @ A @ X).T @ G @ inv(X.T @ A @ X).T),
})


def _top_eigenvector(X: np.ndarray, k: int) -> np.ndarray:
    """The unit eigenvector of the symmetric X for its k-th largest eigenvalue (k = 0, 1, ...)."""
    return np.linalg.eigh(X)[1][:, [-1 - k]]


# Chapter 10: the sum of the two largest eigenvalues, one eigenvalue's gradient only.
DROPPED_TERM["sym_top2_eigenvalues"] = tuple(
    (lambda X, k=k: _top_eigenvector(X, k) @ _top_eigenvector(X, k).T) for k in (0, 1))


def _softmax(S: np.ndarray) -> np.ndarray:
    """The softmax of each row (Chapter 11), written out here."""
    return np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)


def _scores(Q: np.ndarray, K: np.ndarray) -> np.ndarray:
    """softmax(QKᵀ/√d), the attention scores (Chapter 11)."""
    return _softmax(Q @ K.T / np.sqrt(Q.shape[1]))
# Gradients with a factor other than a determinant: without it.
WITHOUT_FACTOR: dict[str, Callable[..., np.ndarray]] = {"fro": lambda X: X,
                                                        "exp_trace": lambda X, A: A.T}


def _has_a_sum(latex: str) -> bool:
    return re.search(r"\s[+-]\s", latex) is not None


def _with_one(grad: Callable[..., np.ndarray], key: str, dtype: np.dtype
              ) -> Callable[..., np.ndarray]:
    """The gradient evaluated with the scalar input ``key`` replaced by 1."""
    return lambda **inputs: grad(**{**inputs, key: np.array(1, dtype=dtype)})


def wrong_gradients(identity: Identity) -> dict[str, Callable[..., np.ndarray]]:
    """Wrong candidates for the gradient of ``identity``, by what is wrong with them."""
    grad = identity.grad
    wrong: dict[str, Callable[..., np.ndarray]] = {
        "doubled": lambda **inputs: 2 * grad(**inputs)}
    if identity.kind == "determinant":
        wrong["without its determinant factor"] = (
            lambda **inputs: grad(**inputs) / identity.f(**inputs))
    if identity.name in WITHOUT_FACTOR:
        wrong["without its norm factor"] = WITHOUT_FACTOR[identity.name]
    for key, value in identity.sample(np.random.default_rng(0)).items():
        if value.ndim == 0:
            wrong[f"with {key} = 1"] = _with_one(grad, key, value.dtype)
    for number, dropped in enumerate(DROPPED_TERM.get(identity.name, ()), start=1):
        wrong[f"with term {number} only"] = dropped
    if identity.subspace:
        wrong.update(_off_the_subspace(identity))
    return wrong


def _full_space_gradient(identity: Identity) -> Callable[..., np.ndarray]:
    """The gradient of f itself on all matrices (not of X ↦ f(P(X))), numerically."""
    def gradient(**inputs: np.ndarray) -> np.ndarray:
        constants = {key: value for key, value in inputs.items() if key != "X"}
        return numerical_gradient(lambda X: identity.f(X=X, **constants), inputs["X"])

    return gradient


def _off_the_subspace(identity: Identity) -> dict[str, Callable[..., np.ndarray]]:
    """For a gradient on a subspace (Chapter 7): the full-space gradient, wherever it does
    not already lie in the subspace, and on the symmetric matrices the Cookbook's
    2G − G ∘ I, the gradient for the vech coordinates."""
    inputs = identity.sample(np.random.default_rng(0))
    full = _full_space_gradient(identity)
    wrong: dict[str, Callable[..., np.ndarray]] = {}
    if not np.allclose(full(**inputs), identity.grad(**inputs)):
        wrong["the full-space gradient"] = full
    if identity.subspace == "symmetric":
        wrong["2G − G∘I (vech coordinates)"] = lambda **given: (
            2 * identity.grad(**given) - identity.grad(**given) * np.eye(len(given["X"])))
    return wrong


CASES = [(identity, label) for identity in IDENTITIES for label in wrong_gradients(identity)]


@pytest.mark.parametrize(("identity", "label"), CASES,
                         ids=[f"{identity.name}-{label}" for identity, label in CASES])
def test_wrong_gradient_fails_on_every_seed(identity: Identity, label: str) -> None:
    wrong = dataclasses.replace(identity, grad=wrong_gradients(identity)[label])
    for seed in SEEDS:
        result = check_identity(wrong, np.random.default_rng(seed))
        assert not result.ok, (
            f"{identity.name}: the gradient {label} passed at seed {seed}: {result.message}. "
            "The sampler draws a value that hides the mistake.")


def test_every_gradient_with_a_sum_has_dropped_term_candidates() -> None:
    with_sums = {identity.name for identity in IDENTITIES if _has_a_sum(identity.grad_latex)}
    assert with_sums == set(DROPPED_TERM), (
        f"give DROPPED_TERM entries for {sorted(with_sums - set(DROPPED_TERM))}; "
        f"no sum in {sorted(set(DROPPED_TERM) - with_sums)}")


def test_every_determinant_gradient_carries_the_determinant() -> None:
    """Dividing by f removes the factor only if f is the determinant in the formula."""
    for identity in IDENTITIES:
        if identity.kind == "determinant":
            assert r"\det" in identity.grad_latex, identity.name


# -- the samplers reach what the formulas claim ----------------------------------------------


@pytest.mark.parametrize("name", ["nuclear", "spectral"])
def test_norms_are_checked_on_tall_and_wide_X(name: str) -> None:
    identity = get_identity(name)
    shapes = set()
    for seed in range(12):
        X = identity.sample(np.random.default_rng(seed))["X"]
        shapes.add(X.shape)
        result = check_identity(identity, np.random.default_rng(seed))
        assert result.ok, f"{name}, X of shape {X.shape}: {result.message}"
    assert shapes == {(4, 3), (3, 4)}, f"{name}: the sampler drew only shapes {shapes}"


def test_det_Xk_is_checked_for_negative_and_positive_k() -> None:
    identity = get_identity("det_Xk")
    powers = set()
    for seed in range(30):
        k = int(identity.sample(np.random.default_rng(seed))["k"])
        powers.add(k)
        result = check_identity(identity, np.random.default_rng(seed))
        assert result.ok, f"det_Xk, k = {k}: {result.message}"
    assert min(powers) < 0 < max(powers) and len(powers) >= 5, f"drew only k in {powers}"


# -- the draws refuse degenerate options ------------------------------------------------------


@pytest.mark.parametrize("choices", [(0, 2), (1, 2, 3), (), [[2, 3]]])
def test_integer_refuses_zero_one_and_bad_choices(choices) -> None:
    with pytest.raises(ValueError, match="integers other than 0 and 1"):
        integer(choices)


def test_positive_leaves_out_one_by_default() -> None:
    draw = positive()
    values = [float(draw(np.random.default_rng(seed))) for seed in range(200)]
    assert min(values) >= 1.25 and max(values) <= 2.5 and np.ptp(values) > 1


def test_one_of_uses_every_draw_and_needs_one() -> None:
    draw = one_of(lambda rng: np.zeros(1), lambda rng: np.ones(1))
    assert {float(draw(np.random.default_rng(seed))[0]) for seed in range(20)} == {0.0, 1.0}
    with pytest.raises(ValueError, match="at least one draw"):
        one_of()
