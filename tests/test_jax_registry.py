"""The third verification: every registry identity against JAX's automatic differentiation.

Each entry's f is written once, against :data:`utils.array_namespace.xp`, so the function
that JAX differentiates is the very one the numerical checks use: JAX's ``jax.grad`` of f
(float64) at the entry's own sampled inputs must equal the entry's gradient formula, and,
where the entry states a Hessian, ``jax.jvp`` of ``jax.grad`` (forward over reverse) must
equal its Hessian operator along random directions.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from utils import IDENTITIES, relative_error
from utils.array_namespace import is_jax_array, xp

jax.config.update("jax_enable_x64", True)

SEEDS = (0, 1, 2)
RTOL = 1e-9  # both sides are exact up to rounding in float64 at condition number ≤ 100
WITH_HESSIAN = [identity for identity in IDENTITIES if identity.hessian is not None]


def jax_gradient(identity, inputs):
    f = identity.at(inputs)
    return np.asarray(jax.grad(lambda X: jnp.real(f(X)))(jnp.asarray(inputs["X"])))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda identity: identity.name)
def test_gradient_formula_matches_jax(identity, seed):
    inputs = identity.sample(np.random.default_rng(seed))
    expected = jax_gradient(identity, inputs)
    claimed = np.asarray(identity.grad(**inputs), dtype=float)
    error = relative_error(claimed, expected)
    assert error <= RTOL, (
        f"{identity.name} (seed {seed}): the formula ${identity.grad_latex}$ differs from "
        f"jax.grad by {error:.1e} relative")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("identity", WITH_HESSIAN, ids=lambda identity: identity.name)
def test_hessian_operator_matches_jax(identity, seed):
    rng = np.random.default_rng(seed)
    inputs = identity.sample(rng)
    f = identity.at(inputs)
    X = jnp.asarray(inputs["X"])
    for _ in range(2):
        H = identity.restrict(rng.standard_normal(X.shape))
        _, expected = jax.jvp(jax.grad(lambda Y: jnp.real(f(Y))), (X,), (jnp.asarray(H),))
        claimed = np.asarray(identity.hessian(H, **inputs), dtype=float)
        error = relative_error(claimed, np.asarray(expected))
        assert error <= RTOL, (
            f"{identity.name} (seed {seed}): the Hessian operator differs from "
            f"forward-over-reverse JAX by {error:.1e} relative")


def test_jax_catches_a_transposed_gradient():
    """The comparison can fail: a transposed formula is off by far more than RTOL."""
    identity = next(identity for identity in IDENTITIES if identity.name == "trace_AXB")
    inputs = identity.sample(np.random.default_rng(0))
    wrong = np.asarray(identity.grad(**inputs)).T
    assert wrong.shape != inputs["X"].shape or relative_error(
        wrong.reshape(inputs["X"].shape), jax_gradient(identity, inputs)) > 1e-2


def test_every_f_is_written_against_the_array_namespace():
    """jax.grad runs through every f: none calls numpy directly on a traced array."""
    traced = []
    for identity in IDENTITIES:
        inputs = identity.sample(np.random.default_rng(0))
        f = identity.at(inputs)
        jax.grad(lambda X, f=f: (traced.append(is_jax_array(X)), jnp.real(f(X)))[1])(
            jnp.asarray(inputs["X"]))
    assert len(traced) == len(IDENTITIES) and all(traced)


def test_the_namespace_dispatches_on_the_array_kind():
    A = np.arange(6.0).reshape(2, 3)
    assert type(xp.sum(A)) is np.float64
    assert is_jax_array(xp.sum(jnp.asarray(A)))
    assert is_jax_array(xp.linalg.norm(jnp.asarray(A)))
    assert xp.linalg.det(np.eye(2) * (1 + 1j)) == pytest.approx(2j)
    assert xp.pi == np.pi
