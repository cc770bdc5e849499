"""tuned_gc: the collector's settings inside the block, and exactly the old ones after it (no timing here)."""

import gc
import weakref

import pytest

from autograd import Value, tuned_gc


def settings():
    return gc.get_threshold(), gc.isenabled(), gc.get_freeze_count() > 0


@pytest.fixture(autouse=True)
def collector_as_found():
    """Whatever a test does, the process's collector is left as the test found it."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    frozen = gc.get_freeze_count() > 0
    yield
    gc.set_threshold(*thresholds)
    if not frozen:
        gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


@pytest.fixture
def shipped():
    """The collector as CPython ships it: enabled, (700, 10, 10), nothing frozen."""
    gc.set_threshold(700, 10, 10)
    gc.enable()
    gc.unfreeze()


def test_inside_the_first_threshold_is_raised_and_objects_alive_are_frozen(shipped):
    with tuned_gc():
        assert gc.get_threshold() == (50_000, 10, 10)
        assert gc.get_freeze_count() > 0
        assert gc.isenabled()
    assert settings() == ((700, 10, 10), True, False)


def test_everything_is_restored_after_an_exception(shipped):
    gc.set_threshold(1234, 7, 3)
    with pytest.raises(KeyError, match="inside"), tuned_gc(threshold=99_999):
        assert gc.get_threshold() == (99_999, 7, 3)
        raise KeyError("inside")
    assert settings() == ((1234, 7, 3), True, False)


def test_settings_changed_inside_the_block_are_put_back(shipped):
    with tuned_gc():
        gc.disable()
        gc.set_threshold(5, 5, 5)
    assert settings() == ((700, 10, 10), True, False)


def test_a_disabled_collector_stays_disabled_inside_and_after(shipped):
    gc.disable()
    with tuned_gc():
        assert not gc.isenabled()
        gc.enable()
    assert settings() == ((700, 10, 10), False, False)


def test_freeze_false_freezes_nothing(shipped):
    with tuned_gc(threshold=0, freeze=False):
        assert gc.get_threshold() == (0, 10, 10)
        assert gc.get_freeze_count() == 0
    assert settings() == ((700, 10, 10), True, False)


def test_objects_the_program_froze_stay_frozen(shipped):
    gc.freeze()
    frozen = gc.get_freeze_count()
    with tuned_gc():
        assert gc.get_freeze_count() == frozen  # nothing more frozen: leaving could not tell whose it was
    assert gc.get_freeze_count() == frozen
    assert gc.get_threshold() == (700, 10, 10)


def test_blocks_nest_and_one_instance_can_be_entered_again(shipped):
    outer, inner = tuned_gc(threshold=20_000), tuned_gc(threshold=30_000)
    with outer:
        with inner:
            assert gc.get_threshold() == (30_000, 10, 10)
            with outer:
                assert gc.get_threshold() == (20_000, 10, 10)
            assert gc.get_threshold() == (30_000, 10, 10)
        assert gc.get_threshold() == (20_000, 10, 10)
        assert gc.get_freeze_count() > 0
    assert settings() == ((700, 10, 10), True, False)


def test_cycles_made_inside_are_still_collected():
    class Cycle:
        pass

    with tuned_gc():
        node = Cycle()
        node.me = node
        alive = weakref.ref(node)
        del node
        gc.collect()  # an explicit collection works inside the block, frozen objects aside
        assert alive() is None


def test_gradients_inside_are_those_outside():
    def chain():
        x = Value(0.5)
        v = x
        for _ in range(2_000):
            v = v * 1.0001 + 0.0001
        v.backward()
        return v.data, x.grad

    expected = chain()
    with tuned_gc():
        assert chain() == expected


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"threshold": -1}, ValueError, "threshold must be an int >= 0, got -1"),
        ({"threshold": 1.5}, TypeError, "threshold must be an int >= 0, got float: 1.5"),
        ({"threshold": True}, TypeError, "threshold must be an int >= 0, got bool"),
        ({"freeze": 1}, TypeError, "freeze must be True or False, got int: 1"),
    ],
)
def test_bad_arguments_are_refused_before_anything_changes(shipped, arguments, error, message):
    with pytest.raises(error, match=message):
        tuned_gc(**arguments)
    assert settings() == ((700, 10, 10), True, False)
