"""What a typed expression may hold, and how a refusal reads: the whitelist and the checks behind `Expression`.

Owns the bounds (`MAX_LENGTH`, `MAX_NODES`, `MAX_DEPTH`), the functions an
expression may call (`CALLS`, with their arities), `ExpressionError`, and
every check made before anything is built: characters (no control character
or lone surrogate, even in a comment), the depth of nesting (before
`ast.parse`, by brackets, and after it, without recursion), the whitelist of
syntax, and number literals that are not finite floats. Messages name what is
refused in words (never an `ast` class name) and where, in columns counted in
characters from 1. Imports `autograd` only.
"""

import ast
import math
import unicodedata

from autograd import Value, atan2, maximum, minimum

MAX_LENGTH = 2_000
MAX_NODES = 400
MAX_DEPTH = 100  # levels of nesting: operators, calls and parentheses that hold an operator or a call

# The functions an expression may call, by name: the engine's ops.
CALLS = {
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
FUNCTIONS = tuple(CALLS)
# How many arguments each function takes, where it is not one.
ARITY = {"leaky_relu": (1, 2), "atan2": (2,), "maximum": (2,), "minimum": (2,)}

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.Mod: "%",
}


# What a refused piece of syntax is called in a message (never the `ast` class name).
_SYNTAX_NAMES = {
    "IfExp": "conditional expressions (a if b else c)",
    "Compare": "comparisons",
    "BoolOp": "'and' and 'or'",
    "Attribute": "attributes (x.name)",
    "Subscript": "subscripts (x[i])",
    "Slice": "slices",
    "Lambda": "lambda functions",
    "NamedExpr": "assignment expressions (:=)",
    "Starred": "starred expressions",
    "List": "lists",
    "Tuple": "tuples",
    "Set": "sets",
    "Dict": "dictionaries",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "generator expressions",
    "JoinedStr": "f-strings",
    "Await": "await expressions",
    "Yield": "yield expressions",
    "YieldFrom": "yield expressions",
}
_OPERATOR_NAMES = {
    "MatMult": "@",
    "Mod": "%",
    "FloorDiv": "//",
    "LShift": "<<",
    "RShift": ">>",
    "BitOr": "|",
    "BitXor": "^",
    "BitAnd": "&",
    "Not": "not",
    "Invert": "~",
}
# Whitespace that may appear in an expression; every other control character is refused.
_ALLOWED_CONTROLS = frozenset("\t\n")


class ExpressionError(ValueError):
    """The text is not an expression we accept; the message says what and where."""


def _position(source, line, byte_offset):
    """' at column N' (or ' at line L, column N' in a text of several lines), N in characters from 1.

    `ast` counts columns in UTF-8 bytes from 0; users count characters from 1.
    """
    text = source.splitlines()[line - 1] if source.splitlines() else ""
    column = len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace")) + 1
    return _place(source, line, column)


def _place(source, line, column):
    if "\n" in source:
        return f" at line {line}, column {column}"
    return f" at column {column}"


def _where(node, source):
    if getattr(node, "col_offset", None) is None:
        return ""
    return _position(source, node.lineno, node.col_offset)


def check_characters(text):
    """Refuse a lone surrogate or a control character (NUL, ESC, ...) anywhere, comments included."""
    line, column = 1, 0
    for character in text:
        column += 1
        category = unicodedata.category(character)
        if category == "Cs":
            problem = f"the lone surrogate U+{ord(character):04X}"
        elif category == "Cc" and character not in _ALLOWED_CONTROLS:
            problem = f"the control character U+{ord(character):04X}"
        else:
            if character == "\n":
                line, column = line + 1, 0
            continue
        raise ExpressionError(f"not a valid expression: {problem}{_place(text, line, column)} is not allowed")


def bracket_depth(text):
    """How deeply brackets nest in `text` before any comment (Python's own parser stops at 200)."""
    depth = deepest = 0
    for character in text.partition("#")[0]:
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth -= 1
    return deepest


def tree_depth(tree):
    """The deepest nesting of operators and calls in `tree`, found without recursion."""
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.BoolOp, ast.Compare, ast.IfExp)):
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def check_tree(tree, source):
    """Refuse every syntax outside the whitelist; return the variable names used, in order."""
    names = {}  # name -> (line, column) of its first use
    function_names = set()  # the Name nodes that are the callee of an allowed call
    for count, node in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES:
            raise ExpressionError(f"the expression is too large (more than {MAX_NODES} syntax nodes)")
        if isinstance(node, (ast.Expression, ast.Load, ast.USub, ast.UAdd)) or type(node) in _BINARY:
            continue
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            if type(node.op) not in _BINARY and not isinstance(node.op, (ast.USub, ast.UAdd)):
                operator = _OPERATOR_NAMES.get(type(node.op).__name__, type(node.op).__name__)
                raise ExpressionError(f"the operator {operator} is not allowed{_where(node, source)}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(
                    f"only numbers may appear as constants, not {_short(repr(node.value))}{_where(node, source)}"
                )
            _check_finite(node, source)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(
                    f"only a function name can be called{_where(node, source)}; the functions are {', '.join(CALLS)}"
                )
            if node.func.id not in CALLS:
                raise ExpressionError(
                    f"unknown function {node.func.id!r}{_where(node, source)}; the functions are {', '.join(CALLS)}"
                )
            counts = ARITY.get(node.func.id, (1,))
            if node.keywords or len(node.args) not in counts or any(isinstance(a, ast.Starred) for a in node.args):
                takes = " or ".join(str(count) for count in counts)
                plural = "argument" if counts == (1,) else "arguments"
                raise ExpressionError(f"{node.func.id}() takes exactly {takes} {plural}{_where(node, source)}")
            function_names.add(node.func)
        elif isinstance(node, ast.Name):
            if node in function_names:
                continue
            if node.id in CALLS:
                raise ExpressionError(f"{node.id} is a function: call it as {node.id}(...){_where(node, source)}")
            position = (node.lineno, node.col_offset)
            names[node.id] = min(position, names.get(node.id, position))
        else:
            syntax = _SYNTAX_NAMES.get(type(node).__name__, "expressions of this kind")
            raise ExpressionError(f"{syntax} are not allowed{_where(node, source)}")
    return sorted(names, key=names.get)


def _short(text, limit=20):
    return text if len(text) <= limit else f"{text[:8]}...{text[-4:]} ({len(text)} characters)"


def _check_finite(node, source):
    """Refuse a number literal that is not a finite float: `1e999` (inf) or an integer past 1.8e308."""
    try:
        finite = math.isfinite(float(node.value))
    except OverflowError:
        finite = False
    if not finite:
        text = _short(ast.get_source_segment(source, node) or "")
        raise ExpressionError(f"the number {text}{_where(node, source)} is too large: numbers must be finite floats")


def syntax_error_text(error, source):
    """Python's complaint with a column from 1 in characters, or "at the end" when the text stops short."""
    message = error.msg
    lines = source.splitlines() or [""]
    line = error.lineno or len(lines)
    if not error.offset or error.offset > len(lines[min(line, len(lines)) - 1]):
        return f"{message} at the end of the expression"
    return f"{message}{_place(source, line, error.offset)}"
