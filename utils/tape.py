"""A small reverse-mode automatic differentiation tape for matrix expressions.

Reverse mode computes the gradient of a scalar f(X₁, ..., X_k) in two passes.

1. **Forward.** f runs on :class:`Node` objects instead of arrays. Every operation
   computes its value with numpy and records a *node*: the value, the nodes it was computed
   from (its *parents*) and, for each parent, a *pullback*.
2. **Reverse.** The *adjoint* of a node Y is Ȳ = ∇_Y f, an array shaped like Y; the
   output's adjoint is 1. If Y = F(X), a change H of X changes f, through Y, by
   ⟨Ȳ, DF(X)[H]⟩ = ⟨DF(X)*[Ȳ], H⟩ to first order, so X receives the contribution
   DF(X)*[Ȳ]: the adjoint of the derivative, applied to Ȳ.
   That map is the pullback; each one below is read off a differential (dY = X dB gives
   B̄ = Xᵀ Ȳ, since ⟨Ȳ, X dB⟩ = ⟨XᵀȲ, dB⟩). Visiting the nodes from the output back to
   the inputs (reverse topological order) and adding up the contributions of every use of a
   node gives each input's adjoint, the gradient. Each node is pulled back once, and a
   pullback costs about as much as its operation (the two pullbacks of a product are two
   products), so all the gradients together cost a small multiple of one evaluation of f.

The gradient has the shape of its input, as everywhere in the book: Df(X)[H] = ⟨∇f(X), H⟩.

Values are float64 arrays; a scalar is an array of shape (). Arithmetic follows numpy
except for broadcasting: two operands of ``+``, ``-`` and ``*`` have the same shape, or
one of them is a scalar (shape ()), whose adjoint is then the sum of the adjoint it
was broadcast to. Anything else raises a ``ValueError`` naming the shapes. The arithmetic
ufuncs (``np.add``, ``np.subtract``, ``np.multiply``, ``np.divide``, ``np.matmul``) are
recorded like the operators; all other numpy functions refuse a Node with a
``TypeError`` that lists :data:`SUPPORTED`; use the functions of this module instead
(``tape.exp(X)``, not ``np.exp(X)``).

>>> import numpy as np
>>> from utils import tape
>>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> tape.grad(lambda X: tape.trace(A @ X), np.zeros((2, 2)))  # ∇ tr(AX) = Aᵀ
array([[1., 3.],
       [2., 4.]])

Chapter 9, *Forward and reverse mode*.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import as_real_array

__all__ = [
    "SUPPORTED",
    "Node",
    "add",
    "cos",
    "det",
    "divide",
    "exp",
    "grad",
    "inv",
    "log",
    "logdet",
    "matmul",
    "multiply",
    "negative",
    "power",
    "sin",
    "solve",
    "square",
    "subtract",
    "sum",
    "tanh",
    "trace",
    "transpose",
    "value_and_grad",
]

Pullback = Callable[[np.ndarray], np.ndarray]

# The operations a Node supports, for the error message of numpy functions applied to one.
SUPPORTED = ("@", "+", "-", "*", "/", "**", ".T", "cos", "det", "exp", "inv", "log",
             "logdet", "power", "sin", "solve", "square", "sum", "tanh", "trace")


class Node:
    """One value of a recorded computation: a float64 array and how it was computed.

    Attributes
    ----------
    value : ndarray of float64, any shape (a scalar has shape ())
    parents : tuple of Node
        The nodes this value was computed from; empty for an input or a constant.
    pullbacks : tuple of callables
        ``pullbacks[i]`` maps this node's adjoint (shape ``value.shape``) to the
        contribution to ``parents[i]``'s adjoint (shape ``parents[i].value.shape``).
    op : str
        The operation's name ("input", "constant", "matmul", ...), for messages.
    needs_grad : bool
        True if the value depends on an input of :func:`grad`; the reverse sweep visits
        only such nodes.

    The operators ``@``, ``+``, ``-`` (binary and unary), ``*`` (entrywise), ``/`` (by a
    scalar), ``**`` (by a constant number) and ``.T`` record new nodes; the other operand
    may be a Node, a numpy array or a Python number.

    Chapter 9, *Forward and reverse mode*.
    """

    __slots__ = ("needs_grad", "op", "parents", "pullbacks", "value")

    def __init__(self, value: np.ndarray, parents: tuple[Node, ...] = (),
                 pullbacks: tuple[Pullback, ...] = (), op: str = "constant",
                 needs_grad: bool | None = None) -> None:
        self.value = np.asarray(value)  # numpy returns a numpy scalar for shape ()
        self.parents = parents
        self.pullbacks = pullbacks
        self.op = op
        self.needs_grad = (any(p.needs_grad for p in parents) if needs_grad is None
                           else needs_grad)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value."""
        return self.value.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions of the value: 0, 1 or 2 for most operations."""
        return self.value.ndim

    @property
    def T(self) -> Node:
        """The transpose, recorded: see :func:`transpose`."""
        return transpose(self)

    def __repr__(self) -> str:
        return f"Node({self.op}, shape {self.shape})"

    def __matmul__(self, other: Any) -> Node:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Node:
        return matmul(other, self)

    def __add__(self, other: Any) -> Node:
        return add(self, other)

    def __radd__(self, other: Any) -> Node:
        return add(other, self)

    def __sub__(self, other: Any) -> Node:
        return subtract(self, other)

    def __rsub__(self, other: Any) -> Node:
        return subtract(other, self)

    def __mul__(self, other: Any) -> Node:
        return multiply(self, other)

    def __rmul__(self, other: Any) -> Node:
        return multiply(other, self)

    def __truediv__(self, other: Any) -> Node:
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> Node:
        return divide(other, self)

    def __neg__(self) -> Node:
        return negative(self)

    def __pow__(self, p: Any) -> Node:
        return power(self, p)

    # numpy calls these when a numpy array or function meets a Node: the arithmetic
    # operators (``A @ X`` with A an array) are recorded, everything else is refused.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Node:
        operators = {"add": add, "subtract": subtract, "multiply": multiply,
                     "divide": divide, "matmul": matmul}
        if method == "__call__" and not kwargs and ufunc.__name__ in operators:
            return operators[ufunc.__name__](*inputs)
        raise TypeError(_unsupported(f"numpy.{ufunc.__name__}", ufunc.__name__))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(_unsupported(f"{func.__module__}.{func.__name__}", func.__name__))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("a tape Node is not a numpy array; its value is node.value, but "
                        "computing with node.value leaves the tape and gets no gradient")


def _unsupported(function: str, name: str) -> str:
    """The message for a numpy function applied to a Node."""
    own = {"slogdet": "logdet", "true_divide": "/", "negative": "-", "transpose": ".T"}
    hint = own.get(name, name if name in SUPPORTED else None)
    advice = f"; use tape.{hint} instead" if hint and hint.isidentifier() else ""
    return (f"{function} cannot be applied to a tape Node{advice}. The tape supports: "
            f"{', '.join(SUPPORTED)}")


def _node(x: Any, op: str, position: str = "operand") -> Node:
    """x as a Node: a Node is returned as it is, a number or array becomes a constant."""
    if isinstance(x, Node):
        return x
    return Node(as_real_array(x, f"the {position} of {op}"), op="constant")


def _unbroadcast(G: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An adjoint G brought back to ``shape``: summed if the operand was a scalar."""
    return G if G.shape == shape else np.asarray(np.sum(G)).reshape(shape)


def _same_shape_or_scalar(A: Node, B: Node, op: str, symbol: str) -> None:
    """Refuse operands of different shapes unless one is a scalar (shape ())."""
    if A.shape != B.shape and A.ndim != 0 and B.ndim != 0:
        raise ValueError(
            f"{op}: {A.shape} {symbol} {B.shape} — shapes differ; the tape broadcasts only "
            "a scalar (shape ()) against an array")


def _square(X: Node, op: str) -> int:
    """n for a square matrix X of shape (n, n); anything else raises a ValueError."""
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(f"{op} needs a square matrix, got shape {X.shape}")
    return X.shape[0]


def matmul(A: Any, B: Any) -> Node:
    """The product A @ B of matrices or vectors, recorded; also the operator ``@``.

    A has shape (m, n) or (n,), B has shape (n, p) or (n,); as in numpy, a vector on the
    left is a row and a vector on the right a column, and the result has shape (m, p),
    (m,), (p,) or (). From dC = dA B + A dB: Ā = C̄ Bᵀ and B̄ = Aᵀ C̄.

    Chapter 9, *Forward and reverse mode*.
    """
    A, B = _node(A, "matmul", "left operand"), _node(B, "matmul", "right operand")
    if A.ndim not in (1, 2) or B.ndim not in (1, 2):
        raise ValueError(f"matmul needs vectors or matrices (1-D or 2-D), got "
                         f"{A.shape} @ {B.shape}")
    a = A.value.reshape(1, -1) if A.ndim == 1 else A.value  # (m, n)
    b = B.value.reshape(-1, 1) if B.ndim == 1 else B.value  # (n, p)
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: {A.shape} @ {B.shape} — inner dimensions "
                         f"{a.shape[1]} and {b.shape[0]} differ")
    m, p = a.shape[0], b.shape[1]
    return Node(A.value @ B.value, (A, B), (
        lambda G: (G.reshape(m, p) @ b.T).reshape(A.shape),
        lambda G: (a.T @ G.reshape(m, p)).reshape(B.shape),
    ), "matmul")


def add(A: Any, B: Any) -> Node:
    """A + B, entrywise; also the operator ``+``.

    A and B have the same shape, or one is a scalar (shape ()). Ā = C̄ and B̄ = C̄ (summed
    for a scalar operand).

    Chapter 9, *Forward and reverse mode*.
    """
    A, B = _node(A, "add", "left operand"), _node(B, "add", "right operand")
    _same_shape_or_scalar(A, B, "add", "+")
    return Node(A.value + B.value, (A, B), (
        lambda G: _unbroadcast(G, A.shape),
        lambda G: _unbroadcast(G, B.shape),
    ), "add")


def subtract(A: Any, B: Any) -> Node:
    """A − B, entrywise; also the operator ``-``.

    Shapes as in :func:`add`. Ā = C̄ and B̄ = −C̄ (summed for a scalar operand).

    Chapter 9, *Forward and reverse mode*.
    """
    A, B = _node(A, "subtract", "left operand"), _node(B, "subtract", "right operand")
    _same_shape_or_scalar(A, B, "subtract", "-")
    return Node(A.value - B.value, (A, B), (
        lambda G: _unbroadcast(G, A.shape),
        lambda G: _unbroadcast(-G, B.shape),
    ), "subtract")


def multiply(A: Any, B: Any) -> Node:
    """The entrywise (Hadamard) product A ∘ B; also the operator ``*``.

    Shapes as in :func:`add`; a scalar times an array is the scalar multiple. From
    dC = dA ∘ B + A ∘ dB: Ā = C̄ ∘ B and B̄ = C̄ ∘ A (summed for a scalar operand).

    Chapter 9, *Forward and reverse mode*.
    """
    A, B = _node(A, "multiply", "left operand"), _node(B, "multiply", "right operand")
    _same_shape_or_scalar(A, B, "multiply", "*")
    return Node(A.value * B.value, (A, B), (
        lambda G: _unbroadcast(G * B.value, A.shape),
        lambda G: _unbroadcast(G * A.value, B.shape),
    ), "multiply")


def divide(A: Any, b: Any) -> Node:
    """A / b for a scalar b (shape ()); also the operator ``/``.

    A has any shape. From dC = dA / b − A db / b²: Ā = C̄ / b and
    b̄ = −Σᵢⱼ C̄ᵢⱼ Aᵢⱼ / b². An entrywise quotient of two arrays is ``A * power(B, -1)``.

    Chapter 9, *Forward and reverse mode*.
    """
    A, b = _node(A, "divide", "numerator"), _node(b, "divide", "denominator")
    if b.ndim != 0:
        raise ValueError(f"divide: {A.shape} / {b.shape} — the tape divides only by a "
                         "scalar (shape ()); for entrywise quotients use A * power(B, -1)")
    return Node(A.value / b.value, (A, b), (
        lambda G: G / b.value,
        lambda G: -np.sum(G * A.value) / b.value**2,
    ), "divide")


def negative(A: Any) -> Node:
    """−A, any shape; also the unary operator ``-``. Ā = −C̄.

    Chapter 9, *Forward and reverse mode*.
    """
    A = _node(A, "negative")
    return Node(-A.value, (A,), (lambda G: -G,), "negative")


def transpose(A: Any) -> Node:
    """Aᵀ for A of shape (m, n), (n,) or (); also ``A.T``. From dC = dAᵀ: Ā = C̄ᵀ.

    Chapter 9, *Forward and reverse mode*.
    """
    A = _node(A, "transpose")
    if A.ndim > 2:
        raise ValueError(f"transpose needs at most 2 dimensions, got shape {A.shape}")
    return Node(A.value.T, (A,), (lambda G: G.T,), "transpose")


def _entrywise(X: Any, op: str, f: Callable, df: Callable) -> Node:
    """f applied entrywise, any shape; X̄ = Ȳ ∘ f′(X)."""
    X = _node(X, op)
    return Node(f(X.value), (X,), (lambda G: G * df(X.value),), op)


def exp(X: Any) -> Node:
    """exp(X) entrywise, X of any shape. From dY = exp(X) ∘ dX: X̄ = Ȳ ∘ exp(X).

    Chapter 9, *Forward and reverse mode*.
    """
    return _entrywise(X, "exp", np.exp, np.exp)


def log(X: Any) -> Node:
    """log(X) entrywise for positive X of any shape. From dY = dX / X: X̄ = Ȳ / X.

    Raises a ``ValueError`` if an entry is ≤ 0.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "log")
    if np.any(X.value <= 0):
        raise ValueError(f"log needs positive entries, got shape {X.shape} with minimum "
                         f"{np.min(X.value):.3g}")
    return _entrywise(X, "log", np.log, lambda x: 1 / x)


def sin(X: Any) -> Node:
    """sin(X) entrywise, X of any shape. X̄ = Ȳ ∘ cos(X).

    Chapter 9, *Forward and reverse mode*.
    """
    return _entrywise(X, "sin", np.sin, np.cos)


def cos(X: Any) -> Node:
    """cos(X) entrywise, X of any shape. X̄ = −Ȳ ∘ sin(X).

    Chapter 9, *Forward and reverse mode*.
    """
    return _entrywise(X, "cos", np.cos, lambda x: -np.sin(x))


def tanh(X: Any) -> Node:
    """tanh(X) entrywise, X of any shape. X̄ = Ȳ ∘ (1 − tanh²(X)).

    Chapter 9, *Forward and reverse mode*.
    """
    return _entrywise(X, "tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2)


def power(X: Any, p: float) -> Node:
    """X to the constant power p, entrywise, X of any shape; also ``X ** p``.

    X̄ = Ȳ ∘ p X^(p−1), and X̄ = 0 for p = 0 (also at zero entries, where p X^(p−1) would be
    0 · ∞). For a non-integer p the entries of X must be positive; a negative integer p
    needs non-zero entries.

    Chapter 9, *Forward and reverse mode*.
    """
    if isinstance(p, Node):
        raise TypeError("power: the exponent must be a constant number, not a Node "
                        "(for x^y with both variable, write exp(y * log(x)))")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"power: the exponent must be a real number, got {type(p).__name__}")
    X = _node(X, "power")
    if float(p).is_integer() and p < 0 and np.any(X.value == 0):
        raise ValueError(f"power: a zero entry to the power {p} (shape {X.shape})")
    if not float(p).is_integer() and np.any(X.value <= 0):
        raise ValueError(f"power: the power {p} needs positive entries, got shape {X.shape} "
                         f"with minimum {np.min(X.value):.3g}")
    p = float(p)
    if p == 0:  # X⁰ = 1 is constant: its derivative is 0, also where X has a zero entry
        return _entrywise(X, "power", np.ones_like, np.zeros_like)
    return _entrywise(X, "power", lambda x: x**p, lambda x: p * x ** (p - 1))


def square(X: Any) -> Node:
    """X ∘ X entrywise, X of any shape. X̄ = 2 Ȳ ∘ X.

    Chapter 9, *Forward and reverse mode*.
    """
    return _entrywise(X, "square", np.square, lambda x: 2 * x)


def sum(X: Any) -> Node:  # shadows the builtin inside this module, like numpy.sum
    """Σᵢⱼ Xᵢⱼ, a scalar (shape ()), for X of any shape. X̄ = s̄ 𝟙, the array of ones times s̄.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "sum")
    return Node(np.sum(X.value), (X,), (lambda G: np.full(X.shape, G),), "sum")


def trace(X: Any) -> Node:
    """tr X for a square X of shape (n, n), a scalar. From d tr X = tr dX: X̄ = t̄ I.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "trace")
    n = _square(X, "trace")
    return Node(np.trace(X.value), (X,), (lambda G: G * np.eye(n),), "trace")


def inv(X: Any) -> Node:
    """X⁻¹ for an invertible X of shape (n, n).

    From dY = −X⁻¹ dX X⁻¹: X̄ = −X⁻ᵀ Ȳ X⁻ᵀ. A singular X raises numpy's ``LinAlgError``.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "inv")
    _square(X, "inv")
    Y = np.linalg.inv(X.value)
    return Node(Y, (X,), (lambda G: -Y.T @ G @ Y.T,), "inv")


def solve(A: Any, B: Any) -> Node:
    """X = A⁻¹B, the solution of AX = B, for A of shape (n, n) and B of shape (n, k) or (n,).

    From A dX = dB − dA X: B̄ = A⁻ᵀ X̄ (one more solve, with Aᵀ) and Ā = −B̄ Xᵀ. Both
    pullbacks do that solve, so it is done twice when A and B both need a gradient.

    Chapter 9, *Forward and reverse mode*.
    """
    A, B = _node(A, "solve", "matrix A"), _node(B, "solve", "right-hand side B")
    n = _square(A, "solve")
    if B.ndim not in (1, 2) or B.shape[0] != n:
        raise ValueError(f"solve: A of shape {A.shape} needs B of shape ({n}, k) or ({n},), "
                         f"got {B.shape}")
    X = np.linalg.solve(A.value, B.value.reshape(n, -1))  # (n, k)
    return Node(X.reshape(B.shape), (A, B), (
        lambda G: -np.linalg.solve(A.value.T, G.reshape(n, -1)) @ X.T,
        lambda G: np.linalg.solve(A.value.T, G.reshape(n, -1)).reshape(B.shape),
    ), "solve")


def det(X: Any) -> Node:
    """det X for a square X of shape (n, n), a scalar.

    From d det X = det X tr(X⁻¹ dX): X̄ = d̄ det(X) X⁻ᵀ. The pullback inverts X, so a
    singular X raises numpy's ``LinAlgError`` in the reverse sweep.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "det")
    _square(X, "det")
    d = np.linalg.det(X.value)
    return Node(d, (X,), (lambda G: G * d * np.linalg.inv(X.value).T,), "det")


def logdet(X: Any) -> Node:
    """log |det X| for an invertible X of shape (n, n), a scalar (computed by slogdet).

    From d log|det X| = tr(X⁻¹ dX): X̄ = ℓ̄ X⁻ᵀ. Raises a ``ValueError`` if det X = 0.

    Chapter 9, *Forward and reverse mode*.
    """
    X = _node(X, "logdet")
    _square(X, "logdet")
    sign, value = np.linalg.slogdet(X.value)
    if sign == 0:
        raise ValueError(f"logdet: the matrix of shape {X.shape} is singular, "
                         "log |det X| = −∞")
    return Node(value, (X,), (lambda G: G * np.linalg.inv(X.value).T,), "logdet")


def _reverse_topological(output: Node) -> list[Node]:
    """The nodes that need a gradient and that the output depends on, output first.

    A depth-first search lists every node after its parents; reversed, every node comes
    before its parents, so its adjoint is complete when it is pulled back.
    """
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((parent, False) for parent in node.parents
                     if parent.needs_grad and id(parent) not in seen)
    return order[::-1]


def value_and_grad(f: Callable[..., Node], *arrays: Any) -> tuple[float, Any]:
    """The value f(X₁, ..., X_k) and its gradients with respect to every Xᵢ.

    Parameters
    ----------
    f : callable
        Takes k Nodes and returns a Node with one entry (shape (), or (1, 1) as for
        ``x.T @ A @ x``), computed with this module's operations.
    *arrays : array_like
        The points X₁, ..., X_k: real numbers or arrays of any shapes.

    Returns
    -------
    value : float
    gradients : ndarray shaped like X₁ if k = 1, else a tuple of k arrays, the i-th
        shaped like Xᵢ. An input that the output does not depend on gets zeros.

    Raises
    ------
    TypeError
        If an input is not a real numeric array, or f returns something other than a Node.
    ValueError
        If f's output has more than one entry.

    Chapter 9, *Forward and reverse mode*.
    """
    if not callable(f):
        raise TypeError(f"grad needs a function f, got {type(f).__name__}")
    if not arrays:
        raise TypeError("grad needs at least one array to differentiate with respect to")
    inputs = [Node(as_real_array(x, f"argument {i} of grad"), op="input", needs_grad=True)
              for i, x in enumerate(arrays)]
    output = f(*inputs)
    if not isinstance(output, Node):
        raise TypeError(f"grad needs f to return a Node computed from its arguments by the "
                        f"tape's operations, got {type(output).__name__}; a numpy function "
                        "or node.value leaves the tape")
    if output.value.size != 1:
        raise ValueError(f"grad needs a scalar output, f returned shape {output.shape}")
    adjoints = {id(output): np.ones_like(output.value)}
    for node in _reverse_topological(output) if output.needs_grad else []:
        G = adjoints[id(node)]
        for parent, pullback in zip(node.parents, node.pullbacks, strict=True):
            if parent.needs_grad:
                contribution = pullback(G)
                previous = adjoints.get(id(parent))
                adjoints[id(parent)] = (contribution if previous is None
                                        else previous + contribution)
    gradients = tuple(np.asarray(adjoints.get(id(x), np.zeros(x.shape))) for x in inputs)
    return float(output.value.reshape(())), gradients[0] if len(inputs) == 1 else gradients


def grad(f: Callable[..., Node], *arrays: Any) -> Any:
    """The gradients of f(X₁, ..., X_k) with respect to every Xᵢ, each shaped like Xᵢ.

    ``value_and_grad(f, *arrays)[1]``: an array for one input, a tuple for several. See
    :func:`value_and_grad` for the arguments and errors.

    Chapter 9, *Forward and reverse mode*.
    """
    return value_and_grad(f, *arrays)[1]
