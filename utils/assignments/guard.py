"""Undo monkeypatching before each graded test: the part of the grader that runs in the kernel.

The grader sends this module's source, followed by a call of :func:`install`, as the first
cell of every assembled notebook, before any student code runs. ``install`` imports the
modules that tests use, keeps a snapshot of them and adds an audit hook
(:func:`sys.addaudithook`). Before and after each restored test cell the grader runs a
cell whose source holds ``token``; when the kernel compiles it, the hook notes its file
name, and when the kernel executes it, the hook compares the modules with the snapshot,
puts back whatever was changed and raises :data:`REPORT` listing what that was. A cell
that finds nothing runs without an error.

What is compared and restored:

- every attribute of the guarded modules (the modules named in ``imports`` and every
  submodule of theirs loaded by then): one rebound or deleted is put back. Outside the
  packages in ``whole`` (the book's own ``utils``), names with a single leading underscore
  are left alone, since libraries keep their private state and caches there;
- an attribute added to a module that has a module-level ``__getattr__`` (numpy provides
  some submodules lazily that way) is removed, unless it is the submodule of that name;
  an added attribute elsewhere cannot change what a test sees, and is left;
- the class of each guarded module (a module whose class was swapped for one with its own
  attribute lookup) and its entry in ``sys.modules``;
- the code, default arguments and keyword defaults of the Python functions among those
  attributes, and the attributes of the classes defined in ``whole``;
- the names the source notebook binds to guarded modules by ``import`` (``np``,
  ``utils``) in the notebook's namespace, when they are bound to something else.

The hook and its state live only in closures: no name in the notebook's namespace or in a
module refers to them, Python offers no way to remove an audit hook, and the cells that
trigger it are not kept in the kernel's input history. The check itself calls no function
that the notebook could have replaced: the built-in functions it uses are taken at
install time, and the ``builtins`` module is restored first with dictionary operations
alone. This stops the usual one-line cheats; it cannot stop a determined student, whose
code runs in the same process (see ``book/instructors.md``).

This module must stay self-contained: the kernel runs its source in a fresh namespace,
without importing ``utils.assignments``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

REPORT = "ModulesRestoredByGrader"  # the name of the exception a guard cell raises
SEPARATOR = "\n"  # between the changed names in its message
KERNEL_BUILTINS = ("input",)  # the kernel binds these anew for every cell it runs
CLASS_CACHES = ("__slotnames__",)  # what Python adds to a class when copying an instance


def install(token: str, imports: tuple[str, ...], whole: tuple[str, ...],
            aliases: dict[str, str], namespace: dict[str, Any]) -> None:
    """Snapshot the modules (see :func:`snapshot`) and add the audit hook that checks them.

    ``token`` marks the grader's guard cells: their source contains it.
    """
    check = snapshot(imports, whole, aliases, namespace)
    _isinstance, _getattr, _len, _str, _bytes = isinstance, getattr, len, str, bytes
    token_bytes = token.encode()

    class Restored(Exception):
        """The guard cell's report: what was changed and has been put back."""

    Restored.__name__ = Restored.__qualname__ = REPORT
    armed = [None]  # the file name the kernel gave the guard cell being run

    def hook(event: str, args: tuple) -> None:
        if event == "compile" and _len(args) == 2:
            source = args[0]
            if ((_isinstance(source, _bytes) and token_bytes in source)
                    or (_isinstance(source, _str) and token in source)):
                armed[0] = args[1]
        elif event == "exec" and armed[0] is not None:
            if _getattr(args[0], "co_filename", None) == armed[0]:
                armed[0] = None
                changed = check()
                if changed:
                    raise Restored(SEPARATOR.join(changed))

    sys.addaudithook(hook)


def snapshot(imports: tuple[str, ...], whole: tuple[str, ...], aliases: dict[str, str],
             namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """Import the modules in ``imports`` and keep a snapshot of them and their submodules.

    ``whole`` names the packages whose private names and classes are guarded too,
    ``aliases`` the names the notebook binds to modules (``{"np": "numpy"}``) and
    ``namespace`` the notebook's global namespace. A module that cannot be imported is
    not guarded. Returns the check: a function that puts back what has changed since and
    returns a description of each change (an empty list if there was none).
    """
    import builtins
    import importlib
    import types

    _isinstance, _getattr, _type, _vars, _len = isinstance, getattr, type, vars, len
    _setattr, _delattr, _object_setattr = setattr, delattr, object.__setattr__
    function_type, missing = types.FunctionType, object()
    modules = sys.modules

    for name in imports:
        try:
            importlib.import_module(name)
        except Exception:  # a module the kernel cannot import is not guarded
            continue
    roots = tuple(dict.fromkeys(name.split(".")[0] for name in imports))

    def under(name: str, packages: tuple[str, ...]) -> bool:
        return any(name == root or name.startswith(root + ".") for root in packages)

    def private(key: str) -> bool:
        """``_cache`` is private; ``__getattr__`` and ``isclose`` are not."""
        return key.startswith("_") and not key.startswith("__")

    def shown(name: str) -> str:
        """``numpy.linalg`` as the notebook writes it, ``np.linalg``."""
        for alias, module_name in aliases.items():
            if name == module_name or name.startswith(module_name + "."):
                return alias + name[_len(module_name):]
        return name

    guarded = []  # (name, module, its dict, its class, attributes to compare, all names if lazy)
    by_name = {}  # name -> module
    functions = {}  # id -> (function, name, code, defaults, kwdefaults)
    classes = {}  # id -> (class, name, copy of its attributes)
    for name, module in sorted(modules.items()):
        if not _isinstance(module, types.ModuleType) or not under(name, roots):
            continue
        everything = under(name, whole)
        attributes = {key: value for key, value in _vars(module).items()
                      if everything or not private(key)}
        lazy = frozenset(_vars(module)) if "__getattr__" in attributes else None
        guarded.append((name, module, _vars(module), _type(module), attributes, lazy))
        by_name[name] = module
        for key, value in attributes.items():
            label = f"{shown(name)}.{key}"
            if _isinstance(value, function_type) and not key.startswith("__"):
                functions.setdefault(id(value), (value, label, value.__code__,
                                                 value.__defaults__, value.__kwdefaults__))
            elif (_isinstance(value, type) and under(_getattr(value, "__module__", ""), whole)
                  and everything):
                classes.setdefault(id(value), (value, label, dict(_vars(value))))
    builtins_dict = _vars(builtins)
    builtins_then = {key: value for key, value in builtins_dict.items()
                     if key not in KERNEL_BUILTINS and not private(key)
                     } if "builtins" in roots else {}

    def check() -> list[str]:
        """Put back what changed since the snapshot; the names of what did, for the report."""
        changed = []
        for key, value in builtins_then.items():  # first, and with dict operations only
            if builtins_dict.get(key, missing) is not value:
                builtins_dict[key] = value
                changed.append(f"builtins.{key}")
        for name, module, now, kind, then, lazy in guarded:
            if modules.get(name, missing) is not module:
                modules[name] = module
                changed.append(f"sys.modules[{name!r}]")
            if _type(module) is not kind:
                _object_setattr(module, "__class__", kind)
                changed.append(f"the class of {shown(name)}")
            if name == "builtins":
                continue
            for key, value in then.items():
                if now.get(key, missing) is not value:
                    now[key] = value
                    changed.append(f"{shown(name)}.{key}")
            for key in [key for key in now if key not in lazy] if lazy else []:
                if not key.startswith("__") and now[key] is not modules.get(f"{name}.{key}"):
                    del now[key]  # it would hide what the module's __getattr__ provides
                    changed.append(f"{shown(name)}.{key}")
        for function, label, code, defaults, kwdefaults in functions.values():
            if (function.__code__ is not code or function.__defaults__ is not defaults
                    or function.__kwdefaults__ is not kwdefaults):
                function.__code__, function.__defaults__ = code, defaults
                function.__kwdefaults__ = kwdefaults
                changed.append(f"the code or defaults of {label}")
        for cls, label, then in classes.values():
            now = cls.__dict__
            for key, value in then.items():
                if now.get(key, missing) is not value:
                    _setattr(cls, key, value)
                    changed.append(f"{label}.{key}")
            for key in [key for key in now if key not in then and key not in CLASS_CACHES]:
                _delattr(cls, key)
                changed.append(f"{label}.{key}")
        for alias, name in aliases.items():
            module = by_name.get(name)
            if module is not None and alias in namespace and namespace[alias] is not module:
                namespace[alias] = module
                changed.append(f"the name {alias}")
        return changed

    return check
