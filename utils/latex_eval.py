r"""Evaluate the book's formulas, as written in LaTeX, with numpy.

The registry's formulas (``f_latex``, ``grad_latex`` and the ``latex`` of each derivation
``Step``) are what the reader sees. They use a small part of LaTeX, which this module
reads and evaluates at numbers, so that a test can compare each displayed formula with the
code beside it (:mod:`utils.latex_checks`).

Values are numpy arrays: matrices and vectors are 2-D (a vector is an n×1 column), numbers
are 0-d. A *family* such as u_0, u_1, ... (the columns of U) or σ_0, σ_1, ... is a tuple
or a 1-D array, used only with a subscript.

The grammar, loosest binding first::

    display    := side {= side} [\quad (remark) | ,\ remark]        (split_display)
    expression := [+|-] term {(+|-) term}
    term       := factor {[\cdot | \odot | \circ | /] factor}       (juxtaposition: product)
    factor     := \sum_k term | \sum_{ij} term | \sum_{k=a}^{b} term
                | primary {^\top | ^{-\top} | ^p | _index}
    primary    := number | letter | \lambda, \Sigma, ... | \mathrm{d}X | 1_m | I_m
                | (expression) | {expression} | \left( expression \right)
                | \lvert expression \rvert | \inner{expression}{expression}
                | \fro{expression} | \norm{expression}[_2 | _* | _F]
                | \frac{expression}{expression} | \sigma_k(expression) | \sigma_k
                | \tr a | \det a | \log a | \exp a       (also \operatorname{tr}, ...)
                | \sym a | \operatorname{skew} a | \operatorname{tril} a
                | \operatorname{triu} a | \operatorname{toep} a
                | \sin a | \cos a | \sqrt a | \D\exp a[expression]     (Chapter 10)
                | \lambda_k(expression)
                | \operatorname{softmax} a                          (Chapter 11)

where the argument ``a`` is a parenthesised expression or else the next factor
(``\tr X^2`` is tr(X²), ``\det(X)^k`` is (det X)ᵏ, ``\log\det X`` is log(det X)).

Juxtaposition is the matrix product (a number times anything is a scalar multiple),
``\odot`` and ``\circ`` the entrywise product; ``/`` and ``\frac`` divide by a number
(``a / b c`` is (a / b) c). ``^p`` is an integer power of a square matrix (``^{-1}`` the
inverse) or any power of a number. A subscript picks an entry of a matrix or vector or a
member of a family, counting from 0, one letter or digit per subscript (``X_{ij}``,
``X_{00}``, ``u_k``). A sum runs over the rest of its term: from a to b inclusive, or,
without bounds, over the range its body indexes (``\sum_{ij} X_{ij}`` adds every entry of
X). ``\sym M`` is (M + Mᵀ)/2 and ``\operatorname{skew} M`` is (M − Mᵀ)/2;
``\operatorname{tril} M`` and ``\operatorname{triu} M`` keep the entries on and below
(above) the diagonal, and ``\operatorname{toep} M`` replaces each diagonal of M by its mean:
the orthogonal projections of :mod:`utils.structured` (Chapter 7). ``1_m`` is the
column of m ones and ``I_m`` the m×m identity, for a size m given by name;
``\sigma_k(M)`` is a singular value of M, largest first (σ_0 is the largest); a name
``\mathrm{d}X`` has the value of ``"dX"``. For the applications of Chapter 11,
``\operatorname{softmax} M`` is the softmax of each row of M (row i becomes
exp(M_ij) / Σ_j exp(M_ij)), and a letter that has no value but names a size (``d`` in
``\sqrt{d}``) is that size. ``\,``, ``\ ``, ``\;`` and ``\!`` are spaces.
A 1×1 matrix counts as a number where a number is required (``\frac``, ``\log``, a
power, a subscript), not in products. Anything else raises :class:`LatexError`, naming
the token.

Entrywise functions (Chapter 9, *Forward and reverse mode*): ``\tanh a`` applies tanh to
a number or to each entry of a matrix, as the book writes an entrywise function φ(X); it
takes its argument as the functions above do.

Matrix functions (Chapter 10, *Matrix functions and spectra*): ``\exp``, ``\log``,
``\sin``, ``\cos`` and ``\sqrt`` of a square matrix larger than 1×1 are the matrix
functions (the principal logarithm and square root, which need a matrix with no eigenvalue
on the closed negative real axis), and of a number the usual functions; a non-integer
power ``M^{1/2}``, ``M^{-1/2}`` of a square matrix is its principal power;
``\D\exp(M)[E]`` (likewise ``\log``, ``\sin``, ``\cos``, ``\sqrt``) is the Fréchet
derivative of the matrix function at M in the direction E, computed with the block
identity f([[M, E], [0, M]]) = [[f(M), L], [0, f(M)]]; ``\lambda_k(M)`` is an eigenvalue
of a square matrix whose eigenvalues are real, largest first (λ_0 is the largest), like
``\sigma_k(M)``.

Introduced in Chapter 4, *Trace identities and the trace trick*.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .structured import project

__all__ = ["Display", "LatexError", "evaluate", "formula_and_remarks", "split_display"]

Value = Any  # a 0-d or 2-D np.ndarray, or a family (tuple or 1-D array)

GREEK = frozenset(
    "\\" + name for name in (
        "alpha beta gamma delta epsilon eta theta kappa lambda mu nu xi pi rho tau phi chi "
        "psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega"
    ).split()
)
OPERATORS = {"tr": r"\tr", "det": r"\det", "log": r"\log", "exp": r"\exp",  # \operatorname{..}
             "sym": r"\sym", "skew": r"\skew", "tril": r"\tril", "triu": r"\triu",
             "toep": r"\toep", "softmax": r"\softmax"}
# Functions of a number that are also functions of a square matrix (Chapter 10), and the
# ones among them whose Fréchet derivative \D f(M)[E] the grammar evaluates.
MATRIX_FUNCTIONS = frozenset((r"\exp", r"\log", r"\sin", r"\cos", r"\sqrt"))
# Entrywise functions, applied to a number or to each entry of a matrix (Chapter 9).
ENTRYWISE: dict[str, Callable[[Any], Any]] = {r"\tanh": np.tanh}
FUNCTIONS = frozenset(OPERATORS.values()) | MATRIX_FUNCTIONS | frozenset(ENTRYWISE)
PRODUCTS = {r"\cdot": "mul", r"\odot": "hadamard", r"\circ": "hadamard", "/": "div"}

_TOKEN = re.compile(r"""
    (?P<space>\s+|\\[,;:!\ ])
  | (?P<text>\\text\{[^{}]*\})
  | (?P<operatorname>\\operatorname\{[A-Za-z]+\})
  | (?P<mathrm>\\mathrm\{[A-Za-z]+\})
  | (?P<command>\\[A-Za-z]+)
  | (?P<number>[0-9]+)
  | (?P<letter>[A-Za-z])
  | (?P<symbol>[-+*/=,;^_(){}])
  | (?P<bracket>[\[\]])
""", re.VERBOSE)


class LatexError(ValueError):
    """A formula outside the grammar, or one that cannot be evaluated at the given values.

    Chapter 4, *Trace identities and the trace trick*.
    """


@dataclass(frozen=True)
class Token:
    """One token of a formula: its kind, its text and where it stands (characters)."""

    kind: str  # space, text, command, number, letter, symbol, d
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Node:
    """One operation of a parsed formula: its name, its operands and its source text."""

    op: str
    args: tuple
    text: str


@dataclass(frozen=True)
class Display:
    r"""A displayed formula split into its sides and its remarks.

    Attributes
    ----------
    sides : tuple of str
        The formula and what it is said to equal: ``"a = b"`` gives ``("a", "b")``.
    equations : tuple of tuple of str
        The equations a remark states, each as its sides: ``\quad (M = X^\top A X)`` and
        ``,\ M = X^\top A X`` both give ``(("M", r"X^\top A X"),)``.
    words : tuple of str
        The rest of the remarks, words and names, which are not evaluated.

    Chapter 4, *Trace identities and the trace trick*.
    """

    sides: tuple[str, ...]
    equations: tuple[tuple[str, ...], ...]
    words: tuple[str, ...]


def evaluate(
    latex: str, values: Mapping[str, Any], sizes: Mapping[str, int] | None = None
) -> Any:
    r"""The value of one formula (no ``=``, no remark) at the given values.

    Parameters
    ----------
    latex : str
        A formula in the grammar of the module docstring, e.g. ``r"\tr(A\,\mathrm{d}X\,B)"``.
    values : mapping of str to array_like
        The values of the names, keyed as they are written: ``"X"``, ``"\lambda"``,
        ``"dX"`` for ``\mathrm{d}X``. Matrices and vectors have 2 dimensions (vectors n×1),
        numbers 0; a tuple or 1-D array is a family, indexed by a subscript (``u_k``).
    sizes : mapping of str to int, optional
        The sizes that ``1_m`` and ``I_m`` name, e.g. ``{"m": 4, "n": 3}``.

    Returns
    -------
    numpy.ndarray or number
        A 2-D array for a matrix or vector (a 1×1 matrix stays 1×1), a number otherwise.

    Raises
    ------
    TypeError
        If ``latex`` is not a str or ``values`` not a mapping.
    LatexError
        (a ValueError) for a token outside the grammar, naming it and where it stands; for
        an unknown name; or for an operation the values do not allow, naming the shapes
        (a product of 2×3 and 2×3 matrices, the trace of a non-square matrix, ...).

    Chapter 4, *Trace identities and the trace trick*.
    """
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping of names to arrays, got "
                        f"{type(values).__name__}")
    scope = {name: _as_value(name, value) for name, value in values.items()}
    node = _Parser(latex).formula()
    result = _Evaluator(scope, dict(sizes or {}), latex).value(node)
    return result if result.ndim else result[()]


def split_display(latex: str) -> Display:
    r"""Split a displayed formula at its top-level ``=`` and separate its remarks.

    A remark is ``\quad (...)`` or a clause after a top-level comma. Its ``\text{...}``
    words, commas and semicolons split it into pieces; a piece with an ``=`` is an
    equation, the others are words.

    Parameters
    ----------
    latex : str
        For example ``r"\det(M)\,M^{-\top},\ M = X^\top A X"``.

    Returns
    -------
    Display

    Raises
    ------
    TypeError
        If ``latex`` is not a str.
    LatexError
        For an unbalanced parenthesis or brace, or a side that is empty.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    tokens = _tokenize(latex)
    depths = _depths(tokens, latex)
    end = next((i for i, token in enumerate(tokens) if depths[i] == 0
                and token.text in (r"\quad", ",")), len(tokens))
    sides = tuple(_text(latex, piece) for piece in _split(tokens[:end], depths[:end], {"="}))
    if not all(sides):
        raise LatexError(f"an empty side in '{latex}'")
    equations, words = [], []
    for remark in _remarks(tokens[end:], depths[end:]):
        for piece in _pieces(remark, latex):
            parts = _split(piece, _depths(piece, latex), {"="})
            if len(parts) > 1:
                equations.append(tuple(_text(latex, part) for part in parts))
            else:
                words.append(_text(latex, piece))
    return Display(sides, tuple(equations), tuple(words))


def formula_and_remarks(latex: str) -> tuple[str, tuple[str, ...]]:
    r"""A displayed formula without its remarks, and the text of each remark.

    The remarks are what :func:`split_display` separates: ``\quad (...)`` (without the
    parentheses) and each clause after a top-level comma. A table shows them apart, so
    that a long definition does not widen the formula's column.

    For example, ``A X W^\top,\ M = X^\top A X,\ W = M^{-1}`` gives the formula
    ``A X W^\top`` and the remarks ``M = X^\top A X`` and ``W = M^{-1}``.

    Raises TypeError if ``latex`` is not a str, LatexError as :func:`split_display`.

    Chapter 4, *Trace identities and the trace trick*.
    """
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    tokens = _tokenize(latex)
    depths = _depths(tokens, latex)
    end = next((i for i, token in enumerate(tokens) if depths[i] == 0
                and token.text in (r"\quad", ",")), len(tokens))
    remarks = tuple(_text(latex, remark) for remark in _remarks(tokens[end:], depths[end:]))
    return _text(latex, tokens[:end]), tuple(remark for remark in remarks if remark)


# -- tokens -------------------------------------------------------------------------------------


def _tokenize(latex: str) -> list[Token]:
    """The tokens of ``latex`` without spaces; LatexError at a character outside the grammar."""
    tokens, position = [], 0
    while position < len(latex):
        match = _TOKEN.match(latex, position)
        if match is None:
            raise LatexError(f"unsupported character '{latex[position]}' at character "
                             f"{position} of '{latex}'")
        kind, text = match.lastgroup or "", match.group()
        if kind == "operatorname":
            name = text[len(r"\operatorname{"):-1]
            kind, text = "command", OPERATORS.get(name, text)
        elif kind == "mathrm":
            kind = "d" if text == r"\mathrm{d}" else "command"
        if kind == "bracket":
            kind = "symbol"
        if kind != "space":
            tokens.append(Token(kind, text, match.start(), match.end()))
        position = match.end()
    return tokens


def _depths(tokens: list[Token], latex: str) -> list[int]:
    """The nesting depth in parentheses and braces before each token."""
    depths, depth = [], 0
    for token in tokens:
        depth -= token.text in (")", "}")
        if depth < 0:
            raise LatexError(f"unbalanced '{token.text}' at character {token.start} of '{latex}'")
        depths.append(depth)
        depth += token.text in ("(", "{")
    if depth:
        raise LatexError(f"unclosed parenthesis or brace in '{latex}'")
    return depths


def _split(tokens: list[Token], depths: list[int], separators: set[str]) -> list[list[Token]]:
    """``tokens`` cut at the top-level tokens whose text is in ``separators``."""
    pieces: list[list[Token]] = [[]]
    for token, depth in zip(tokens, depths, strict=True):
        if depth == 0 and token.text in separators:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return pieces


def _remarks(tokens: list[Token], depths: list[int]) -> Iterator[list[Token]]:
    r"""The remarks after a formula: ``\quad (...)`` and the clauses after a comma."""
    starts = [i for i, token in enumerate(tokens)
              if depths[i] == 0 and token.text in (r"\quad", ",")]
    for start, end in itertools.pairwise([*starts, len(tokens)]):
        remark, inside = tokens[start + 1:end], depths[start + 2:end - 1]
        in_parentheses = (len(remark) >= 2 and remark[0].text == "(" and remark[-1].text == ")"
                          and all(depth >= 1 for depth in inside))
        yield remark[1:-1] if in_parentheses else remark


def _pieces(remark: list[Token], latex: str) -> Iterator[list[Token]]:
    r"""A remark cut at its words (``\text{...}``) and its top-level commas and semicolons."""
    piece: list[Token] = []
    for token, depth in zip(remark, _depths(remark, latex), strict=True):
        if token.kind == "text" or (depth == 0 and token.text in (",", ";")):
            if piece:
                yield piece
            if token.kind == "text":
                yield [token]
            piece = []
        else:
            piece.append(token)
    if piece:
        yield piece


def _text(latex: str, tokens: list[Token]) -> str:
    return latex[tokens[0].start:tokens[-1].end] if tokens else ""


# -- parsing ------------------------------------------------------------------------------------


class _Parser:
    """A recursive-descent parser of one formula into a tree of :class:`Node`."""

    def __init__(self, latex: str) -> None:
        self.latex = latex
        self.tokens = _tokenize(latex)
        self.position = 0

    def formula(self) -> Node:
        if not self.tokens:
            raise LatexError("the formula is empty")
        node = self.expression()
        if self.peek() is not None:
            token = self.peek()
            hint = ("; split a display with split_display and evaluate its sides one at a time"
                    if token.text in ("=", ",", r"\quad") else "")
            raise self.error(f"unexpected '{token.text}'", token, hint)
        return node

    # token access
    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next_is(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise LatexError(f"'{self.latex}' ends too early")
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        found = self.next_is(text)
        self.position += found
        return found

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise self.error(f"expected '{text}', got '{token.text}'", token)

    def error(self, message: str, token: Token, hint: str = "") -> LatexError:
        return LatexError(f"{message} at character {token.start} of '{self.latex}'{hint}")

    def node(self, op: str, args: tuple, first: Token) -> Node:
        last = self.tokens[self.position - 1]
        return Node(op, args, self.latex[first.start:last.end])

    # the grammar
    def expression(self) -> Node:
        first = self.peek()
        if first is None:
            raise LatexError(f"'{self.latex}' ends too early")
        if self.accept("-"):
            node = self.node("neg", (self.term(),), first)
        else:
            self.accept("+")
            node = self.term()
        while (token := self.peek()) is not None and token.text in ("+", "-"):
            self.take()
            node = self.node("add" if token.text == "+" else "sub", (node, self.term()), first)
        return node

    def term(self) -> Node:
        first = self.peek()
        node = self.factor()
        while (token := self.peek()) is not None:
            if token.text in PRODUCTS:
                self.take()
                node = self.node(PRODUCTS[token.text], (node, self.factor()), first)
            elif self.starts_factor(token):
                node = self.node("mul", (node, self.factor()), first)
            else:
                break
        return node

    @staticmethod
    def starts_factor(token: Token) -> bool:
        if token.kind in ("number", "letter", "d"):
            return True
        if token.kind == "command":  # unknown commands too, so that they are reported
            return token.text not in (r"\right", r"\rvert", r"\quad", r"\top", *PRODUCTS)
        return token.text in ("(", "{")

    def factor(self) -> Node:
        first = self.peek()
        if self.next_is(r"\sum"):
            return self.sum(first)
        node = self.primary()
        while (token := self.peek()) is not None and token.text in ("^", "_"):
            self.take()
            if token.text == "^":
                node = self.power(node, first)
            else:
                node = self.node("index", (node, *self.indices()), first)
        return node

    def power(self, base: Node, first: Token) -> Node:
        if self.accept(r"\top"):
            return self.node("transpose", (base,), first)
        if [token.text for token in self.tokens[self.position:self.position + 4]] == [
                "{", "-", r"\top", "}"]:
            self.position += 4
            return self.node("inverse_transpose", (base,), first)
        if self.next_is("{"):
            return self.node("power", (base, self.group()), first)
        return self.node("power", (base, self.single_character_script()), first)

    def single_character_script(self) -> Node:
        token = self.take()
        if not ((token.kind == "number" and len(token.text) == 1) or token.kind == "letter"):
            raise self.error(f"a script without braces must be one character, got "
                             f"'{token.text}'", token, "; write ^{...} or _{...}")
        return Node("number" if token.kind == "number" else "name",
                    (int(token.text) if token.kind == "number" else token.text,), token.text)

    def indices(self) -> tuple[Node, ...]:
        if not self.accept("{"):
            return (self.single_character_script(),)
        found = []
        while not self.accept("}"):
            token = self.take()
            if token.kind not in ("letter", "number"):
                raise self.error(f"expected subscripts, got '{token.text}'", token)
            found += [Node("number", (int(digit),), digit) for digit in token.text] \
                if token.kind == "number" else [Node("name", (token.text,), token.text)]
        return tuple(found)  # one subscript per letter or digit: X_{ij}, X_{00}

    def size(self) -> str:
        self.expect("_")
        token = self.take()
        if token.kind not in ("letter", "number"):
            raise self.error(f"expected a size such as m or 3, got '{token.text}'", token)
        return token.text

    def group(self) -> Node:
        self.expect("{")
        node = self.expression()
        self.expect("}")
        return node

    def primary(self) -> Node:
        """A number, a name, 1_m, I_m, \\mathrm{d}X or a parenthesised expression."""
        first = self.take()
        if first.kind == "number":
            if first.text == "1" and self.next_is("_"):
                return self.node("ones", (self.size(),), first)
            return self.node("number", (int(first.text),), first)
        if first.kind == "letter":
            if first.text == "I" and self.next_is("_"):
                return self.node("eye", (self.size(),), first)
            return self.node("name", (first.text,), first)
        if first.kind == "d":
            token = self.take()
            if token.kind != "letter":
                raise self.error(r"expected a letter after \mathrm{d}", token)
            return self.node("name", ("d" + token.text,), first)
        if first.text in ("(", "{"):
            node = self.expression()
            self.expect(")" if first.text == "(" else "}")
            return self.node(node.op, node.args, first)  # its text with the parentheses
        return self.command(first)

    def command(self, first: Token) -> Node:
        """A Greek letter, or a macro with its arguments: \\tr X, \\inner{A}{B}, ..."""
        text = first.text
        if text == r"\lambda" and self.eigenvalue_follows():
            self.expect("_")
            index = self.indices()
            return self.node("eigenvalue", (*index, self.primary()), first)
        if text in GREEK:
            return self.node("name", (text,), first)
        if text == r"\D":
            function = self.take()
            if function.text not in MATRIX_FUNCTIONS:
                raise self.error(f"\\D needs a matrix function ({sorted(MATRIX_FUNCTIONS)}) "
                                 f"after it, got '{function.text}'", function)
            argument = self.argument()
            self.expect("[")
            direction = self.expression()
            self.expect("]")
            return self.node("frechet", (function.text[1:], argument, direction), first)
        if text in FUNCTIONS:
            return self.node(text[1:], (self.argument(),), first)
        if text == r"\left":
            self.expect("(")
            node = self.expression()
            self.expect(r"\right")
            self.expect(")")
            return self.node(node.op, node.args, first)
        if text == r"\lvert":
            node = self.expression()
            self.expect(r"\rvert")
            return self.node("abs", (node,), first)
        if text in (r"\inner", r"\frac"):
            return self.node(text[1:], (self.group(), self.group()), first)
        if text == r"\fro":
            return self.node("fro", (self.group(),), first)
        if text == r"\norm":
            argument = self.group()
            kind = self.take().text if self.accept("_") else ""
            if kind not in ("", "2", "*", "F"):
                raise self.error(f"unsupported norm subscript '{kind}' (use 2, * or F)", first)
            return self.node("norm" + kind, (argument,), first)
        if text == r"\sigma":
            self.expect("_")
            index = self.indices()
            if self.next_is("("):
                return self.node("sigma", (*index, self.primary()), first)
            return self.node("index", (Node("name", (text,), text), *index), first)
        raise self.error(f"unsupported token '{text}'", first,
                         "; the grammar is described in utils/latex_eval.py")

    def eigenvalue_follows(self) -> bool:
        """After \\lambda: a subscript and then a parenthesis, as in \\lambda_0(X)."""
        rest = [token.text for token in self.tokens[self.position:self.position + 5]]
        if rest[:1] != ["_"]:
            return False
        after = 2 if rest[1:2] != ["{"] else (rest.index("}") + 1 if "}" in rest else 99)
        return rest[after:after + 1] == ["("]

    def argument(self) -> Node:
        if self.next_is("(") or self.next_is(r"\left"):
            return self.primary()
        return self.factor()

    def sum(self, first: Token) -> Node:
        self.expect(r"\sum")
        self.expect("_")
        names, low, high = [], None, None
        if self.accept("{"):
            while (token := self.take()).text not in ("=", "}"):
                if token.kind != "letter":
                    raise self.error(f"expected an index letter, got '{token.text}'", token)
                names.append(token.text)
            if token.text == "=":
                low = self.expression()
                self.expect("}")
                self.expect("^")
                high = self.group() if self.next_is("{") else self.single_character_script()
        else:
            names.append(self.single_character_script().args[0])
        if low is not None and len(names) != 1:
            raise self.error("a sum with bounds needs exactly one index", first)
        return self.node("sum", (tuple(names), low, high, self.term()), first)


# -- evaluation ---------------------------------------------------------------------------------


def _as_value(name: str, value: Any) -> Value:
    """A value of ``values``: a 0-d or 2-D array, or a family (a tuple or a 1-D array)."""
    if isinstance(value, (tuple, list)):
        return tuple(np.asarray(member) for member in value)
    array = np.asarray(value)
    if array.ndim > 2 or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"the value of {name!r} must be a number, a 2-D array or a family, "
                        f"got an array of shape {array.shape} and dtype {array.dtype}")
    return array


def _shape(value: Value) -> str:
    if isinstance(value, tuple) or value.ndim == 1:
        return f"a family of {len(value)}"
    return "a number" if value.ndim == 0 else f"a {value.shape[0]}×{value.shape[1]} matrix"


class _Evaluator:
    """Evaluates a tree of :class:`Node` at the values of its names."""

    def __init__(self, scope: dict[str, Value], sizes: dict[str, int], latex: str) -> None:
        self.scope = scope
        self.sizes = sizes
        self.latex = latex

    def fail(self, message: str, node: Node) -> LatexError:
        whole = "" if node.text == self.latex else f" (of '{self.latex}')"
        return LatexError(f"{message} in '{node.text}'{whole}")

    def value(self, node: Node) -> np.ndarray:
        result = self.member(node)
        if isinstance(result, tuple) or result.ndim == 1:
            raise self.fail(f"{node.text} is a family; give it a subscript", node)
        return result

    def member(self, node: Node) -> Value:
        if node.op == "number":
            return np.array(node.args[0])
        if node.op == "name":
            return self.lookup(node)
        if node.op in ("ones", "eye"):
            size = self.size(node.args[0], node)
            return np.ones((size, 1)) if node.op == "ones" else np.eye(size)
        if node.op == "sum":
            return self.sum(node)
        if node.op == "index":
            return self.index(self.member(node.args[0]), node.args[1:], node)
        if node.op == "sigma":
            *index, argument = node.args
            return self.index(tuple(np.linalg.svd(self.matrix(argument), compute_uv=False)),
                              index, node)
        if node.op == "eigenvalue":
            *index, argument = node.args
            return self.index(tuple(_real_eigenvalues(self, argument, self.matrix(argument))),
                              index, node)
        if node.op == "frechet":
            name, argument, direction = node.args
            return _frechet(self, node, name, self.value(argument), self.value(direction))
        operands = [self.value(arg) for arg in node.args]
        try:
            return _OPERATIONS[node.op](self, node, *operands)
        except np.linalg.LinAlgError as error:
            raise self.fail(f"numpy: {error}", node) from None

    def lookup(self, node: Node) -> Value:
        name = node.args[0]
        if name not in self.scope and name in self.sizes:  # a size such as d in \sqrt{d}
            return np.array(self.sizes[name])
        if name not in self.scope:
            raise self.fail(f"no value for the name '{name}'; the values are for "
                            f"{sorted(self.scope)}", node)
        return self.scope[name]

    def size(self, name: str, node: Node) -> int:
        if name.isdigit():
            return int(name)
        if name not in self.sizes:
            raise self.fail(f"no size '{name}'; the sizes are {self.sizes}", node)
        return self.sizes[name]

    def integer(self, node: Node) -> int:
        number = self.number(self.value(node), node)
        if np.iscomplexobj(number) or float(number) != round(float(number)):
            raise self.fail(f"{node.text} = {number} is not an integer", node)
        return round(float(number))

    def number(self, value: np.ndarray, node: Node) -> np.ndarray:
        if value.ndim == 2 and value.shape == (1, 1):
            return value.reshape(())
        if value.ndim:
            raise self.fail(f"expected a number, got {_shape(value)}", node)
        return value

    def matrix(self, node: Node) -> np.ndarray:
        value = self.value(node)
        if value.ndim != 2:
            raise self.fail(f"expected a matrix, got {_shape(value)} for {node.text}", node)
        return value

    def square(self, value: np.ndarray, node: Node, what: str) -> np.ndarray:
        if value.ndim != 2 or value.shape[0] != value.shape[1]:
            raise self.fail(f"{what} needs a square matrix, got {_shape(value)}", node)
        return value

    def index(self, family: Value, indices: tuple[Node, ...], node: Node) -> np.ndarray:
        at = tuple(self.integer(index) for index in indices)
        members = _members(family)
        wanted = 1 if isinstance(members, tuple) else members.ndim
        if len(at) != wanted:
            raise self.fail(f"{len(at)} subscripts for {_shape(family)}", node)
        if min(at) < 0 or any(k >= n for k, n in zip(at, _lengths(members), strict=True)):
            raise self.fail(f"subscript {at} out of range for {_shape(family)}", node)
        return np.asarray(members[at[0]] if len(at) == 1 else members[at])

    def sum(self, node: Node) -> np.ndarray:
        names, low, high, body = node.args
        if low is not None:
            ranges = [range(self.integer(low), self.integer(high) + 1)]
        else:
            ranges = [range(self.extent(name, body, node)) for name in names]
        total = None
        for combination in itertools.product(*ranges):
            inner = _Evaluator({**self.scope, **dict(zip(names, map(np.array, combination),
                                                         strict=True))}, self.sizes, self.latex)
            term = inner.value(body)
            total = term if total is None else _OPERATIONS["add"](self, node, total, term)
        return np.array(0.0) if total is None else total

    def extent(self, name: str, body: Node, node: Node) -> int:
        """How far ``name`` runs: the length of what it indexes in ``body`` (all must agree)."""
        lengths = set()
        for part in _walk(body):
            if part.op not in ("index", "sigma", "eigenvalue"):
                continue
            at = part.args[1:] if part.op == "index" else part.args[:-1]
            for axis, index in enumerate(at):
                if index.op == "name" and index.args[0] == name:
                    lengths.add(self.length(part, axis))
        if len(lengths) != 1:
            raise self.fail(f"cannot tell how far {name} runs ({sorted(lengths) or 'no use'}); "
                            f"write the bounds, e.g. \\sum_{{{name}=0}}^{{3}}", node)
        return lengths.pop()

    def length(self, part: Node, axis: int) -> int:
        if part.op in ("sigma", "eigenvalue"):
            return min(self.matrix(part.args[-1]).shape)
        return _lengths(_members(self.member(part.args[0])))[axis]


def _members(family: Value) -> Value:
    """What a subscript picks from: a family, the entries of a vector or of a matrix."""
    if isinstance(family, np.ndarray) and family.ndim == 2 and 1 in family.shape:
        return family.reshape(-1)  # x_i: an entry of a vector
    return family


def _lengths(family: Value) -> tuple[int, ...]:
    """How many members a family has along each subscript."""
    return (len(family),) if isinstance(family, tuple) else family.shape


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for arg in node.args:
        if isinstance(arg, Node):
            yield from _walk(arg)


# -- the operations on values: (evaluator, node, *operands) -> value -----------------------------


def _add(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape != b.shape:
        raise ev.fail(f"cannot add {_shape(a)} and {_shape(b)}", node)
    return a + b


def _sub(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _add(ev, node, a, -b)


def _mul(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[1] != b.shape[0]:
        left, right = node.args
        raise ev.fail(f"the product of {left.text} ({_shape(a)}) and {right.text} "
                      f"({_shape(b)}) is not defined", node)
    return a @ b


def _hadamard(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape != b.shape:
        raise ev.fail(f"an entrywise product of {_shape(a)} and {_shape(b)}", node)
    return a * b


def _div(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    b = ev.number(b, node.args[1])
    if b == 0:
        raise ev.fail("division by zero", node)
    return a / b


def _power(ev: _Evaluator, node: Node, base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    if base.ndim == 0:
        return base ** ev.number(exponent, node.args[1]).astype(float)
    ev.square(base, node, "a matrix power")
    number = ev.number(exponent, node.args[1])
    if not np.iscomplexobj(number) and float(number) != round(float(number)):
        return _matrix_function(ev, node, "power", base, float(number))  # Chapter 10
    return np.linalg.matrix_power(base, ev.integer(node.args[1]))


def _unary(name: str, needs: str, function: Callable[[np.ndarray], Any]) -> Callable[..., Any]:
    """An operation of one operand that needs a ``"square"`` matrix, a ``"number"``, a
    ``"matrix"`` or a ``"vector"``."""

    def operation(ev: _Evaluator, node: Node, a: np.ndarray) -> np.ndarray:
        if needs == "square":
            a = ev.square(a, node, name)
        elif needs == "number":
            a = ev.number(a, node)
        elif a.ndim != 2 or (needs == "vector" and 1 not in a.shape):
            raise ev.fail(f"{name} needs a {needs}, got {_shape(a)}", node)
        return np.asarray(function(a))

    return operation


def _log(ev: _Evaluator, node: Node, a: np.ndarray) -> np.ndarray:
    if a.ndim == 2 and a.shape != (1, 1):
        return _matrix_function(ev, node, "log", ev.square(a, node, r"\log"))  # Chapter 10
    a = ev.number(a, node)
    if not a > 0:
        raise ev.fail(f"the logarithm of {a}, which is not positive", node)
    return np.log(a)


def _softmax(ev: _Evaluator, node: Node, a: np.ndarray) -> np.ndarray:
    """The softmax of each row of a matrix (Chapter 11)."""
    if a.ndim != 2:
        raise ev.fail(f"softmax needs a matrix, got {_shape(a)}", node)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _inner(ev: _Evaluator, node: Node, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape != b.shape:
        raise ev.fail(f"an inner product of {_shape(a)} and {_shape(b)}", node)
    return np.sum(a * b)


# -- matrix functions (Chapter 10, *Matrix functions and spectra*) ------------------------------

_SCALAR = {"exp": np.exp, "sin": np.sin, "cos": np.cos, "sqrt": np.sqrt, "log": np.log}


def _matrix_function(ev: _Evaluator, node: Node, name: str, a: np.ndarray,
                     power: float = 1.0) -> np.ndarray:
    """exp, log, sin, cos, sqrt (principal) or a principal power of a square matrix."""
    import scipy.linalg  # only formulas with matrix functions need scipy

    if name in ("log", "sqrt", "power"):
        eigenvalues = np.linalg.eigvals(a)
        if np.any((np.abs(eigenvalues.imag) <= 1e-12 * max(1.0, np.abs(eigenvalues).max()))
                  & (eigenvalues.real <= 0)):
            raise ev.fail(f"the principal {name} of a matrix with an eigenvalue on the closed "
                          f"negative real axis ({eigenvalues})", node)
    if name == "power":
        value = scipy.linalg.fractional_matrix_power(a, power)
    else:
        value = {"exp": scipy.linalg.expm, "log": scipy.linalg.logm, "sin": scipy.linalg.sinm,
                 "cos": scipy.linalg.cosm, "sqrt": scipy.linalg.sqrtm}[name](a)
    return np.real_if_close(value, tol=1e6) if not np.iscomplexobj(a) else value


def _scalar_or_matrix(ev: _Evaluator, node: Node, name: str, a: np.ndarray) -> np.ndarray:
    if a.ndim == 2 and a.shape != (1, 1):
        return _matrix_function(ev, node, name, ev.square(a, node, "\\" + name))
    a = ev.number(a, node)
    if name == "sqrt" and not a >= 0:
        raise ev.fail(f"the square root of {a}, which is negative", node)
    return np.asarray(_SCALAR[name](a))


def _frechet(ev: _Evaluator, node: Node, name: str, a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """L_f(A, E), the upper right block of f([[A, E], [0, A]])."""
    a = ev.square(a, node, "a Fréchet derivative")
    if e.shape != a.shape:
        raise ev.fail(f"the direction of a Fréchet derivative must have the shape of the "
                      f"point, got {_shape(a)} and {_shape(e)}", node)
    n = a.shape[0]
    block = np.block([[a, e], [np.zeros_like(a), a]])
    return _matrix_function(ev, node, name, block)[:n, n:]


def _real_eigenvalues(ev: _Evaluator, argument: Node, a: np.ndarray) -> np.ndarray:
    """The eigenvalues of a square matrix, largest first; LatexError if some are not real."""
    a = ev.square(a, argument, r"\lambda_k")
    if np.allclose(a, a.T, rtol=0, atol=1e-12 * max(1.0, np.abs(a).max())):
        return np.linalg.eigvalsh((a + a.T) / 2)[::-1]
    eigenvalues = np.linalg.eigvals(a)
    if np.any(np.abs(eigenvalues.imag) > 1e-10 * max(1.0, np.abs(eigenvalues).max())):
        raise ev.fail(f"\\lambda_k needs real eigenvalues, got {eigenvalues}", argument)
    return np.sort(eigenvalues.real)[::-1]


_OPERATIONS: dict[str, Callable[..., np.ndarray]] = {
    "add": _add,
    "sub": _sub,
    "neg": lambda ev, node, a: -a,
    "mul": _mul,
    "hadamard": _hadamard,
    "div": _div,
    "frac": _div,
    "power": _power,
    "transpose": lambda ev, node, a: a.T,
    "inverse_transpose": _unary("the inverse", "square", lambda a: np.linalg.inv(a).T),
    "tr": _unary(r"\tr", "square", np.trace),
    "det": _unary(r"\det", "square", np.linalg.det),
    "log": _log,
    "exp": lambda ev, node, a: _scalar_or_matrix(ev, node, "exp", a),
    "sin": lambda ev, node, a: _scalar_or_matrix(ev, node, "sin", a),
    "cos": lambda ev, node, a: _scalar_or_matrix(ev, node, "cos", a),
    "sqrt": lambda ev, node, a: _scalar_or_matrix(ev, node, "sqrt", a),
    "abs": _unary(r"\lvert\rvert", "number", np.abs),
    "inner": _inner,
    "sym": _unary(r"\sym", "square", lambda a: (a + a.T) / 2),
    "skew": _unary(r"\operatorname{skew}", "square", lambda a: (a - a.T) / 2),
    "tril": _unary(r"\operatorname{tril}", "matrix", np.tril),
    "triu": _unary(r"\operatorname{triu}", "matrix", np.triu),
    "toep": _unary(r"\operatorname{toep}", "matrix", lambda a: project(a, "Toeplitz")),
    "fro": _unary(r"\fro", "matrix", np.linalg.norm),
    "norm": _unary(r"\norm (the Euclidean norm)", "vector", np.linalg.norm),
    "norm2": _unary(r"\norm{}_2", "matrix", lambda a: np.linalg.norm(a, 2)),
    "norm*": _unary(r"\norm{}_*", "matrix", lambda a: np.linalg.norm(a, "nuc")),
    "normF": _unary(r"\norm{}_F", "matrix", np.linalg.norm),
    "softmax": _softmax,
}

# The entrywise functions (Chapter 9): the operation of \tanh is "tanh", and so on.
for _command, _function in ENTRYWISE.items():
    _OPERATIONS[_command[1:]] = (
        lambda ev, node, a, function=_function: np.asarray(function(a)))
