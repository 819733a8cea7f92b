"""Helpers for *Matrix Calculus, Executable*.

The package is small and flat; everything a notebook needs is importable from here:

>>> import numpy as np
>>> from utils import check_gradient, random_matrix
>>> rng = np.random.default_rng(0)
>>> A, B = random_matrix(rng, 3, 4), random_matrix(rng, 4, 3)
>>> bool(check_gradient(lambda X: np.trace(X @ B), B.T, A))
True

Modules, in dependency order: ``matrix_space`` (Frobenius inner product, vec,
commutation matrix), ``layouts`` (one derivative in the layouts of other books),
``array_namespace`` (``xp``: one array module for numpy and JAX),
``structured`` (projections onto symmetric, diagonal, triangular, ... matrices),
``vech`` (half-vectorisation, duplication and elimination matrices),
``random_matrices`` (test matrices from an rng),
``difference_formulas`` (forward, central, Richardson and complex-step formulas),
``line_estimates`` (derivatives along one line with honest error bounds), ``numdiff``
(derivatives with automatic method and step), ``checks`` (gradient checks),
``second_differences`` (mixed second derivatives with error bounds), ``hessian_checks``
(Hessian checks), ``stiefel`` (tangent spaces, retractions and Riemannian gradients on
matrices with orthonormal columns), ``tape`` (reverse-mode automatic differentiation of
matrix expressions, used as ``utils.tape.grad``; it depends on ``_validation`` alone),
``feedback``
(shape hints for graded exercises), ``plotting`` (figures); and the registry of gradient
identities: ``identity_record`` (one identity), ``identity_samplers`` (random valid
inputs), ``catalogue_*`` (the entries, by kind), ``identities`` (lookup, checks and the
gradient table), ``latex_eval`` (the book's LaTeX, evaluated) and ``latex_checks`` (the
displayed formulas against the code). Outside that order, ``inline_scripts`` and
``bibliography_labels`` are Sphinx extensions of the HTML book, loaded only by its build.
"""

from . import tape as tape  # a module: utils.tape.grad, not a name in __all__
from .array_namespace import xp
from .checks import GradientCheck, check_gradient, relative_error
from .difference_formulas import central_difference, complex_step, forward_difference, richardson
from .feedback import layout_problem
from .hessian_checks import HessianCheck, check_hessian
from .identities import (
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
from .latex_checks import check_latex
from .layouts import Layout, convert_layout, derivative_kind, layout_shape, supports
from .matrix_space import basis_matrix, commutation_matrix, frobenius, frobenius_norm, unvec, vec
from .numdiff import (
    NumericalDerivativeWarning,
    directional_derivative,
    jacobian_tensor,
    numerical_gradient,
)
from .plotting import plot_step_errors, plot_tensor_blocks, set_style
from .random_matrices import (
    random_invertible,
    random_matrix,
    random_orthogonal,
    random_spd,
    random_symmetric,
)
from .stiefel import (
    check_riemannian_gradient,
    retract_polar,
    retract_qr,
    riemannian_gradient,
    tangent_project,
)
from .structured import project
from .vech import duplication_matrix, elimination_matrix, unvech, vech

__all__ = [
    "IDENTITIES",
    "KINDS",
    "GradientCheck",
    "HessianCheck",
    "Identity",
    "Layout",
    "NumericalDerivativeWarning",
    "Step",
    "basis_matrix",
    "central_difference",
    "check_derivation",
    "check_gradient",
    "check_hessian",
    "check_identity",
    "check_latex",
    "check_riemannian_gradient",
    "commutation_matrix",
    "complex_step",
    "convert_layout",
    "derivations",
    "derivative_kind",
    "directional_derivative",
    "duplication_matrix",
    "elimination_matrix",
    "forward_difference",
    "frobenius",
    "frobenius_norm",
    "get_identity",
    "gradient_table",
    "jacobian_tensor",
    "layout_problem",
    "layout_shape",
    "numerical_gradient",
    "plot_step_errors",
    "plot_tensor_blocks",
    "project",
    "random_invertible",
    "random_matrix",
    "random_orthogonal",
    "random_spd",
    "random_symmetric",
    "relative_error",
    "retract_polar",
    "retract_qr",
    "richardson",
    "riemannian_gradient",
    "set_style",
    "supports",
    "tangent_project",
    "unvec",
    "unvech",
    "vec",
    "vech",
    "xp",
]
