"""What `tracegrad train`'s two paths share (train.py for the 2-D sets, tables.py for the shipped ones).

Owns --load (the weights and what the file says about them), the optimizer
--optimizer names, the line Ctrl-C prints, and --save (with the epochs the
weights have now been trained for). Imports `nn` and rich.
"""

import sys

from rich.markup import escape

from nn import SGD, Adam, read_weight_file


def load_weights(model, args, out):
    """--load into `model` (all or nothing) and say what was loaded.

    Returns the epochs the weights were trained for before this run: 0 for
    fresh weights, None when the file does not record it.
    """
    if not args.load:
        return 0
    saved = read_weight_file(args.load)
    model.load_weights(saved)
    more = f"{args.epochs} more epoch{'' if args.epochs == 1 else 's'}"
    if saved.epochs is None:
        why = "a file of the older format tracegrad.nn/1" if saved.format.endswith("/1") else "the file does not say"
        out.print(
            f"weights loaded from {escape(args.load)}; the epochs they were trained for are unknown ({why}); "
            f"training continues from them for {more}"
        )
        return None
    on = "" if saved.dataset is None else f" on {escape(saved.dataset)}"
    if saved.dataset not in (None, args.dataset):
        on += f", not {args.dataset}"
    first, last = saved.epochs + 1, saved.epochs + args.epochs
    trained = f"{saved.epochs} epoch{'' if saved.epochs == 1 else 's'}"
    now = f"epoch {first}" if first == last else f"epochs {first} to {last}"
    out.print(f"weights loaded from {escape(args.load)} (trained {trained}{on}); training continues with {now}")
    return saved.epochs


def optimizer(args, parameters):
    """The optimizer --optimizer names, with --lr (and --momentum for sgd)."""
    if args.optimizer == "adam":
        return Adam(parameters, lr=args.lr)
    return SGD(parameters, lr=args.lr, momentum=args.momentum)


def say_interrupted(history, args, earlier_epochs=0):
    """The line Ctrl-C prints on stderr: where training stopped and which weights are kept.

    Epochs are counted on from those of loaded weights, as the --load line and the bar count them.
    """
    done = len(history)
    before = earlier_epochs or 0
    kept = f"the {done} finished epoch{'' if done == 1 else 's'}"
    if before:
        kept = f"epoch {before + done} ({done} finished in this run)"
    print(
        f"tracegrad train: training interrupted at epoch {before + min(done + 1, args.epochs)} of "
        f"{before + args.epochs}; keeping the weights after {kept}",
        file=sys.stderr,
    )


def save_weights(model, args, earlier_epochs, history, out):
    """--save: the weights, the epochs they have been trained for in all (None if unknown), the data set."""
    epochs = None if earlier_epochs is None else earlier_epochs + len(history)
    model.save(args.save, epochs=epochs, dataset=args.dataset)
    out.print(f"weights saved to {escape(args.save)}")
