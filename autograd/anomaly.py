"""`detect_anomaly()`: stop at the first NaN or infinity, forward or backward, and say where it came from.

Owns `detect_anomaly`, `AnomalyError` and the checker the engine calls while
the block is in force. Imports only the standard library and `autograd`'s own
modules; never `nn` or `viz`.

How it costs nothing outside the block. The engine's mode (autograd/mode.py)
is one immutable object in a context variable; the node constructor compares
it with the default by identity and only looks further when it differs. Inside
`detect_anomaly()` the mode carries a `_Checker`, and the constructor hands
every node it makes to its `forward`; the backward pass reads the mode once
per pass and, with a checker in force, runs the checked copy of its loops
here. So the hot paths gain no test per node or per edge.

Per thread and per asyncio task, like `no_grad`, because it lives in the same
mode: another thread keeps running at full speed, unchecked.

Where a node was made. Inside the block every node remembers the first frame
of the caller's code, skipping tracegrad's own packages (`autograd`, `nn`,
`viz`), so a node made inside a loss function points at the line that called
the loss, with the library line after it ("via nn/losses.py:40").

Why a table and not a field on the node: one more slot on `Value` costs every
node everywhere (about 68 instructions each under callgrind, +1% on a loop
that builds nodes: the garbage collector visits every slot), which breaks
"no cost outside the block". So each block's checker keeps a table from
`id(node)` to where it was made, with the node's op and its parents' ids to
tell it from a dead node whose address was reused. It holds no reference to
the node (a training loop inside the block frees its graphs as usual) and
lives as long as the outermost block, so origins are known inside the block
only. A new node at a dead node's address overwrites its entry, so the table
stays about as large as the most nodes alive at once.
"""

import linecache
import os
import sys

from autograd import mode
from autograd.value import Value, op_arguments

# tracegrad's packages sit side by side; frames in them are library, not the user's code.
_PACKAGES_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY = tuple(os.path.join(_PACKAGES_ROOT, package) + os.sep for package in ("autograd", "nn", "viz"))
_COMMAND_LINE = os.path.join(_PACKAGES_ROOT, "viz", "cli") + os.sep


class AnomalyError(ValueError):
    """The first NaN or infinity inside `detect_anomaly()`: which op or edge made it, from what, and where."""

    __module__ = "autograd"  # shown in tracebacks as autograd.AnomalyError, where it is imported from


def _shown_path(path):
    """`path` relative to the working directory when it lies inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith(os.pardir) else relative


def _origin():
    """`user.py:12` for the innermost frame outside tracegrad, `user.py:12 (via nn/losses.py:40)` from a library op.

    None when the op was run by tracegrad's command line, which has no user code to point at.
    """
    frame = sys._getframe(2)
    via = None
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith(_LIBRARY):
            break
        if path.startswith(_COMMAND_LINE):
            return None
        if via is None and not path.startswith(_LIBRARY[0]):
            via = f"{os.path.relpath(path, _PACKAGES_ROOT)}:{frame.f_lineno}"
        frame = frame.f_back
    if frame is None:
        return via
    here = f"{_shown_path(frame.f_code.co_filename)}:{frame.f_lineno}"
    return f"{here} (via {via})" if via else here


def origin_of(node):
    """Where `node` was made, when it was made inside the `detect_anomaly()` block now in force; else None."""
    checker = mode.current_mode().anomaly
    if checker is None:
        return None
    entry = checker.origins.get(id(node))
    if entry is None or entry[0] != _fingerprint(node):
        return None
    return entry[1]


def _fingerprint(node):
    return (node.op, tuple(map(id, node.parents)))


def _source_line(origin):
    """The text of the line an origin names, for the message ('' when unknown)."""
    if not origin:
        return ""
    path, _, rest = origin.partition(" ")[0].rpartition(":")
    if not rest.isdigit():
        return ""
    text = linecache.getline(path, int(rest)).strip()
    return f"\n    {text}" if text else ""


def _number(x):
    return f"{x:.9g}"


def _operand(value):
    label = f" (label {value.label!r})" if getattr(value, "label", "") else ""
    data = value.data if hasattr(value, "data") else value
    return f"{_number(data)}{label}"


def _name(node):
    label = f" {node.label!r}" if node.label else ""
    return f"{node.op or 'leaf'} node{label}"


def _finite(x):
    return x - x == 0.0  # False for NaN and for +-inf


class _Checker:
    """What the engine calls inside one `detect_anomaly()` block. Raises AnomalyError; returns None when all is finite.

    `origins` maps `id(node)` to `(fingerprint, "file:line")` for the nodes made in the block.
    """

    __slots__ = ("origins", "_interned")

    def __init__(self):
        self.origins = {}
        self._interned = {}  # one string per line, shared by the nodes made there

    def forward(self, node, op=None, parents=None):
        """Remember where `node` was made; raise if it or one of its operands is NaN or infinite."""
        origin = _origin()
        origin = self._interned.setdefault(origin, origin)
        self.origins[id(node)] = (_fingerprint(node), origin)
        if parents is None:  # the op's arguments: its parent Values and the numbers that are part of it
            parents = op_arguments(node)
        if op is None:
            op = node.op
        if _finite(node.data) and all(_finite(_data(parent)) for parent in parents):
            return
        named = f"op {op!r}" if op else "an op (made under no_grad, which records no op name)"
        where = f" at {origin}" if origin else ""
        operands = ", ".join(_operand(parent) for parent in parents) or "none recorded"
        bad = [parent for parent in parents if not _finite(_data(parent))]
        if bad:
            if not isinstance(bad[0], Value):
                source = "a number given to the op"
            else:
                source = "a leaf, so it came in as data" if not bad[0].parents else "made outside detect_anomaly()"
            raise AnomalyError(
                f"detect_anomaly: {named}{where} was given the non-finite operand {_operand(bad[0])} "
                f"({source}); operands: {operands}{_source_line(origin)}"
            )
        raise AnomalyError(
            f"detect_anomaly: {named} made {_number(node.data)}{where} from the operands "
            f"{operands}{_source_line(origin)}"
        )

    def backprop(self, order, root, seed, partials):
        """`graph.backprop`'s two loops with a finiteness test per contribution and per sum.

        The arithmetic is the same, in the same order, so the gradients are
        bit for bit those of the plain loops. With `partials` (create_graph)
        the products are ops made inside the block; their forward check would
        report a bare `*`, so it is caught here and told as the edge it is.
        """
        if not _finite(_data(seed)):
            raise AnomalyError(
                f"detect_anomaly: backward from {_name(root)}{_made(root)} was started with the non-finite "
                f"gradient {_number(_data(seed))}"
            )
        if partials is None:
            gradients = dict.fromkeys(order, -0.0)
            gradients[root] = seed
            for node in reversed(order):
                parents = node.parents
                if parents:
                    upstream = gradients[node]
                    for index, (parent, local) in enumerate(zip(parents, node.local_grads)):
                        contribution = upstream * local
                        summed = gradients[parent] + contribution
                        if not (_finite(contribution) and _finite(summed)):
                            raise _edge_error(node, index, local, upstream, contribution, summed)
                        gradients[parent] = summed
            return gradients
        gradients = {root: seed}
        for node in reversed(order):
            parents = node.parents
            if parents:
                upstream = gradients[node]
                try:
                    locals_ = partials(node)
                except AnomalyError as error:
                    raise AnomalyError(
                        f"detect_anomaly: the local derivatives of {_name(node)}{_made(node)}, built as Values "
                        f"for create_graph=True, are not finite: {error}"
                    ) from None
                for index, (parent, local) in enumerate(zip(parents, locals_)):
                    try:
                        contribution = upstream if local.__class__ is float and local == 1.0 else upstream * local
                        summed = gradients[parent] + contribution if parent in gradients else contribution
                    except AnomalyError:
                        product = _data(upstream) * _data(local)
                        raise _edge_error(node, index, local, upstream, product, product) from None
                    gradients[parent] = summed
        return gradients


def _data(x):
    return x.data if hasattr(x, "data") else x


def _input(parent):
    return f"{parent.label!r} = {_number(parent.data)}" if parent.label else f"= {_number(parent.data)}"


def _made(node):
    origin = origin_of(node)
    return f" (made at {origin})" if origin else ""


def _edge_error(node, index, local, upstream, contribution, summed):
    """The AnomalyError for the edge from `node` to its input `index`, with the numbers and the cause."""
    local, upstream, contribution, summed = (_data(x) for x in (local, upstream, contribution, summed))
    parent = node.parents[index]
    if _finite(contribution):
        became = _number(summed)
        cause = f"the gradients arriving at that input add up to {became} (an overflow)"
    else:
        became = _number(contribution)
        if not _finite(local) and upstream == 0.0:
            cause = "an infinite local derivative times a zero gradient from above"
        elif not _finite(local):
            cause = "the local derivative is not finite"
        elif not _finite(upstream):
            cause = "the gradient arriving from above is not finite"
        else:
            cause = "their product overflows"
    origin = origin_of(node)
    return AnomalyError(
        f"detect_anomaly: the gradient became {became} on the edge from {_name(node)}{_made(node)} to its "
        f"input {index} {_input(parent)}: local derivative {_number(local)} times gradient from above "
        f"{_number(upstream)} = {_number(contribution)}: {cause}{_source_line(origin)}"
    )


class detect_anomaly:  # noqa: N801 - named like the context manager users know from PyTorch
    """Context manager: inside it, the first NaN or infinity raises `AnomalyError`.

    Every node made inside remembers the file and line of the caller's code
    that made it. The first op whose result, or one of whose operands, is NaN
    or infinite raises, naming the op, its operands and that line; in
    `backward()` and `grad()` the first gradient that becomes NaN or infinite
    raises, naming the node, its local derivative, the gradient arriving from
    above and the line where the node was made. Per thread and asyncio task;
    nests with `no_grad()` either way round. Outside the block nothing of this
    runs.
    """

    __slots__ = ()

    def __enter__(self):
        current = mode.current_mode()
        # A block inside a block keeps the outer one's checker, so the outer block's origins stay known.
        mode.enter(current.grad_enabled, current.anomaly or _Checker())
        return self

    def __exit__(self, *exc_info):
        mode.leave()
        return False
