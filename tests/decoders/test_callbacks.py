"""Tests of skvalence.decoders.callbacks: the gradient-subspace monitor."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier
from sklearn.base import clone

from skvalence.decoders import GradientSubspaceMonitor
from toy_decoding import toy_data as _data, toy_net as _net


def test_ce_gradient_lies_in_head_row_space_of_real_net():
    X, y, stimulus, _ = _data()
    monitor = GradientSubspaceMonitor(probe_size=60, random_state=0)
    net = _net(callbacks=[("gradmon", monitor)], alignment_loss="axis-mse", alignment_weight=1.0,
               alignment_target=[-1.0, 0.0, 1.0]).fit(X, y, stimulus=stimulus)
    fitted = dict(net.callbacks_)["gradmon"]
    assert len(fitted.records_) == net.max_epochs
    head_frac = net.history[:, "grad_head_frac_ce"]
    np.testing.assert_allclose(head_frac, 1.0, atol=1e-6)  # exact for a linear head
    for key in ("grad_norm_ce", "grad_basin_frac_ce", "grad_norm_alignment", "grad_head_frac_total",
                "probe_confidence"):
        values = np.asarray(net.history[:, key], dtype=float)
        assert values.shape == (net.max_epochs,) and np.all(np.isfinite(values))
    basin = np.asarray(net.history[:, "grad_basin_frac_ce"], dtype=float)
    assert np.all((basin >= 0) & (basin <= 1 + 1e-9))
    # the axis-MSE readout is not the classifier head: part of its gradient leaves the row space
    assert np.all(np.asarray(net.history[:, "grad_head_frac_alignment"]) < 0.99)
    # the probe is fixed: the record at one epoch matches a fresh measurement on the same weights
    again = fitted._measure(net)
    assert again["grad_head_frac_ce"] == pytest.approx(fitted.records_[-1]["grad_head_frac_ce"], abs=1e-9)


class _Module(torch.nn.Module):
    def __init__(self, n_in=40, d=6, n_classes=3):
        super().__init__()
        self.body = torch.nn.Linear(n_in, d)
        self.head = torch.nn.Linear(d, n_classes)

    def features(self, x):
        return torch.tanh(self.body(x))

    def forward(self, x):
        return self.head(self.features(x))


class _OrthogonalTermNet(NeuralNetClassifier):
    """Stand-in net with a loss term whose feature gradient is orthogonal to the head."""

    def loss_terms(self, features, logits, y, stimulus=None):
        W = self.module_.head.weight.detach()
        _, _, vt = torch.linalg.svd(W, full_matrices=True)
        v = vt[-1]  # in the null space of W (d=6 > 3 classes)
        return {"ce": F.cross_entropy(logits, y), "ortho": (features @ v).pow(2).mean()}


def test_orthogonal_term_has_zero_head_fraction_and_generic_fallback():
    X, y, _, _ = _data(1)
    Xp, yp = X[:50], y[:50]
    monitor = GradientSubspaceMonitor(X_probe=Xp, y_probe=yp)
    net = _OrthogonalTermNet(_Module, criterion=torch.nn.CrossEntropyLoss, max_epochs=2, train_split=None,
                             callbacks=[("gradmon", monitor)], verbose=0, lr=0.05)
    torch.manual_seed(0)
    net.fit(X, y)
    rec = dict(net.callbacks_)["gradmon"].records_[-1]
    assert rec["grad_head_frac_ortho"] == pytest.approx(0.0, abs=1e-10)
    assert rec["grad_head_frac_ce"] == pytest.approx(1.0, abs=1e-10)
    # a plain skorch net without loss_terms is monitored with cross-entropy
    plain = NeuralNetClassifier(_Module, criterion=torch.nn.CrossEntropyLoss, max_epochs=1, train_split=None,
                                callbacks=[("gradmon", GradientSubspaceMonitor(probe_size=40, random_state=0))],
                                verbose=0)
    plain.fit(X, y)
    rec = dict(plain.callbacks_)["gradmon"].records_[-1]
    assert rec["grad_head_frac_ce"] == pytest.approx(1.0, abs=1e-10)


def test_monitor_is_clonable_and_checks_its_probe():
    monitor = GradientSubspaceMonitor(probe_size=32, random_state=3)
    assert clone(monitor).get_params()["probe_size"] == 32
    X, y, _, _ = _data(2)
    with pytest.raises(ValueError, match="y_probe"):
        _net(max_epochs=1, callbacks=[("m", GradientSubspaceMonitor(X_probe=X[:10]))]).fit(X, y)
    with pytest.raises(ValueError, match="probe_size"):
        _net(max_epochs=1, callbacks=[("m", GradientSubspaceMonitor(probe_size=1))]).fit(X, y)
