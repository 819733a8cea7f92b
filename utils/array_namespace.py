"""One array module for numpy and JAX: ``xp.trace(A @ X)`` works on either kind of array.

The registry writes each function f once, against ``xp``. Called with numpy arrays (real or
complex, as the complex-step derivative needs), ``xp.trace`` is ``numpy.trace``; called
with a JAX array or a JAX tracer (inside ``jax.grad``), it is ``jax.numpy.trace``. So the
same f is the definition that the numerical checks differentiate and the one that JAX
differentiates, and the two cannot drift apart. JAX is imported only when a JAX array
arrives, so ``import utils`` does not load it. Introduced in Chapter 6, *Layout conventions
decoded*, where the book first compares with JAX.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["is_jax_array", "xp"]


def is_jax_array(value: Any) -> bool:
    """True for a JAX array or tracer (without importing JAX)."""
    module = type(value).__module__
    return module.startswith(("jax.", "jaxlib.")) or module in ("jax", "jaxlib")


def _contains_jax(values: Any) -> bool:
    """True if a JAX array occurs in ``values``, or in a list or tuple inside it."""
    for value in values:
        if isinstance(value, (list, tuple)):
            if _contains_jax(value):
                return True
        elif is_jax_array(value):
            return True
    return False


def _resolve(root: ModuleType, path: tuple[str, ...]) -> Any:
    target: Any = root
    for name in path:
        target = getattr(target, name)
    return target


class _Namespace:
    """numpy's namespace at ``path`` (``()`` for numpy, ``("linalg",)`` for numpy.linalg),
    whose functions dispatch to jax.numpy when an argument is a JAX array."""

    def __init__(self, path: tuple[str, ...] = ()) -> None:
        self._path = path

    def __getattr__(self, name: str) -> Any:
        attribute = _resolve(np, (*self._path, name))
        if isinstance(attribute, ModuleType):
            return _Namespace((*self._path, name))
        if not callable(attribute) or isinstance(attribute, type):
            return attribute  # constants such as xp.pi, and dtypes
        return _dispatching((*self._path, name))

    def __repr__(self) -> str:
        return f"<array namespace {'.'.join(('xp', *self._path))}>"


@functools.cache
def _dispatching(path: tuple[str, ...]) -> Callable[..., Any]:
    def function(*args: Any, **kwargs: Any) -> Any:
        if _contains_jax(args) or _contains_jax(kwargs.values()):
            return _resolve(sys.modules.get("jax.numpy") or _import_jax_numpy(), path)(
                *args, **kwargs)
        return _resolve(np, path)(*args, **kwargs)

    function.__name__ = path[-1]
    function.__qualname__ = "xp." + ".".join(path)
    function.__doc__ = f"numpy.{'.'.join(path)}, or jax.numpy's for JAX arrays."
    return function


def _import_jax_numpy() -> ModuleType:
    import jax.numpy

    return jax.numpy


xp = _Namespace()
