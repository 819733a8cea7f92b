"""The registry of gradient identities: every identity in the book, in one place.

``IDENTITIES`` collects the catalogue modules' entries in the order of :data:`KINDS`.
:func:`get_identity` looks one up by name, :func:`check_identity` verifies one numerically
on random inputs from its sampler, :func:`check_derivation` verifies every step of its
derivation, and :func:`gradient_table` and :func:`derivations` write them out in Markdown
for the book's appendix. Introduced in Chapter 4, *Trace identities and the trace
trick*.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import numpy as np

from ._validation import as_real_number, generator_or_seeded
from .catalogue_applications import APPLICATIONS
from .catalogue_inverse import DETERMINANT, INVERSE, LOG_DETERMINANT
from .catalogue_norms import LEAST_SQUARES, NORM
from .catalogue_polynomial import POWER, QUADRATIC
from .catalogue_pullbacks import PULLBACK
from .catalogue_second_order import SECOND_ORDER
from .catalogue_spectral import MATRIX_FUNCTION, SPECTRAL
from .catalogue_structured import STRUCTURED
from .catalogue_trace import PRODUCT, TRACE
from .checks import DEFAULT_SEED, GradientCheck, check_gradient
from .identity_record import CHAPTERS, KINDS, Identity, Step
from .latex_eval import formula_and_remarks
from .matrix_space import frobenius_norm
from .numdiff import directional_derivative

__all__ = [
    "IDENTITIES", "KINDS", "TABLE_COLUMNS", "Identity", "Step", "check_derivation",
    "check_identity", "derivations", "get_identity", "gradient_table",
]

# The columns of gradient_table: key -> header.
TABLE_COLUMNS: dict[str, str] = {
    "name": "name",
    "f": "$f(X)$",
    "gradient": "$\\nabla f(X)$",
    "conditions": "shapes and assumptions",
    "source": "source",
    "chapter": "chapter",
    "hessian": "$\\nabla^2 f(X)[H]$",
}
# The columns shown unless others are chosen (the Hessian column only on request).
DEFAULT_COLUMNS: tuple[str, ...] = ("name", "f", "gradient", "conditions", "source", "chapter")

IDENTITIES: tuple[Identity, ...] = (
    *TRACE,
    *PRODUCT,
    *QUADRATIC,
    *POWER,
    *INVERSE,
    *DETERMINANT,
    *LOG_DETERMINANT,
    *NORM,
    *LEAST_SQUARES,
    *STRUCTURED,
    *SECOND_ORDER,
    *PULLBACK,
    *MATRIX_FUNCTION,
    *SPECTRAL,
    *APPLICATIONS,
)

_BY_NAME: dict[str, Identity] = {identity.name: identity for identity in IDENTITIES}


def get_identity(name: str) -> Identity:
    """The identity called ``name``, e.g. ``get_identity("trace_AXB")``.

    Parameters
    ----------
    name : str
        A slug from the registry (``[identity.name for identity in IDENTITIES]``).

    Returns
    -------
    Identity

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If no identity has that name; the message lists the most similar names.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str such as 'trace_AXB', got {type(name).__name__}")
    if not name:
        raise ValueError("name is empty; give a name such as 'trace_AXB'")
    if name in _BY_NAME:
        return _BY_NAME[name]
    lowered = {known.lower(): known for known in _BY_NAME}  # case slips first
    close = difflib.get_close_matches(name.lower(), lowered, n=5, cutoff=0.5)
    similar = [lowered[match] for match in close]
    if not similar:
        similar = [known for known in _BY_NAME if name.lower() in known.lower()][:5]
    hint = (
        f"similar names: {', '.join(similar)}"
        if similar
        else f"the {len(_BY_NAME)} names start {', '.join(list(_BY_NAME)[:8])}, ..."
    )
    raise ValueError(f"no identity is called {name!r}; {hint}")


def check_identity(
    identity: Identity | str, rng: np.random.Generator | None = None
) -> GradientCheck:
    """Verify an identity numerically at random inputs drawn from its sampler.

    Draws inputs with ``identity.sample(rng)`` and runs :func:`utils.check_gradient` on
    X ↦ f(X, other inputs) with the candidate ``identity.grad(**inputs)``, along random
    directions from the same ``rng``.

    Parameters
    ----------
    identity : Identity or str
        The identity, or its name.
    rng : numpy.random.Generator, optional
        Source of the inputs and of the test directions; by default a generator with a
        fixed seed, as in :func:`utils.check_gradient`, so the verdict is reproducible.

    Returns
    -------
    GradientCheck
        Truthy when the gradient matches the numerical derivatives.

    Raises
    ------
    TypeError
        If ``identity`` is neither an Identity nor a str, ``rng`` is neither a Generator
        nor None, or the sampler returns something other than a dict.
    ValueError
        For an unknown name, or a sampler that does not draw ``"X"``.

    Chapter 4, *Trace identities and the trace trick*.
    """
    identity = _as_identity(identity)
    rng = generator_or_seeded(rng, DEFAULT_SEED)
    inputs = identity.sample(rng)
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"{identity.name}: sample(rng) must return a dict of arrays, "
            f"got {type(inputs).__name__}"
        )
    if "X" not in inputs:
        raise ValueError(
            f"{identity.name}: sample(rng) must draw the variable under the key 'X', "
            f"got the keys {sorted(inputs)}"
        )
    return check_gradient(identity.at(inputs), identity.grad(**inputs), inputs["X"], rng)


def gradient_table(
    *,
    kinds: Iterable[str] | None = None,
    names: Iterable[str] | None = None,
    columns: Iterable[str] = DEFAULT_COLUMNS,
) -> str:
    """A Markdown table of identities, with their formulas as ``$...$`` math.

    Rows follow the registry's order.

    Parameters
    ----------
    kinds : iterable of str, optional
        Keep only identities of these kinds (each one of :data:`KINDS`).
    names : iterable of str, optional
        Keep only the identities with these names. With both, an identity must match both.
    columns : iterable of str, optional
        Which columns to show, in this order, from :data:`TABLE_COLUMNS`: ``"name"``,
        ``"f"``, ``"gradient"``, ``"conditions"`` (shapes and assumptions), ``"source"``,
        ``"chapter"`` and ``"hessian"`` (∇²f(X)[H], empty where the entry states none;
        Chapter 8). All but the last by default (:data:`DEFAULT_COLUMNS`).

    Returns
    -------
    str
        The table, one row per identity, ending with a newline.

    Raises
    ------
    ValueError
        For an unknown kind, name or column, or when no identity matches.

    Chapter 4, *Trace identities and the trace trick*.
    """
    shown = _strings(columns, "columns")
    unknown_columns = [column for column in shown if column not in TABLE_COLUMNS]
    if unknown_columns or not shown:
        raise ValueError(
            f"unknown or no columns {unknown_columns}; the columns are {list(TABLE_COLUMNS)}")
    chosen = _select(kinds, names)
    header = "| " + " | ".join(TABLE_COLUMNS[column] for column in shown) + " |\n"
    rule = "|" + "---|" * len(shown) + "\n"
    return header + rule + "".join(_row(identity, shown) for identity in chosen)


def check_derivation(
    identity: Identity | str, rng: np.random.Generator | None = None, rtol: float = 1e-7
) -> list[str]:
    """Check every step of an identity's derivation at random inputs and a random direction.

    Each step's value must equal the numerical directional derivative Df(X)[dX] to within
    ``rtol`` · ‖∇f(X)‖_F ‖dX‖_F (the largest that Df(X)[dX] can be, by Cauchy–Schwarz).

    Parameters
    ----------
    identity : Identity or str
        The identity, or its name.
    rng : numpy.random.Generator, optional
        Source of the inputs and of the direction dX (shaped like X); by default a
        generator with a fixed seed, as in :func:`utils.check_gradient`.
    rtol : float, optional
        Tolerance relative to ‖∇f(X)‖_F ‖dX‖_F, with 0 < rtol < 1: at rtol ≥ 1 every step,
        even a step equal to 0, would pass, since |Df(X)[dX]| ≤ ‖∇f(X)‖_F ‖dX‖_F.

    Returns
    -------
    list of str
        One message per step that does not hold, naming the step and its error; empty
        when every step holds.

    Raises
    ------
    TypeError
        If ``identity`` is neither an Identity nor a str, ``rng`` is neither a Generator
        nor None, or ``rtol`` is not a real number.
    ValueError
        If the identity has no derivation, or ``rtol`` is not between 0 and 1.

    Chapter 3, *A calculus of differentials*.
    """
    identity = _as_identity(identity)
    rng = generator_or_seeded(rng, DEFAULT_SEED)
    rtol = as_real_number(rtol, "rtol")
    if not 0 < rtol < 1:
        raise ValueError(f"rtol must be a number with 0 < rtol < 1, got {rtol!r}; at rtol "
                         "≥ 1 every step would pass, even 0")
    if not identity.derivation:
        raise ValueError(f"{identity.name} has no derivation to check")
    inputs = identity.sample(rng)
    X = inputs["X"]
    dX = identity.restrict(rng.standard_normal(np.shape(X)))
    exact = directional_derivative(identity.at(inputs), X, dX)
    scale = max(frobenius_norm(np.asarray(identity.grad(**inputs))) * frobenius_norm(dX),
                np.finfo(float).tiny)
    failures = []
    for number, step in enumerate(identity.derivation, start=1):
        error = abs(float(np.real(step.value(dX=dX, **inputs))) - exact) / scale
        if not error <= rtol:
            failures.append(f"{identity.name}, step {number} (${step.latex}$): "
                            f"off by {error:.1e} relative to ‖∇f‖‖dX‖")
    return failures


def derivations(
    *, kinds: Iterable[str] | None = None, names: Iterable[str] | None = None
) -> str:
    """The derivations of the chosen identities in Markdown, one display equation each.

    Each reads ``df = step = ... = ⟨G, dX⟩``, followed by the gradient G that the first
    identification theorem reads off. ``kinds`` and ``names`` choose identities as in
    :func:`gradient_table`; identities without a derivation are left out.

    Returns
    -------
    str
        Markdown with ``$$...$$`` math, ending with a newline.

    Raises
    ------
    ValueError
        For an unknown kind or name, or when no chosen identity has a derivation.

    Chapter 3, *A calculus of differentials*.
    """
    chosen = [identity for identity in _select(kinds, names) if identity.derivation]
    if not chosen:
        raise ValueError(f"no identity with a derivation matches kinds={kinds!r} and "
                         f"names={names!r}")
    return "\n".join(_derivation(identity) for identity in chosen)


def _derivation(identity: Identity) -> str:
    # the formulas call the variable x when it is a column vector
    x = "x" if re.search(r"(?:^|, )x:", identity.shapes) else "X"
    lines = " \\\\\n".join(f"&= {step.latex}" for step in identity.derivation)
    return (f"`{identity.name}`, $f({x}) = {identity.f_latex}$:\n\n"
            f"$$\n\\begin{{aligned}}\n\\mathrm{{d}}f {lines}\n\\end{{aligned}}\n$$\n\n"
            f"so $\\nabla f({x}) = {identity.grad_latex}$.\n")


def _select(kinds: Iterable[str] | None, names: Iterable[str] | None) -> list[Identity]:
    chosen = list(IDENTITIES)
    if kinds is not None:
        wanted_kinds = _strings(kinds, "kinds")
        unknown = sorted(set(wanted_kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; the kinds are {list(KINDS)}")
        chosen = [identity for identity in chosen if identity.kind in wanted_kinds]
    if names is not None:
        wanted_names = {get_identity(name).name for name in _strings(names, "names")}
        chosen = [identity for identity in chosen if identity.name in wanted_names]
    if not chosen:
        raise ValueError(f"no identity matches kinds={kinds!r} and names={names!r}")
    return chosen


def _row(identity: Identity, columns: list[str]) -> str:
    """One row; with a conditions column, the remarks of f and ∇f (``M = X^\top A X``)
    are shown there, so that a definition does not widen the formula's column."""
    number, title = CHAPTERS[identity.chapter]
    f, gradient, remarks = identity.f_latex, identity.grad_latex, ()
    if "conditions" in columns:
        (f, f_remarks), (gradient, gradient_remarks) = map(
            formula_and_remarks, (identity.f_latex, identity.grad_latex))
        remarks = tuple(dict.fromkeys(f_remarks + gradient_remarks))
    cells = {
        "name": f"`{identity.name}`",
        "f": f"${f}$",
        "gradient": f"${gradient}$",
        "conditions": "; ".join((identity.shapes, *identity.assumptions, *_on(identity),
                                 *_where(remarks))),
        "source": identity.source or "derived in the book",
        "chapter": f"{number}. {title}",
        "hessian": f"${identity.hessian_latex}$" if identity.hessian_latex else "",
    }
    shown = (cells[column].replace("|", "\\|") for column in columns)
    return "| " + " | ".join(shown) + " |\n"


def _where(remarks: tuple[str, ...]) -> tuple[str, ...]:
    """The table's note for the remarks of a formula: definitions after "where", words
    (``\text{unit } q_0 ...``) as they are."""
    definitions = [f"${remark}$" for remark in remarks if r"\text" not in remark]
    words = [f"${remark}$" for remark in remarks if r"\text" in remark]
    return (*words, *(["where " + ", ".join(definitions)] if definitions else []))


def _on(identity: Identity) -> tuple[str, ...]:
    """The table's note for a gradient on a subspace (Chapter 7)."""
    if not identity.subspace:
        return ()
    return (f"X {identity.subspace}; the gradient within the {identity.subspace} matrices",)


def _as_identity(identity: Identity | str) -> Identity:
    if isinstance(identity, Identity):
        return identity
    if isinstance(identity, str):
        return get_identity(identity)
    raise TypeError(
        f"identity must be an Identity or its name, got {type(identity).__name__}"
    )


def _strings(values: Iterable[str], name: str) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of str, not one str: write [{values!r}]")
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a list of str, got {type(values).__name__}") from None
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must contain str, got {type(item).__name__}")
    return items
