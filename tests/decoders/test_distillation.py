"""Distillation onto random orthonormal prototypes is a fixed label smoothing, whatever the draw.

With orthonormal class prototypes ``P`` the teacher of class ``c`` is
``softmax(P @ P[c] / T) = softmax(e_c / T)``: ``a = e^(1/T) / (e^(1/T) + K - 1)`` on ``c``
and ``b = 1 / (e^(1/T) + K - 1)`` elsewhere, for every draw of ``P``. The training loss
``(1 - lam) CE + lam T^2 KL(teacher || student)`` is then, at T = 1,

    CE(logits, (1 - lam) onehot + lam teacher) - lam H(teacher)
  = label-smoothing CE with eps = lam K b        - a constant,

so the gradients are those of ``F.cross_entropy(..., label_smoothing=eps)`` exactly.
The tests compare the net's real training loss and parameter gradients with that, for
two prototype draws, and show the comparison fails for non-orthonormal prototypes.
"""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from skvalence.decoders import ValenceNetClassifier

K, LAM, T = 9, 0.5, 1.0


def _smoothing():
    """The label-smoothing eps and the teacher's entropy implied by lam, T and K."""
    b = 1.0 / (math.exp(1.0 / T) + K - 1)
    a = math.exp(1.0 / T) * b
    entropy = -(a * math.log(a) + (K - 1) * b * math.log(b))
    return LAM * K * b, entropy


def _data(seed=0, n=90, n_features=20):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.normal(size=(n, n_features)).astype(np.float32) + 0.5 * np.eye(K, n_features, dtype=np.float32)[y]
    return X, y


def _net(random_state):
    X, y = _data()
    # augment=False: the comparison is of the loss itself, not of a random input perturbation
    net = ValenceNetClassifier("mlp", n_bands=5, max_epochs=1, augment=False, distill=LAM,
                               distill_temperature=T, random_state=random_state, verbose=0)
    return net.fit(X, y)


def _training_loss_and_grads(net, X, y):
    """The net's own training loss on one batch (the path train_step uses) and its parameter gradients."""
    net.module_.zero_grad()
    net._set_training(False)  # no dropout, so the two computations see the same logits
    batch = (torch.as_tensor(X), torch.as_tensor(y, dtype=torch.long))
    loss, logits = net._forward_terms(batch, training=False)
    loss.backward()
    grads = [p.grad.detach().clone() for p in net.module_.parameters() if p.grad is not None]
    return loss.detach(), logits.detach(), grads


def _label_smoothing_loss_and_grads(net, X, y, eps):
    net.module_.zero_grad()
    net._set_training(False)
    logits = net.module_(torch.as_tensor(X))
    loss = F.cross_entropy(logits, torch.as_tensor(y, dtype=torch.long), label_smoothing=eps)
    loss.backward()
    grads = [p.grad.detach().clone() for p in net.module_.parameters() if p.grad is not None]
    return loss.detach(), grads


def _matches_label_smoothing(net, X, y):
    eps, entropy = _smoothing()
    loss, _, grads = _training_loss_and_grads(net, X, y)
    ls_loss, ls_grads = _label_smoothing_loss_and_grads(net, X, y, eps)
    same_loss = torch.allclose(loss, ls_loss - LAM * entropy, atol=1e-5)
    same_grads = len(grads) == len(ls_grads) and all(
        torch.allclose(g, h, atol=1e-6, rtol=1e-4) for g, h in zip(grads, ls_grads))
    return same_loss and same_grads


def test_teacher_is_the_same_smoothed_one_hot_for_two_prototype_draws():
    first, second = _net(0), _net(1)
    # the draws differ ...
    assert not np.allclose(first.distill_prototypes_, second.distill_prototypes_)
    for net in (first, second):
        P = net.distill_prototypes_
        np.testing.assert_allclose(P @ P.T, np.eye(K), atol=1e-10)
        # ... yet the teacher is one fixed matrix: a on the diagonal, b elsewhere (0.254 / 0.093 for K = 9)
        teacher = net.teacher_.cpu().numpy()
        b = 1.0 / (math.exp(1.0 / T) + K - 1)
        expected = np.full((K, K), b) + np.eye(K) * (math.exp(1.0 / T) * b - b)
        np.testing.assert_allclose(teacher, expected, atol=1e-6)
    assert expected[0, 0] == pytest.approx(0.254, abs=1e-3) and expected[0, 1] == pytest.approx(0.093, abs=1e-3)


def test_training_loss_and_gradients_equal_label_smoothing_ce_for_two_draws():
    X, y = _data(seed=1, n=45)
    eps, _ = _smoothing()
    assert eps == pytest.approx(0.42, abs=0.005)  # lam K b = 0.5 * 9 / (e + 8)
    for seed in (0, 1):
        net = _net(seed)
        assert _matches_label_smoothing(net, X, y), f"prototype draw {seed}: not a label smoothing"


def test_non_orthonormal_prototypes_break_the_equivalence():
    """Negative control: the comparison above does fail when the prototypes are not orthonormal."""
    X, y = _data(seed=1, n=45)
    net = _net(0)
    rng = np.random.default_rng(5)
    P = rng.normal(size=(K, K))
    P /= np.linalg.norm(P, axis=1, keepdims=True)  # unit rows, but not orthogonal
    net.teacher_ = torch.as_tensor(P @ P.T / T, dtype=torch.float32).softmax(1)
    assert not _matches_label_smoothing(net, X, y)
    # and without distillation the loss is plain CE, not the smoothed one (the check is sensitive to lam)
    plain = ValenceNetClassifier("mlp", n_bands=5, max_epochs=1, augment=False, distill=False,
                                 random_state=0, verbose=0).fit(*_data())
    assert not _matches_label_smoothing(plain, X, y)
