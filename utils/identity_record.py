"""One gradient identity, as a record: its formulas, shapes, assumptions, sampler and code.

The catalogue modules (``catalogue_*``) build the book's identities from this record, and
:mod:`utils.identities` collects them into the registry. Introduced in Chapter 4, *Trace
identities and the trace trick*.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .structured import PROJECTIONS, project

__all__ = ["CHAPTERS", "KINDS", "Identity", "Inputs", "Sampler", "Step"]

KINDS: tuple[str, ...] = (
    "trace",
    "product",
    "quadratic",
    "power",
    "inverse",
    "determinant",
    "log-determinant",
    "norm",
    "least squares",
    "structured",
    "second order",
    "pullback",
    "matrix function",
    "spectral",
    "application",
)

# The chapters that derive identities: label -> (number, title).
CHAPTERS: dict[str, tuple[int, str]] = {
    "ch-frobenius": (1, "Matrices as vectors"),
    "ch-frechet": (2, "The Fréchet derivative and the gradient"),
    "ch-differentials": (3, "A calculus of differentials"),
    "ch-trace": (4, "Trace identities and the trace trick"),
    "ch-tensor": (5, "The tensor view"),
    "ch-structured": (7, "Structured matrices and constraints"),
    "ch-second": (8, "Second derivatives"),
    "ch-modes": (9, "Forward and reverse mode"),
    "ch-spectra": (10, "Matrix functions and spectra"),
    "ch-applications": (11, "Applications"),
}

Inputs = dict[str, np.ndarray]
Sampler = Callable[[np.random.Generator], Inputs]

SLUG = re.compile(r"^[a-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Step:
    """One line of a derivation: an expression equal to the differential df = Df(X)[dX].

    Attributes
    ----------
    latex : str
        The expression in LaTeX with the book's macros, writing the direction as
        ``\\mathrm{d}X`` (``\\mathrm{d}x`` for a vector), e.g.
        ``r"\\tr(A\\,\\mathrm{d}X\\,B)"``.
    value : callable
        ``value(dX, **inputs)``: the same expression evaluated at the inputs and a direction
        dX shaped like X, a number. A derivation is checked by comparing every step's value
        with a numerical directional derivative, and the step's latex, evaluated, with its
        value (:func:`utils.check_latex`).

    Chapter 3, *A calculus of differentials*.
    """

    latex: str
    value: Callable[..., Any]

    def __post_init__(self) -> None:
        if not isinstance(self.latex, str) or not self.latex.strip():
            raise TypeError(f"a step's latex must be a non-empty str, got {self.latex!r}")
        if not callable(self.value):
            raise TypeError(
                f"a step's value must be callable as value(dX, **inputs), "
                f"got {type(self.value).__name__}")


@dataclass(frozen=True)
class Identity:
    """A scalar function f of a matrix X, its gradient ∇f(X), and how to check it.

    The gradient follows the book's convention Df(X)[H] = ⟨∇f(X), H⟩ = tr(∇f(X)ᵀH), so
    it has the shape of X. The variable is always the input named ``"X"`` (also when the
    formulas call it x, a column vector of shape (n, 1)); the other inputs are constants.

    Attributes
    ----------
    name : str
        A slug such as ``"trace_AXB"``; unique in the registry.
    kind : str
        One of :data:`KINDS`.
    f_latex, grad_latex : str
        The function and its gradient in LaTeX, using the book's macros (``\\tr``,
        ``\\fro{X}``, ...), without dollar signs, in the grammar of
        :mod:`utils.latex_eval` (:func:`utils.check_latex` compares them with f and grad).
    shapes : str
        The inputs' shapes, e.g. ``"A: p×m, X: m×n, B: n×p"``.
    assumptions : tuple of str
        What the inputs must satisfy for the gradient formula to hold, each
        ``"<matrix> <property>"``, e.g. ``"X invertible"``; empty when it holds for all inputs
        of the given shapes. (f may be differentiable elsewhere too: det X is everywhere, but
        the formula det(X) X⁻ᵀ needs X invertible.)
    sample : callable
        ``sample(rng)`` returns a dict of valid random inputs (arrays; vectors have shape
        (n, 1), scalars shape ()) with the shapes above, non-symmetric and non-square
        wherever the identity allows.
    f : callable
        ``f(**inputs)``: the function's value, a number. It accepts a complex X, so that
        complex-step derivatives apply where f is analytic.
    grad : callable
        ``grad(**inputs)``: the gradient, an array shaped like X.
    source : str
        Where the identity is stated in the references (book and equation number), or
        ``""`` when the book derives it without one.
    chapter : str
        Label of the chapter that derives it or whose rules its derivation uses, a key of
        :data:`CHAPTERS`.
    sympy_f, sympy_grad : callable or None
        The same formulas for sympy, taking the inputs as explicit ``sp.Matrix`` objects
        or as ``sp.MatrixSymbol`` objects (scalars as sympy numbers or symbols); None where
        sympy cannot express the function (norms defined through singular values).
    derivation : tuple of Step
        The derivation by differentials: expressions each equal to df, the last one
        ⟨∇f(X), dX⟩, from which the first identification theorem reads off the gradient.
    subspace : str
        ``""`` when X ranges over all matrices of its shape; otherwise the name of a
        subspace in :data:`utils.structured.PROJECTIONS` (e.g. ``"symmetric"``) to which X
        is restricted. Then the sampler draws X in the subspace, the derivation's
        directions dX lie in it, and ``grad`` is the gradient of the restriction: the
        matrix G *in the subspace* with Df(X)[H] = ⟨G, H⟩ for every H in it (Chapter 7).
    hessian : callable or None
        ``hessian(H, **inputs)``: the Hessian operator H ↦ ∇²f(X)[H], an array shaped like
        X with D²f(X)[H, K] = ⟨K, ∇²f(X)[H]⟩ (Chapter 8); None when the entry does not
        state one. On a subspace, it is the Hessian of the restriction (H and the result
        in the subspace).
    hessian_latex : str
        ``""``, or ∇²f(X)[H] in LaTeX, in the grammar of :mod:`utils.latex_eval`, writing
        the direction as ``H`` (``h`` for a vector x), e.g. ``r"(A + A^\top) H"``;
        :func:`utils.check_latex` compares it with ``hessian`` (Chapter 8).

    Chapter 4, *Trace identities and the trace trick*.
    """

    name: str
    kind: str
    f_latex: str
    grad_latex: str
    shapes: str
    assumptions: tuple[str, ...]
    sample: Sampler
    f: Callable[..., Any]
    grad: Callable[..., np.ndarray]
    source: str
    chapter: str
    sympy_f: Callable[..., Any] | None = None
    sympy_grad: Callable[..., Any] | None = None
    derivation: tuple[Step, ...] = ()
    subspace: str = ""
    hessian: Callable[..., np.ndarray] | None = None
    hessian_latex: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not SLUG.match(self.name):
            raise ValueError(
                "an identity's name must be a slug (a letter, then letters, digits or _) "
                f"such as 'trace_AXB', got {self.name!r}"
            )
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {KINDS}")
        if self.chapter not in CHAPTERS:
            raise ValueError(
                f"{self.name}: chapter {self.chapter!r} is not one of {sorted(CHAPTERS)}"
            )
        self._check_types()

    def _check_types(self) -> None:
        """TypeError naming the field whose value has the wrong type."""
        for field_name in ("f_latex", "grad_latex", "shapes", "source"):
            text = getattr(self, field_name)
            if not isinstance(text, str):
                raise TypeError(
                    f"{self.name}: {field_name} must be a str, got {type(text).__name__}"
                )
        if not isinstance(self.assumptions, tuple) or not all(
            isinstance(text, str) for text in self.assumptions
        ):
            raise TypeError(
                f"{self.name}: assumptions must be a tuple of str such as "
                f"('X invertible',), got {self.assumptions!r}"
            )
        for field_name in ("sample", "f", "grad"):
            if not callable(getattr(self, field_name)):
                raise TypeError(
                    f"{self.name}: {field_name} must be callable, "
                    f"got {type(getattr(self, field_name)).__name__}"
                )
        if not isinstance(self.derivation, tuple) or not all(
            isinstance(step, Step) for step in self.derivation
        ):
            raise TypeError(
                f"{self.name}: derivation must be a tuple of Step, got {self.derivation!r}"
            )
        if self.subspace and self.subspace not in PROJECTIONS:
            raise ValueError(
                f"{self.name}: subspace {self.subspace!r} is not one of {sorted(PROJECTIONS)}"
            )
        if self.hessian is not None and not callable(self.hessian):
            raise TypeError(f"{self.name}: hessian must be callable as hessian(H, **inputs) "
                            f"or None, got {type(self.hessian).__name__}")
        if not isinstance(self.hessian_latex, str) or (self.hessian_latex
                                                        and self.hessian is None):
            raise TypeError(f"{self.name}: hessian_latex must be a str, and needs a hessian "
                            f"to check it against, got {self.hessian_latex!r}")
        if (self.sympy_f is None) != (self.sympy_grad is None):
            raise ValueError(f"{self.name}: give both sympy_f and sympy_grad, or neither")

    def at(self, inputs: Mapping[str, np.ndarray]) -> Callable[[np.ndarray], Any]:
        """f as a function of X alone, the other inputs fixed to ``inputs``.

        For an identity on a subspace, the function is X ↦ f(P(X)) with P the orthogonal
        projection onto the subspace: it equals f on the subspace, and its gradient on the
        whole space is the gradient of the restriction, P(∇f), which ``grad`` claims
        (Chapter 7).

        Chapter 4, *Trace identities and the trace trick*.
        """
        constants = {key: value for key, value in inputs.items() if key != "X"}
        if self.subspace:
            return lambda X: self.f(X=self.restrict(X), **constants)
        return lambda X: self.f(X=X, **constants)

    def restrict(self, H: Any) -> Any:
        """H projected onto the identity's subspace; H itself when there is none.

        Chapter 7, *Structured matrices and constraints*.
        """
        return project(H, self.subspace) if self.subspace else H
