"""`tuned_gc`: Python's cyclic garbage collector tuned for building big graphs, for one block, then put back.

Owns that one context manager. Imports `gc` from the standard library only;
nothing else of autograd, never `nn` or `viz`.

Why a tool, and why opt-in. Every node is an object the cyclic collector
tracks, and the collector runs each time allocations outnumber deallocations
by its first threshold (700 by default). A growing graph allocates and keeps
everything, so it sets off collections that find nothing to free, and every
so often a full one that walks every live node again: for graphs of 10^5
nodes and more that is most of the time the build takes (`make bench` shows
it). The collector's settings are process-wide and belong to the program, so
autograd never changes them by itself; a program that wants the speed says so:

    from autograd import tuned_gc

    with tuned_gc():              # first threshold 50,000; objects alive now frozen
        for epoch in range(100):
            ...                   # build, backward, update

Entering raises the first threshold (the other two stay) and, with
`freeze=True`, calls `gc.freeze()`, which moves every object alive at that
moment (the model, the data, the modules imported) out of the collector's
sight, so full collections no longer walk them. Leaving, normally or by an
exception, restores exactly what was there: the three thresholds, whether the
collector was enabled, and `gc.unfreeze()` if this block froze. If objects are
frozen already when the block starts (the program called `gc.freeze()`), the
block freezes nothing, so that leaving can restore that state as it was; code
inside a block that froze should not call `gc.freeze()` itself (leaving
unfreezes everything, as `gc.unfreeze()` does).
Reference cycles made inside the block are still collected, only less often;
`threshold=0` switches automatic collection off for the block (memory held
by cycles then grows until it ends). Blocks nest, and one instance can be
entered again.
"""

import gc

DEFAULT_THRESHOLD = 50_000


class tuned_gc:  # noqa: N801 - a context manager, named like `no_grad`
    """`with tuned_gc(threshold=50_000, freeze=True):` the collector tuned for the block, restored after."""

    def __init__(self, threshold=DEFAULT_THRESHOLD, *, freeze=True):
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise TypeError(f"tuned_gc: threshold must be an int >= 0, got {type(threshold).__name__}: {threshold!r}")
        if threshold < 0:
            raise ValueError(f"tuned_gc: threshold must be an int >= 0, got {threshold!r}")
        if not isinstance(freeze, bool):
            raise TypeError(f"tuned_gc: freeze must be True or False, got {type(freeze).__name__}: {freeze!r}")
        self.threshold = threshold
        self.freeze = freeze
        self._saved = []  # one entry per block this instance is inside, innermost last

    def __repr__(self):
        return f"tuned_gc(threshold={self.threshold!r}, freeze={self.freeze!r})"

    def __enter__(self):
        thresholds = gc.get_threshold()
        froze = self.freeze and gc.get_freeze_count() == 0
        self._saved.append((thresholds, gc.isenabled(), froze))
        if froze:
            gc.freeze()
        gc.set_threshold(self.threshold, *thresholds[1:])
        return self

    def __exit__(self, *exc_info):
        thresholds, enabled, froze = self._saved.pop()
        gc.set_threshold(*thresholds)
        if froze:
            gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()
        return False
