"""Handwritten digits: the tutorial's 64-10-10 and a wider 64-32-10 pass 97% on a held-out 20% (seeded)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "digits.py"


def example():
    spec = importlib.util.spec_from_file_location("digits_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_epoch_of_the_recipe_learns_something():
    score, model, _ = example().train_digits(4, 1, seed=1)
    assert len(model.parameters()) == 64 * 4 + 4 + 4 * 10 + 10
    assert score > 0.3  # ten classes: chance is 0.1


@pytest.mark.slow
@pytest.mark.parametrize("hidden", [10, 32])
def test_held_out_accuracy_is_at_least_97_percent(hidden):
    module = example()
    score, _, _ = module.train_digits(hidden, module.RECIPES[hidden], seed=0)
    assert score >= 0.97
