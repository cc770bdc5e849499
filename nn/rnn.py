"""`RNN`: an Elman recurrent layer built from Values, so `backward()` is backpropagation through time.

Owns the recurrent layer. Imports the standard library, `autograd` and nn's
own modules; never `viz`.

h_t = activation(W_x x_t + W_h h_(t-1) + b), t = 1 .. T. Each hidden unit's
net input at each step is ONE `weighted_sum` node whose parents are row i of
W_x, then row i of W_h, then x_t, then h_(t-1), then b_i, so a drawing or
`explain` shows the step as a neuron; the graph of a sequence is the layer
unrolled in time, with the same weight Values feeding every step. A
recurrent weight's gradient is therefore a sum over the time steps, and
the backward pass (iterative in the engine) needs no recursion for any T.

Nodes are labelled by step: the net input and output of unit i at step t
are "net<t>[i]" and "h<t>[i]"; number inputs become leaves "x<t>[j]".
Parameters are `input_weights` (nhidden rows of nin, labels "Wx[i][j]"),
`hidden_weights` (nhidden rows of nhidden, "Wh[i][j]") and `biases`
("b[i]"). Weights and biases start uniform in [-1/sqrt(nhidden),
1/sqrt(nhidden)], as PyTorch's nn.RNN, drawn from `rng` (a `random.Random`;
Python's module-level `random` when None).
"""

import math
import random

from autograd import Value, weighted_sum
from nn.checks import ArgumentError, as_value, check_count, check_sequence, shown
from nn.layers import ACTIVATIONS
from nn.module import Module


class RNN(Module):
    """An Elman recurrent layer: `rnn(sequence, h0=None)` returns the hidden states, one list per step."""

    def __init__(self, nin, nhidden, activation="tanh", *, rng=None):
        check_count("RNN: nin", nin)
        check_count("RNN: nhidden", nhidden)
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            choices = ", ".join(map(repr, ACTIVATIONS))
            raise ArgumentError(f"RNN: activation must be one of {choices}, got {shown(activation)}")
        if rng is None:
            rng = random
        elif not isinstance(rng, random.Random):
            raise TypeError(f"RNN: rng must be a random.Random (or None), got {type(rng).__name__}")
        bound = 1.0 / math.sqrt(nhidden)
        self.input_weights = [
            [Value(rng.uniform(-bound, bound), f"Wx[{i}][{j}]") for j in range(nin)] for i in range(nhidden)
        ]
        self.hidden_weights = [
            [Value(rng.uniform(-bound, bound), f"Wh[{i}][{j}]") for j in range(nhidden)] for i in range(nhidden)
        ]
        self.biases = [Value(rng.uniform(-bound, bound), f"b[{i}]") for i in range(nhidden)]
        self.activation = activation
        self._activate = ACTIVATIONS[activation]

    @property
    def nin(self):
        return len(self.input_weights[0])

    @property
    def nhidden(self):
        return len(self.biases)

    def __call__(self, sequence, h0=None):
        """The hidden states h_1 .. h_T for the inputs x_1 .. x_T: a list of T lists of `nhidden` Values.

        `sequence` is a list of input vectors (each a list of `nin` numbers or
        Values). `h0` is the state before the first step, `nhidden` numbers or
        Values; None means zeros, and then step 1 has no W_h term at all (it
        would add 0).
        """
        check_sequence(sequence, "RNN: sequence", "a list of input vectors")
        if len(sequence) == 0:
            raise ArgumentError("RNN: sequence must hold at least one input vector, got an empty list")
        state = None if h0 is None else self._initial_state(h0)
        states = []
        for t, x in enumerate(sequence, start=1):
            state = self.step(x, state, t)
            states.append(state)
        return states

    def step(self, x, h=None, t=1):
        """One step: the new hidden state (a list of Values) from input vector `x` and state `h` (None: zeros).

        `t` only names the nodes ("h<t>[i]").
        """
        inputs = self._inputs(x, t)
        activate = self._activate
        state = []
        for i, bias in enumerate(self.biases):
            if h is None:
                net = weighted_sum(self.input_weights[i], inputs, bias)
            else:
                net = weighted_sum(self.input_weights[i] + self.hidden_weights[i], inputs + h, bias)
            net.label = f"net{t}[{i}]"
            out = net if activate is None else activate(net)
            out.label = f"h{t}[{i}]"
            state.append(out)
        return state

    def _inputs(self, x, t):
        check_sequence(x, f"RNN: sequence[{t - 1}]", f"a list of {self.nin} numbers or Values")
        if len(x) != self.nin:
            raise ArgumentError(f"RNN: sequence[{t - 1}] must have {self.nin} entries (nin), got {len(x)}")
        return [
            v if isinstance(v, Value) else as_value(v, f"RNN: sequence[{t - 1}][{j}]", f"x{t}[{j}]")
            for j, v in enumerate(x)
        ]

    def _initial_state(self, h0):
        check_sequence(h0, "RNN: h0", f"a list of {self.nhidden} numbers or Values")
        if len(h0) != self.nhidden:
            raise ArgumentError(f"RNN: h0 must have {self.nhidden} entries (nhidden), got {len(h0)}")
        return [v if isinstance(v, Value) else as_value(v, f"RNN: h0[{i}]", f"h0[{i}]") for i, v in enumerate(h0)]

    def __repr__(self):
        return f"RNN({self.nin}, {self.nhidden}, {self.activation!r})"
