"""PyTorch backbones that decode emotion classes from a channel x band feature grid.

Every backbone takes ``x`` of shape ``(batch, n_channels * n_bands)`` (channel-major,
as :class:`~skvalence.eeg.features.DEFeatureExtractor` writes it) or
``(batch, n_channels, n_bands)`` and exposes the same three pieces, which the
analyses rely on:

* ``features(x) -> (batch, n_features)``: the penultimate representation;
* ``head``: an ``nn.Module`` mapping features to class logits;
* ``forward(x) = head(features(x))``.

Each backbone also holds two fixed buffers, ``input_mean`` and ``input_scale``,
filled by :class:`~skvalence.decoders.ValenceNetClassifier` from the training data
at fit, so that standardisation travels with the module (a pickled or
transplanted module sees raw features, like the estimator does).

Families (:data:`MODULES`): ``"mlp"``, ``"axial"`` (the paper's backbone),
``"dgcnn"`` (graph convolution over the electrode layout) and ``"cnn"``.
"""

from __future__ import annotations

import inspect

import numpy as np
import torch
from torch import nn

__all__ = [
    "GridModule",
    "MLPDecoder",
    "AxialTransformer",
    "DGCNN",
    "GridCNN",
    "MODULES",
    "AXIAL_PAPER",
    "build_module",
]

#: Hyper-parameters of the paper's axial transformer (the CPU default is smaller).
AXIAL_PAPER = {"depth": 6, "width": 128}


class GridModule(nn.Module):
    """Base class: input standardisation, reshaping and the ``features``/``head`` split.

    Parameters
    ----------
    n_channels, n_bands : int
        Shape of the feature grid.
    n_classes : int
        Number of output logits.

    Examples
    --------
    >>> import torch
    >>> from skvalence.decoders.modules import MLPDecoder
    >>> net = MLPDecoder(n_channels=4, n_bands=5, n_classes=3)
    >>> net(torch.zeros(2, 20)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_channels, n_bands, n_classes):
        super().__init__()
        for name, value in (("n_channels", n_channels), ("n_bands", n_bands), ("n_classes", n_classes)):
            if int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.n_channels = int(n_channels)
        self.n_bands = int(n_bands)
        self.n_classes = int(n_classes)
        n_in = self.n_channels * self.n_bands
        self.register_buffer("input_mean", torch.zeros(n_in))
        self.register_buffer("input_scale", torch.ones(n_in))

    def set_input_stats(self, mean, scale):
        """Store per-feature mean and scale used to standardise every input."""
        mean = torch.as_tensor(np.asarray(mean), dtype=self.input_mean.dtype).reshape(-1)
        scale = torch.as_tensor(np.asarray(scale), dtype=self.input_scale.dtype).reshape(-1)
        self.input_mean.copy_(mean.to(self.input_mean.device))
        self.input_scale.copy_(scale.to(self.input_scale.device))
        return self

    def grid(self, x):
        """Standardise and reshape ``x`` to ``(batch, n_channels, n_bands)``."""
        x = x.reshape(x.shape[0], -1)
        x = (x - self.input_mean) / self.input_scale
        return x.reshape(x.shape[0], self.n_channels, self.n_bands)

    def features(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x):
        return self.head(self.features(x))


class MLPDecoder(GridModule):
    """Multi-layer perceptron on the flattened grid.

    Parameters
    ----------
    n_channels, n_bands, n_classes : int
        Grid shape and number of classes.
    hidden : int, default=128
        Width of every hidden layer (also the feature dimension).
    depth : int, default=2
        Number of hidden layers.
    dropout : float, default=0.2
        Dropout after every hidden layer.

    Examples
    --------
    >>> import torch
    >>> net = MLPDecoder(8, 5, 9, hidden=16)
    >>> net.features(torch.zeros(3, 40)).shape
    torch.Size([3, 16])
    """

    def __init__(self, n_channels, n_bands, n_classes, hidden=128, depth=2, dropout=0.2):
        super().__init__(n_channels, n_bands, n_classes)
        layers, n_in = [], n_channels * n_bands
        for _ in range(int(depth)):
            layers += [nn.Linear(n_in, hidden), nn.GELU(), nn.Dropout(dropout)]
            n_in = hidden
        self.body = nn.Sequential(*layers)
        self.n_features = n_in
        self.head = nn.Linear(n_in, n_classes)

    def features(self, x):
        return self.body(self.grid(x).flatten(1))


class _AxialBlock(nn.Module):
    """Pre-norm block: attention along channels, then along bands, then an MLP."""

    def __init__(self, width, n_heads, mlp_ratio, dropout, attn_dropout):
        super().__init__()
        self.norm_c = nn.LayerNorm(width)
        self.attn_c = nn.MultiheadAttention(width, n_heads, dropout=attn_dropout, batch_first=True)
        self.norm_b = nn.LayerNorm(width)
        self.attn_b = nn.MultiheadAttention(width, n_heads, dropout=attn_dropout, batch_first=True)
        self.norm_m = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, mlp_ratio * width), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(mlp_ratio * width, width),
        )
        self.drop = nn.Dropout(dropout)

    @staticmethod
    def _attend(attn, norm, tokens):
        h = norm(tokens)
        return attn(h, h, h, need_weights=False)[0]

    def forward(self, z):
        b, c, f, w = z.shape
        # Along channels: one sequence of C tokens for every (sample, band).
        along_c = z.permute(0, 2, 1, 3).reshape(b * f, c, w)
        along_c = along_c + self.drop(self._attend(self.attn_c, self.norm_c, along_c))
        z = along_c.reshape(b, f, c, w).permute(0, 2, 1, 3)
        # Along bands: one sequence of F tokens for every (sample, channel).
        along_b = z.reshape(b * c, f, w)
        along_b = along_b + self.drop(self._attend(self.attn_b, self.norm_b, along_b))
        z = along_b.reshape(b, c, f, w)
        return z + self.drop(self.mlp(self.norm_m(z)))


class AxialTransformer(GridModule):
    """Axial transformer over the channel x band grid (the paper's backbone).

    Each cell's scalar value is embedded to ``width`` and summed with a learned
    channel and band embedding; ``depth`` pre-norm blocks attend along channels
    (per band), then along bands (per channel), then apply an MLP. Mean pooling
    over cells and a final LayerNorm give the penultimate features.

    Parameters
    ----------
    n_channels, n_bands, n_classes : int
        Grid shape and number of classes.
    depth : int, default=2
        Number of axial blocks; the paper uses 6 (:data:`AXIAL_PAPER`). The default
        is smaller so CPU training and tests stay fast.
    width : int, default=32
        Token width; the paper uses 128.
    n_heads : int, default=4
        Attention heads (must divide ``width``).
    mlp_ratio : int, default=2
        Hidden size of the block MLP, as a multiple of ``width``.
    dropout : float, default=0.1
        Dropout in the MLP and residual branches.
    attn_dropout : float, default=0.0
        Dropout on attention weights (off by default: on CPU it costs about a third
        of the training time for no measured gain on DE grids).
    pool : {"attention", "mean", "flatten"}, default="attention"
        How cell tokens become one feature vector: a learned softmax weighting
        of cells (lets a few informative cells dominate), a plain mean, or a
        linear map of all tokens concatenated.

    Examples
    --------
    >>> import torch
    >>> net = AxialTransformer(8, 5, 9, depth=1, width=16)
    >>> net(torch.zeros(2, 40)).shape
    torch.Size([2, 9])
    """

    def __init__(self, n_channels, n_bands, n_classes, depth=2, width=32, n_heads=4,
                 mlp_ratio=2, dropout=0.1, attn_dropout=0.0, pool="attention"):
        super().__init__(n_channels, n_bands, n_classes)
        if width % n_heads:
            raise ValueError(f"width={width} must be divisible by n_heads={n_heads}")
        if pool not in ("attention", "mean", "flatten"):
            raise ValueError(f"pool must be 'attention', 'mean' or 'flatten', got {pool!r}")
        self.pool = pool
        if pool == "attention":
            self.pool_score = nn.Linear(width, 1)
        elif pool == "flatten":
            self.pool_proj = nn.Linear(n_channels * n_bands * width, width)
        self.cell_embed = nn.Linear(1, width)
        self.channel_embed = nn.Parameter(torch.randn(n_channels, width) * 0.02)
        self.band_embed = nn.Parameter(torch.randn(n_bands, width) * 0.02)
        self.blocks = nn.ModuleList(
            _AxialBlock(width, n_heads, mlp_ratio, dropout, attn_dropout) for _ in range(int(depth))
        )
        self.norm = nn.LayerNorm(width)
        self.n_features = width
        self.head = nn.Linear(width, n_classes)

    def features(self, x):
        z = self.cell_embed(self.grid(x).unsqueeze(-1))
        z = z + self.channel_embed[None, :, None, :] + self.band_embed[None, None, :, :]
        for block in self.blocks:
            z = block(z)
        tokens = z.flatten(1, 2)
        if self.pool == "attention":
            weights = self.pool_score(tokens).softmax(dim=1)
            pooled = (weights * tokens).sum(1)
        elif self.pool == "flatten":
            pooled = self.pool_proj(tokens.flatten(1))
        else:
            pooled = tokens.mean(1)
        return self.norm(pooled)


class DGCNN(GridModule):
    """Dynamical graph CNN: Chebyshev graph convolution with a learnable adjacency.

    Following Song et al. (2018, IEEE Trans. Affective Computing), the adjacency
    is a trainable matrix (kept non-negative and symmetric) initialised from the
    electrode graph of :func:`skvalence.eeg.montage.electrode_adjacency` when channel
    names are known, else from a fully connected graph. Each channel's band vector
    is filtered with Chebyshev polynomials of the normalised Laplacian.

    Parameters
    ----------
    n_channels, n_bands, n_classes : int
        Grid shape and number of classes.
    ch_names : sequence of str, optional
        Channel names, used to build the initial adjacency.
    adjacency : array of shape (n_channels, n_channels), optional
        Initial adjacency; overrides ``ch_names``.
    order : int, default=2
        Chebyshev order K.
    hidden : int, default=32
        Graph-convolution output width per channel.
    n_features : int, default=64
        Penultimate feature dimension.
    n_neighbors : int, default=4
        Neighbours per electrode for the initial graph.
    dropout : float, default=0.2

    Examples
    --------
    >>> import torch
    >>> net = DGCNN(4, 5, 3, ch_names=["Fz", "Cz", "Pz", "Oz"], hidden=8, n_features=8)
    >>> net.features(torch.zeros(2, 20)).shape
    torch.Size([2, 8])
    """

    def __init__(self, n_channels, n_bands, n_classes, ch_names=None, adjacency=None, order=2,
                 hidden=32, n_features=64, n_neighbors=4, dropout=0.2):
        super().__init__(n_channels, n_bands, n_classes)
        if adjacency is None and ch_names is not None:
            if len(ch_names) != n_channels:
                raise ValueError(f"ch_names has {len(ch_names)} names but n_channels={n_channels}")
            from skvalence.eeg.montage import electrode_adjacency

            adjacency = electrode_adjacency(list(ch_names), n_neighbors=n_neighbors)
        if adjacency is None:
            adjacency = np.ones((n_channels, n_channels)) - np.eye(n_channels)
        adjacency = np.asarray(adjacency, dtype=np.float32)
        if adjacency.shape != (n_channels, n_channels):
            raise ValueError(f"adjacency must have shape {(n_channels, n_channels)}, got {adjacency.shape}")
        self.adjacency = nn.Parameter(torch.from_numpy(adjacency.copy()))
        self.order = int(order)
        self.cheb = nn.ModuleList(nn.Linear(n_bands, hidden, bias=False) for _ in range(self.order))
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.proj = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(n_channels * hidden, n_features), nn.GELU()
        )
        self.n_features = n_features
        self.head = nn.Linear(n_features, n_classes)

    def laplacian(self):
        """Scaled normalised Laplacian ``-D^-1/2 A D^-1/2`` of the current adjacency."""
        a = torch.relu(self.adjacency)
        a = 0.5 * (a + a.T)
        d = a.sum(1).clamp_min(1e-6).rsqrt()
        # With eigenvalues of L = I - D^-1/2 A D^-1/2 in [0, 2], 2L/lmax - I uses lmax = 2.
        return -(d[:, None] * a * d[None, :])

    def features(self, x):
        g = self.grid(x)
        lap = self.laplacian()
        t_prev, t_cur = g, lap @ g
        out = self.cheb[0](t_prev)
        for k in range(1, self.order):
            out = out + self.cheb[k](t_cur)
            t_prev, t_cur = t_cur, 2 * (lap @ t_cur) - t_prev
        return self.proj(torch.relu(out + self.bias).flatten(1))


class GridCNN(GridModule):
    """Small convolutional net: band filters per channel, then a spatial filter bank.

    A 1-D convolution across bands (shared by all channels) is followed by a
    depthwise "spatial" convolution spanning all channels (as in EEGNet /
    ShallowConvNet, applied to feature grids), then a linear projection.

    Parameters
    ----------
    n_channels, n_bands, n_classes : int
        Grid shape and number of classes.
    n_filters : int, default=16
        Band filters.
    n_spatial : int, default=2
        Spatial filters per band filter.
    n_features : int, default=64
        Penultimate feature dimension.
    dropout : float, default=0.2

    Examples
    --------
    >>> import torch
    >>> net = GridCNN(8, 5, 9, n_filters=4, n_features=8)
    >>> net(torch.zeros(2, 40)).shape
    torch.Size([2, 9])
    """

    def __init__(self, n_channels, n_bands, n_classes, n_filters=16, n_spatial=2, n_features=64,
                 dropout=0.2):
        super().__init__(n_channels, n_bands, n_classes)
        kernel = min(3, n_bands)
        self.band_conv = nn.Conv2d(1, n_filters, (1, kernel), padding=(0, kernel // 2))
        self.spatial_conv = nn.Conv2d(n_filters, n_filters * n_spatial, (n_channels, 1), groups=n_filters)
        self.norm = nn.BatchNorm2d(n_filters * n_spatial)
        n_out = n_filters * n_spatial * (n_bands + 2 * (kernel // 2) - kernel + 1)
        self.proj = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_out, n_features), nn.GELU())
        self.n_features = n_features
        self.head = nn.Linear(n_features, n_classes)

    def features(self, x):
        z = self.band_conv(self.grid(x).unsqueeze(1))
        z = nn.functional.gelu(self.norm(self.spatial_conv(z)))
        return self.proj(z.flatten(1))


#: Backbone families by name.
MODULES = {"mlp": MLPDecoder, "axial": AxialTransformer, "dgcnn": DGCNN, "cnn": GridCNN}


def build_module(name, n_channels, n_bands, n_classes, **kwargs):
    """Instantiate a backbone family by name.

    Parameters
    ----------
    name : {"mlp", "axial", "dgcnn", "cnn"} or nn.Module subclass
        Backbone family.
    n_channels, n_bands, n_classes : int
        Grid shape and number of classes.
    **kwargs
        Hyper-parameters of the family (e.g. ``depth=6, width=128`` for ``"axial"``).
        ``ch_names`` is only forwarded to families that accept it (``"dgcnn"``).

    Returns
    -------
    module : GridModule

    Examples
    --------
    >>> m = build_module("axial", 32, 5, 9, depth=1, width=16)
    >>> m.n_features
    16
    """
    if isinstance(name, str):
        if name not in MODULES:
            raise ValueError(f"Unknown module family {name!r}; valid: {sorted(MODULES)}")
        cls = MODULES[name]
    elif isinstance(name, type) and issubclass(name, nn.Module):
        cls = name
    else:
        raise TypeError(f"module must be a family name or an nn.Module subclass, got {name!r}")
    if "ch_names" not in inspect.signature(cls).parameters:
        kwargs.pop("ch_names", None)
    try:
        return cls(n_channels=n_channels, n_bands=n_bands, n_classes=n_classes, **kwargs)
    except TypeError as exc:
        raise TypeError(f"Bad hyper-parameters for module {getattr(cls, '__name__', cls)}: {exc}") from exc

