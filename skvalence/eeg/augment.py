"""Training-time augmentation of channel x band feature grids (the paper's recipe).

The paper augments with probability p = 0.6: Gaussian noise of 0.05 x the feature
standard deviation, channel dropout with rate 0.15 and temporal masking of at most
5 %. Differential-entropy features have no time axis inside a sample, so "temporal
masking" becomes masking of up to 5 % of the (channel, band) cells of each sample.

"Dropping" or "masking" a value replaces it by the training mean of that feature
(not by 0): on raw DE values 0 is an extreme value, whereas the mean is what
a standardised model sees as 0.

The statistics (mean, std) come from the training data at :meth:`FeatureAugmenter.fit`;
augmentation runs on torch batches with an explicit :class:`torch.Generator`, so a
seeded generator gives identical batches.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["FeatureAugmenter", "gaussian_noise", "channel_dropout", "cell_mask"]


def _check_rate(name, value, high=1.0):
    """A finite real number in ``[0, high]`` (``high=None``: no upper bound), as float."""
    check_scalar(value, name, numbers.Real)  # TypeError naming the parameter
    if not (math.isfinite(value) and value >= 0 and (high is None or value <= high)):
        where = "a finite number >= 0" if high is None else f"[0, {high}]"
        raise ValueError(f"{name} must lie in {where}, got {value!r}")
    return float(value)


def gaussian_noise(x, std, scale=0.05, generator=None):
    """Add zero-mean Gaussian noise with per-feature std ``scale * std``.

    Parameters
    ----------
    x : Tensor of shape (batch, n_features)
    std : Tensor of shape (n_features,)
        Per-feature standard deviation of the training data.
    scale : float, default=0.05
    generator : torch.Generator, optional

    Returns
    -------
    Tensor of the same shape as ``x``.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> gaussian_noise(torch.zeros(2, 3), torch.ones(3), 0.0, g).abs().sum().item()
    0.0
    """
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x + noise * (scale * std)


def channel_dropout(x, fill, n_bands, rate=0.15, generator=None):
    """Replace every band of a channel by ``fill`` with probability ``rate`` (per sample).

    Parameters
    ----------
    x : Tensor of shape (batch, n_channels * n_bands), channel-major
    fill : Tensor of shape (n_features,)
        Values written into dropped cells (the training mean).
    n_bands : int
    rate : float, default=0.15
    generator : torch.Generator, optional

    Examples
    --------
    >>> import torch
    >>> out = channel_dropout(torch.ones(1, 10), torch.zeros(10), 5, rate=1.0)
    >>> out.sum().item()
    0.0
    """
    n, n_features = x.shape
    drop = torch.rand((n, n_features // n_bands, 1), generator=generator, device=x.device) < rate
    drop = drop.expand(-1, -1, n_bands).reshape(n, n_features)
    return torch.where(drop, fill.expand_as(x), x)


def cell_mask(x, fill, max_fraction=0.05, generator=None):
    """Mask a random fraction (uniform in [0, ``max_fraction``]) of each sample's cells.

    Parameters
    ----------
    x : Tensor of shape (batch, n_features)
    fill : Tensor of shape (n_features,)
    max_fraction : float, default=0.05
    generator : torch.Generator, optional

    Examples
    --------
    >>> import torch
    >>> out = cell_mask(torch.ones(4, 100), torch.zeros(100), 0.05)
    >>> bool((out == 0).float().mean(1).max() <= 0.05)
    True
    """
    n, n_features = x.shape
    fraction = torch.rand((n, 1), generator=generator, device=x.device) * max_fraction
    n_masked = torch.floor(fraction * n_features)
    # A random rank per cell; the n_masked lowest ranks of a row are masked.
    ranks = torch.rand((n, n_features), generator=generator, device=x.device).argsort(1).argsort(1)
    return torch.where(ranks < n_masked, fill.expand_as(x), x)


class FeatureAugmenter(BaseEstimator):
    """Random noise, channel dropout and cell masking for DE feature batches.

    With probability ``p`` a batch is augmented; an augmented batch receives all
    three operations (noise, then channel dropout, then cell masking), each drawn
    independently per sample.

    Parameters
    ----------
    n_bands : int, default=5
        Bands per channel (features are channel-major).
    p : float, default=0.6
        Probability that a batch is augmented.
    noise : float, default=0.05
        Noise std as a fraction of each feature's training std.
    channel_drop : float, default=0.15
        Per-sample probability of dropping each channel.
    mask_fraction : float, default=0.05
        Upper bound of the fraction of cells masked per sample.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    std_ : ndarray of shape (n_features,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, torch
    >>> X = np.random.default_rng(0).normal(size=(50, 20))
    >>> aug = FeatureAugmenter(n_bands=5, p=1.0).fit(X)
    >>> g = torch.Generator().manual_seed(0)
    >>> aug(torch.as_tensor(X[:4], dtype=torch.float32), g).shape
    torch.Size([4, 20])
    """

    def __init__(self, n_bands=5, p=0.6, noise=0.05, channel_drop=0.15, mask_fraction=0.05):
        self.n_bands = n_bands
        self.p = p
        self.noise = noise
        self.channel_drop = channel_drop
        self.mask_fraction = mask_fraction

    def fit(self, X, y=None):
        """Learn the per-feature mean and std of the training data."""
        _check_rate("p", self.p)
        _check_rate("channel_drop", self.channel_drop)
        _check_rate("mask_fraction", self.mask_fraction)
        _check_rate("noise", self.noise, high=None)
        check_scalar(self.n_bands, "n_bands", numbers.Integral, min_val=1)
        X = validate_data(self, X, dtype=np.float64)
        if X.shape[1] % int(self.n_bands):
            raise ValueError(
                f"X has {X.shape[1]} features, not a multiple of n_bands={self.n_bands}"
            )
        # Statistics of each column divided by the power of two above its peak (exact), so that
        # the squares behind the std cannot overflow whatever the features' magnitude.
        e = np.frexp(np.max(np.abs(X), axis=0))[1]
        Xs = np.ldexp(X, -e)
        self.mean_ = np.ldexp(Xs.mean(0), e)
        self.std_ = np.ldexp(Xs.std(0), e)
        self.__dict__.pop("_cache", None)  # tensors of a previous fit's statistics
        return self

    def _tensors(self, x):
        key = (x.dtype, x.device)
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] != key:
            mean = torch.as_tensor(self.mean_, dtype=x.dtype, device=x.device)
            std = torch.as_tensor(self.std_, dtype=x.dtype, device=x.device)
            self._cache = (key, mean, std)
        return self._cache[1], self._cache[2]

    def __call__(self, x, generator=None):
        """Augment one batch (a float tensor of shape (batch, n_features))."""
        check_is_fitted(self, "mean_")
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            kind = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
            raise TypeError(f"FeatureAugmenter augments a floating-point torch.Tensor batch, got {kind}")
        if x.ndim != 2 or x.shape[-1] != self.n_features_in_:
            raise ValueError(
                f"batch must have shape (batch, {self.n_features_in_}) (the features seen in fit), "
                f"got {tuple(x.shape)}"
            )
        if torch.rand((), generator=generator, device=x.device).item() >= self.p:
            return x
        mean, std = self._tensors(x)
        x = gaussian_noise(x, std, self.noise, generator)
        x = channel_dropout(x, mean, int(self.n_bands), self.channel_drop, generator)
        return cell_mask(x, mean, self.mask_fraction, generator)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)
        return state
