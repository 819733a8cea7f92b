r"""The registry's displayed formulas, evaluated and compared with its code.

An identity shows the reader LaTeX (``f_latex``, ``grad_latex``, the ``latex`` of each
derivation step) and carries code (``f``, ``grad``, each step's ``value``). The checks in
:mod:`utils.identities` test the code; :func:`check_latex` ties the LaTeX to it, by
evaluating every displayed formula with :mod:`utils.latex_eval` at the identity's sampled
inputs and comparing it with the code's value there. Introduced in Chapter 4, *Trace
identities and the trace trick*.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ._validation import require_generator
from .identities import get_identity
from .identity_record import Identity, Inputs
from .latex_eval import Display, LatexError, evaluate, split_display
from .matrix_space import frobenius_norm

__all__ = ["check_latex", "latex_values", "unchecked_remarks"]

# Names of the shapes string that are not input keys: name -> (LaTeX spelling, input key).
RENAMED = {"x": ("x", "X"), "λ": (r"\lambda", "lam")}
TINY = np.finfo(float).tiny


def latex_values(
    identity: Identity, inputs: Inputs, dX: np.ndarray
) -> tuple[dict[str, Any], dict[str, int]]:
    r"""The values of the names an identity's formulas use, and the sizes they name.

    The names are the inputs as the formulas write them (``x`` for X when the shapes say
    ``x: n×1``, ``\lambda`` for ``lam``); the direction ``\mathrm{d}X`` (or
    ``\mathrm{d}x``); the thin SVD of X, X = U Σ Vᵀ, as ``U``, ``\Sigma``, ``V``, the
    families ``u``, ``v`` of their columns and ``\sigma`` of the singular values (largest
    first); and ``I``, the identity of X's size, when X is square, with its eigenvectors
    (``q``, ``Q`` for a symmetric X, ``x``, ``y`` for real eigenvalues; Chapter 10). Inputs
    keep their names when they clash with these.

    Parameters
    ----------
    identity : Identity
    inputs : dict of str to ndarray
        What ``identity.sample`` drew.
    dX : ndarray
        A direction, shaped like X.

    Returns
    -------
    values : dict of str to ndarray or tuple
        For :func:`utils.latex_eval.evaluate`.
    sizes : dict of str to int
        The size of every letter of ``identity.shapes``: for ``"A: p×m, X: m×n"``,
        ``{"p": ..., "m": ..., "n": ...}``.

    Raises
    ------
    ValueError
        If the shapes string names an input the sampler did not draw, or gives it another
        number of dimensions.

    Chapter 4, *Trace identities and the trace trick*.
    """
    X = np.asarray(inputs["X"])
    U, singular_values, Vt = np.linalg.svd(X, full_matrices=False)
    values: dict[str, Any] = {
        "U": U, r"\Sigma": np.diag(singular_values), "V": Vt.T, r"\sigma": singular_values,
        "u": tuple(U.T[:, :, None]), "v": tuple(Vt[:, :, None]),
    }
    if X.shape[0] == X.shape[1]:
        values["I"] = np.eye(X.shape[0])
        values.update(_eigenvectors(X))  # Chapter 10
    sizes: dict[str, int] = {}
    for name, letters in _declared_shapes(identity):
        spelling, key = RENAMED.get(name, (name, name))
        if key not in inputs or np.ndim(inputs[key]) != len(letters):
            raise ValueError(f"{identity.name}: the shapes {identity.shapes!r} declare "
                             f"{name}, but the sampler gives {sorted(inputs)}")
        values[spelling] = np.asarray(inputs[key])
        sizes.update((letter, size) for letter, size in
                     zip(letters, np.shape(inputs[key]), strict=True) if not letter.isdigit())
    values["dx" if "x" in dict(_declared_shapes(identity)) else "dX"] = dX
    return values, sizes


def _eigenvectors(X: np.ndarray) -> dict[str, Any]:
    """For a square X with real eigenvalues: the families ``x`` and ``y`` of its unit right
    and left eigenvectors (X x_k = λ_k x_k, Xᵀ y_k = λ_k y_k, largest λ_k first), and for a
    symmetric X also ``Q`` and the family ``q`` of its orthonormal eigenvectors (Chapter 10).
    Nothing for a matrix with complex eigenvalues."""
    if not np.all(np.isfinite(X)):
        return {}
    if np.allclose(X, X.T, rtol=0, atol=1e-12 * max(1.0, np.abs(X).max())):
        Q = np.linalg.eigh((X + X.T) / 2)[1][:, ::-1]
        return {"Q": Q, "q": tuple(Q.T[:, :, None])}
    import scipy.linalg

    lam, left, right = scipy.linalg.eig(X, left=True, right=True)
    if np.any(np.abs(lam.imag) > 1e-10 * max(1.0, np.abs(lam).max())):
        return {}
    order = np.argsort(-lam.real)
    return {"x": tuple(right.real.T[order][:, :, None]),
            "y": tuple(left.real.T[order][:, :, None])}


def check_latex(
    identity: Identity | str, rng: np.random.Generator, rtol: float = 1e-8
) -> list[str]:
    r"""Evaluate an identity's displayed formulas at random inputs and compare with its code.

    Draws inputs with ``identity.sample(rng)`` and a direction dX shaped like X (in the
    identity's subspace, if it has one), and
    evaluates (with :func:`utils.latex_eval.evaluate`, at the values of
    :func:`latex_values`):

    - every side of ``f_latex`` (``a = b`` has two), against ``f(**inputs)``;
    - every side of ``grad_latex``, against ``grad(**inputs)`` (shape and entries);
    - every side of each step's ``latex``, against ``step.value(dX, **inputs)``;
    - ``hessian_latex``, if any, against ``hessian(H, **inputs)`` at a random direction H
      (named ``H``, or ``h`` for a vector x; Chapter 8);
    - the equations in their remarks: ``M = ...`` where M has no value yet defines M for
      all the identity's formulas; any other equation must hold.

    The words of a remark (``\text{...}`` and what is not an equation, see
    :func:`unchecked_remarks`) are not evaluated.

    Parameters
    ----------
    identity : Identity or str
        The identity, or its name.
    rng : numpy.random.Generator
        Source of the inputs and of dX.
    rtol : float, optional
        Largest error allowed, relative to |f|, ‖∇f‖_F, ‖∇f‖_F ‖dX‖_F (for the steps) or
        the size of an equation's first side.

    Returns
    -------
    list of str
        One message per formula that differs from the code or cannot be evaluated (naming
        the unsupported token or the shapes that do not fit); empty when all agree.

    Raises
    ------
    TypeError
        If ``identity`` is neither an Identity nor a str, or ``rng`` is not a Generator.
    ValueError
        For an unknown name, or ``rtol`` that is not a positive number.

    Chapter 4, *Trace identities and the trace trick*.
    """
    identity = get_identity(identity) if isinstance(identity, str) else identity
    if not isinstance(identity, Identity):
        raise TypeError(f"identity must be an Identity or its name, got "
                        f"{type(identity).__name__}")
    rng = require_generator(rng)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not rtol > 0:
        raise ValueError(f"rtol must be a positive number, got {rtol!r}")
    inputs = identity.sample(rng)
    dX = identity.restrict(rng.standard_normal(np.shape(inputs["X"])))  # in X's subspace
    values, sizes = latex_values(identity, inputs, dX)
    value, gradient = identity.f(**inputs), np.asarray(identity.grad(**inputs))
    shown = [("f", identity.f_latex, value, abs(value)),
             ("gradient", identity.grad_latex, gradient, frobenius_norm(gradient))]
    shown += [(f"step {number}", step.latex, step.value(dX=dX, **inputs),
               frobenius_norm(gradient) * frobenius_norm(dX))
              for number, step in enumerate(identity.derivation, start=1)]
    if identity.hessian_latex and identity.hessian is not None:  # Chapter 8
        H = rng.standard_normal(np.shape(inputs["X"]))
        image = np.asarray(identity.hessian(H, **inputs))
        values["h" if "dx" in values else "H"] = H
        shown.append(("Hessian", identity.hessian_latex, image, frobenius_norm(image)))
    displays = [split_display(latex) for _, latex, _, _ in shown]
    failures = _define(identity, displays, values, sizes)
    for (label, latex, expected, scale), display in zip(shown, displays, strict=True):
        where = f"{identity.name}, {label} (${latex}$)"
        named = len(display.sides) > 1
        failures += [f"{where}: " + (f"${side}$ " if named else "") + message
                     for side in display.sides
                     if (message := _compare(side, expected, scale, values, sizes, rtol))]
        failures += [f"{where}, remark: {message}" for equation in display.equations
                     for message in _equation(equation, values, sizes, rtol)]
    return failures


def unchecked_remarks(identity: Identity) -> list[str]:
    r"""The words and names in an identity's remarks, which :func:`check_latex` does not
    evaluate, e.g. ``\text{thin SVD }`` in ``U V^\top \quad (\text{thin SVD } X = U \Sigma
    V^\top)`` (the equation X = U Σ Vᵀ in it is evaluated).

    Chapter 4, *Trace identities and the trace trick*.
    """
    latex = (identity.f_latex, identity.grad_latex, *(step.latex for step in identity.derivation),
             *((identity.hessian_latex,) if identity.hessian_latex else ()))
    return [words for text in latex for words in split_display(text).words]


def _declared_shapes(identity: Identity) -> Iterator[tuple[str, tuple[str, ...]]]:
    """'A: p×m, X: m×n, k: scalar' -> ('A', ('p', 'm')), ('X', ('m', 'n')), ('k', ())."""
    for item in identity.shapes.split(", "):
        name, _, dims = item.partition(": ")
        yield name, () if dims == "scalar" else tuple(dims.split("×"))


def _define(identity: Identity, displays: list[Display], values: dict[str, Any],
            sizes: dict[str, int]) -> list[str]:
    """Give a value to each name that a remark defines (``M = X^\\top A X``)."""
    failures = []
    for display in displays:
        for equation in display.equations:
            name = equation[0]
            if len(equation) == 2 and name not in values:
                try:
                    values[name] = evaluate(equation[1], values, sizes)
                except LatexError as error:
                    failures.append(f"{identity.name}, the definition ${name} = "
                                    f"{equation[1]}$: {error}")
    return failures


def _compare(latex: str, expected: Any, scale: float, values: dict[str, Any],
             sizes: dict[str, int], rtol: float, other: str = "the code's value") -> str:
    """'' when ``latex`` evaluates to ``expected`` within rtol·scale, else what is wrong."""
    try:
        value = np.asarray(evaluate(latex, values, sizes))
    except LatexError as error:
        return f"cannot be evaluated: {error}"
    expected = np.asarray(expected)
    if expected.ndim == 0 and value.shape == (1, 1):
        value = value.reshape(())
    if value.shape != expected.shape:
        return f"has shape {value.shape}, {other} has shape {expected.shape}"
    error = frobenius_norm(np.atleast_1d(value - expected)) / max(scale, TINY)
    return "" if error <= rtol else f"differs from {other} by {error:.1e} (relative)"


def _equation(sides: tuple[str, ...], values: dict[str, Any], sizes: dict[str, int],
              rtol: float) -> list[str]:
    """What is wrong with the equation ``sides[0] = sides[1] = ...``: [] when it holds."""
    try:
        first = np.asarray(evaluate(sides[0], values, sizes))
    except LatexError as error:
        return [f"${sides[0]}$ cannot be evaluated: {error}"]
    scale = frobenius_norm(np.atleast_1d(first))
    return [f"${side}$ {message}" for side in sides[1:]
            if (message := _compare(side, first, scale, values, sizes, rtol,
                                    other=f"${sides[0]}$"))]
