"""Small 2-D classification data sets, pure Python, reproducible from an `rng`.

Owns `two_moons`, `circles`, `xor` and `spirals` (and `DATASETS`, name ->
function). Imports `math` from the standard library and
`nn.checks` (so `autograd` only through it); never `viz`.

Each function returns `(points, labels)`: `points` a list of `(x, y)` float
tuples, `labels` a list of ints, shuffled with `rng` (a `random.Random`; with
None, Python's module-level `random`, so `random.seed(k)` reproduces them), so
the same seed gives the same lists. At most `MAX_SAMPLES` points are made; a
larger `n` is refused before anything is allocated.
Label conventions:
- the two-class sets `two_moons`, `circles`, `xor` use -1 and +1 (ready for
  `hinge`, as in micrograd's demo; map with (y + 1) // 2 for 0/1 targets);
- `spirals` uses class indices 0 .. classes-1 (ready for `cross_entropy`).
`noise` is the standard deviation of Gaussian noise added to each coordinate.
Every argument is checked: a wrong kind (a float count, an rng that is not a
random.Random) raises TypeError, a wrong value `nn.checks.ArgumentError`.
"""

import math

from nn.checks import ArgumentError, as_number, check_count, check_rng, finite_nonnegative, shown


def two_moons(n=100, *, noise=0.1, rng=None):
    """Two interleaving half circles, as scikit-learn's make_moons.

    The upper moon (centre (0, 0), radius 1) is labelled -1, the lower one
    (centre (1, 0.5)) +1; n // 2 points on the first, the rest on the second.
    """
    _check_samples("two_moons", n, 2)
    _check_noise("two_moons", noise)
    rng = check_rng(rng, "two_moons: rng")
    upper = n // 2
    lower = n - upper
    points = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, lower)]
    labels = [-1] * upper + [1] * lower
    return _finish(points, labels, noise, rng)


def circles(n=100, *, noise=0.05, factor=0.5, rng=None):
    """A circle of radius 1 (label -1) around a circle of radius `factor` (label +1), as make_circles."""
    _check_samples("circles", n, 2)
    _check_noise("circles", noise)
    factor = as_number(factor, "circles: factor")
    if not 0.0 < factor < 1.0:
        raise ArgumentError(f"circles: factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = check_rng(rng, "circles: rng")
    outer = n // 2
    inner = n - outer
    points = [(math.cos(t), math.sin(t)) for t in _around(outer)]
    points += [(factor * math.cos(t), factor * math.sin(t)) for t in _around(inner)]
    labels = [-1] * outer + [1] * inner
    return _finish(points, labels, noise, rng)


def xor(n=100, *, noise=0.1, rng=None):
    """Points around the corners of the unit square, labelled by XOR of their coordinates.

    Point k sits near corner k mod 4 of (0, 0), (0, 1), (1, 0), (1, 1), whose
    labels are -1, +1, +1, -1: +1 exactly when one coordinate is 1. With n = 4
    and noise = 0 this is the XOR truth table (shuffled).
    """
    _check_samples("xor", n, 4)
    _check_noise("xor", noise)
    rng = check_rng(rng, "xor: rng")
    corners = [((0.0, 0.0), -1), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), -1)]
    points = [corners[k % 4][0] for k in range(n)]
    labels = [corners[k % 4][1] for k in range(n)]
    return _finish(points, labels, noise, rng)


def spirals(n=100, *, classes=2, turns=1.0, noise=0.05, rng=None):
    """`classes` interleaved spiral arms, labelled 0 .. classes-1.

    Arm j holds n // classes points (the first n % classes arms one more). A
    point at radius r in [0.1, 1] has angle 2 pi (turns r + j / classes).
    """
    check_count("spirals: classes", classes, 2)
    _check_samples("spirals", n, classes)
    turns = as_number(turns, "spirals: turns")
    if turns <= 0:
        raise ArgumentError(f"spirals: turns must be a finite number > 0, got {shown(turns)}")
    _check_noise("spirals", noise)
    rng = check_rng(rng, "spirals: rng")
    points = []
    labels = []
    for arm in range(classes):
        count = n // classes + (1 if arm < n % classes else 0)
        for r in _linspace(0.1, 1.0, count):
            angle = 2.0 * math.pi * (turns * r + arm / classes)
            points.append((r * math.cos(angle), r * math.sin(angle)))
            labels.append(arm)
    return _finish(points, labels, noise, rng)


# The most points a data set may have: far more than a scalar engine can train on (each point is a
# forward and backward pass of Python objects), and few enough that making them is quick.
MAX_SAMPLES = 1_000_000

DATASETS = {"moons": two_moons, "circles": circles, "xor": xor, "spirals": spirals}


def _linspace(start, stop, count):
    """`count` evenly spaced numbers from start to stop, both included (just start for 1)."""
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _around(count):
    """`count` evenly spaced angles in [0, 2 pi)."""
    return [2.0 * math.pi * i / count for i in range(count)]


def _finish(points, labels, noise, rng):
    """Add the noise, shuffle points and labels together, and return both."""
    if noise:
        points = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    pairs = list(zip(points, labels))
    rng.shuffle(pairs)
    return [point for point, _ in pairs], [label for _, label in pairs]


def _check_samples(owner, n, minimum):
    check_count(f"{owner}: n", n, minimum)
    if n > MAX_SAMPLES:
        raise ArgumentError(f"{owner}: n must be at most {MAX_SAMPLES:,} (nn.MAX_SAMPLES), got {shown(n)}")


def _check_noise(owner, noise):
    finite_nonnegative(noise, f"{owner}: noise (a standard deviation)")
