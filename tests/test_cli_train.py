"""`tracegrad train`: training, plots, saved weights, Ctrl-C, and the labels a loss needs."""

import json

import pytest
from cli_support import PNG_MAGIC, run

from nn.datasets import spirals
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
    class AdamStoppedInItsThirdStep(train_command.Adam):
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

    real_adam = train_command.Adam
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    monkeypatch.setattr(train_command, "Adam", AdamStoppedInItsThirdStep)
    code, _, err = run(capsys, *common, "--epochs", "30", "--save", "stopped.json")
    assert code == 130
    assert "interrupted at epoch 3 of 30" in err and "2 finished epochs" in err
    monkeypatch.setattr(train_command, "Adam", real_adam)
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
