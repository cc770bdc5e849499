"""tracegrad's models: neurons, layers and MLPs built from `autograd` Values.

Standard library and `autograd` only; never imports `viz`.

- `nn.module`: `Module` (parameters by attribute walk, state dicts, JSON files of at most `MAX_WEIGHT_FILE_BYTES`),
  `read_weight_file` and its `WeightFile` (the weights, the epochs and data set they were trained on)
- `nn.layers`: `Neuron`, `Layer`, `Sequential`, `MLP`
- `nn.shapes`: the size and shape checks of layers (at most `MAX_PARAMETERS` parameters)
- `nn.losses`: `squared_error`, `mse`, `hinge`, `binary_cross_entropy`, `cross_entropy`
- `nn.optim`: `SGD`, `Adam`
- `nn.datasets`: `two_moons`, `circles`, `xor`, `spirals` (at most `MAX_SAMPLES` points)
- `nn.training`: `fit`, `evaluate`
- `nn.compiled`: `TrainStep` (forward, backward and SGD/Adam update compiled into one replayed program)
  (`nn.compiled_update`: its update programs; `nn.compiled_numpy`: its numpy step;
  `nn.compiled_fit`: `fit`'s compiled step)
- `nn.loaders`: `load_seeds`, `load_iris`, `load_digits` (data files shipped in `nn/data/`)
- `nn.functional`: `softmax`
- `nn.metrics`: `predict_classes`, `accuracy`, `confusion_matrix`
- `nn.preprocessing`: `MinMaxScaler`, `StandardScaler`, `train_test_split`, `k_folds`, `cross_validate`
- `nn.rnn`: `RNN` (an Elman recurrent layer; backward() through it is backpropagation through time)
- `nn.wheat_seeds`: the wheat-seeds tutorial's cross-validation table, reproduced
- `nn.worked_example`: the classic step-by-step backpropagation example
- `nn.micrograd`: micrograd's `Neuron`, `Layer`, `MLP` (and `Value`) with its semantics, on these classes
- `nn.checks`: `ArgumentError` (the ValueError nn raises for a bad value) and the argument checks the modules share

The import name `nn` is shared with other packages; `__tracegrad__` below is
the marker our tests check, so a shadowed install fails loudly.
"""

from nn import micrograd  # imported so that `import nn` gives `nn.micrograd` too
from nn.checks import ArgumentError
from nn.compiled import TrainStep
from nn.datasets import DATASETS, MAX_SAMPLES, circles, spirals, two_moons, xor
from nn.functional import softmax
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron, Sequential
from nn.loaders import load_digits, load_iris, load_seeds
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse, squared_error
from nn.metrics import accuracy, confusion_matrix, predict_classes
from nn.module import MAX_WEIGHT_FILE_BYTES, Module, WeightFile, read_weight_file
from nn.optim import SGD, Adam
from nn.preprocessing import (
    MinMaxScaler,
    StandardScaler,
    cross_validate,
    k_folds,
    minmax_scale,
    standardize,
    train_test_split,
)
from nn.rnn import RNN
from nn.shapes import MAX_PARAMETERS
from nn.training import EpochReport, evaluate, fit

__tracegrad__ = "nn"

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "MAX_PARAMETERS",
    "MAX_SAMPLES",
    "MAX_WEIGHT_FILE_BYTES",
    "MLP",
    "RNN",
    "SGD",
    "Adam",
    "ArgumentError",
    "EpochReport",
    "Layer",
    "MinMaxScaler",
    "Module",
    "Neuron",
    "Sequential",
    "StandardScaler",
    "TrainStep",
    "WeightFile",
    "accuracy",
    "binary_cross_entropy",
    "circles",
    "confusion_matrix",
    "cross_entropy",
    "cross_validate",
    "evaluate",
    "fit",
    "hinge",
    "k_folds",
    "load_digits",
    "load_iris",
    "load_seeds",
    "micrograd",
    "minmax_scale",
    "mse",
    "predict_classes",
    "read_weight_file",
    "softmax",
    "spirals",
    "squared_error",
    "standardize",
    "train_test_split",
    "two_moons",
    "xor",
]
