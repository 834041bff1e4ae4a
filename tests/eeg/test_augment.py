"""Feature augmentation: statistics, rates, determinism."""

import pickle

import numpy as np
import pytest
import torch

from skvalence.eeg.augment import FeatureAugmenter, cell_mask, channel_dropout, gaussian_noise


def _X(n=400, n_features=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(loc=5.0, scale=np.linspace(0.5, 3.0, n_features), size=(n, n_features))


def test_noise_scale_follows_training_std():
    X = _X()
    aug = FeatureAugmenter(p=1.0, channel_drop=0.0, mask_fraction=0.0).fit(X)
    x = torch.zeros(20000, 40)
    out = aug(x, torch.Generator().manual_seed(0)).numpy()
    np.testing.assert_allclose(out.std(0), 0.05 * X.std(0), rtol=0.05)


def test_channel_dropout_rate_and_whole_channels():
    fill = torch.full((40,), -7.0)
    out = channel_dropout(torch.zeros(5000, 40), fill, 5, 0.15, torch.Generator().manual_seed(0))
    dropped = (out == -7.0).numpy().reshape(5000, 8, 5)
    # Every band of a channel is dropped together.
    assert np.all(dropped.all(-1) == dropped.any(-1))
    assert abs(dropped[..., 0].mean() - 0.15) < 0.01


def test_cell_mask_bounded_by_fraction():
    out = cell_mask(torch.zeros(2000, 160), torch.ones(160), 0.05, torch.Generator().manual_seed(0))
    frac = (out == 1).float().mean(1).numpy()
    assert frac.max() <= 0.05 and 0.015 < frac.mean() < 0.03


def test_probability_and_determinism():
    X = _X()
    aug = FeatureAugmenter(p=0.6).fit(X)
    x = torch.as_tensor(X[:32], dtype=torch.float32)
    changed = [not torch.equal(aug(x, g), x) for g in [torch.Generator().manual_seed(s) for s in range(300)]]
    assert 0.5 < np.mean(changed) < 0.7
    a = aug(x, torch.Generator().manual_seed(3))
    b = pickle.loads(pickle.dumps(aug))(x, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)
    assert gaussian_noise(x, torch.ones(40), 0.0).equal(x)


def test_refit_uses_the_new_statistics():
    # Dropped channels are filled with the training mean; after a refit on
    # other data the fill must be the new mean, not a cached tensor of the old.
    aug = FeatureAugmenter(p=1.0, noise=0.0, channel_drop=1.0, mask_fraction=0.0).fit(_X())
    x = torch.zeros(4, 40)
    assert torch.allclose(aug(x, torch.Generator().manual_seed(0)), torch.full((4, 40), 5.0), atol=0.3)
    aug.fit(_X() - 5.0)
    assert torch.allclose(aug(x, torch.Generator().manual_seed(0)), torch.zeros(4, 40), atol=0.3)


def test_bad_input():
    with pytest.raises(ValueError, match="multiple of n_bands"):
        FeatureAugmenter(n_bands=3).fit(_X())
    with pytest.raises(ValueError, match="p must"):
        FeatureAugmenter(p=1.5).fit(_X())
    with pytest.raises(ValueError, match="NaN"):
        FeatureAugmenter().fit(np.full((4, 10), np.nan))
    aug = FeatureAugmenter().fit(_X())
    with pytest.raises(ValueError, match="features"):
        aug(torch.zeros(2, 10))
