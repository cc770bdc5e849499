"""Initialisation schemes applied to a built model: `fan_in_uniform`, PyTorch's default for linear layers.

Imports `math` and `random` from the standard library, `nn.layers` and `nn.module`; never `viz`.

nn's layers start as micrograd's do, weights uniform in [-1, 1]. With many
inputs (the digits' 64 pixels) that puts tanh and sigmoid neurons deep in
saturation from the first step; drawing each neuron's weights and bias from
U(-1/sqrt(nin), 1/sqrt(nin)), as `torch.nn.Linear` does, keeps their net
inputs of order 1.
"""

import math
import random

from nn.layers import Layer, Neuron
from nn.module import Module


def fan_in_uniform(model, *, rng=None):
    """Redraw every neuron's weights and bias of `model` from U(-1/sqrt(nin), 1/sqrt(nin)), in place; returns `model`.

    Walks the model's neurons in parameter order (a shared Value is drawn
    once, when first met). `rng` is a `random.Random`; Python's module-level
    `random` when None.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fan_in_uniform: model must be an nn Module, got {type(model).__name__}")
    if rng is None:
        rng = random
    elif not isinstance(rng, random.Random):
        raise TypeError(f"fan_in_uniform: rng must be a random.Random (or None), got {type(rng).__name__}")
    drawn = set()
    for neuron in _neurons(model):
        bound = 1.0 / math.sqrt(neuron.nin)
        for parameter in [*neuron.weights, neuron.bias]:
            if parameter not in drawn:
                drawn.add(parameter)
                parameter.data = rng.uniform(-bound, bound)
    return model


def _neurons(model):
    if isinstance(model, Neuron):
        return [model]
    if isinstance(model, Layer):
        return list(model.neurons)
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"fan_in_uniform: expected a Neuron, a Layer or a model of layers, got {type(model).__name__}")
    return [neuron for layer in layers for neuron in _neurons(layer)]
