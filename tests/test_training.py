"""The lessons' training loop: it records what a hand-written loop computes, and its curves figure."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lesson_utils.plotting import new_figure
from lesson_utils.training import History, accuracy, plot_history, train


def _data():
    generator = torch.Generator().manual_seed(0)
    points = torch.randn(40, 2, generator=generator)
    labels = (points[:, 0] + points[:, 1] > 0).long()
    return points, labels


def _model():
    torch.manual_seed(0)
    return nn.Linear(2, 2)


def test_full_batch_run_equals_a_hand_written_loop():
    points, labels = _data()
    model = _model()
    history = train(model, F.cross_entropy, points, labels, steps=5, lr=0.5, metrics={"accuracy": accuracy})

    twin = _model()
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.5)
    expected_loss, expected_accuracy = [], []
    for _ in range(5):
        optimizer.zero_grad()
        outputs = twin(points)
        loss = F.cross_entropy(outputs, labels)
        loss.backward()
        optimizer.step()
        expected_loss.append(loss.item())
        expected_accuracy.append(accuracy(outputs, labels).item())

    assert history.loss == expected_loss
    assert history.metrics == {"accuracy": expected_accuracy}
    assert history.steps == 5
    assert history.final() == expected_loss[-1]
    assert history.final("accuracy") == expected_accuracy[-1]
    torch.testing.assert_close(model.weight, twin.weight)


def test_optimizer_class_and_minibatches_are_seeded():
    points, labels = _data()
    runs = [
        train(_model(), F.cross_entropy, points, labels, steps=12, lr=0.01, optimizer=torch.optim.Adam, batch_size=16)
        for _ in range(2)
    ]
    assert runs[0].loss == runs[1].loss
    assert runs[0].loss[-1] < runs[0].loss[0]
    other_seed = train(_model(), F.cross_entropy, points, labels, steps=12, lr=0.01, batch_size=16, seed=1)
    assert other_seed.loss != runs[0].loss


def test_a_diverging_run_is_recorded_not_raised():
    x = torch.linspace(-1, 1, 8).unsqueeze(1)
    history = train(nn.Linear(1, 1), F.mse_loss, x, 3 * x, steps=200, lr=50.0)
    assert not math.isfinite(history.loss[-1])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"steps": 0, "lr": 0.1}, "steps must be at least 1"),
        ({"steps": 1, "lr": 0.0}, "lr must be positive"),
    ],
)
def test_bad_options_say_what_to_do(kwargs, words):
    points, labels = _data()
    with pytest.raises(ValueError, match=words):
        train(_model(), F.cross_entropy, points, labels, **kwargs)


def test_mismatched_lengths_and_unreduced_losses_are_refused():
    points, labels = _data()
    with pytest.raises(ValueError, match="same length"):
        train(_model(), F.cross_entropy, points, labels[:-1], steps=1, lr=0.1)
    with pytest.raises(ValueError, match="reduction='mean'"):
        train(_model(), lambda z, y: F.cross_entropy(z, y, reduction="none"), points, labels, steps=1, lr=0.1)


def test_plot_history_draws_loss_and_metric_side_by_side():
    history = History(loss=[1.0, 0.5, 0.25], metrics={"accuracy": [0.5, 1.0, 1.0]})
    _, (loss_ax, metric_ax) = new_figure(ncols=2)
    loss_line, metric_line = plot_history(loss_ax, metric_ax, history, label="run", log_loss=True)
    assert list(loss_line.get_ydata()) == [1.0, 0.5, 0.25]
    assert list(metric_line.get_xdata()) == [1, 2, 3]
    assert loss_ax.get_yscale() == "log"
    assert metric_ax.get_ylabel() == "accuracy"


def test_plot_history_asks_which_metric_when_there_are_several():
    history = History(loss=[1.0], metrics={"a": [0.0], "b": [1.0]})
    _, (loss_ax, metric_ax) = new_figure(ncols=2)
    with pytest.raises(ValueError, match="metric="):
        plot_history(loss_ax, metric_ax, history)
    with pytest.raises(ValueError, match="no metric 'c'"):
        plot_history(loss_ax, metric_ax, history, metric="c")
    (line, _) = plot_history(loss_ax, metric_ax, history, metric="b")
    assert list(line.get_ydata()) == [1.0]
