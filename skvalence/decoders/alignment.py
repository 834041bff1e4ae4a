"""Alignment losses: the modules behind the strategies of :mod:`skvalence.decoders.registry`.

Every loss is an ``nn.Module`` built once per fit from the class target (one V-axis
coordinate or one prototype row per class). Its ``forward(batch)`` returns the
*unweighted* scalar loss; the net multiplies it by ``alignment_weight`` and by
:meth:`AlignmentLoss.alignment_scale` (schedules).

Target convention. The target is turned into ``prototypes`` of shape
``(n_classes, k)``: centred over classes and divided by the root-mean-square row
norm, so weights mean the same thing for any language model and any ``k`` (a 1-D
coordinate becomes z-scores). Strategies that need one scalar per class use
``axis``: the single column when ``k == 1``, else the prototypes' first principal
component scores (the V-axis construction), scaled to unit std. High-dimensional
prototypes (e.g. 384-D sentence-embedding centroids) are used as they are: every
strategy that compares features with them first maps the features into the target
space with a learned linear readout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from skvalence.eeg.montage import channel_region, hemisphere

__all__ = [
    "AlignmentBatch",
    "AlignmentLoss",
    "normalise_target",
    "scalar_axis",
    "AxisRegression",
    "MaskedAxisRegression",
    "ProcrustesLoss",
    "RSALoss",
    "LinearCKALoss",
    "PrototypeCELoss",
    "ValenceSupConLoss",
    "PairwiseRankingLoss",
    "MultiAxisRegression",
    "PrototypeDistillation",
    "AdapterHeadLoss",
    "PretrainFinetune",
    "CrossDatasetPretrain",
    "UncertaintyWeighted",
]

_EPS = 1e-8
#: Index of alpha in the default DE band order (delta, theta, alpha, beta, gamma).
_ALPHA = 2


@dataclass
class AlignmentBatch:
    """What a loss sees of one mini-batch.

    Attributes
    ----------
    features : Tensor (batch, n_features)
        Penultimate features of the backbone.
    logits : Tensor (batch, n_classes)
    y : LongTensor (batch,)
        Encoded class indices.
    stimulus : LongTensor (batch,) or None
        Stimulus ids (-1 where unknown).
    x : Tensor (batch, n_inputs) or None
        The (augmented) raw input batch, for losses that re-run the backbone.
    module : nn.Module or None
        The backbone (``features``, ``input_mean``).
    progress : float
        Fraction of training done at this epoch, in [0, 1).
    """

    features: torch.Tensor
    logits: torch.Tensor
    y: torch.Tensor
    stimulus: Any = None
    x: Any = None
    module: Any = None
    progress: float = 0.0


def normalise_target(target):
    """Centre prototype rows over classes and scale them to unit RMS norm.

    Returns the normalised ``(n_classes, k)`` prototypes (a 1-D target becomes one
    column), the class-mean row that was subtracted and the scale divided by.

    Examples
    --------
    >>> from skvalence.decoders.alignment import normalise_target
    >>> prototypes, centre, scale = normalise_target([1.0, 2.0, 3.0])
    >>> prototypes.ravel().round(3).tolist(), centre.tolist()
    ([-1.225, 0.0, 1.225], [2.0])
    """
    t = np.asarray(target, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    centre = t.mean(0)
    t = t - centre
    scale = np.sqrt((t**2).sum(1).mean())
    if not np.isfinite(scale) or scale < _EPS:
        raise ValueError("alignment_target is constant across classes; it carries no axis")
    return t / scale, centre, scale


def scalar_axis(prototypes):
    """One z-scored coordinate per class: the column, or the rows' PC1 scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.decoders.alignment import scalar_axis
    >>> scalar_axis(np.array([[0.0], [1.0], [5.0]])).round(3).tolist()
    [-0.926, -0.463, 1.389]
    """
    if prototypes.shape[1] == 1:
        axis = prototypes[:, 0]
    else:
        _, _, vt = np.linalg.svd(prototypes, full_matrices=False)
        axis = prototypes @ vt[0]
    return (axis - axis.mean()) / max(axis.std(), _EPS)


def _zero_like(features):
    # A zero that stays in the graph, so a batch that cannot form the loss still
    # backpropagates (to nothing) instead of breaking the training step.
    return features.sum() * 0.0


def _class_means(features, y, n_classes):
    onehot = F.one_hot(y, n_classes).to(features.dtype)
    counts = onehot.sum(0)
    present = counts > 0
    means = (onehot.T @ features)[present] / counts[present, None]
    return means, present


def _sq_distances(a, b):
    """Squared Euclidean distance of every row of ``a`` to every row of ``b``."""
    return ((a[:, None] - b[None]) ** 2).sum(-1)


def _pearson(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm() + _EPS)


class AlignmentLoss(nn.Module):
    """Base class: holds the normalised target and the training schedule hooks.

    Parameters
    ----------
    n_features : int
        Penultimate feature dimension of the backbone.
    n_classes : int
    target : array of shape (n_classes,) or (n_classes, k)
    context : dict
        Grid description and optional inputs (``ch_names``, ``n_channels``,
        ``n_bands``, ``stimulus_target``, ``stimulus_classes``, ``topography``).
    """

    def __init__(self, n_features, n_classes, target, context):
        super().__init__()
        prototypes, self._centre, self._scale = normalise_target(target)
        self.n_features = int(n_features)
        self.n_classes = int(n_classes)
        self.register_buffer("prototypes", torch.as_tensor(prototypes, dtype=torch.float32))
        self.register_buffer("axis", torch.as_tensor(scalar_axis(prototypes), dtype=torch.float32))

    # Schedule hooks: multipliers of the CE and alignment terms, and whether
    # the CE gradient may reach the backbone (pretrain-then-finetune).
    def ce_scale(self, progress):
        return 1.0

    def alignment_scale(self, progress):
        return 1.0

    def freeze_backbone(self, progress):
        return False


class AxisRegression(AlignmentLoss):
    """Linear readout of the features regressed onto each sample's class coordinate.

    ``criterion="mse"`` (optionally class-weighted) or ``"corr"`` (1 - Pearson r
    within the batch). ``upweight_class``/``factor`` multiply one class's weight;
    ``class_weight="extreme"`` weights classes by ``|coordinate|``. ``ramp`` grows
    the weight linearly from 10 % to 100 % over the first half of training.
    """

    def __init__(self, n_features, n_classes, target, context, criterion="mse",
                 upweight_class=None, factor=3.0, class_weight=None, ramp=False):
        super().__init__(n_features, n_classes, target, context)
        if criterion not in ("mse", "corr"):
            raise ValueError(f"criterion must be 'mse' or 'corr', got {criterion!r}")
        self.criterion = criterion
        self.ramp = bool(ramp)
        self.readout = nn.Linear(self.n_features, 1)
        weights = torch.ones(n_classes)
        if upweight_class is not None:
            if not 0 <= int(upweight_class) < n_classes:
                raise ValueError(f"upweight_class={upweight_class} is not a class index < {n_classes}")
            weights[int(upweight_class)] = float(factor)
        if class_weight == "extreme":
            weights = self.axis.abs() / self.axis.abs().mean()
        elif class_weight is not None:
            raise ValueError(f"class_weight must be None or 'extreme', got {class_weight!r}")
        self.register_buffer("class_weights", weights.float())

    def alignment_scale(self, progress):
        return 0.1 + 0.9 * min(1.0, progress / 0.5) if self.ramp else 1.0

    def _source(self, batch):
        return batch.features

    def forward(self, batch):
        score = self.readout(self._source(batch)).squeeze(-1)
        coord = self.axis[batch.y]
        if self.criterion == "corr":
            if coord.std() < _EPS:
                return _zero_like(score)
            return 1.0 - _pearson(score, coord)
        w = self.class_weights[batch.y]
        return (w * (score - coord) ** 2).sum() / w.sum()


class MaskedAxisRegression(AxisRegression):
    """Axis regression from the backbone's features of a channel-masked input.

    Cells outside the mask are set to their training mean (0 after the backbone's
    standardisation); ``signed=True`` multiplies frontal alpha cells by the
    hemisphere sign (right +1, left -1), so the masked input carries only the
    pattern whose sum is the frontal alpha asymmetry index. ``regions="topography"``
    uses ``|topography| / max|topography|`` (e.g. tracking-regression weights) as
    a soft mask. The gradient reaches the backbone through a second forward pass.
    """

    def __init__(self, n_features, n_classes, target, context, regions=("frontal",),
                 bands=None, signed=False, **kwargs):
        super().__init__(n_features, n_classes, target, context, **kwargs)
        n_channels, n_bands = context["n_channels"], context["n_bands"]
        if regions == "topography":
            mask = self._topography_mask(context.get("topography"), n_channels, n_bands)
        else:
            mask = self._region_mask(context["ch_names"], n_bands, regions, bands, signed)
        self.register_buffer("cell_mask", torch.as_tensor(mask, dtype=torch.float32).reshape(-1))

    @staticmethod
    def _region_mask(ch_names, n_bands, regions, bands, signed):
        if ch_names is None:
            raise ValueError("Channel-masked alignment losses need ch_names (or 32/62 channels)")
        rows = np.array([channel_region(c) in regions for c in ch_names], dtype=float)
        if signed:
            rows = rows * np.array([hemisphere(c) for c in ch_names], dtype=float)
        cols = np.ones(n_bands)
        if bands == "alpha":
            if n_bands != 5:
                raise ValueError(f"An alpha-band mask needs the 5 DE bands, got n_bands={n_bands}")
            cols = np.eye(n_bands)[_ALPHA]
        mask = np.outer(rows, cols)
        if not np.any(mask):
            raise ValueError(f"No channel of ch_names lies in regions {regions}; the mask is empty")
        return mask

    @staticmethod
    def _topography_mask(topography, n_channels, n_bands):
        if topography is None:
            raise ValueError(
                "alignment_loss='axis-topo-optimal' needs alignment_kwargs={'topography': "
                "array of shape (n_channels,) or (n_channels, n_bands)}, e.g. tracking weights"
            )
        topo = np.abs(np.asarray(topography, dtype=float))
        if topo.shape == (n_channels * n_bands,):
            topo = topo.reshape(n_channels, n_bands)
        if topo.shape == (n_channels,):
            topo = np.repeat(topo[:, None], n_bands, axis=1)
        if topo.shape != (n_channels, n_bands):
            raise ValueError(
                f"topography must have shape ({n_channels},) or ({n_channels}, {n_bands}), got {topo.shape}"
            )
        if not np.all(np.isfinite(topo)) or topo.max() <= 0:
            raise ValueError("topography must be finite and not all zero")
        return topo / topo.max()

    def _source(self, batch):
        if batch.x is None or batch.module is None:
            raise ValueError("A channel-masked alignment loss needs the input batch and the module")
        mean = batch.module.input_mean
        masked = mean + (batch.x.reshape(batch.x.shape[0], -1) - mean) * self.cell_mask
        return batch.module.features(masked)


class ProcrustesLoss(AlignmentLoss):
    """1 - scaled orthogonal Procrustes fit of batch class means onto the prototypes.

    With centred class means ``M`` and prototypes ``T`` the best rotation and
    scale leave a residual fraction ``1 - ||M^T T||_*^2 / (||M||^2 ||T||^2)``.
    """

    def forward(self, batch):
        means, present = _class_means(batch.features, batch.y, self.n_classes)
        if means.shape[0] < 2:
            return _zero_like(batch.features)
        m = means - means.mean(0)
        t = self.prototypes[present] - self.prototypes[present].mean(0)
        nuclear = torch.linalg.matrix_norm(m.T @ t, ord="nuc")
        return 1.0 - nuclear**2 / ((m**2).sum() * (t**2).sum() + _EPS)


class RSALoss(AlignmentLoss):
    """1 - Pearson r between squared-distance RDMs of batch class means and prototypes."""

    def forward(self, batch):
        means, present = _class_means(batch.features, batch.y, self.n_classes)
        if means.shape[0] < 3:
            return _zero_like(batch.features)
        t = self.prototypes[present]
        iu = torch.triu_indices(means.shape[0], means.shape[0], 1, device=means.device)
        d_m = ((means[:, None] - means[None]) ** 2).sum(-1)[iu[0], iu[1]]
        d_t = ((t[:, None] - t[None]) ** 2).sum(-1)[iu[0], iu[1]]
        if d_t.std() < _EPS:
            return _zero_like(batch.features)
        return 1.0 - _pearson(d_m, d_t)


class LinearCKALoss(AlignmentLoss):
    """1 - linear CKA between batch features and each sample's class prototype."""

    def forward(self, batch):
        x = batch.features - batch.features.mean(0)
        y = self.prototypes[batch.y]
        y = y - y.mean(0)
        hsic = ((y.T @ x) ** 2).sum()
        norm = torch.linalg.matrix_norm(x.T @ x) * torch.linalg.matrix_norm(y.T @ y)
        if norm < _EPS:
            return _zero_like(batch.features)
        return 1.0 - hsic / norm


class PrototypeCELoss(AlignmentLoss):
    """Cross-entropy over classes with logits from the readout's closeness to prototypes.

    ``similarity="distance"``: logit = -||Wf - p_c||^2 / temperature (distance-based
    cross-entropy). ``similarity="cosine"``: logit = cos(Wf, p_c) / temperature
    (InfoNCE with the class prototypes as keys); a 1-D target has no angle, so
    cosine falls back to distance there.
    """

    def __init__(self, n_features, n_classes, target, context, similarity="distance",
                 temperature=1.0):
        super().__init__(n_features, n_classes, target, context)
        self.similarity = similarity
        self.temperature = float(temperature)
        self.readout = nn.Linear(self.n_features, self.prototypes.shape[1])

    def forward(self, batch):
        z = self.readout(batch.features)
        if self.similarity == "cosine" and self.prototypes.shape[1] > 1:
            sim = F.normalize(z, dim=1) @ F.normalize(self.prototypes, dim=1).T
        else:
            sim = -((z[:, None, :] - self.prototypes[None]) ** 2).sum(-1)
        return F.cross_entropy(sim / self.temperature, batch.y)


class ValenceSupConLoss(AlignmentLoss):
    """Supervised contrastive loss whose positives are weighted by valence closeness.

    Pair weight ``w_ij = exp(-||p_yi - p_yj||^2 / (2 bandwidth^2))`` (1 for the same
    class, smaller for classes far apart on the axis); loss is
    ``-sum_j w_ij log softmax_j(cos_ij / T) / sum_j w_ij`` averaged over anchors.
    """

    def __init__(self, n_features, n_classes, target, context, temperature=0.1,
                 bandwidth=0.5, projection_dim=32):
        super().__init__(n_features, n_classes, target, context)
        self.temperature = float(temperature)
        self.bandwidth = float(bandwidth)
        self.projection = nn.Linear(self.n_features, int(projection_dim))
        self._cache_distances()

    def _cache_distances(self):
        # Class-to-class squared prototype distances, gathered per batch. Not
        # persistent (state_dict unchanged); refreshed when prototypes are loaded.
        self.register_buffer("prototype_sq_dist", _sq_distances(self.prototypes, self.prototypes),
                             persistent=False)

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._cache_distances()

    def forward(self, batch):
        z = F.normalize(self.projection(batch.features), dim=1)
        n = z.shape[0]
        if n < 2:
            return _zero_like(batch.features)
        eye = torch.eye(n, dtype=torch.bool, device=z.device)
        logits = (z @ z.T / self.temperature).masked_fill(eye, float("-inf"))
        log_prob = logits.log_softmax(1).masked_fill(eye, 0.0)
        weights = torch.exp(-self.prototype_sq_dist[batch.y][:, batch.y] / (2 * self.bandwidth**2))
        weights = weights.masked_fill(eye, 0.0)
        return -((weights * log_prob).sum(1) / weights.sum(1).clamp_min(_EPS)).mean()


class PairwiseRankingLoss(AlignmentLoss):
    """Margin ranking along the axis: a higher-coordinate class must score higher."""

    def __init__(self, n_features, n_classes, target, context, margin=0.5):
        super().__init__(n_features, n_classes, target, context)
        self.margin = float(margin)
        self.readout = nn.Linear(self.n_features, 1)

    def forward(self, batch):
        s = self.readout(batch.features).squeeze(-1)
        c = self.axis[batch.y]
        ordered = (c[:, None] - c[None]) > _EPS
        if not ordered.any():
            return _zero_like(s)
        hinge = F.relu(self.margin - (s[:, None] - s[None]))
        return hinge[ordered].mean()


class MultiAxisRegression(AlignmentLoss):
    """Regress the features onto every target column at once (several LLM axes).

    Each column is one language model's coordinate per class; each column is
    z-scored separately so no model dominates.
    """

    def __init__(self, n_features, n_classes, target, context):
        super().__init__(n_features, n_classes, target, context)
        cols = self.prototypes
        cols = (cols - cols.mean(0)) / cols.std(0, unbiased=False).clamp_min(_EPS)
        self.register_buffer("columns", cols)
        self.readout = nn.Linear(self.n_features, cols.shape[1])

    def forward(self, batch):
        return ((self.readout(batch.features) - self.columns[batch.y]) ** 2).mean()


class PrototypeDistillation(AlignmentLoss):
    """KL from a teacher built from prototype distances to the student's class posterior.

    Teacher for a sample whose source prototype is ``s`` (its class prototype, or
    its stimulus prototype with ``source="stimulus"``):
    ``softmax_j(-||s - p_j||^2 / temperature)``; loss ``KL(teacher || softmax(logits))``.
    Stimulus prototypes come from ``alignment_kwargs={"stimulus_target": ...}``
    (one coordinate or row per stimulus id, in the units of ``alignment_target``);
    without them each stimulus takes its training class's prototype.
    """

    def __init__(self, n_features, n_classes, target, context, source="class", temperature=1.0):
        super().__init__(n_features, n_classes, target, context)
        self.source = source
        self.temperature = float(temperature)
        if source == "stimulus":
            self.register_buffer("stimulus_prototypes", self._stimulus_rows(context))
        self._cache_distances()

    def _cache_distances(self):
        # Squared distances from every source prototype (class, or stimulus) to every
        # class prototype, gathered per batch. Not persistent (state_dict unchanged);
        # refreshed when prototypes are loaded.
        rows = self.stimulus_prototypes if self.source == "stimulus" else self.prototypes
        self.register_buffer("source_sq_dist", _sq_distances(rows, self.prototypes), persistent=False)

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._cache_distances()

    def _stimulus_rows(self, context):
        rows = context.get("stimulus_target")
        if rows is not None:
            rows = np.asarray(rows, dtype=float)
            rows = rows[:, None] if rows.ndim == 1 else rows
            if rows.ndim != 2 or rows.shape[1] != self.prototypes.shape[1]:
                raise ValueError(
                    f"stimulus_target must have {self.prototypes.shape[1]} column(s) like alignment_target, "
                    f"got shape {rows.shape}"
                )
            rows = (rows - self._centre) / self._scale
            return torch.as_tensor(rows, dtype=torch.float32)
        classes = context.get("stimulus_classes")
        if classes is None:
            raise ValueError("stimulus-prototype distillation needs stimulus ids passed to fit(stimulus=...)")
        return self.prototypes[torch.as_tensor(classes, dtype=torch.long)].clone()

    def forward(self, batch):
        if self.source == "stimulus":
            stim = batch.stimulus
            if stim is None or (stim < 0).any():
                raise ValueError("stimulus-prototype distillation needs a stimulus id for every sample")
            if (stim >= self.stimulus_prototypes.shape[0]).any():
                raise ValueError(
                    f"stimulus ids must be < {self.stimulus_prototypes.shape[0]} (rows of stimulus_target)"
                )
            dist = self.source_sq_dist[stim]
        else:
            dist = self.source_sq_dist[batch.y]
        teacher = (-dist / self.temperature).softmax(1)
        return F.kl_div(batch.logits.log_softmax(1), teacher, reduction="batchmean")


class AdapterHeadLoss(AlignmentLoss):
    """Axis regression through a trainable adapter onto a fixed random readout.

    ``kind="full"``: a full ``d x d`` matrix (identity init); ``"lora"``: identity plus
    a rank-``rank`` update ``B A`` (B zero-initialised, as in LoRA); ``"ia3"``: a
    learned per-feature scale (ones init). The readout direction is a fixed random
    unit vector, so only the adapter (and the backbone) can fit the coordinate.
    """

    def __init__(self, n_features, n_classes, target, context, kind="full", rank=4):
        super().__init__(n_features, n_classes, target, context)
        d = self.n_features
        self.kind = kind
        if kind == "full":
            self.weight = nn.Parameter(torch.eye(d))
        elif kind == "lora":
            self.lora_a = nn.Parameter(torch.randn(int(rank), d) / np.sqrt(d))
            self.lora_b = nn.Parameter(torch.zeros(d, int(rank)))
        elif kind == "ia3":
            self.scale = nn.Parameter(torch.ones(d))
        else:
            raise ValueError(f"kind must be 'full', 'lora' or 'ia3', got {kind!r}")
        self.register_buffer("direction", F.normalize(torch.randn(d), dim=0))
        self.bias = nn.Parameter(torch.zeros(()))

    def adapt(self, f):
        if self.kind == "full":
            return f @ self.weight.T
        if self.kind == "lora":
            return f + (f @ self.lora_a.T) @ self.lora_b.T
        return f * self.scale

    def forward(self, batch):
        score = self.adapt(batch.features) @ self.direction + self.bias
        return ((score - self.axis[batch.y]) ** 2).mean()


class PretrainFinetune(AxisRegression):
    """Axis regression alone for the first ``pretrain_fraction`` of epochs, then CE alone.

    ``frozen=True`` stops the CE gradient at the features during fine-tuning, so
    only the classification head learns (linear probe of the axis-pretrained
    backbone); ``frozen=False`` fine-tunes everything.
    """

    def __init__(self, n_features, n_classes, target, context, frozen=True, pretrain_fraction=0.3):
        super().__init__(n_features, n_classes, target, context)
        self.frozen = bool(frozen)
        self.pretrain_fraction = float(pretrain_fraction)

    def _pretraining(self, progress):
        return progress < self.pretrain_fraction

    def ce_scale(self, progress):
        return 0.0 if self._pretraining(progress) else 1.0

    def alignment_scale(self, progress):
        return 1.0 if self._pretraining(progress) else 0.0

    def freeze_backbone(self, progress):
        return self.frozen and not self._pretraining(progress)


class CrossDatasetPretrain(PretrainFinetune):
    """Pretrain on another dataset's V-axis coordinates, then fine-tune here (cross-dataset transfer).

    For the first ``pretrain_fraction`` of epochs the cross-entropy is off and the
    backbone only learns to regress a *source* dataset's per-sample coordinates
    ``source_coords`` from its rows ``source_X``: every training batch draws a
    source batch of the same size (with replacement, from torch's seeded generator).
    Then cross-entropy alone on the training data, through the whole network
    (``frozen=False``) or the head only (``frozen=True``).

    ``source_X`` must have the training data's columns (the same channels and bands,
    channel-major), for example SEED-V DE features restricted to the channels FACED
    shares, or a second cohort. Both datasets are normalised per dataset without
    labels: the source rows are z-scored per column by their own statistics and
    mapped into the training data's input scale (``module.input_mean``,
    ``input_scale``), so the backbone sees each standardised. ``source_coords`` is
    z-scored (one coordinate per source row, e.g. ``class_coords[source_class]``).
    """

    def __init__(self, n_features, n_classes, target, context, source_X=None, source_coords=None,
                 frozen=False, pretrain_fraction=0.3):
        super().__init__(n_features, n_classes, target, context, frozen=frozen,
                         pretrain_fraction=pretrain_fraction)
        if source_X is None or source_coords is None:
            raise ValueError(
                "Cross-dataset transfer needs alignment_kwargs={'source_X': source rows (same columns "
                "as X), 'source_coords': one V-axis coordinate per source row}"
            )
        xs = np.asarray(source_X, dtype=float)
        cs = np.asarray(source_coords, dtype=float).reshape(-1)
        n_in = int(context["n_channels"]) * int(context["n_bands"])
        if xs.ndim != 2 or xs.shape[1] != n_in:
            raise ValueError(f"source_X must have shape (n_source, {n_in}) like X, got {xs.shape}")
        if cs.shape[0] != xs.shape[0] or xs.shape[0] < 2:
            raise ValueError(
                f"source_coords must hold one coordinate per source row ({xs.shape[0]}, at least 2), "
                f"got {cs.shape[0]}"
            )
        if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(cs))):
            raise ValueError("source_X and source_coords must be finite")
        if cs.std() < _EPS:
            raise ValueError("source_coords are constant: there is no axis to pretrain on")
        std = xs.std(0)
        z = (xs - xs.mean(0)) / np.where(std > 0, std, 1.0)
        # Not persistent: the source data is an input of the fit, not learned state.
        self.register_buffer("source_x", torch.as_tensor(z, dtype=torch.float32), persistent=False)
        self.register_buffer("source_axis", torch.as_tensor((cs - cs.mean()) / cs.std(), dtype=torch.float32),
                             persistent=False)

    def forward(self, batch):
        if batch.module is None:
            raise ValueError("Cross-dataset transfer needs the module to run the source batch")
        idx = torch.randint(self.source_x.shape[0], (batch.features.shape[0],), device=self.source_x.device)
        x = self.source_x[idx]
        module = batch.module
        if hasattr(module, "input_mean") and hasattr(module, "input_scale"):
            x = module.input_mean + x * module.input_scale
        score = self.readout(module.features(x)).squeeze(-1)
        return ((score - self.source_axis[idx]) ** 2).mean()


class UncertaintyWeighted(AxisRegression):
    """Axis MSE weighted by a learned homoscedastic uncertainty (Kendall et al.).

    Term: ``0.5 * exp(-s) * MSE + 0.5 * s`` with learnable log-variance ``s``.
    """

    def __init__(self, n_features, n_classes, target, context):
        super().__init__(n_features, n_classes, target, context)
        self.log_var = nn.Parameter(torch.zeros(()))

    def forward(self, batch):
        mse = super().forward(batch)
        return 0.5 * torch.exp(-self.log_var) * mse + 0.5 * self.log_var
