"""The names drawings and `explain` give to nodes, and how an op reads.

Owns: the name of every node of a graph (its label; for an unlabelled node
the expression it computes over the nearest named nodes, `target_o1 − out_o1`
or `(target_o1 − out_o1)²`; for an unlabelled leaf its value), the text of an
op with its constant argument (`**2`, `*0.5`), the names of partial
derivatives (`dnet_o1/dw5`), and number formatting. Imports
`autograd` only; never the CLI.

How an expression name is built. Each unlabelled op node keeps a small tree:
its op and, per operand, either a name (a labelled node, a constant, or a
positional name) or the operand's own tree. The tree is written out with the
anonymous operands nested at most a few levels deep, the deepest level that
still fits `NAME_LIMIT` characters; deeper ones become `…`. A sum of many terms
shows its first terms, `…` and its last. A node whose name would hold no name
at all at the deepest level (`−(−(−(…)))`, deep inside an anonymous chain) falls
back to its op and position, `neg#17`, the last resort. Every step is bounded,
so naming a graph costs time linear in its size.
"""

import math
import re

from autograd import Value
from autograd.value import op_arguments, op_display

DEFAULT_DIGITS = 9
NAME_LIMIT = 28  # characters: past this an expression name is cut short with `…`
_MAX_DEPTH = 3  # anonymous operands nested at most this deep in a name
_SHOWN_TERMS = 2  # a sum of more terms shows its first two, `…` and its last
_ELLIPSIS = "…"
TIMES = " × "  # between the factors of a product, in explanations and the stepper page

# Binding strength, to know where an operand needs brackets.
_SUM, _PRODUCT, _NEGATION, _POWER, _ATOM = 1, 2, 3, 4, 5

# How an op reads in the op row of a drawing; an op missing here is shown by its name.
OP_SYMBOLS = {"weighted_sum": "w·x + b", "neg": "−x", "abs": "|x|", "sum": "Σ"}
# Functions written f(x) in names; an op missing here and from the operators is written by its name.
_FUNCTION_NAMES = {"sigmoid": "σ"}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_ATOM_TEXT = re.compile(r"[\w.#′']+\Z")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def sum_pieces(numbers, digits):
    """`a + b - c` as pieces (`a`, ` + b`, ` - c`), each number formatted."""
    pieces = [format_number(numbers[0], digits)]
    for number in numbers[1:]:
        sign = "-" if math.copysign(1.0, number) < 0 else "+"
        pieces.append(f" {sign} {format_number(abs(number), digits)}")
    return pieces


def format_number(x, digits=DEFAULT_DIGITS):
    """`x` with `digits` significant digits: 0.593269992, 1, -0.0190491183, 3.51e-05, inf."""
    return f"{x:.{digits}g}"


def check_digits(digits):
    if digits.__class__ is not int or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")


def printable(text):
    """`text` on one line: newlines and other control characters written as escapes (\\n, \\x01)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def op_constant(node):
    """The number exponent that is part of `node`'s op (the 2 of `x ** 2`), or None when it has none."""
    if node.op == "**" and len(node.parents) == 1:
        base, exponent = op_arguments(node)
        if isinstance(base, Value):
            return exponent
    return None


def op_text(node, digits=DEFAULT_DIGITS):
    """How `node`'s op reads in a drawing: `sigmoid`, `w·x + b`, `**2`, `*0.5`, `0.5−`; "" for a leaf."""
    if any(not isinstance(argument, Value) for argument in op_arguments(node)):
        return op_display(node, digits)
    return OP_SYMBOLS.get(node.op, node.op)


def _check_label(node):
    if not isinstance(node.label, str):
        raise TypeError(
            f"a node's label must be a str, got {type(node.label).__name__} {node.label!r} "
            f"on the {node.op or 'leaf'} node with data {node.data!r}"
        )


class _Tree:
    """An unlabelled op node's expression: its op, constant and operands (names or trees).

    `constant` is the op's number (the 2 of `x ** 2`); for a weighted sum, its number of weights.
    """

    __slots__ = ("constant", "depth", "op", "operands", "written")

    def __init__(self, op, constant, operands):
        self.op = op
        self.constant = constant
        self.operands = operands  # each a (text, binding) pair for a name, or a _Tree
        self.written = {}  # depth -> what _write gives, so a shared subtree is written once per depth
        self.depth = _MAX_DEPTH  # the nesting its name was written at


def _write(tree, depth, digits):
    """(text, binding, named) of `tree`, anonymous operands nested at most `depth` levels more.

    `named` tells whether the text shows any name or constant (not only ops and `…`).
    """
    done = tree.written.get(depth)
    if done is not None:
        return done
    operands = []
    named = False
    for operand in tree.operands:
        if operand.__class__ is not _Tree:
            operands.append(operand)
            named = True
        elif depth == 0:
            operands.append((_ELLIPSIS, _ATOM))
        else:
            text, binding, inner = _write(operand, depth - 1, digits)
            operands.append((text, binding))
            named = named or inner
    text, binding = _join(tree.op, tree.constant, operands, digits)
    tree.written[depth] = (text, binding, named)
    return text, binding, named


def _bracket(operand, binding):
    """The operand's text, in brackets when it binds less tightly than `binding` needs."""
    text, strength = operand
    return f"({text})" if strength < binding else text


def _terms(texts):
    if len(texts) > _SHOWN_TERMS + 1:
        texts = [*texts[:_SHOWN_TERMS], _ELLIPSIS, texts[-1]]
    return " + ".join(texts)


def _join(op, constant, operands, digits):
    count = len(operands)
    if op == "+" and count == 2:
        return f"{_bracket(operands[0], _SUM)} + {_bracket(operands[1], _SUM)}", _SUM
    if op == "-" and count == 2:
        return f"{_bracket(operands[0], _SUM)} − {_bracket(operands[1], _PRODUCT)}", _SUM
    if op == "*" and count == 2:
        return f"{_bracket(operands[0], _PRODUCT)}·{_bracket(operands[1], _POWER)}", _PRODUCT
    if op == "/" and count == 2:
        return f"{_bracket(operands[0], _PRODUCT)}/{_bracket(operands[1], _POWER)}", _PRODUCT
    if op == "neg" and count == 1:
        return f"−{_bracket(operands[0], _POWER)}", _NEGATION
    if op == "abs" and count == 1:
        return f"|{operands[0][0]}|", _ATOM
    if op == "**" and count == 1 and constant is not None:
        if float(constant).is_integer() and abs(constant) < 1e15:
            exponent = str(int(constant)).translate(_SUPERSCRIPTS)
            return f"{_bracket(operands[0], _ATOM)}{exponent}", _POWER
        return f"{_bracket(operands[0], _ATOM)}^{format_number(constant, digits)}", _POWER
    if op == "**" and count == 2:
        return f"{_bracket(operands[0], _ATOM)}^{_bracket(operands[1], _ATOM)}", _POWER
    if op == "sum":
        return _terms([_bracket(operand, _SUM) for operand in operands]), _SUM
    if op == "weighted_sum" and constant is not None:
        weights, inputs, rest = operands[:constant], operands[constant : 2 * constant], operands[2 * constant :]
        products = [f"{_bracket(w, _PRODUCT)}·{_bracket(x, _POWER)}" for w, x in zip(weights, inputs)]
        return _terms(products + [_bracket(b, _SUM) for b in rest]), _SUM
    name = _FUNCTION_NAMES.get(op, op)
    arguments = [text for text, _ in operands]
    if constant is not None:
        arguments.append(format_number(constant, digits))
    if len(arguments) > _SHOWN_TERMS + 1:
        arguments = [*arguments[:_SHOWN_TERMS], _ELLIPSIS]
    return f"{name}({', '.join(arguments)})", _ATOM


def _cut(text, limit=NAME_LIMIT):
    """`text` cut short with `…` at a space where possible, so that it has at most `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip() + _ELLIPSIS


def _atom(name):
    return (name, _ATOM if _ATOM_TEXT.match(name) else 0)


def _constant_text(data, digits):
    text = format_number(data, digits)
    return (text, _ATOM if not text.startswith("-") else _NEGATION)


def node_names(order, digits=DEFAULT_DIGITS):
    """A readable, unique name for each node of `order` (a topological order, parents first).

    A label used once is the name. An unlabelled leaf is named by its value
    (`0.5`), an unlabelled op node by the expression it computes over the
    nearest named nodes (`target_o1 − out_o1`, cut short with `…` past
    NAME_LIMIT characters), or, deep inside anonymous nodes where no name is
    near, by its op and position in the order (`neg#7`). A name that several
    nodes would share (a label used twice, the same expression computed twice)
    gets the position too: `x#2`, `a·b #5`. `digits`: significant digits of constants.
    """
    label_uses = {}
    for node in order:
        _check_label(node)
        if node.label:
            label_uses[node.label] = label_uses.get(node.label, 0) + 1
    names = {}
    trees = {}  # the unlabelled op nodes named by their expression
    for index, node in enumerate(order):
        if node.label:
            label = printable(node.label)
            names[node] = label if label_uses[node.label] == 1 else f"{label}#{index}"
        elif not node.parents:
            names[node] = format_number(node.data, digits)
        else:
            operands = []
            constant = len(node.parents) // 2 if node.op == "weighted_sum" else op_constant(node)
            # The op's arguments in order: its parents and the numbers that are part of it.
            arguments = op_arguments(node) if constant is None else node.parents
            for parent in arguments:
                if not isinstance(parent, Value):
                    operands.append(_constant_text(parent, digits))
                    continue
                tree = trees.get(parent)
                if tree is not None:
                    operands.append(tree)
                elif parent.label or parent.parents:
                    operands.append(_atom(names[parent]))
                else:
                    operands.append(_constant_text(parent.data, digits))
            tree = _Tree(node.op, constant, operands)
            name = _expression_name(tree, digits)
            if name is None:
                names[node] = f"{node.op}#{index}"
            else:
                names[node] = name
                trees[node] = tree
    return _unique(order, names)


def _expression_name(tree, digits):
    """The name of `tree`, at the deepest nesting that fits; None when it would show no name at all."""
    # An operand whose own name fit only at depth k makes this one too long at any depth past k + 1.
    start = min([_MAX_DEPTH] + [operand.depth + 1 for operand in tree.operands if operand.__class__ is _Tree])
    for depth in range(start, -1, -1):
        text, _, named = _write(tree, depth, digits)
        if len(text) <= NAME_LIMIT:
            break
    tree.depth = depth
    if not named:
        return None
    return _cut(text)


def _unique(order, names):
    """`names` with a position added to every expression that more than one node has.

    Labels are made unique already; constants keep their value as their name
    even when several leaves hold the same number.
    """
    uses = {}
    for node in order:
        uses[names[node]] = uses.get(names[node], 0) + 1
    return {
        node: (names[node] if uses[names[node]] == 1 or node.label or not node.parents else f"{names[node]} #{index}")
        for index, node in enumerate(order)
    }


def partial_name(top, bottom):
    """`dnet_o1/dw5` for two node names; a name that is not an identifier is bracketed: `d(*#7)/dx`."""
    return f"{differential(top)}/{differential(bottom)}"


def differential(name):
    """`dw5` for a node name; `d(*#7)` for one that is not an identifier."""
    return f"d{name}" if _IDENTIFIER.match(name) else f"d({name})"
