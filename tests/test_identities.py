"""Tests of the identity registry (utils.identities and the catalogue modules).

Every identity is checked three ways: numerically at random inputs from its own sampler,
exactly with sympy entry by entry on small rational inputs, and for the sympy forms on
matrix symbols. The tests also check what the samplers promise (declared shapes, stated
assumptions, no accidental symmetry), that wrong gradients are caught, and the lookup and
table functions.
"""

from __future__ import annotations

import dataclasses
import re

import nbformat
import numpy as np
import pytest
import sympy as sp
from bookfiles import mathjax_macros, toc_notebooks

import utils
from utils import (
    IDENTITIES,
    KINDS,
    Identity,
    Step,
    check_derivation,
    check_identity,
    derivations,
    get_identity,
    gradient_table,
)
from utils.identity_record import CHAPTERS
from utils.latex_eval import formula_and_remarks

NAMES = [identity.name for identity in IDENTITIES]
SYMBOLIC = [identity for identity in IDENTITIES if identity.sympy_f is not None]
SEEDS = (0, 1, 2)
DENOMINATOR = 64  # exact inputs are multiples of 1/64
ALIASES = {"x": "X", "λ": "lam"}  # names in the formulas -> input keys
# matrices that assumptions name but that are not inputs
DERIVED = {"XᵀAX": lambda inputs: inputs["X"].T @ inputs["A"] @ inputs["X"]}

# The entries the chapters rely on, by kind.
PROMISED = {
    "trace": "trace_X trace_AX trace_XA trace_XtA trace_AXt trace_AXB trace_AXtB sum_entries",
    "product": "bilinear_aXb bilinear_aXtb vjp_XB vjp_AX trace_AXBX",
    "quadratic": "quad_xAx quad_XtAX quad_XAXt quad_XBXtC quad_XtBXC quad_bXtDXc quad_affine",
    "power": "trace_X2 trace_X3 trace_AX2 trace_X4",
    "inverse": "trace_Xinv trace_AXinvB bilinear_aXinvb trace_inv_XtX gaussian_nll",
    "determinant": "det_X det_AXB det_Xk det_XtX det_XtAX",
    "log-determinant": "logdet_X logdet_AXB logdet_XtX logdet_XtAX",
    "norm": "fro_sq fro fro_XtX_sq nuclear spectral vec_norm_sq",
    "least squares": "ls_vector ls_AX ls_XA ridge weighted_ls",
    "structured": "sym_trace_AX sym_bilinear_aXb sym_fro_dist sym_logdet_X sym_gaussian_nll "
                  "sym_trace_XinvA diag_trace_AX skew_trace_AX triu_ls_AX toeplitz_bilinear_aXb "
                  "chol_trace_AXXt chol_logdet_XXt",
    "second order": "logdet_barrier exp_trace orth_residual ls_AXB trace_XtAX_sq logdet_I_XtX "
                    "fro_inv_sq inv_quad_XtX factorization_XXt sylvester_residual",
    "pullback": "vjp_transpose vjp_inverse vjp_solve_A vjp_solve_B vjp_hadamard vjp_square "
                "vjp_tanh vjp_gram vjp_inv_XtAX",
    "matrix function": "trace_expm trace_A_expm trace_logm trace_sqrtm trace_sinm",
    "spectral": "sym_lambda_max sym_top2_eigenvalues eig_simple_real",
}
# Subspaces whose matrices are all symmetric: there X, and the gradient, are symmetric by design.
SYMMETRIC_SUBSPACES = {"symmetric", "diagonal"}
# The entries whose Hessians Chapter 8 derives.
HESSIANS = "quad_XtAX ls_AX logdet_X trace_Xinv det_X fro_sq trace_X2 quad_xAx ls_vector ridge"


def ids(identities: list[Identity]) -> list[str]:
    return [identity.name for identity in identities]


# -- what an assumption means -----------------------------------------------------------------


def _square(M: np.ndarray) -> bool:
    return M.ndim == 2 and M.shape[0] == M.shape[1]


def _singular_values(M: np.ndarray) -> np.ndarray:
    return np.linalg.svd(M, compute_uv=False)


PROPERTIES = {
    "invertible": lambda M: _square(M) and np.linalg.cond(M) < 1e6,
    "symmetric": lambda M: _square(M) and np.allclose(M, M.T, rtol=0, atol=1e-12),
    "symmetric positive definite": lambda M: (
        _square(M) and np.allclose(M, M.T, rtol=0, atol=1e-12) and np.linalg.eigvalsh(M).min() > 0
    ),
    # for a variable on the symmetric matrices (Chapter 7), where "symmetric" is its subspace
    "positive definite": lambda M: (
        _square(M) and np.allclose(M, M.T, rtol=0, atol=1e-12) and np.linalg.eigvalsh(M).min() > 0
    ),
    "has positive definite symmetric part": lambda M: (
        _square(M) and np.linalg.eigvalsh((M + M.T) / 2).min() > 0
    ),
    "has positive determinant": lambda M: _square(M) and np.linalg.det(M) > 0,
    "has full column rank": lambda M: (
        M.shape[0] >= M.shape[1] and _singular_values(M).min() > 1e-6 * _singular_values(M).max()
    ),
    "has full rank": lambda M: _singular_values(M).min() > 1e-6 * _singular_values(M).max(),
    "has a simple, positive largest singular value": lambda M: (
        _singular_values(M)[0] > 0
        and _singular_values(M)[0] - _singular_values(M)[1] > 1e-3 * _singular_values(M)[0]
    ),
    # Chapter 10: spectra
    "has no eigenvalues on the closed negative real axis": lambda M: _square(M) and not any(
        abs(lam.imag) <= 1e-12 and lam.real <= 0 for lam in np.linalg.eigvals(M)),
    "has a simple largest eigenvalue": lambda M: (
        _square(M) and np.allclose(M, M.T, rtol=0, atol=1e-12)
        and np.diff(np.linalg.eigvalsh(M))[-1] > 1e-3 * max(1.0, np.abs(M).max())),
    "has distinct second and third largest eigenvalues": lambda M: (
        _square(M) and len(M) >= 3 and np.allclose(M, M.T, rtol=0, atol=1e-12)
        and np.diff(np.linalg.eigvalsh(M))[-2] > 1e-3 * max(1.0, np.abs(M).max())),
    "has a simple real eigenvalue of largest real part": lambda M: _square(M) and (
        lambda lam: abs(lam[-1].imag) < 1e-10 and lam[-1].real - lam[-2].real > 1e-3)(
        sorted(np.linalg.eigvals(M), key=lambda z: z.real)),
    "nonzero": lambda M: bool(np.any(M != 0)),
    "> 0": lambda M: bool(np.all(M > 0)),
    "integer": lambda M: M.ndim == 0 and float(M) == int(M),
    # soft labels (Chapter 11): every row a probability vector
    "has rows that sum to 1": lambda M: M.ndim == 2 and np.allclose(M.sum(axis=1), 1),
}


def parse_assumption(text: str) -> tuple[str, str]:
    """'X invertible' -> ('X', 'invertible'), with the property from PROPERTIES."""
    name, _, prop = text.partition(" ")
    assert prop in PROPERTIES, (
        f"assumption {text!r}: property {prop!r} is not one of {sorted(PROPERTIES)}")
    return ALIASES.get(name, name), prop


def violated_assumptions(identity: Identity, inputs: dict[str, np.ndarray]) -> list[str]:
    """The assumptions of ``identity`` that ``inputs`` violate."""
    failed = []
    for text in identity.assumptions:
        key, prop = parse_assumption(text)
        matrix = DERIVED[key](inputs) if key in DERIVED else inputs[key]
        if not PROPERTIES[prop](np.asarray(matrix, dtype=float)):
            failed.append(text)
    return failed


def parse_shapes(identity: Identity) -> dict[str, tuple[str, ...]]:
    """'A: p×m, X: m×n' -> {'A': ('p', 'm'), 'X': ('m', 'n')}; scalars -> ()."""
    shapes = {}
    for item in identity.shapes.split(", "):
        name, _, dims = item.partition(": ")
        assert dims, f"{identity.name}: shapes item {item!r} is not 'name: r×c'"
        shapes[ALIASES.get(name, name)] = () if dims == "scalar" else tuple(dims.split("×"))
    return shapes


# -- the registry as a whole ------------------------------------------------------------------


def test_registry_is_a_tuple_of_identities_with_unique_names() -> None:
    assert isinstance(IDENTITIES, tuple) and len(IDENTITIES) >= 45
    assert all(isinstance(identity, Identity) for identity in IDENTITIES)
    duplicates = {name for name in NAMES if NAMES.count(name) > 1}
    assert not duplicates, f"names used twice: {duplicates}"


@pytest.mark.parametrize("kind", PROMISED)
def test_promised_entries_exist_with_their_kind(kind: str) -> None:
    for name in PROMISED[kind].split():
        assert get_identity(name).kind == kind, f"{name} should be of kind {kind!r}"


def test_registry_follows_the_order_of_kinds() -> None:
    order = [KINDS.index(identity.kind) for identity in IDENTITIES]
    assert order == sorted(order), "IDENTITIES should be grouped by kind, in the order of KINDS"


def test_identity_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        IDENTITIES[0].name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "trace-ish"}, "kind"),
        ({"chapter": "ch-nowhere"}, "chapter"),
        ({"name": "has space"}, "slug"),
        ({"assumptions": ["X invertible"]}, "tuple"),
        ({"assumptions": ("X invertible", 1)}, "tuple of str"),
        ({"f_latex": None}, "f_latex must be a str"),
        ({"grad": "A.T"}, "grad must be callable, got str"),
        ({"sympy_grad": None}, "both"),
        ({"hessian_latex": "2 H"}, "needs a hessian"),
        ({"hessian_latex": None}, "hessian_latex must be a str"),
    ],
)
def test_identity_rejects_bad_fields(change: dict, message: str) -> None:
    fields = {field.name: getattr(IDENTITIES[0], field.name)
              for field in dataclasses.fields(Identity)}
    with pytest.raises((TypeError, ValueError), match=message):
        Identity(**{**fields, **change})


# -- every identity, numerically ----------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_identity_holds_numerically(identity: Identity) -> None:
    for seed in SEEDS:
        result = check_identity(identity, np.random.default_rng(seed))
        assert result.ok, f"{identity.name}, seed {seed}: {result.message}"


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_scaled_gradient_is_caught(identity: Identity) -> None:
    """Half the gradient (a dropped term of a symmetric pair, a lost factor 2) fails."""
    wrong = dataclasses.replace(identity, grad=lambda **inputs: 0.5 * identity.grad(**inputs))
    result = check_identity(wrong, np.random.default_rng(0))
    assert not result.ok, f"{identity.name}: half its gradient passed: {result.message}"


def _transposable(identity: Identity) -> bool:
    G = identity.grad(**identity.sample(np.random.default_rng(0)))
    return not (_square(G) and np.allclose(G, G.T))


TRANSPOSABLE = [identity for identity in IDENTITIES if _transposable(identity)]


@pytest.mark.parametrize("identity", TRANSPOSABLE, ids=ids(TRANSPOSABLE))
def test_transposed_gradient_is_caught(identity: Identity) -> None:
    """The transpose of a non-symmetric gradient fails (wrong values or wrong shape)."""
    wrong = dataclasses.replace(identity, grad=lambda **inputs: identity.grad(**inputs).T)
    result = check_identity(wrong, np.random.default_rng(0))
    assert not result.ok, f"{identity.name}: the transposed gradient passed: {result.message}"


def test_only_symmetric_gradients_escape_the_transpose_test() -> None:
    """A gradient on the symmetric or diagonal matrices is symmetric by design; of the
    others, only ∇tr X = I and ∇log det(XXᵀ) = 2X⁻¹ ∘ I on lower-triangular X (diagonal,
    since X⁻ᵀ is upper triangular) are."""
    by_design = {identity.name for identity in IDENTITIES
                 if identity.subspace in SYMMETRIC_SUBSPACES}
    escaped = {identity.name for identity in IDENTITIES} - set(ids(TRANSPOSABLE)) - by_design
    assert escaped <= {"trace_X", "chol_logdet_XXt"}, escaped


def _inv(M: np.ndarray) -> np.ndarray:
    return np.linalg.inv(M)


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("quad_XBXtC", lambda X, B, C: C.T @ X @ B.T),  # one product-rule term dropped
        ("quad_XtAX", lambda X, A: 2 * A @ X),  # as if A were symmetric
        ("trace_AX2", lambda X, A: 2 * (A @ X).T),  # d(X²) = 2X dX, wrong
        ("trace_AXinvB", lambda X, A, B: -_inv(X) @ B @ A @ _inv(X)),  # transpose missing
        ("det_XtAX", lambda X, A: 2 * np.linalg.det(X.T @ A @ X) * A @ X @ _inv(X.T @ A @ X)),
        ("gaussian_nll", lambda X, S: _inv(X).T - _inv(X).T @ S @ _inv(X).T),
        ("spectral", lambda X: np.outer(*(v[:, -1] for v in np.linalg.svd(X)[::2]))),
    ],
)
def test_classic_slips_are_caught(name: str, wrong) -> None:
    result = check_identity(dataclasses.replace(get_identity(name), grad=wrong),
                            np.random.default_rng(4))
    assert not result.ok, f"{name}: a classic slip passed the check: {result.message}"


# -- samplers --------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_sampler_gives_the_declared_shapes(identity: Identity) -> None:
    declared = parse_shapes(identity)
    inputs = identity.sample(np.random.default_rng(5))
    assert set(inputs) == set(declared), (
        f"{identity.name}: sampler gives {sorted(inputs)}, shapes declare {sorted(declared)}")
    sizes: dict[str, int] = {"1": 1}
    for key, dims in declared.items():
        array = inputs[key]
        assert isinstance(array, np.ndarray) and np.all(np.isfinite(array)), (
            f"{identity.name}: input {key} is not a finite array")
        assert array.ndim == len(dims), f"{identity.name}: {key} has shape {array.shape}"
        for letter, size in zip(dims, array.shape, strict=True):
            assert sizes.setdefault(letter, size) == size, (
                f"{identity.name}: {key} has shape {array.shape}, but {letter} = {sizes[letter]}")
    letters = {letter: size for letter, size in sizes.items() if letter != "1"}
    assert len(set(letters.values())) == len(letters), (
        f"{identity.name}: distinct sizes {letters} should differ, to catch transposes")


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_sampler_satisfies_the_assumptions(identity: Identity) -> None:
    for seed in SEEDS:
        inputs = identity.sample(np.random.default_rng(seed))
        failed = violated_assumptions(identity, inputs)
        assert not failed, f"{identity.name}, seed {seed}: inputs violate {failed}"


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_sampler_avoids_symmetric_matrices_unless_assumed(identity: Identity) -> None:
    """No input is symmetric unless an assumption says so, or, for X, its subspace does."""
    symmetric = {parse_assumption(text)[0] for text in identity.assumptions
                 if parse_assumption(text)[1].startswith("symmetric")}
    if identity.subspace in SYMMETRIC_SUBSPACES:
        symmetric.add("X")
    inputs = identity.sample(np.random.default_rng(3))
    for key, array in inputs.items():
        if key not in symmetric and _square(array) and array.shape[0] > 1:
            assert not np.allclose(array, array.T), f"{identity.name}: {key} is symmetric"


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_sampler_is_reproducible_and_gradient_has_the_shape_of_X(identity: Identity) -> None:
    first = identity.sample(np.random.default_rng(11))
    second = identity.sample(np.random.default_rng(11))
    assert all(np.array_equal(first[key], second[key]) for key in first)
    assert np.shape(identity.grad(**first)) == first["X"].shape
    assert isinstance(identity.f(**first), float), f"{identity.name}: f should return a float"


ON_SUBSPACE = [identity for identity in IDENTITIES if identity.subspace]


def in_subspace(Y: np.ndarray, onto: str) -> bool:
    """Membership of the subspace, stated without utils.structured's projections."""
    i, j = np.indices(Y.shape)
    tests = {
        "symmetric": lambda: np.allclose(Y, Y.T),
        "skew-symmetric": lambda: np.allclose(Y, -Y.T),
        "diagonal": lambda: np.allclose(Y[i != j], 0),
        "upper triangular": lambda: np.allclose(Y[i > j], 0),
        "lower triangular": lambda: np.allclose(Y[i < j], 0),
        "Toeplitz": lambda: all(np.allclose(Y[j - i == k], Y[j - i == k][0])
                                for k in range(-(Y.shape[0] - 1), Y.shape[1])),
    }
    return tests[onto]()


@pytest.mark.parametrize("identity", ON_SUBSPACE, ids=ids(ON_SUBSPACE))
def test_on_a_subspace_X_and_the_gradient_lie_in_it(identity: Identity) -> None:
    """The sampler draws X in the subspace, the gradient lies in it, and X is not also in a
    smaller structured subspace that would hide a mistake (a symmetric X that is diagonal)."""
    for seed in SEEDS:
        inputs = identity.sample(np.random.default_rng(seed))
        X, G = inputs["X"], np.asarray(identity.grad(**inputs))
        assert in_subspace(X, identity.subspace), f"{identity.name}: X is not {identity.subspace}"
        assert in_subspace(G, identity.subspace), (
            f"{identity.name}: the gradient is not {identity.subspace}; the gradient of a "
            "restriction is the projection of the full-space gradient onto the subspace")
        if identity.subspace != "diagonal":
            assert not in_subspace(X, "diagonal"), f"{identity.name}: X is diagonal"


def test_every_subspace_has_an_entry() -> None:
    from utils.structured import PROJECTIONS

    assert {identity.subspace for identity in ON_SUBSPACE} == set(PROJECTIONS)


# -- exact checks with sympy ------------------------------------------------------------------


def _rational(x: float) -> sp.Rational:
    return sp.Rational(round(float(x) * DENOMINATOR), DENOMINATOR)


def exact_inputs(identity: Identity) -> tuple[dict, dict]:
    """Small rational inputs that satisfy the assumptions, as sympy and as numpy values."""
    for seed in range(20):
        drawn = identity.sample(np.random.default_rng(seed))
        symbolic, numeric = {}, {}
        for key, array in drawn.items():
            if np.issubdtype(array.dtype, np.integer):
                symbolic[key], numeric[key] = sp.Integer(int(array)), array
            elif array.ndim == 0:
                symbolic[key] = _rational(array)
                numeric[key] = np.array(float(symbolic[key]))
            else:
                symbolic[key] = sp.Matrix(array.shape[0], array.shape[1],
                                          lambda i, j, a=array: _rational(a[i, j]))
                numeric[key] = np.array(symbolic[key].tolist(), dtype=float)
        if not violated_assumptions(identity, numeric):
            return symbolic, numeric
    raise AssertionError(f"{identity.name}: no rounded sample satisfies the assumptions")


def exact_mismatches(identity: Identity) -> list[str]:
    """Entries where ∂f/∂X_ij, by sympy at rational inputs, differs from sympy_grad."""
    symbolic, _ = exact_inputs(identity)
    X = symbolic["X"]
    expected = sp.Matrix(identity.sympy_grad(**symbolic))
    if expected.shape != X.shape:
        return [f"sympy_grad has shape {expected.shape}, X has shape {X.shape}"]
    t = sp.Symbol("t", real=True)
    mismatches = []
    for i in range(X.rows):
        for j in range(X.cols):
            moved = X.copy()
            moved[i, j] += t
            value = identity.sympy_f(**{**symbolic, "X": moved})
            partial = sp.diff(value, t).subs(t, 0)
            if sp.simplify(partial - expected[i, j]) != 0:
                mismatches.append(f"∂f/∂X[{i}, {j}] = {partial}, sympy_grad has {expected[i, j]}")
    return mismatches


@pytest.mark.parametrize("identity", SYMBOLIC, ids=ids(SYMBOLIC))
def test_sympy_gradient_is_exact_entry_by_entry(identity: Identity) -> None:
    """∂f/∂X_ij by sympy, entry by entry at rational inputs, equals sympy_grad exactly;
    and the symbolic formulas agree with the numerical ones."""
    mismatches = exact_mismatches(identity)
    assert not mismatches, f"{identity.name}: " + "; ".join(mismatches[:3])
    symbolic, numeric = exact_inputs(identity)
    expected = sp.Matrix(identity.sympy_grad(**symbolic))
    assert np.allclose(np.array(expected.evalf(), dtype=float), identity.grad(**numeric)), (
        f"{identity.name}: sympy_grad and grad differ")
    f_exact = float(identity.sympy_f(**symbolic))
    assert np.isclose(f_exact, identity.f(**numeric)), f"{identity.name}: sympy_f and f differ"


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("trace_X2", lambda X: 2 * X),
        ("quad_XBXtC", lambda X, B, C: C.T * X * B.T),
        ("det_X", lambda X: X.det() * X.inv()),
        ("logdet_XtAX", lambda X, A: A * X * (X.T * A * X).inv()),
        ("trace_AXB", lambda X, A, B: B * A),  # the transpose of the gradient
    ],
)
def test_exact_check_catches_wrong_sympy_gradients(name: str, wrong) -> None:
    """A missing transpose, a dropped term, a lost factor 2 or a wrong shape is reported."""
    identity = dataclasses.replace(get_identity(name), sympy_grad=wrong)
    assert exact_mismatches(identity), f"the exact check accepted a wrong gradient of {name}"


def _singular(rng: np.random.Generator, n: int) -> np.ndarray:
    """An n×n integer matrix of rank n - 1: its last row is the sum of the others."""
    rows = rng.integers(-3, 4, size=(n - 1, n)).astype(float)
    return np.vstack([rows, rows.sum(axis=0)])


@pytest.mark.parametrize("singular", [("A",), ("B",), ("A", "B")])
def test_det_AXB_gradient_holds_exactly_for_singular_A_and_B(singular: tuple[str, ...]) -> None:
    """The registry assumes only X invertible for det(AXB): with A or B singular, f is 0
    near X and so is det(AXB) X⁻ᵀ, which the exact check confirms entry by entry."""
    identity = get_identity("det_AXB")
    assert identity.assumptions == ("X invertible",)

    def sample(rng: np.random.Generator) -> dict[str, np.ndarray]:
        inputs = identity.sample(rng)
        return {**inputs, **{key: _singular(rng, inputs[key].shape[0]) for key in singular}}

    wider = dataclasses.replace(identity, sample=sample)
    symbolic, _ = exact_inputs(wider)
    assert all(symbolic[key].det() == 0 for key in singular), "the test's A or B is invertible"
    assert not exact_mismatches(wider)


@pytest.mark.parametrize("identity", SYMBOLIC, ids=ids(SYMBOLIC))
def test_sympy_forms_work_on_matrix_symbols(identity: Identity) -> None:
    """On MatrixSymbols, sympy_f is a scalar and sympy_grad has X's shape; substituting
    explicit matrices afterwards gives what the explicit matrices give directly."""
    symbolic, _ = exact_inputs(identity)
    symbols = {key: sp.MatrixSymbol(key, *value.shape) if isinstance(value, sp.MatrixBase)
               else value for key, value in symbolic.items()}
    replace = {symbols[key]: sp.ImmutableMatrix(value) for key, value in symbolic.items()
               if isinstance(value, sp.MatrixBase)}
    f_expr = identity.sympy_f(**symbols)
    assert not getattr(f_expr, "is_Matrix", False), f"{identity.name}: sympy_f is a matrix"
    assert sp.simplify(f_expr.xreplace(replace).doit() - identity.sympy_f(**symbolic)) == 0
    g_expr = identity.sympy_grad(**symbols)
    assert g_expr.shape == symbolic["X"].shape, f"{identity.name}: sympy_grad shape"
    difference = sp.Matrix(g_expr.xreplace(replace).doit()) - identity.sympy_grad(**symbolic)
    assert difference.applyfunc(sp.simplify) == sp.zeros(*difference.shape)


# -- lookups and errors ------------------------------------------------------------------------


def test_get_identity_finds_every_name() -> None:
    assert all(get_identity(name).name == name for name in NAMES)


def test_get_identity_lists_similar_names() -> None:
    with pytest.raises(ValueError, match="trace_AXB") as error:
        get_identity("trace_AXb")
    assert "no identity is called 'trace_AXb'" in str(error.value)


def test_get_identity_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="str"):
        get_identity(3)  # type: ignore[arg-type]


def test_get_identity_rejects_an_empty_name() -> None:
    with pytest.raises(ValueError, match="empty"):
        get_identity("")


@pytest.mark.parametrize(
    ("sample", "error", "message"),
    [
        (lambda rng: [np.eye(3)], TypeError, "dict of arrays, got list"),
        (lambda rng: {"Y": np.eye(3)}, ValueError, r"key 'X', got the keys \['Y'\]"),
    ],
)
def test_check_identity_names_a_broken_sampler(sample, error: type, message: str) -> None:
    broken = dataclasses.replace(get_identity("trace_X"), sample=sample)
    with pytest.raises(error, match=message):
        check_identity(broken, np.random.default_rng(0))


def test_value_names_the_shape_of_a_non_scalar() -> None:
    from utils.identity_samplers import value

    assert value(np.array([[2.5]])) == 2.5 and value(np.array([[1j]])) == 1j
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        value(np.ones((2, 2)))


def test_check_identity_accepts_a_name_and_validates_arguments() -> None:
    assert check_identity("trace_AXB", np.random.default_rng(0)).ok
    with pytest.raises(TypeError, match="Generator"):
        check_identity("trace_AXB", 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Identity"):
        check_identity(42, np.random.default_rng(0))  # type: ignore[arg-type]


# -- the table -------------------------------------------------------------------------------


def test_gradient_table_lists_every_identity_with_math_and_source() -> None:
    table = gradient_table()
    lines = table.strip().splitlines()
    assert lines[0].startswith("| name |") and "source" in lines[0] and "chapter" in lines[0]
    assert len(lines) == 2 + len(IDENTITIES)
    for identity, line in zip(IDENTITIES, lines[2:], strict=True):
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        assert len(cells) == 6, f"{identity.name}: row has {len(cells)} cells: {line}"
        assert cells[0] == f"`{identity.name}`"
        # the remarks of f and ∇f (definitions such as M = XᵀAX) move to the conditions
        (f, f_remarks), (grad, grad_remarks) = map(formula_and_remarks,
                                                   (identity.f_latex, identity.grad_latex))
        assert cells[1] == f"${f}$" and cells[2] == f"${grad}$"
        assert all(f"${remark}$" in cells[3] for remark in f_remarks + grad_remarks), cells[3]
        assert cells[4] == (identity.source or "derived in the book")
        assert CHAPTERS[identity.chapter][1] in cells[5]


def test_remarks_stay_with_the_formula_without_a_conditions_column() -> None:
    with_conditions = gradient_table(names=["vjp_inv_XtAX"])
    assert "| $A X W^\\top + A^\\top X W$ |" in with_conditions
    assert "where $M = X^\\top A X$, $W = -M^{-\\top} G M^{-\\top}$" in with_conditions
    alone = gradient_table(names=["vjp_inv_XtAX"], columns=["gradient"])
    assert f"| ${get_identity('vjp_inv_XtAX').grad_latex}$ |" in alone


def test_gradient_table_shows_the_chosen_columns_in_order() -> None:
    table = gradient_table(names=["trace_XA"], columns=["gradient", "f", "chapter"])
    header, rule, row = table.strip().splitlines()
    assert header == "| $\\nabla f(X)$ | $f(X)$ | chapter |" and rule == "|---|---|---|"
    assert row == "| $A^\\top$ | $\\tr(XA)$ | 2. The Fréchet derivative and the gradient |"


def test_gradient_table_filters_by_kind_and_name() -> None:
    traces = gradient_table(kinds=["trace"])
    assert "`trace_AXB`" in traces and "`bilinear_aXb`" not in traces
    one = gradient_table(names=["trace_AXB"])
    assert one.count("\n") == 3 and "`trace_AXB`" in one
    assert gradient_table(kinds=["trace"], names=["trace_AXB", "bilinear_aXb"]) == one


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"kinds": ["traces"]}, ValueError, "unknown kinds"),
        ({"kinds": "trace"}, TypeError, "list of str"),
        ({"names": ["trace_AXb"]}, ValueError, "similar names"),
        ({"kinds": ["product"], "names": ["trace_AXB"]}, ValueError, "no identity matches"),
        ({"names": [1]}, TypeError, "str"),
        ({"columns": ["f", "grad"]}, ValueError, "unknown or no columns"),
        ({"columns": []}, ValueError, "unknown or no columns"),
        ({"columns": "f"}, TypeError, "list of str"),
    ],
)
def test_gradient_table_errors(options: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        gradient_table(**options)


# -- the LaTeX and the other text fields ------------------------------------------------------

STANDARD_TEX = {"top", "nabla", "sum", "det", "log", "lambda", "lvert", "rvert", "lVert",
                "rVert", "sigma", "Sigma", "quad", "frac", "left", "right", "mathrm", "text",
                "cdot", "ldots", "circ", "operatorname", "exp",
                "sin", "cos", "sqrt"}  # Chapter 10
STANDARD_TEX |= {"tanh"}  # an entrywise function (Chapter 9)


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_latex_uses_only_the_books_macros(identity: Identity) -> None:
    allowed = STANDARD_TEX | set(mathjax_macros())
    steps = [step.latex for step in identity.derivation]
    for latex in (identity.f_latex, identity.grad_latex, *steps):
        commands = set(re.findall(r"\\([A-Za-z]+)", latex))
        assert commands <= allowed, (
            f"{identity.name}: {sorted(commands - allowed)} are neither standard TeX nor "
            "macros from _config.yml")
        assert "|" not in latex, f"{identity.name}: '|' breaks Markdown tables; use \\lvert"
        assert "$" not in latex and latex.count("{") == latex.count("}"), latex


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_text_fields(identity: Identity) -> None:
    assert identity.f_latex and identity.grad_latex and identity.shapes
    assert identity.source == "" or re.match(
        r"^(Matrix Cookbook eq\. \(\d+\)|Giles \(2008\)|Magnus & Neudecker"
        r"|Higham \(2008\)|Magnus \(1985\)|Overton & Womersley \(1993\))", identity.source
    ), f"{identity.name}: source {identity.source!r} names no reference"
    assert all(isinstance(text, str) for text in identity.assumptions)


def test_chapter_titles_match_the_notebooks() -> None:
    """The table's chapter column names each chapter as its notebook's title begins."""
    titles = {}
    for path in toc_notebooks():
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                         if cell.cell_type == "markdown")
        titles.update(re.findall(r"^\((ch-[\w-]+)\)=[ \t]*\n# (.+)$", text, re.MULTILINE))
    for label, (_, title) in CHAPTERS.items():
        assert label in titles, f"CHAPTERS names {label}, which no notebook of the book defines"
        assert titles[label].startswith(title), (
            f"CHAPTERS calls {label} {title!r}, its notebook {titles[label]!r}")


def test_package_exports_the_registry() -> None:
    for name in ("Identity", "IDENTITIES", "KINDS", "get_identity", "check_identity",
                 "gradient_table"):
        assert name in utils.__all__


# -- derivations ----------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_every_step_of_the_derivation_equals_df(identity: Identity) -> None:
    """Each line of the derivation is df at random inputs and a random direction dX."""
    assert len(identity.derivation) >= 2, f"{identity.name}: no derivation, or one line only"
    for seed in SEEDS:
        failures = check_derivation(identity, np.random.default_rng(seed))
        assert not failures, failures


@pytest.mark.parametrize("identity", IDENTITIES, ids=ids(IDENTITIES))
def test_derivation_ends_with_the_gradient_paired_with_dX(identity: Identity) -> None:
    """The last line is ⟨G, dX⟩, from which the identification theorem reads off ∇f = G
    (on a subspace, followed by a remark, an equation, that states why the last step holds
    there, such as dXᵀ = dX)."""
    from utils.latex_eval import split_display

    last = identity.derivation[-1].latex
    if identity.subspace:
        display = split_display(last)
        assert display.equations and not display.words, (
            f"{identity.name}: end with \\inner{{G}}{{\\mathrm{{d}}X}} \\quad (...), the "
            "remark an equation that says why the step holds there, such as dXᵀ = dX")
        last = display.sides[0]
    assert last.startswith(r"\inner{"), last
    assert last.endswith((r"}{\mathrm{d}X}", r"}{\mathrm{d}x}")), last
    rng = np.random.default_rng(5)
    inputs = identity.sample(rng)
    dX = rng.standard_normal(inputs["X"].shape)
    expected = float(np.sum(identity.grad(**inputs) * dX))
    assert identity.derivation[-1].value(dX=dX, **inputs) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name, slip", [
    ("trace_Xinv",  # the minus sign of d(X⁻¹) forgotten
     lambda dX, X: np.trace(np.linalg.inv(X) @ dX @ np.linalg.inv(X))),
    ("quad_XtAX", lambda dX, X, A: 2 * np.trace(X.T @ A @ dX)),  # assumes A symmetric
    ("trace_X3", lambda dX, X: np.trace(X @ X @ dX)),  # one term of three
])
def test_check_derivation_catches_a_wrong_step(name: str, slip) -> None:
    identity = get_identity(name)
    wrong = Step(identity.derivation[0].latex, slip)
    broken = dataclasses.replace(identity, derivation=(identity.derivation[0], wrong))
    failures = check_derivation(broken, np.random.default_rng(0))
    assert len(failures) == 1 and f"{name}, step 2" in failures[0], failures


@pytest.mark.parametrize(("rtol", "error", "message"), [
    (0, ValueError, "0 < rtol < 1, got 0"),
    (-1e-7, ValueError, "0 < rtol < 1"),
    (1.0, ValueError, "every step would pass, even 0"),
    (float("nan"), ValueError, "0 < rtol < 1, got nan"),
    (float("inf"), ValueError, "0 < rtol < 1, got inf"),
    ("1e-7", TypeError, "rtol must be a real number, got str"),
    (True, TypeError, "rtol must be a real number, got bool"),
    (np.array([1e-7]), TypeError, "rtol must be a real number, got array"),
])
def test_check_derivation_rejects_a_bad_tolerance(rtol, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        check_derivation("trace_X", np.random.default_rng(0), rtol=rtol)


def test_check_derivation_tolerance_below_one_is_needed() -> None:
    """Why rtol ≥ 1 is refused: |Df(X)[dX]| ≤ ‖∇f‖‖dX‖ (Cauchy–Schwarz), so a step whose
    value is 0 is off by at most 1 relative to ‖∇f‖‖dX‖, on every draw: rtol ≥ 1 would
    pass it. The default rtol fails it, and numpy floats are tolerances too."""
    zero = dataclasses.replace(get_identity("trace_AXB"),
                               derivation=(Step("0", lambda dX, **_: 0.0),))
    for seed in range(20):
        failures = check_derivation(zero, np.random.default_rng(seed), rtol=np.float32(1e-7))
        assert len(failures) == 1, failures
        off_by = float(re.search(r"off by (\S+) relative", failures[0])[1])
        assert 0 < off_by <= 1, failures[0]


@pytest.mark.parametrize("check", [check_identity, check_derivation])
def test_checks_accept_no_generator_with_a_fixed_seed(check) -> None:
    """rng=None (or no rng) means a generator with a fixed seed, as in check_gradient:
    the same verdict every time, and the same as with that seed given explicitly."""
    from utils.checks import DEFAULT_SEED

    broken = dataclasses.replace(  # a wrong gradient and a wrong step, so results differ
        get_identity("trace_AXB"), grad=lambda A, X, B: A.T @ B.T + 1e-3,
        derivation=(Step("x", lambda dX, A, X, B: np.trace(A @ dX @ B) * 1.001),))
    default, none = check(broken), check(broken, None)
    seeded = check(broken, np.random.default_rng(DEFAULT_SEED))
    assert str(default) == str(none) == str(seeded)
    failed = not default if check is check_identity else len(default) == 1
    assert failed, f"the broken entry should fail: {default}"
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator.*got int"):
        check(broken, 0)


def test_check_derivation_needs_a_derivation() -> None:
    bare = dataclasses.replace(get_identity("trace_X"), derivation=())
    with pytest.raises(ValueError, match="trace_X has no derivation"):
        check_derivation(bare, np.random.default_rng(0))


@pytest.mark.parametrize("latex, value, message", [
    ("", lambda dX: 0.0, "latex must be a non-empty str"),
    (r"\tr(\mathrm{d}X)", "np.trace(dX)", "value must be callable"),
])
def test_step_rejects_bad_fields(latex, value, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Step(latex, value)


def test_identity_rejects_a_derivation_that_is_not_steps() -> None:
    with pytest.raises(TypeError, match="derivation must be a tuple of Step"):
        dataclasses.replace(get_identity("trace_X"), derivation=[r"\tr(\mathrm{d}X)"])


def test_derivations_page_text() -> None:
    """One aligned display per identity, df on the left, the gradient after it."""
    text = derivations(kinds=["trace", "determinant"])
    chosen = [identity for identity in IDENTITIES if identity.kind in ("trace", "determinant")]
    assert text.count(r"\begin{aligned}") == len(chosen) == text.count(r"\end{aligned}")
    for identity in chosen:
        assert f"`{identity.name}`" in text
        assert f"so $\\nabla f(X) = {identity.grad_latex}$." in text
    assert text.count(r"\mathrm{d}f &=") == len(chosen)
    assert derivations(names=["trace_AXB"]).count("&=") == len(get_identity("trace_AXB").derivation)
    vector = derivations(names=["quad_xAx"])  # the formulas call a column vector x
    assert "$f(x) = x^\\top A x$" in vector and "\\nabla f(x)" in vector, vector
    with pytest.raises(ValueError, match="unknown kinds"):
        derivations(kinds=["traces"])


# -- identities on a subspace (Chapter 7) -----------------------------------------------------


def _symmetric_trace_identity(grad) -> Identity:
    def sample(rng):
        S = rng.standard_normal((3, 3))
        return {"X": S + S.T, "A": rng.standard_normal((3, 3))}

    return Identity(
        name="trace_AS_test", kind="trace", f_latex=r"\tr(AX)", grad_latex=r"\sym(A)",
        shapes="A: n×n, X: n×n", assumptions=(), sample=sample,
        f=lambda X, A: np.trace(A @ X), grad=grad, source="", chapter="ch-trace",
        subspace="symmetric")


def test_a_gradient_on_a_subspace_is_checked_along_the_subspace():
    """sym(Aᵀ) is the gradient of tr(AX) on symmetric X; the full-space Aᵀ is not."""
    right = _symmetric_trace_identity(lambda X, A: (A + A.T) / 2)
    wrong = _symmetric_trace_identity(lambda X, A: A.T)
    assert check_identity(right)
    assert not check_identity(wrong)
    assert not check_derivation(dataclasses.replace(right, derivation=(
        Step(r"\tr(A\,\mathrm{d}X)", lambda dX, X, A: np.trace(A @ dX)),
        Step(r"\inner{\sym(A)}{\mathrm{d}X}", lambda dX, X, A: np.sum((A + A.T) / 2 * dX)),
    )))


def test_an_unknown_subspace_or_a_bad_hessian_is_refused():
    with pytest.raises(ValueError, match="subspace 'hermitian' is not one of"):
        dataclasses.replace(_symmetric_trace_identity(lambda X, A: A), subspace="hermitian")
    with pytest.raises(TypeError, match="hessian must be callable"):
        dataclasses.replace(_symmetric_trace_identity(lambda X, A: A), hessian=1.0)


# -- Hessians (Chapter 8) ---------------------------------------------------------------------


def test_the_hessians_chapter_8_derives_are_in_the_registry() -> None:
    for name in HESSIANS.split() + PROMISED["second order"].split():
        identity = get_identity(name)
        assert identity.hessian is not None and identity.hessian_latex, name


WITH_HESSIAN = [identity for identity in IDENTITIES if identity.hessian is not None]


@pytest.mark.parametrize("identity", WITH_HESSIAN, ids=ids(WITH_HESSIAN))
def test_every_stated_hessian_passes_check_hessian(identity: Identity) -> None:
    for seed in SEEDS:
        inputs = identity.sample(np.random.default_rng(seed))
        result = utils.check_hessian(identity.at(inputs),
                                     lambda H, inputs=inputs: identity.hessian(H, **inputs),
                                     inputs["X"], np.random.default_rng(seed))
        assert result.ok, f"{identity.name}, seed {seed}: {result.message}"


@pytest.mark.parametrize("identity", WITH_HESSIAN, ids=ids(WITH_HESSIAN))
def test_a_halved_or_transposed_hessian_fails(identity: Identity) -> None:
    inputs = identity.sample(np.random.default_rng(0))
    f, X = identity.at(inputs), inputs["X"]
    half = utils.check_hessian(f, lambda H: 0.5 * identity.hessian(H, **inputs), X)
    assert half.verdict == "wrong", f"{identity.name}: half its Hessian passed: {half.message}"
    if X.shape[0] == X.shape[1]:
        flipped = utils.check_hessian(f, lambda H: identity.hessian(H.T, **inputs), X)
        assert not flipped, f"{identity.name}: the Hessian applied to Hᵀ passed"


def test_gradient_table_shows_hessians_on_request() -> None:
    table = gradient_table(names=["logdet_X", "trace_X"], columns=["name", "hessian"])
    header, _, trace, logdet = table.strip().splitlines()
    assert header == "| name | $\\nabla^2 f(X)[H]$ |"
    assert logdet == "| `logdet_X` | $-X^{-\\top} H^\\top X^{-\\top}$ |"
    assert trace == "| `trace_X` |  |"
    assert "hessian" not in gradient_table(names=["trace_X"]).splitlines()[0].lower()
