"""`tracegrad train`: training, plots, saved weights, Ctrl-C, and the labels a loss needs."""

import json
import os
import random
import signal
import time

import pytest
from cli_support import PNG_MAGIC, run

from nn import ACTIVATIONS, MLP
from nn.datasets import spirals
from viz.cli import common, main, training_run
from viz.cli import train as train_command

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


def test_an_unreadable_weights_file_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "train", "xor", "--load", "bad.json", "--epochs", "1")
    assert code == 2
    assert "bad.json" in err and len(err.strip().splitlines()) == 1


def test_train_reaches_full_accuracy_and_writes_both_plots(capsys, tmp_path):
    argv = ["train", "xor", "--epochs", "30", "--samples", "40", "--seed", "1", "--save", "xor.json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "training accuracy 100.0%" in out
    for name in ("xor_loss.png", "xor_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    # Continue from the saved weights: the first epoch starts where training ended.
    again = ["train", "xor", "--epochs", "1", "--samples", "40", "--seed", "1", "--load", "xor.json"]
    code, out, err = run(capsys, *again)
    assert code == 0, err
    assert "training accuracy 100.0%" in out


def test_ctrl_c_in_train_keeps_what_was_trained(capsys, tmp_path, monkeypatch):
    real_fit = train_command.fit

    def fit_interrupted_in_the_third_epoch(*args, callback, **kwargs):
        def report(epoch):
            callback(epoch)
            if epoch.epoch == 1:
                raise KeyboardInterrupt

        return real_fit(*args, callback=report, **kwargs)

    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    monkeypatch.setattr(train_command, "fit", fit_interrupted_in_the_third_epoch)
    code, out, err = run(capsys, *common, "--epochs", "30", "--save", "stopped.json")
    assert code == 130
    assert err.count("\n") == 1 and "interrupted at epoch 3 of 30" in err
    assert "weights saved to stopped.json" in out
    for name in ("xor_loss.png", "xor_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    # What was saved is exactly the model after the two finished epochs.
    monkeypatch.setattr(train_command, "fit", real_fit)
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "two.json")
    assert code == 0, err
    saved = json.loads((tmp_path / "stopped.json").read_text(encoding="utf-8"))
    assert saved == json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))


def test_ctrl_c_in_the_middle_of_an_update_keeps_the_last_finished_epoch(capsys, tmp_path, monkeypatch):
    class AdamStoppedInItsThirdStep(training_run.Adam):
        def __init__(self, params, **options):
            super().__init__(params, **options)
            self.updated = list(params)
            self.calls = 0

        def step(self):
            self.calls += 1
            if self.calls == 3:  # full batches: one step per epoch
                self.updated[0].data += 1.0  # the update half done when Ctrl-C comes
                raise KeyboardInterrupt
            super().step()

    real_adam = training_run.Adam
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    monkeypatch.setattr(training_run, "Adam", AdamStoppedInItsThirdStep)
    code, _, err = run(capsys, *common, "--epochs", "30", "--save", "stopped.json")
    assert code == 130
    assert "interrupted at epoch 3 of 30" in err and "2 finished epochs" in err
    monkeypatch.setattr(training_run, "Adam", real_adam)
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "two.json")
    assert code == 0, err
    saved = json.loads((tmp_path / "stopped.json").read_text(encoding="utf-8"))
    assert saved == json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))


def test_hinge_on_spirals_reads_the_two_classes_as_minus_and_plus_one(capsys):
    argv = ["train", "spirals", "--loss", "hinge", "--epochs", "1", "--samples", "12", "--layers", "4"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "training accuracy" in out


@pytest.mark.parametrize("loss", ["hinge", "mse", "binary_cross_entropy"])
def test_a_two_class_loss_on_three_classes_is_refused_before_training(capsys, monkeypatch, loss):
    monkeypatch.setitem(train_command.DATASETS, "spirals", lambda n, rng: spirals(n, classes=3, rng=rng))
    code, out, err = run(capsys, "train", "spirals", "--loss", loss, "--epochs", "1", "--samples", "12")
    assert code == 2
    assert out == ""
    assert "cross_entropy" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "train", "spirals", "--epochs", "1", "--samples", "12", "--layers", "4")
    assert code == 0, err  # the default for spirals, cross_entropy, takes three classes


# ---------------------------------------------------------------- requests too large, refused up front


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--layers", "100000,100000"], "at most 10000 neurons per layer"),
        (["--samples", "1000000000"], "an int from 1 to 100000"),
        (["--layers", "5000,5000"], "makes 25025001 weights; at most 1000000"),
        (["--samples", "100000"], "100000 examples per update x 337 weights is too large"),
        (["--samples", "100000", "--batch-size", "100000"], "--batch-size"),
        (["--l2", "nan"], "--l2"),
        (["--momentum", "-1"], "--momentum"),
    ],
)
def test_a_request_past_the_stated_bounds_is_refused_before_any_work(capsys, tmp_path, argv, words):
    code, out, err = run(capsys, "train", "moons", *argv)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1
    assert out == "" and list(tmp_path.iterdir()) == []


def test_the_bounds_are_stated_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for bound in (str(common.MAX_SAMPLES), str(common.MAX_LAYER), str(common.MAX_WEIGHTS)):
        assert bound in text
    assert f"batch size x weights at most {common.MAX_GRAPH}" in text
    assert "{" + ",".join(ACTIVATIONS) + "}" in text  # the choices are nn's own


def _weights(path):
    saved = json.loads(path.read_text(encoding="utf-8"))["parameters"]
    return [saved[name] for name in sorted(saved)]


@pytest.mark.parametrize(("flags", "kind"), [((), True), (("--eager",), False), (("--numpy",), "numpy")])
def test_each_step_flag_reaches_fit_and_trains_the_same_numbers(capsys, tmp_path, monkeypatch, flags, kind):
    seen = []

    def recording_fit(*args, **settings):
        seen.append(settings["compiled"])
        return train_command_fit(*args, **settings)

    train_command_fit = train_command.fit
    monkeypatch.setattr(train_command, "fit", recording_fit)
    argv = ["train", "xor", "--samples", "24", "--layers", "8", "--epochs", "5", "--batch-size", "8", "--seed", "2"]
    code, _, err = run(capsys, *argv, "--eager", "--save", "eager.json")
    assert code == 0, err
    code, _, err = run(capsys, *argv, *flags, "--save", "run.json")
    assert code == 0, err
    assert seen == [False, kind]
    eager, replayed = _weights(tmp_path / "eager.json"), _weights(tmp_path / "run.json")
    if kind == "numpy":  # matrix products sum in another order: rounding, not bits
        assert max(abs(a - b) for a, b in zip(eager, replayed, strict=True)) < 1e-9
    else:
        assert replayed == eager


def test_eager_and_numpy_together_are_a_usage_error(capsys):
    code, _, err = run(capsys, "train", "xor", "--eager", "--numpy", "--epochs", "1")
    assert code == 2
    assert "--eager and --numpy exclude each other" in err and len(err.strip().splitlines()) == 1


def test_the_weight_count_is_the_models(capsys):
    # The bound is checked on a count made before the MLP exists: it must be the MLP's own.
    model = MLP(2, [3, 4, 1], rng=random.Random(0))
    assert len(model.parameters()) == (2 + 1) * 3 + (3 + 1) * 4 + (4 + 1) * 1


def test_load_says_from_which_epoch_the_run_continues_and_save_adds_them_up(capsys, tmp_path):
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "w.json")
    assert code == 0, err
    assert json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))["epochs"] == 2
    code, out, err = run(capsys, *common, "--epochs", "3", "--load", "w.json", "--save", "w5.json")
    assert code == 0, err
    assert "weights loaded from w.json (trained 2 epochs on xor); training continues with epochs 3 to 5" in out
    saved = json.loads((tmp_path / "w5.json").read_text(encoding="utf-8"))
    assert (saved["epochs"], saved["dataset"]) == (5, "xor")
    code, out, err = run(capsys, "train", "circles", *common[2:], "--epochs", "1", "--load", "w5.json")
    assert code == 0, err
    assert "weights loaded from w5.json (trained 5 epochs on xor, not circles); training continues with epoch 6" in out


def test_a_continued_run_counts_its_epochs_on_in_the_bar_and_when_interrupted(capsys, tmp_path, monkeypatch):
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "w.json")
    assert code == 0, err
    code, out, err = run(capsys, *common, "--epochs", "3", "--load", "w.json")
    assert code == 0, err
    assert "epoch 5/5" in out
    real_fit = train_command.fit

    def fit_interrupted_in_the_second_epoch(*args, callback, **kwargs):
        def report(epoch):
            callback(epoch)
            raise KeyboardInterrupt

        return real_fit(*args, callback=report, **kwargs)

    monkeypatch.setattr(train_command, "fit", fit_interrupted_in_the_second_epoch)
    code, _, err = run(capsys, *common, "--epochs", "3", "--load", "w.json", "--save", "w3.json")
    assert code == 130
    assert "interrupted at epoch 4 of 5; keeping the weights after epoch 3 (1 finished in this run)" in err
    assert json.loads((tmp_path / "w3.json").read_text(encoding="utf-8"))["epochs"] == 3


def test_load_of_an_old_file_says_the_epochs_are_unknown_and_save_keeps_them_unknown(capsys, tmp_path):
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "w.json")
    assert code == 0, err
    document = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    old = {"format": "tracegrad.nn/1", "model": document["model"], "parameters": document["parameters"]}
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    code, out, err = run(capsys, *common, "--epochs", "3", "--load", "old.json", "--save", "again.json")
    assert code == 0, err
    assert (
        "weights loaded from old.json; the epochs they were trained for are unknown (a file of the older format "
        "tracegrad.nn/1); training continues from them for 3 more epochs"
    ) in out
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))["epochs"] is None


def test_a_failed_load_is_one_line_and_trains_nothing(capsys, tmp_path):
    (tmp_path / "bad.json").write_text('{"format": "tracegrad.nn/2", "model": "MLP", "epochs": -3, "parameters": {}}')
    code, out, err = run(capsys, "train", "xor", "--samples", "12", "--layers", "4", "--load", "bad.json")
    assert code == 2
    assert "'epochs' must be an int >= 0 or null" in err and len(err.strip().splitlines()) == 1
    assert "training" not in out


def test_a_second_ctrl_c_waits_until_the_weights_are_saved(capsys, tmp_path, monkeypatch):
    real_fit = train_command.fit
    real_save = MLP.save

    def fit_interrupted_in_the_second_epoch(*args, callback, **kwargs):
        def report(epoch):
            callback(epoch)
            raise KeyboardInterrupt

        return real_fit(*args, callback=report, **kwargs)

    def save_interrupted_again(self, path, **options):
        os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, while the file is being written
        time.sleep(0.05)
        return real_save(self, path, **options)

    monkeypatch.setattr(train_command, "fit", fit_interrupted_in_the_second_epoch)
    monkeypatch.setattr(MLP, "save", save_interrupted_again)
    argv = ["train", "xor", "--samples", "12", "--layers", "4", "--epochs", "5", "--save", "w.json"]
    code, out, err = run(capsys, *argv)
    assert code == 130
    assert "weights saved to w.json" in out
    assert "interrupted at epoch 2 of 5" in err and err.strip().endswith("tracegrad train: interrupted")
    assert "Traceback" not in err
    saved = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert len(saved["parameters"]) == (2 + 1) * 4 + (4 + 1) * 1
