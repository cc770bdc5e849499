"""Built-in data sets: shapes, labels, geometry without noise, determinism, argument checks."""

import math
import random
from collections import Counter

import pytest

from nn import DATASETS, ArgumentError, circles, spirals, two_moons, xor

ALL = [two_moons, circles, xor, spirals]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("n", [4, 7, 100])
def test_shapes_and_types(make, n):
    points, labels = make(n, rng=random.Random(0))
    assert len(points) == len(labels) == n
    for point in points:
        assert isinstance(point, tuple) and len(point) == 2
        assert all(isinstance(c, float) and math.isfinite(c) for c in point)
    assert all(isinstance(label, int) and not isinstance(label, bool) for label in labels)


@pytest.mark.parametrize("make", [two_moons, circles])
def test_two_class_sets_split_in_half_with_signed_labels(make):
    _, labels = make(101, rng=random.Random(0))
    assert Counter(labels) == {-1: 50, 1: 51}


def test_xor_labels_and_counts():
    _, labels = xor(10, rng=random.Random(0))
    assert Counter(labels) == {-1: 5, 1: 5}  # corners 0,3 -> -1 and 1,2 -> +1, cycled


def test_spiral_labels_are_class_indices():
    _, labels = spirals(10, classes=3, rng=random.Random(0))
    assert Counter(labels) == {0: 4, 1: 3, 2: 3}


@pytest.mark.parametrize("make", ALL)
def test_the_same_seed_gives_the_same_data(make):
    assert make(50, rng=random.Random(5)) == make(50, rng=random.Random(5))
    assert make(50, rng=random.Random(5)) != make(50, rng=random.Random(6))
    points, labels = make(50)  # without an rng: still valid data
    assert len(points) == len(labels) == 50


def test_moons_without_noise_lie_on_their_half_circles():
    points, labels = two_moons(40, noise=0.0, rng=random.Random(0))
    for (x, y), label in zip(points, labels):
        if label == -1:
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12


def test_circles_without_noise_lie_on_their_circles():
    points, labels = circles(30, noise=0.0, factor=0.3, rng=random.Random(0))
    for (x, y), label in zip(points, labels):
        assert math.hypot(x, y) == pytest.approx(1.0 if label == -1 else 0.3)


def test_xor_without_noise_is_the_truth_table():
    points, labels = xor(4, noise=0.0, rng=random.Random(0))
    table = {(0.0, 0.0): -1, (0.0, 1.0): 1, (1.0, 0.0): 1, (1.0, 1.0): -1}
    assert dict(zip(points, labels)) == table


def test_spirals_without_noise_have_radius_in_range_and_separated_arms():
    points, labels = spirals(60, classes=2, noise=0.0, rng=random.Random(0))
    for (x, y), label in zip(points, labels):
        r = math.hypot(x, y)
        assert 0.1 - 1e-12 <= r <= 1.0 + 1e-12
        # At radius r arm j sits at angle 2 pi (r + j/2): rotate back and compare.
        angle = 2.0 * math.pi * (r + label / 2)
        assert x == pytest.approx(r * math.cos(angle), abs=1e-12)
        assert y == pytest.approx(r * math.sin(angle), abs=1e-12)


def test_noise_is_gaussian_of_the_given_size():
    clean, _ = xor(4000, noise=0.0, rng=random.Random(1))
    noisy, _ = xor(4000, noise=0.2, rng=random.Random(1))
    # Each noisy point is nearest to its own corner; the deviations have std about 0.2.
    deviations = [px - round(px) for px, _ in noisy if abs(px - round(px)) < 0.5]
    std = math.sqrt(sum(d * d for d in deviations) / len(deviations))
    assert 0.17 < std < 0.21
    assert set(clean) == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}


def test_registry_names_every_set():
    assert dict(DATASETS) == {"moons": two_moons, "circles": circles, "xor": xor, "spirals": spirals}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_moons(1), "n must be an int >= 2"),
        (lambda: circles(0), "n must be"),
        (lambda: xor(3), "n must be an int >= 4"),
        (lambda: spirals(2, classes=3), "n must be an int >= 3"),
        (lambda: two_moons(10, noise=-0.1), "noise"),
        (lambda: circles(10, noise=math.nan), "noise"),
        (lambda: spirals(10, noise=math.inf), "noise"),
        (lambda: circles(10, factor=1.0), "factor"),
        (lambda: circles(10, factor=0), "factor"),
        (lambda: spirals(10, classes=1), "classes"),
        (lambda: spirals(10, turns=0), "turns"),
        (lambda: spirals(10, turns=-1.0), "turns"),
    ],
)
def test_bad_values_raise_argument_error(call, message):
    with pytest.raises(ArgumentError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_moons(10.0), "n must be an int >= 2, got float: 10.0"),
        (lambda: two_moons(True), "n must be an int >= 2, got bool: True"),
        (lambda: xor(10, noise="0.1"), r"noise \(a standard deviation\) must be a finite number >= 0, got str"),
        (lambda: spirals(10, classes=2.0), "classes must be an int >= 2, got float"),
        (lambda: spirals(10, turns="1"), "turns must be a number, got str: '1'"),
        (lambda: circles(10, factor=None), "factor must be a number, got NoneType"),
    ],
)
def test_wrong_kinds_of_argument_raise_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("make", ALL)
def test_rng_must_be_a_random_instance(make):
    with pytest.raises(TypeError, match=r"random\.Random"):
        make(10, rng=1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_moons(10, noise=10**400), "noise .* got an int of about 401 digits"),
        (lambda: spirals(10, turns=10**400), "turns is too large for a float, got an int of about 401 digits"),
    ],
)
def test_numbers_too_large_for_a_float_are_value_errors(call, message):
    with pytest.raises(ArgumentError, match=message):
        call()


@pytest.mark.parametrize("make", [two_moons, circles, xor, spirals])
def test_sample_counts_past_the_limit_are_refused_at_once(make):
    import nn

    with pytest.raises(ArgumentError, match=r"n must be at most 1,000,000 \(nn.MAX_SAMPLES\), got 1000000000"):
        make(10**9)
    assert len(make(nn.MAX_SAMPLES // 1000)[0]) == nn.MAX_SAMPLES // 1000
