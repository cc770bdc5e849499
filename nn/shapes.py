"""The shape checks of nn's layers: sizes within MAX_PARAMETERS, weight matrices, neuron labels.

Imports `nn.checks` only (so `autograd` only through it); never `viz`. Each
check raises `TypeError` for a wrong kind of argument and
`nn.checks.ArgumentError` for a wrong size or shape, naming what was expected.
Sizes are checked from the numbers alone, before a parameter is allocated.
"""

from nn.checks import ArgumentError, check_count, is_sequence, shown

# The most parameters a model may have. Each is a Python object of about 100 bytes and each
# forward pass makes several more nodes per parameter: a model far past this would take all memory
# (MLP(2, [10**9]) reached 11 GB before failing) long before a scalar engine could train it.
MAX_PARAMETERS = 1_000_000


def check_size(owner, nin, nout):
    """Refuse a layer of `nout` neurons on `nin` inputs unless both are ints >= 1 and it fits MAX_PARAMETERS."""
    check_count(f"{owner}: nin", nin)
    check_count(f"{owner}: nout", nout)
    _check_parameter_count(owner, (nin + 1) * nout, f"nin={nin}, nout={nout}")


def check_sizes(owner, nin, sizes, name="sizes"):
    """Refuse an MLP's `nin` and layer `sizes` (`name` in messages) unless valid and within MAX_PARAMETERS."""
    check_count(f"{owner}: nin", nin)
    if not is_sequence(sizes):
        raise TypeError(f"{owner}: {name} must be a list of layer sizes, got {type(sizes).__name__}: {shown(sizes)}")
    if len(sizes) == 0:
        raise ArgumentError(f"{owner}: {name} must be a non-empty list of layer sizes, got an empty one")
    for index, size in enumerate(sizes):
        check_count(f"{owner}: {name}[{index}]", size)
    fan_in = [nin, *sizes[:-1]]
    count = sum((inputs + 1) * size for inputs, size in zip(fan_in, sizes))
    _check_parameter_count(owner, count, f"nin={nin}, {name}={shown(list(sizes))}")


def _check_parameter_count(owner, count, what):
    # Refused before anything is allocated: a model this size would take all memory long before it trained.
    if count > MAX_PARAMETERS:
        raise ArgumentError(
            f"{owner}: {what} makes {count:,} parameters, more than this engine's limit of {MAX_PARAMETERS:,} "
            f"(nn.MAX_PARAMETERS; every parameter is a Python object)"
        )


def check_neuron_labels(owner, labels, count):
    if not is_sequence(labels):
        raise TypeError(f"{owner}: neuron_labels must be {count} strings (one per neuron), got {shape_of(labels)}")
    if len(labels) != count:
        raise ArgumentError(f"{owner}: neuron_labels must be {count} strings (one per neuron), got {shape_of(labels)}")
    for index, label in enumerate(labels):
        if not isinstance(label, str):
            raise TypeError(
                f"{owner}: neuron_labels[{index}] must be a str, got {type(label).__name__}: {shown(label)}"
            )


def check_matrix(owner, weights, rows, columns):
    expected = f"{rows} rows (one per neuron) of {columns} numbers, shape ({rows}, {columns})"
    if not is_sequence(weights):
        raise TypeError(f"{owner}: weights must be {expected}; got {shape_of(weights)}")
    if len(weights) != rows:
        raise ArgumentError(f"{owner}: weights must be {expected}; got {shape_of(weights)}")
    for index, row in enumerate(weights):
        if not is_sequence(row):
            raise TypeError(f"{owner}: weights must be {expected}; row {index} has {shape_of(row)}")
        if len(row) != columns:
            raise ArgumentError(f"{owner}: weights must be {expected}; row {index} has {shape_of(row)}")


def shape_of(thing):
    """How many entries `thing` has, for messages: "3 entries", or what it is if not a list."""
    if not is_sequence(thing):
        return f"{type(thing).__name__} {shown(thing)}, not a list"
    return f"{len(thing)} entr{'y' if len(thing) == 1 else 'ies'}"
