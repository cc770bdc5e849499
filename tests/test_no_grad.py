"""`no_grad`: ops inside return constants, the previous mode always comes back, per thread and task."""

import asyncio
import concurrent.futures
import threading

import pytest

from autograd import Value, grad, no_grad, total, weighted_sum


def records():
    """Whether ops record their parents right now."""
    return (Value(1.0) * 2.0).parents != ()


def test_ops_inside_return_parentless_constants():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    with no_grad():
        results = [
            x + y,
            3 - x,
            x * y,
            x / y,
            x**2,
            2**x,
            x**y,
            -x,
            abs(x),
            x.exp(),
            x.log(),
            x.tanh(),
            x.sigmoid(),
            x.relu(),
            x.sin(),
            x.cos(),
            x.sqrt(),
            weighted_sum([x], [y], 1.0),
            total([x, y]),
        ]
    for out in results:
        assert (out.op, out.parents, out.local_grads) == ("", (), ())
    assert [out.data for out in results[:3]] == [2.5, 2.5, 1.0]


def test_recording_resumes_after_the_block():
    with no_grad():
        assert not records()
    assert records()


def test_nesting_restores_each_level():
    with no_grad():
        with no_grad():
            assert not records()
        assert not records()
    assert records()


def test_one_instance_entered_inside_itself():
    block = no_grad()
    with block:
        with block:
            assert not records()
        assert not records()
    assert records()
    with block:  # and it can be used again
        assert not records()
    assert records()


def test_an_exception_inside_restores_the_mode():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0.0
    assert records()
    with no_grad():
        with pytest.raises(ValueError), no_grad():
            Value(-1.0).log()
        assert not records()
    assert records()


def test_a_constant_made_inside_blocks_the_gradient():
    x = Value(2.0, label="x")
    with no_grad():
        scale = x * 3.0
    y = scale * x
    y.backward()
    assert x.grad == 6.0  # d(c x)/dx with c = 6 held fixed, not d(3x^2)/dx = 12
    assert grad(y, [x])[0].data == 6.0


def test_parameter_update_pattern():
    w = Value(1.0, label="w")
    loss = (w - 3.0) ** 2
    loss.backward()
    with no_grad():
        w.data -= 0.25 * w.grad
        step = w * 1.0
    assert w.data == 2.0 and w.parents == () and step.parents == ()


# The mode is per thread and per asyncio task: one thread's block never changes another's.


def _run_in_threads(*targets):
    """Run each target in its own thread; re-raise the first failure in the caller."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # handed back to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread of the test hung"
    if errors:
        raise errors[0]


def test_interleaved_blocks_in_two_threads_leave_recording_on():
    """A enters, B enters, A exits, B exits: with a process-wide mode, recording stayed off."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad():
            seen["A inside"] = records()
            a_in.set()
            assert b_in.wait(10)
        seen["A after its exit"] = records()
        a_out.set()

    def thread_b():
        assert a_in.wait(10)
        seen["B while A is inside"] = records()
        with no_grad():
            b_in.set()
            assert a_out.wait(10)
            seen["B inside, after A's exit"] = records()
        seen["B after its exit"] = records()

    _run_in_threads(thread_a, thread_b)
    assert seen == {
        "A inside": False,
        "B while A is inside": True,
        "A after its exit": True,
        "B inside, after A's exit": False,
        "B after its exit": True,
    }
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert x.grad == 6.0


def test_one_shared_instance_used_by_two_threads_at_once():
    block = no_grad()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with block:
            a_in.set()
            assert b_in.wait(10)
        seen["A"] = records()
        a_out.set()

    def thread_b():
        assert a_in.wait(10)
        with block:
            b_in.set()
            assert a_out.wait(10)
            seen["B inside"] = records()
        seen["B"] = records()

    _run_in_threads(thread_a, thread_b)
    assert seen == {"A": True, "B inside": False, "B": True}


def test_a_new_thread_records_even_when_started_inside_a_block():
    seen = []
    with no_grad():
        _run_in_threads(lambda: seen.append(records()))
    assert seen == [True]


def test_training_threads_beside_an_evaluating_thread_get_exact_gradients():
    """Workers train while others loop in no_grad; every gradient must be the closed form."""

    def train(seed):
        wrong = 0
        for step in range(300):
            w = Value(0.5 + seed + step * 1e-3, label="w")
            loss = (w * 3.0 - 1.0) ** 2
            loss.backward()
            if w.grad != 6.0 * (3.0 * w.data - 1.0) or not loss.parents:
                wrong += 1
        return wrong

    def evaluate(seed):
        constants = 0
        for _ in range(300):
            with no_grad():
                constants += (Value(float(seed)) * 2.0).parents == ()
        return 300 - constants  # any recorded node here would be wrong too

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [pool.submit(train, k) for k in range(4)] + [pool.submit(evaluate, k) for k in range(4)]
        assert [job.result(timeout=60) for job in jobs] == [0] * 8
    assert records()


def test_asyncio_tasks_have_their_own_mode():
    async def main():
        a_in, b_checked = asyncio.Event(), asyncio.Event()
        seen = {}

        async def evaluating():
            with no_grad():
                a_in.set()
                await b_checked.wait()
                seen["A inside"] = records()
            seen["A after"] = records()

        async def training():
            await a_in.wait()
            seen["B while A is inside"] = records()
            b_checked.set()

        await asyncio.gather(evaluating(), training())
        return seen

    assert asyncio.run(main()) == {"A inside": False, "B while A is inside": True, "A after": True}
    assert records()


def test_grad_of_an_output_made_inside_no_grad_says_so():
    x = Value(2.0, label="x")
    with no_grad():
        y = x * x
    y.label = "y"
    with pytest.raises(RuntimeError, match=r"grad: the output 'y' .*inside no_grad\(\)"):
        grad(y, [x])
    with pytest.raises(RuntimeError, match="no_grad"):
        grad(y, [x], create_graph=True)
    assert grad(y, [y])[0].data == 1.0  # with respect to itself it is still 1
    assert grad(y, []) == ()


def test_a_constant_leaf_made_by_hand_still_gets_zero():
    x, c = Value(2.0, label="x"), Value(3.0, label="c")
    assert grad(c, [x])[0].data == 0.0  # the contract: Value(0.0) for an input it does not depend on
    assert grad(x.detach(), [x])[0].data == 0.0
