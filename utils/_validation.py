"""Input checks shared by the utils modules.

Every public function of the package passes its arguments through these helpers so that
bad input fails early with a message that names the argument, its shape and its type,
instead of a numpy broadcasting traceback from deep inside a computation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "as_real_array",
    "as_real_number",
    "as_scalar",
    "generator_or_seeded",
    "require_callable",
    "require_generator",
    "require_same_shape",
    "require_shape_tuple",
]


def _describe(value: Any) -> str:
    """A short description of a value for error messages: its type and, for arrays, shape."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    return type(value).__name__


def as_real_array(
    value: Any, name: str, *, min_ndim: int = 0, ndim: int | None = None,
    nonempty: bool = False,
) -> np.ndarray:
    """Convert ``value`` to a finite float64 array, or raise a clear error.

    Parameters
    ----------
    value : array_like
        A real number, sequence or array.
    name : str
        The argument's name, used in error messages.
    min_ndim, ndim : int
        Required number of dimensions (``ndim`` exact, ``min_ndim`` at least).
    nonempty : bool
        Refuse an array with a size 0 in its shape, such as (0, 3), as the package's
        shapes (:func:`require_shape_tuple`) do.

    Returns
    -------
    ndarray of float64, same shape as ``value``; always a new array, never a view.

    Raises
    ------
    TypeError
        If ``value`` is not numeric or is complex.
    ValueError
        If it has the wrong number of dimensions, is empty when ``nonempty`` is set, or
        contains NaN or infinity.
    """
    if callable(value) and not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be an array, got the callable {value!r}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists, for example
        raise TypeError(f"{name} must be a numeric array; {error}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be a real numeric array, got {_describe(value)}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real, got {_describe(array)}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if array.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s), got shape {array.shape}"
        )
    if nonempty and array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); every size in its shape "
                         "must be at least 1")
    array = array.astype(np.float64, copy=True)  # callers may hand it to user code
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite entries (shape {array.shape})")
    return array


def as_real_number(value: Any, name: str) -> float:
    """Return ``value`` as a Python float, or raise a ``TypeError`` naming its type.

    Python and numpy integers and floats are accepted; ``bool``, strings, arrays and
    complex numbers are not. NaN and infinity pass: the caller checks the range it needs
    (a comparison such as ``0 < x < 1`` is false for NaN) and names it in its message.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    return float(value)


def as_scalar(value: Any, name: str) -> float | complex:
    """Return a function's output as a Python number if it holds exactly one entry.

    A Python float, a numpy scalar and a size-1 array such as ``x.T @ A @ x`` with ``x`` of
    shape ``(n, 1)`` are all accepted; anything with more entries raises a ``TypeError``
    that names the shape.
    """
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number) or array.dtype == bool:
        raise TypeError(f"{name} must return a number, got {_describe(value)}")
    if array.size != 1:
        raise TypeError(
            f"{name} must return a scalar (a float or a size-1 array), "
            f"got an array of shape {array.shape}"
        )
    return array.reshape(()).item()


def require_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` naming both shapes unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )


def require_callable(value: Any, name: str) -> Callable[..., Any]:
    """Raise ``TypeError`` unless ``value`` can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {_describe(value)}")
    return value


def require_generator(rng: Any) -> np.random.Generator:
    """Raise ``TypeError`` unless ``rng`` is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {_describe(rng)}"
        )
    return rng


def generator_or_seeded(rng: Any, seed: int) -> np.random.Generator:
    """``rng`` itself if it is a Generator, a new one seeded with ``seed`` if it is None.

    For functions that use randomness only to test something (directions, sample points):
    without a generator their verdict is still reproducible. Anything else is the
    ``TypeError`` of :func:`require_generator`.
    """
    return np.random.default_rng(seed) if rng is None else require_generator(rng)


def require_shape_tuple(shape: Any, name: str = "shape") -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints, or raise a clear error."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of ints, got {_describe(shape)}") from None
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    if not all(d >= 1 for d in dims):
        raise ValueError(f"{name} must contain positive sizes, got {shape!r}")
    return tuple(int(d) for d in dims)
