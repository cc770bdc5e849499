"""Arithmetic expressions typed by a user, parsed safely into Values.

Owns the parser behind `tracegrad draw` and `tracegrad gradcheck`: Python's
`ast` parses the text and a whitelist decides what may appear — numbers,
variable names, `+ - * / % **`, unary `-`/`+` and calls of the engine's functions
by name. Nothing is ever passed to `eval`, attributes and subscripts are
refused, and the size and the depth of nesting are bounded, so no walk over
the tree (ours or `ast`'s) can run out of stack. Control characters are refused
too, even inside a comment, so the text can be printed to a terminal as it is.
Columns in messages count characters from 1. The whitelist and the checks
live in `viz.expression_grammar`; this module builds the graph. Imports
`autograd` and `viz.expression_grammar` only.
"""

import ast
import math
import unicodedata
import warnings

from autograd import Value
from viz.expression_grammar import (
    CALLS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    bracket_depth,
    check_characters,
    check_tree,
    syntax_error_text,
    tree_depth,
)

__all__ = ["FUNCTIONS", "MAX_DEPTH", "Expression", "ExpressionError", "parse_assignments"]


class Expression:
    """A parsed, checked expression: `Expression(text)`, then `evaluate(values)`.

    `variables` lists the names it uses, in order of first appearance.
    """

    def __init__(self, text):
        if not isinstance(text, str):
            raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"the expression is too long ({len(text)} characters, at most {MAX_LENGTH})")
        text = text.strip()
        if not text:
            raise ExpressionError("the expression is empty")
        check_characters(text)
        too_deep = f"the expression is nested too deeply (at most {MAX_DEPTH} levels of brackets, operators and calls)"
        if bracket_depth(text) > MAX_DEPTH:
            raise ExpressionError(too_deep)
        try:
            with warnings.catch_warnings():
                # "1or 2" warns (invalid decimal literal); as an error it gets a column like any other.
                warnings.simplefilter("error", SyntaxWarning)
                tree = ast.parse(text, mode="eval")
        except SyntaxError as error:
            raise ExpressionError(f"not a valid expression: {syntax_error_text(error, text)}") from None
        except (RecursionError, MemoryError):
            raise ExpressionError(too_deep) from None
        if tree_depth(tree) > MAX_DEPTH:
            raise ExpressionError(too_deep)
        self.text = text
        self.variables = check_tree(tree, self.text)
        self._tree = tree.body

    def evaluate(self, values):
        """Build the expression's graph from `values` (name -> Value or number) and return its root.

        Every use of a name is the same Value, so `x*x` has two edges from x.
        Number literals become constant leaves labelled with their text.
        """
        root, _ = self.evaluate_with_leaves(values)
        return root

    def evaluate_with_leaves(self, values):
        """`(root, leaves)`: the graph as `evaluate` builds it, and each variable's Value by name.

        `leaves` follows `variables` in order. Read gradients through it rather
        than by label: when the expression is just `x` (or `+x`, `(x)`) the root
        IS the leaf, so relabelling the root would rename the variable.
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ExpressionError(f"no value given for {', '.join(missing)} (give NAME=VALUE for each variable)")
        leaves = {}
        for name in self.variables:
            value = values[name]
            leaves[name] = value if isinstance(value, Value) else Value(value, label=name)
        return self._build(self._tree, leaves), leaves

    def _build(self, node, leaves):
        # The nesting is at most MAX_DEPTH (see __init__), so the recursion depth is too.
        if isinstance(node, ast.Constant):
            return Value(node.value, label=_number_text(node.value))
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._build(node.operand, leaves)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left = self._build(node.left, leaves)
            if isinstance(node.op, ast.Pow) and _literal(node.right) is not None:
                # A literal exponent is part of the op (x**2), as when written in Python.
                return left ** _literal(node.right)
            right = self._build(node.right, leaves)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.Mod):
                return left % right
            return left**right
        # Only whitelisted calls remain (see check_tree).
        return CALLS[node.func.id](*[self._build(argument, leaves) for argument in node.args])


def _literal(node):
    """The number of a literal like `2` or `-0.5`, else None."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    return None


def _number_text(number):
    return repr(number) if isinstance(number, float) else str(number)


def parse_assignments(pairs):
    """`["x=0.5", "w=-1"]` -> {"x": 0.5, "w": -1.0}, with clear errors for bad pairs.

    Names are NFKC-normalised as Python normalises identifiers, so the
    fullwidth `ｘ=1` gives the variable that `ｘ*2` uses, which ast reads as `x`.
    """
    values = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=VALUE, got {pair!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name and cannot be a variable")
        if name in values:
            raise ExpressionError(f"{name} is given twice")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {name} must be a number, got {number.strip()!r}") from None
        if not math.isfinite(values[name]):
            raise ExpressionError(f"the value of {name} must be finite, got {number.strip()!r}")
    return values
