r"""Tests that the registry's displayed formulas say what its code computes.

Every f_latex, grad_latex and derivation step of every identity is evaluated from its LaTeX
(utils.latex_eval) at sampled inputs and compared with the identity's f, grad and step
values (utils.latex_checks.check_latex); the tests below also make sure that the check
fails on the slips a displayed formula can have.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import utils
from utils import IDENTITIES, Identity, Step, get_identity
from utils.latex_checks import check_latex, latex_values, unchecked_remarks

SEEDS = (0, 1, 2)

# The identities whose remarks hold words that check_latex does not evaluate, and why.
WORDS = {
    "trace_inv_XtX": "'(XᵀX)⁻² is symmetric' is a claim in words",
    "det_XtX": "'XᵀX is symmetric' is a claim in words",
    "logdet_XtX": "'XᵀX is symmetric' is a claim in words",
    "logdet_XtAX": "'A and XᵀAX are symmetric' is a claim in words",
    "nuclear": "'thin SVD' names U, Σ, V (X = UΣVᵀ is evaluated); 'u_k, v_k the columns of "
               "U, V; distinct σ_k' names the families",
    "spectral": "'unit u_0, v_0 with' names them (X v_0 = σ_0 u_0 and Xᵀu_0 = σ_0 v_0 are "
                "evaluated)",
    "sym_lambda_max": "'unit q_0 with' names it (X q_0 = λ_0(X) q_0 is evaluated)",
    "sym_top2_eigenvalues": "'orthonormal q_0, q_1 with' names them (X q_k = λ_k(X) q_k are "
                            "evaluated)",
    "eig_simple_real": "'real x_0, y_0 with' names them (X x_0 = λ_0(X) x_0 and "
                       "Xᵀy_0 = λ_0(X) y_0 are evaluated)",
}


def with_latex(name: str, where: str, latex: str) -> Identity:
    """The identity ``name`` with the LaTeX at ``where`` ("f", "gradient" or "step k")
    replaced by ``latex``; its code is unchanged."""
    identity = get_identity(name)
    if where == "f":
        return dataclasses.replace(identity, f_latex=latex)
    if where == "gradient":
        return dataclasses.replace(identity, grad_latex=latex)
    number = int(where.removeprefix("step "))
    steps = list(identity.derivation)
    steps[number - 1] = Step(latex, steps[number - 1].value)
    return dataclasses.replace(identity, derivation=tuple(steps))


@pytest.mark.parametrize("identity", IDENTITIES, ids=[identity.name for identity in IDENTITIES])
def test_every_displayed_formula_equals_the_code(identity: Identity) -> None:
    """f_latex = f, grad_latex = grad and each step's LaTeX = its value, at three seeds."""
    for seed in SEEDS:
        failures = check_latex(identity, np.random.default_rng(seed))
        assert not failures, f"seed {seed}: " + "\n".join(failures)


def test_the_swapped_gradient_of_trace_AXB_fails() -> None:
    """∇ tr(AXB) displayed as BᵀAᵀ instead of AᵀBᵀ: the check must fail."""
    assert not check_latex("trace_AXB", np.random.default_rng(0))
    failures = check_latex(with_latex("trace_AXB", "gradient", r"B^\top A^\top"),
                           np.random.default_rng(0))
    assert len(failures) == 1, failures
    assert failures[0].startswith(r"trace_AXB, gradient ($B^\top A^\top$)"), failures[0]
    assert "(a 2×3 matrix) and A^\\top (a 4×2 matrix) is not defined" in failures[0], failures


# Slips in displayed formulas, each of which the code does not have.
SLIPS = [
    # dropped transposes
    ("quad_XtAX", "gradient", r"(A + A) X"),
    ("gaussian_nll", "gradient", r"X^{-\top} - X^{-\top} S X^{-\top}"),
    ("trace_Xinv", "gradient", r"-X^{-2}"),
    ("det_AXB", "gradient", r"\det(AXB) X^{-1}"),
    ("quad_XBXtC", "step 3", r"\tr(B X^\top C\,\mathrm{d}X) + \tr(B X^\top C^\top\,\mathrm{d}X)"),
    # swapped factors
    ("trace_AXB", "step 2", r"\tr(AB\,\mathrm{d}X)"),
    ("trace_AXinvB", "gradient", r"-X^{-\top} B^\top A^\top X^{-\top}"),
    ("logdet_AXB", "step 1", r"\tr((AXB)^{-1} B\,\mathrm{d}X\,A)"),
    ("gaussian_nll", "step 2",
     r"\tr(X^{-1}\,\mathrm{d}X) - \tr(S X^{-1} X^{-1}\,\mathrm{d}X)"),
    ("quad_affine", "gradient", r"(D + D^\top) b^\top (Xb + c)"),
    ("logdet_XtX", "f", r"\log\det(X X^\top)"),
    # dropped terms
    ("trace_AXBX", "gradient", r"A^\top X^\top B^\top"),
    ("ridge", "f", r"\fro{AX - B}^2"),
    ("quad_XtAX", "step 1", r"\tr(\mathrm{d}X^\top A X)"),
    # signs, factors and powers
    ("trace_Xinv", "gradient", r"(X^{-2})^\top"),
    ("trace_X3", "gradient", r"3 X^2"),
    ("fro", "gradient", r"X / \fro{X}^2"),
    ("fro_sq", "f", r"\fro{X}^2 = 2\tr(X^\top X)"),  # a wrong second side
    ("det_Xk", "gradient", r"\det(X)^k X^{-\top}"),
    # remarks
    ("det_Xk", "step 1", r"k \det(X)^{k-1}\,\det(X)\tr(X^{-1}\,\mathrm{d}X)"
                         r" \quad (\det(X^k) = k \det(X)^k)"),
    ("det_XtAX", "gradient",
     r"\det(M)\,(A X M^{-1} + A^\top X M^{-\top}),\ M = X^\top A^\top X"),
    ("spectral", "gradient", r"u_0 v_0^\top \quad (\text{unit } u_0, v_0 \text{ with } "
                             r"X v_0 = \sigma_0 u_0,\ X^\top u_0 = \sigma_0 u_0)"),
    ("nuclear", "gradient", r"U V^\top \quad (\text{thin SVD } X = V \Sigma U^\top)"),
    # outside the grammar
    ("trace_X", "gradient", r"\vec(I)"),
]


@pytest.mark.parametrize(("name", "where", "latex"), SLIPS,
                         ids=[f"{name}-{where}-{k}" for k, (name, where, _) in enumerate(SLIPS)])
def test_a_slip_in_a_displayed_formula_fails(name: str, where: str, latex: str) -> None:
    failures = check_latex(with_latex(name, where, latex), np.random.default_rng(0))
    assert failures, f"{name}: the slip ${latex}$ in its {where} passed"
    assert all(failure.startswith(f"{name}, ") for failure in failures), failures


def test_the_message_names_an_unsupported_token() -> None:
    failures = check_latex(with_latex("trace_X", "gradient", r"\vec(I)"),
                           np.random.default_rng(0))
    assert failures == [r"trace_X, gradient ($\vec(I)$): cannot be evaluated: unsupported "
                        r"token '\vec' at character 0 of '\vec(I)'; the grammar is described "
                        r"in utils/latex_eval.py"], failures


def test_a_wrong_value_is_reported_with_its_size() -> None:
    failures = check_latex(with_latex("quad_XtAX", "gradient", r"(A + A) X"),
                           np.random.default_rng(0))
    assert len(failures) == 1 and "differs from the code's value by" in failures[0], failures


def test_the_words_in_remarks_are_the_listed_ones() -> None:
    """check_latex evaluates every formula and every equation of a remark; what it does not
    evaluate, the words, is listed here, identity by identity, with the reason."""
    found = {identity.name: unchecked_remarks(identity) for identity in IDENTITIES
             if unchecked_remarks(identity)}
    for name, words in found.items():
        print(f"{name}: not evaluated {words}: {WORDS.get(name, 'NOT LISTED')}")
    assert set(found) == set(WORDS), (
        f"list the words of these remarks in WORDS, with the reason: {set(found) ^ set(WORDS)}")


def test_latex_values_spell_the_inputs_as_the_formulas_do() -> None:
    rng = np.random.default_rng(0)
    vector = get_identity("quad_xAx")
    inputs = vector.sample(rng)
    values, sizes = latex_values(vector, inputs, np.ones_like(inputs["X"]))
    assert values["x"] is not None and "dx" in values and "dX" not in values and "X" not in values
    assert sizes == {"n": 3} and "I" not in values  # x is n×1: no identity of its size
    ridge = get_identity("ridge")
    values, sizes = latex_values(ridge, ridge.sample(rng), np.zeros((3, 2)))
    assert values[r"\lambda"].shape == () and sizes == {"m": 4, "n": 3, "p": 2}
    square = get_identity("trace_X")
    values, _ = latex_values(square, square.sample(rng), np.zeros((3, 3)))
    assert np.array_equal(values["I"], np.eye(3))
    U, s, _ = np.linalg.svd(values["X"], full_matrices=False)
    assert np.allclose(values["U"] @ values[r"\Sigma"] @ values["V"].T, values["X"])
    assert np.allclose(values["u"][1], U[:, [1]]) and np.allclose(values[r"\sigma"], s)


def test_latex_values_reject_shapes_the_sampler_does_not_give() -> None:
    wrong = dataclasses.replace(get_identity("trace_AXB"), shapes="A: p×m, X: m×n, C: n×p")
    with pytest.raises(ValueError, match="declare C, but the sampler gives"):
        latex_values(wrong, wrong.sample(np.random.default_rng(0)), np.zeros((4, 3)))


@pytest.mark.parametrize(("arguments", "error", "message"), [
    ((42, np.random.default_rng(0)), TypeError, "Identity or its name, got int"),
    (("trace_AXB", 0), TypeError, "Generator"),
    (("trace_AXb", np.random.default_rng(0)), ValueError, "similar names: trace_AXB"),
    (("trace_AXB", np.random.default_rng(0), 0.0), ValueError, "rtol must be a positive"),
    (("trace_AXB", np.random.default_rng(0), True), ValueError, "rtol must be a positive"),
])
def test_check_latex_validates_its_arguments(arguments, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        check_latex(*arguments)


def test_check_latex_is_exported() -> None:
    assert "check_latex" in utils.__all__ and utils.check_latex is check_latex
