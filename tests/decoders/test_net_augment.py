"""The net augments each sample with probability p, drawn per sample (the paper's recipe)."""

import numpy as np
import torch

from skvalence.decoders import ValenceNetClassifier
from skvalence.eeg.augment import FeatureAugmenter


def _fitted(p):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8 * 5))
    y = np.arange(60) % 3
    return ValenceNetClassifier("mlp", max_epochs=1, random_state=0, augment=FeatureAugmenter(p=p)).fit(X, y), X


def _changed_fraction(changed_rows):
    return changed_rows.float().mean().item()


def test_each_row_draws_its_own_augmentation_coin():
    net, X = _fitted(0.6)
    x = torch.as_tensor(np.tile(X, (40, 1)), dtype=torch.float32)  # 2400 rows, one batch
    fractions = []
    for seed in range(10):
        net.aug_rng_ = torch.Generator().manual_seed(seed)
        fractions.append(_changed_fraction((net._augment(x) != x).any(1)))
    # Per sample: every batch has about 60 % of its rows augmented (binomial sd 1 %).
    assert all(0.55 < f < 0.65 for f in fractions), fractions
    # The null this tells apart: one coin per batch augments all rows or none.
    per_batch = [_changed_fraction((net.augmenter_(x, torch.Generator().manual_seed(s)) != x).any(1))
                 for s in range(10)]
    assert set(per_batch) <= {0.0, 1.0} and set(per_batch) == {0.0, 1.0}


def test_p_zero_and_one_are_respected_per_sample():
    for p, expected in ((0.0, 0.0), (1.0, 1.0)):
        net, X = _fitted(p)
        x = torch.as_tensor(X, dtype=torch.float32)
        net.aug_rng_ = torch.Generator().manual_seed(1)
        assert _changed_fraction((net._augment(x) != x).any(1)) == expected


def test_unchosen_rows_pass_bit_for_bit():
    net, X = _fitted(0.6)
    x = torch.as_tensor(X, dtype=torch.float32)
    net.aug_rng_ = torch.Generator().manual_seed(2)
    out = net._augment(x)
    kept = ~(out != x).any(1)
    assert 0 < int(kept.sum()) < x.shape[0]
    assert torch.equal(out[kept], x[kept])
