"""Arithmetic expressions typed by a user, parsed safely into Values.

Owns the parser behind `tracegrad draw` and `tracegrad gradcheck`: Python's
`ast` parses the text and a whitelist decides what may appear — numbers,
variable names, `+ - * / % **`, unary `-`/`+` and calls of the engine's functions
by name. Nothing is ever passed to `eval`, attributes and subscripts are
refused, and the size is bounded. Imports `autograd` only.
"""

import ast
import math
import unicodedata

from autograd import Value, atan2, maximum, minimum

MAX_LENGTH = 2_000
MAX_NODES = 400

# The functions an expression may call, by name: the engine's ops.
_CALLS = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sin": Value.sin,
    "cos": Value.cos,
    "sqrt": Value.sqrt,
    "abs": Value.__abs__,
    "tan": Value.tan,
    "sinh": Value.sinh,
    "cosh": Value.cosh,
    "asin": Value.asin,
    "acos": Value.acos,
    "atan": Value.atan,
    "log1p": Value.log1p,
    "expm1": Value.expm1,
    "softplus": Value.softplus,
    "floor": Value.floor,
    "ceil": Value.ceil,
    "leaky_relu": Value.leaky_relu,
    "atan2": atan2,
    "maximum": maximum,
    "minimum": minimum,
}
FUNCTIONS = tuple(_CALLS)
# How many arguments each function takes, where it is not one.
_ARITY = {"leaky_relu": (1, 2), "atan2": (2,), "maximum": (2,), "minimum": (2,)}

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.Mod: "%",
}


class ExpressionError(ValueError):
    """The text is not an expression we accept; the message says what and where."""


def _where(node):
    column = getattr(node, "col_offset", None)
    return f" at column {column + 1}" if column is not None else ""


def _check(tree, source):
    """Refuse every syntax outside the whitelist; return the variable names used, in order."""
    names = {}  # name -> (line, column) of its first use
    function_names = set()  # the Name nodes that are the callee of an allowed call
    for count, node in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES:
            raise ExpressionError(f"the expression is too large (more than {MAX_NODES} syntax nodes)")
        if isinstance(node, (ast.Expression, ast.Load, ast.USub, ast.UAdd)) or type(node) in _BINARY:
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed{_where(node)}")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed{_where(node)}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers may appear as constants, not {node.value!r}{_where(node)}")
            _check_finite(node, source)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _CALLS:
                shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(
                    f"unknown function {shown!r}{_where(node)}; the functions are {', '.join(_CALLS)}"
                )
            counts = _ARITY.get(node.func.id, (1,))
            if node.keywords or len(node.args) not in counts or any(isinstance(a, ast.Starred) for a in node.args):
                takes = " or ".join(str(count) for count in counts)
                plural = "argument" if counts == (1,) else "arguments"
                raise ExpressionError(f"{node.func.id}() takes exactly {takes} {plural}{_where(node)}")
            function_names.add(node.func)
        elif isinstance(node, ast.Name):
            if node in function_names:
                continue
            if node.id in _CALLS:
                raise ExpressionError(f"{node.id} is a function: call it as {node.id}(...){_where(node)}")
            position = (node.lineno, node.col_offset)
            names[node.id] = min(position, names.get(node.id, position))
        else:
            raise ExpressionError(f"{type(node).__name__} is not allowed in an expression{_where(node)}")
    return sorted(names, key=names.get)


def _check_finite(node, source):
    """Refuse a number literal that is not a finite float: `1e999` (inf) or an integer past 1.8e308."""
    try:
        finite = math.isfinite(float(node.value))
    except OverflowError:
        finite = False
    if not finite:
        text = ast.get_source_segment(source, node) or str(node.value)
        if len(text) > 20:
            text = f"{text[:8]}...{text[-4:]} ({len(text)} characters)"
        raise ExpressionError(f"the number {text}{_where(node)} is too large: numbers must be finite floats")


class Expression:
    """A parsed, checked expression: `Expression(text)`, then `evaluate(values)`.

    `variables` lists the names it uses, in order of first appearance.
    """

    def __init__(self, text):
        if not isinstance(text, str):
            raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"the expression is too long ({len(text)} characters, at most {MAX_LENGTH})")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as error:
            raise ExpressionError(f"not a valid expression: {error.msg} at column {error.offset}") from None
        except (RecursionError, MemoryError):
            raise ExpressionError("the expression is nested too deeply") from None
        self.text = text.strip()
        self.variables = _check(tree, self.text)
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
        # Bounded by MAX_NODES, so the recursion depth is too.
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
        # Only whitelisted calls remain (see _check).
        return _CALLS[node.func.id](*[self._build(argument, leaves) for argument in node.args])


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
