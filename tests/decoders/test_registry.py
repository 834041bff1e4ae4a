"""The registry: every alignment strategy is described, trains, reports its term and reaches the backbone."""

import dataclasses

import numpy as np
import pytest
import torch

from skvalence.decoders import ALIGNMENT_LOSSES, ValenceNetClassifier, get_strategy

CH = ["Fp1", "Fp2", "F3", "F4", "Cz", "Pz", "O1", "O2"]
N_CLASSES = 9


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    stimulus = np.arange(n) % 27
    y = stimulus // 3
    X = rng.normal(size=(n, len(CH) * 5))
    X[:, :10] += 0.5 * y[:, None]
    target = np.stack([np.linspace(-1, 1, N_CLASSES), rng.normal(size=N_CLASSES), rng.normal(size=N_CLASSES)], 1)
    return X, y, stimulus, target


def _net(name, target, **kw):
    kwargs = {"topography": np.linspace(0, 1, len(CH))} if name == "axis-topo-optimal" else None
    params = dict(module__width=16, module__depth=1, alignment_loss=name, alignment_weight="default",
                  alignment_target=target, alignment_kwargs=kwargs, ch_names=CH, max_epochs=2,
                  batch_size=64, random_state=0)
    params.update(kw)
    return ValenceNetClassifier("axial", **params)


def test_registry_contents():
    assert len(ALIGNMENT_LOSSES) >= 26 and "none" in ALIGNMENT_LOSSES
    families = {s.family for s in ALIGNMENT_LOSSES.values()}
    for family in ("channel-masked axis", "class-weighted axis", "representational geometry",
                   "distance-based cross-entropy", "multiple LLM axes", "auxiliary regression",
                   "prototype distillation", "parameter-efficient heads", "pretrain-then-finetune",
                   "loss-weight scaling", "uncertainty-weighted multi-task", "contrastive", "ranking"):
        assert family in families
    for name, s in ALIGNMENT_LOSSES.items():
        assert s.name == name and s.description and "\n" not in s.description and s.reference
        assert s.default_weight >= 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ALIGNMENT_LOSSES["axis-mse"].default_weight = 2.0  # frozen


@pytest.mark.slow  # trains every registered strategy
@pytest.mark.parametrize("name", list(ALIGNMENT_LOSSES))
def test_strategy_trains_and_reaches_backbone(name):
    X, y, stimulus, target = _data()
    net = _net(name, target).fit(X, y, stimulus=stimulus)
    losses = [row["train_loss"] for row in net.history]
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    x = torch.as_tensor(X[:128], dtype=torch.float32)
    features = net.module_.features(x)
    features.retain_grad()
    terms = net.loss_terms(features, net.module_.head(features), y[:128], stimulus=stimulus[:128],
                           X=x, progress=0.0)
    if name == "none":
        assert set(terms) == {"ce", "distill"}
        return
    assert set(terms) == {"ce", "distill", "alignment"}
    assert torch.isfinite(terms["alignment"])
    net.module_.zero_grad()
    terms["alignment"].backward()
    backbone = net.module_.cell_embed.weight.grad
    assert backbone is not None and backbone.abs().sum() > 0
    if ALIGNMENT_LOSSES[name].applied_to != "masked-input features":
        # The term is a function of the penultimate features themselves.
        assert features.grad is not None and features.grad.abs().sum() > 0


def test_default_weight_and_weight_scaling():
    X, y, _, target = _data()
    net = _net("axis-mse-x10", target).fit(X, y)
    assert net.alignment_weight_ == 10.0
    net = _net("axis-mse", target, alignment_weight=0.3).fit(X, y)
    assert net.alignment_weight_ == 0.3


def test_missing_inputs_raise():
    X, y, _, target = _data()
    with pytest.raises(ValueError, match="alignment_target"):
        _net("rsa", None).fit(X, y)
    with pytest.raises(ValueError, match="stimulus"):
        _net("stimulus-prototype-distill", target).fit(X, y)
    with pytest.raises(ValueError, match="valid names"):
        get_strategy("no-such-loss")
