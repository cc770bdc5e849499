"""A short tour of the engine: build an expression, run backward, take grad twice.

Run it with `.venv/bin/python examples/engine_tour.py` after `make test` or
`make demo` has set up the virtual environment. Uses only the public API.
"""

from autograd import Value, grad, gradcheck


def main():
    x = Value(0.5, label="x")
    w = Value(-1.0, label="w")
    b = Value(0.2, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    y.backward()
    print(f"y = tanh(x*w + b) = {y.data:.9f}")
    for node in (x, w, b):
        print(f"  dy/d{node.label} = {node.grad:.9f}")

    # Higher order: d/dx, d2/dx2 and d3/dx3 of x**3 at x = 2 are 12, 12 and 6.
    x = Value(2.0, label="x")
    (first,) = grad(x**3, [x], create_graph=True)
    (second,) = grad(first, [x], create_graph=True)
    (third,) = grad(second, [x])
    print(f"x**3 at x = 2: first {first.data}, second {second.data}, third {third.data}")

    print(gradcheck(lambda x, w, b: (x * w + b).tanh(), [0.5, -1.0, 0.2]))


if __name__ == "__main__":
    main()
