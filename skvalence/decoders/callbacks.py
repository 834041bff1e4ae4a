"""Skorch callbacks for the decoders: the training schedule and a gradient monitor.

The paper trains with AdamW and a cosine learning-rate schedule after a linear
warm-up of 5 epochs. :class:`WarmupCosineSchedule` is the picklable multiplier
for :class:`torch.optim.lr_scheduler.LambdaLR`; :func:`warmup_cosine_scheduler`
wraps it in skorch's :class:`~skorch.callbacks.LRScheduler` (stepped per epoch).

:class:`GradientSubspaceMonitor` tracks, epoch by epoch, where the gradient of
every loss term w.r.t. the penultimate features lies: in the *basin* (the
class-mean subspace, or the row space of the output layer) or in its orthogonal
complement, where the within-class residual lives. For a linear head,
``d CE / d z = W^T (p - onehot)`` lies exactly in the row space of ``W`` and
shrinks as the softmax ``p`` becomes confident; that row-space share is an
algebraic identity (a sanity check of the monitor), not evidence that the
residual gets no gradient, because parameter updates move the features by
``J J^T W^T (p - onehot)``, which is not confined to that row space.

:class:`FeatureDisplacementMonitor` measures what the paper's saturation claim
is about: how far the penultimate features of a fixed probe set actually move
each epoch, split into the class-mean (basin) subspace and the within-class
residual (:func:`skvalence.analysis.saturation.feature_displacement`).
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler
from sklearn.utils import check_random_state
from torch import nn
from torch.nn import functional as F
from torch.optim.lr_scheduler import LambdaLR

from skvalence.utils.linalg import row_space

__all__ = ["FeatureDisplacementMonitor", "GradientSubspaceMonitor", "WarmupCosineSchedule",
           "warmup_cosine_scheduler"]


class WarmupCosineSchedule:
    """Learning-rate multiplier: linear warm-up, then cosine decay towards 0.

    Epoch ``e`` (0-based) gets ``(e + 1) / (warmup + 1)`` during warm-up
    (``e < warmup``), then ``0.5 * (1 + cos(pi * (e - warmup) / (max_epochs - warmup)))``,
    which is 1 at the first post-warm-up epoch and stays above 0 at the last.
    If ``warmup >= max_epochs`` the whole run is warm-up.

    Parameters
    ----------
    warmup_epochs : int
        Number of warm-up epochs (the paper: 5).
    max_epochs : int
        Total number of epochs.

    Examples
    --------
    >>> sched = WarmupCosineSchedule(2, 6)
    >>> [round(sched(e), 3) for e in range(6)]
    [0.333, 0.667, 1.0, 0.854, 0.5, 0.146]
    """

    def __init__(self, warmup_epochs, max_epochs):
        # Stored as given (skorch builds callbacks inside get_params); checked on use.
        self.warmup_epochs = warmup_epochs
        self.max_epochs = max_epochs

    def __call__(self, epoch):
        w, total = self.warmup_epochs, self.max_epochs
        if not (isinstance(w, numbers.Integral) and isinstance(total, numbers.Integral)) or w < 0 or total < 1:
            raise ValueError(f"need integers warmup_epochs >= 0 and max_epochs >= 1, got {w!r}, {total!r}")
        if epoch < w:
            return (epoch + 1) / (w + 1)
        span = max(1, total - w)
        return 0.5 * (1.0 + math.cos(math.pi * min(epoch - w, span) / span))

    def __repr__(self):
        return f"WarmupCosineSchedule(warmup_epochs={self.warmup_epochs}, max_epochs={self.max_epochs})"


def warmup_cosine_scheduler(warmup_epochs, max_epochs):
    """A skorch ``LRScheduler`` callback applying :class:`WarmupCosineSchedule` per epoch.

    Examples
    --------
    >>> cb = warmup_cosine_scheduler(5, 30)
    >>> cb.step_every
    'epoch'
    """
    return LRScheduler(
        policy=LambdaLR,
        lr_lambda=WarmupCosineSchedule(warmup_epochs, max_epochs),
        step_every="epoch",
    )


# --------------------------------------------------------------------------- gradient monitor
def _first_linear(head):
    """The first ``nn.Linear`` applied to the features (the gradient enters through it)."""
    for module in head.modules():
        if isinstance(module, nn.Linear):
            return module
    raise TypeError("GradientSubspaceMonitor needs a head containing an nn.Linear layer.")


def _class_mean_basis(Z, y):
    """Orthonormal basis of the span of the centred class means of ``Z`` (empty for one class)."""
    if not np.all(np.isfinite(Z)):
        raise ValueError("GradientSubspaceMonitor: the probe features contain NaN or infinity.")
    classes, inverse = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        return np.zeros((Z.shape[1], 0))
    means = np.zeros((classes.shape[0], Z.shape[1]))
    np.add.at(means, inverse, Z)
    means /= np.bincount(inverse)[:, None]
    return row_space(means - means.mean(axis=0))


def _draw_probe(monitor, X, y):
    """The fixed probe ``(X, y, stimulus)`` of a monitor: its own, or rows drawn from the training data."""
    owner = type(monitor).__name__
    if monitor.X_probe is not None:
        if monitor.y_probe is None:
            raise ValueError(f"{owner}: X_probe needs y_probe.")
        Xp, yp = np.asarray(monitor.X_probe, dtype=np.float32), np.asarray(monitor.y_probe)
        sp = None if monitor.stimulus_probe is None else np.asarray(monitor.stimulus_probe)
    else:
        stim = None
        if isinstance(X, dict):  # ValenceNetClassifier passes {"x", "stimulus", "group"}
            X, stim = X.get("x"), X.get("stimulus")
            if stim is not None and np.all(np.asarray(stim) < 0):
                stim = None  # -1 marks "no stimulus given"
        if not isinstance(X, np.ndarray) or y is None:
            raise TypeError(
                f"{owner} can draw its probe only from a NumPy training X with y; pass X_probe and y_probe."
            )
        rng = check_random_state(monitor.random_state)
        idx = np.sort(rng.choice(X.shape[0], min(monitor.probe_size, X.shape[0]), replace=False))
        Xp, yp = X[idx].astype(np.float32), np.asarray(y)[idx]
        sp = None if stim is None else np.asarray(stim)[idx]
    if Xp.shape[0] != yp.shape[0]:
        raise ValueError(f"X_probe has {Xp.shape[0]} rows but y_probe has {yp.shape[0]}.")
    if sp is not None and sp.shape[0] != yp.shape[0]:
        raise ValueError(f"stimulus_probe has {sp.shape[0]} entries but y_probe has {yp.shape[0]}.")
    return Xp, yp, sp


def _check_probe_size(probe_size):
    if isinstance(probe_size, bool) or not isinstance(probe_size, numbers.Integral) or probe_size < 2:
        raise ValueError(f"probe_size must be an integer >= 2; got {probe_size!r}.")


def _fraction(G, basis):
    total = float(np.sum(G**2))
    if total == 0 or basis.shape[1] == 0:
        return float("nan") if total == 0 else 0.0
    return float(np.sum((G @ basis) ** 2) / total)


class GradientSubspaceMonitor(Callback):
    """Skorch callback: where does each loss term's feature gradient point?

    At the end of every epoch, on a fixed probe batch and with the module in
    eval mode (no dropout), the callback computes the penultimate features ``z``
    (``net.module_.features``), the logits ``net.module_.head(z)``, and for every
    loss term of ``net.loss_terms(z, logits, y, stimulus=...)`` (cross-entropy
    ``"ce"``, ``"alignment"``, ... plus their sum ``"total"``) the gradient
    ``G = d term / d z`` by :func:`torch.autograd.grad`.  It records:

    * ``grad_norm_<term>``: Frobenius norm of ``G``;
    * ``grad_basin_frac_<term>``: fraction of ``||G||^2`` inside the class-mean
      subspace of the probe features (the basin: the span of the centred
      class means, as in :func:`~skvalence.analysis.geometry.class_mean_subspace`);
    * ``grad_head_frac_<term>``: fraction inside the row space of the head's
      first linear layer.  **A sanity check only**: for a linear head the CE
      fraction is exactly 1 by algebra, whatever the network does, so it says
      nothing about how much the within-class residual moves (parameter
      updates move the features by ``J J^T W^T (p - y)``); use
      :class:`FeatureDisplacementMonitor` for that;
    * ``probe_confidence``: mean max-softmax probability on the probe batch.

    One minus a fraction is the share reaching the residual complement.  Values
    go to ``net.history`` (per epoch) and to ``records_`` (list of dicts).  A
    net without ``loss_terms`` is monitored with plain cross-entropy on the
    logits.

    Parameters
    ----------
    X_probe : array-like of shape (n_probe, n_features), default=None
        Fixed probe inputs; ``None`` draws ``probe_size`` rows of the training
        ``X`` (a NumPy array) at the start of training.
    y_probe : array-like of shape (n_probe,), default=None
        Probe labels as the net's criterion sees them (class indices).
    stimulus_probe : array-like of shape (n_probe,), default=None
        Stimulus ids of the probe rows, for stimulus-level loss terms.
    probe_size : int, default=256
        Rows drawn when ``X_probe`` is None.
    random_state : int, RandomState instance or None, default=None
        Seed of that draw.

    Attributes
    ----------
    records_ : list of dict
        One dict per epoch: ``epoch`` and every recorded value.

    Examples
    --------
    >>> from skvalence.decoders import GradientSubspaceMonitor
    >>> monitor = GradientSubspaceMonitor(probe_size=128, random_state=0)
    >>> # net = ValenceNetClassifier(callbacks=[("gradmon", monitor)], ...).fit(X, y)
    >>> # net.history[:, "grad_head_frac_ce"]  -> ~1.0 every epoch for a linear head
    """

    def __init__(self, X_probe=None, y_probe=None, stimulus_probe=None, probe_size=256, random_state=None):
        self.X_probe = X_probe
        self.y_probe = y_probe
        self.stimulus_probe = stimulus_probe
        self.probe_size = probe_size
        self.random_state = random_state

    def initialize(self):
        _check_probe_size(self.probe_size)
        self.records_ = []
        self._probe = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._probe = _draw_probe(self, X, y)

    def _loss_terms(self, net, x, feats, logits, y, stimulus):
        if hasattr(net, "loss_terms"):
            extra = {"X": x} if "X" in inspect.signature(net.loss_terms).parameters else {}
            terms = dict(net.loss_terms(feats, logits, y, stimulus=stimulus, **extra))
        else:
            terms = {"ce": F.cross_entropy(logits, y)}
        terms = {k: v for k, v in terms.items() if torch.is_tensor(v) and v.ndim == 0}
        if terms:
            terms["total"] = sum(terms.values())
        return terms

    def _measure(self, net):
        Xp, yp, sp = self._probe
        module = net.module_
        was_training = module.training
        module.eval()
        device = getattr(net, "device", "cpu") or "cpu"
        try:
            x = torch.as_tensor(Xp, device=device)
            y_t = torch.as_tensor(yp, dtype=torch.long, device=device)
            s_t = None if sp is None else torch.as_tensor(sp, device=device)
            with torch.no_grad():
                base = module.features(x)
            feats = base.detach().clone().requires_grad_(True)
            with torch.enable_grad():
                logits = module.head(feats)
                terms = self._loss_terms(net, x, feats, logits, y_t, s_t)
                grads = {}
                for name, term in terms.items():
                    g = None
                    if term.requires_grad:
                        (g,) = torch.autograd.grad(term, feats, retain_graph=True, allow_unused=True)
                    grads[name] = np.zeros(tuple(feats.shape)) if g is None else g.detach().cpu().double().numpy()
            confidence = float(torch.softmax(logits.detach(), dim=1).max(dim=1).values.mean())
            W = _first_linear(module.head).weight.detach().cpu().double().numpy()
        finally:
            module.train(was_training)
        Z = feats.detach().cpu().double().numpy()
        basin = _class_mean_basis(Z, yp)
        head_space = row_space(W)
        record = {"probe_confidence": confidence}
        for name, G in grads.items():
            record[f"grad_norm_{name}"] = float(np.linalg.norm(G))
            record[f"grad_basin_frac_{name}"] = _fraction(G, basin)
            record[f"grad_head_frac_{name}"] = _fraction(G, head_space)
        return record

    def on_epoch_end(self, net, **kwargs):
        if self._probe is None:
            return
        record = self._measure(net)
        for key, value in record.items():
            net.history.record(key, value)
        self.records_.append({"epoch": len(net.history), **record})


# --------------------------------------------------------------------------- displacement monitor
class FeatureDisplacementMonitor(Callback):
    """Skorch callback: how far do the penultimate features move each epoch, and where?

    At the start of training and at the end of every epoch, on a fixed probe
    set and with the module in eval mode (no dropout), the callback computes
    the penultimate features ``Z_t = net.module_.features(X_probe)``, and
    records :func:`skvalence.analysis.saturation.feature_displacement` of
    ``Z_{t-1} -> Z_t``:

    * ``disp_total``, ``disp_basin`` and ``disp_complement`` (inside / outside the
      span of the centred class means of ``Z_{t-1}``), ``disp_class_mean`` and
      ``disp_within`` (movement of the class means / of the within-class
      residuals: the residual displacement), ``basin_share`` and its isotropic
      chance level ``basin_share_chance``, ``basin_dim``;
    * with ``stimulus_coords`` (a residual target: one V-axis coordinate per
      stimulus) and probe stimulus ids: ``disp_within_target`` (residual
      displacement along the residual target direction), ``residual_alignment``
      and ``residual_alignment_change``;
    * with ``class_coords``: ``class_alignment`` and ``class_alignment_change``;
    * ``disp_resolution``: the floating-point resolution of the features
      (machine epsilon of their dtype times their RMS norm); displacements
      near it are rounding, not learning.

    Norms are root mean squares over probe rows, in feature units.  Values go
    to ``net.history`` (per epoch) and to ``records_``; ``initial_`` holds the
    alignments before the first epoch.  Summaries:
    :func:`skvalence.analysis.saturation.displacement_summary` and
    :func:`~skvalence.analysis.saturation.compare_displacement`.

    Parameters
    ----------
    X_probe : array-like of shape (n_probe, n_features), default=None
        Fixed probe inputs; ``None`` draws ``probe_size`` rows of the training
        ``X`` (a NumPy array) at the start of training.
    y_probe : array-like of shape (n_probe,), default=None
        Probe class labels (at least two classes).
    stimulus_probe : array-like of shape (n_probe,), default=None
        Stimulus ids of the probe rows; drawn with the rows when the net is
        fitted with ``stimulus=...``.
    stimulus_coords : array-like or dict, default=None
        Per-stimulus V-axis coordinates (indexed by stimulus id): the residual
        target.  Needs probe stimulus ids.
    class_coords : array-like or dict, default=None
        One V-axis coordinate per class (in the order of the sorted probe labels).
    probe_size : int, default=256
        Rows drawn when ``X_probe`` is None.
    random_state : int, RandomState instance or None, default=None
        Seed of that draw.

    Attributes
    ----------
    records_ : list of dict
        One dict per epoch: ``epoch`` and every recorded value.
    initial_ : dict
        ``residual_alignment`` / ``class_alignment`` of the features before the
        first epoch (when their coordinates are given).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.decoders import FeatureDisplacementMonitor, ValenceNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(90, 8 * 5)); y = np.arange(90) % 3; X[:, :5] += y[:, None]
    >>> monitor = FeatureDisplacementMonitor(probe_size=60, random_state=0)
    >>> net = ValenceNetClassifier("mlp", max_epochs=2, random_state=0, verbose=0,
    ...                            callbacks=[("displacement", monitor)]).fit(X, y)
    >>> len(monitor.records_), monitor.records_[-1]["disp_within"] > 0
    (2, True)
    """

    def __init__(self, X_probe=None, y_probe=None, stimulus_probe=None, stimulus_coords=None, class_coords=None,
                 probe_size=256, random_state=None):
        self.X_probe = X_probe
        self.y_probe = y_probe
        self.stimulus_probe = stimulus_probe
        self.stimulus_coords = stimulus_coords
        self.class_coords = class_coords
        self.probe_size = probe_size
        self.random_state = random_state

    def initialize(self):
        _check_probe_size(self.probe_size)
        self.records_ = []
        self.initial_ = {}
        self._probe = None
        self._previous = None
        return self

    def _features(self, net):
        Xp = self._probe[0]
        module = net.module_
        was_training = module.training
        module.eval()
        device = getattr(net, "device", "cpu") or "cpu"
        try:
            with torch.no_grad():
                Z = module.features(torch.as_tensor(Xp, device=device))
        finally:
            module.train(was_training)
        eps = float(torch.finfo(Z.dtype).eps) if Z.is_floating_point() else 0.0
        Z = Z.detach().cpu().double().numpy()
        if not np.all(np.isfinite(Z)):
            raise ValueError("FeatureDisplacementMonitor: the probe features contain NaN or infinity.")
        return Z, eps

    def _residual_kwargs(self):
        stimulus = self._probe[2]
        if self.stimulus_coords is None:
            return {}
        if stimulus is None:
            raise ValueError("FeatureDisplacementMonitor: stimulus_coords needs probe stimulus ids "
                             "(stimulus_probe, or fit the net with stimulus=...).")
        return {"stimulus": stimulus, "stimulus_coords": self.stimulus_coords}

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from skvalence.analysis.geometry import class_axis_alignment, residual_axis_alignment
        from skvalence.analysis.saturation import residual_target_direction

        self._probe = _draw_probe(self, X, y)
        if np.unique(self._probe[1]).shape[0] < 2:
            raise ValueError("FeatureDisplacementMonitor: the probe needs at least two classes.")
        Z, _ = self._features(net)
        self._previous = Z
        residual = self._residual_kwargs()
        self.initial_ = {}
        if residual:  # fail now, not after the first epoch, if the residual target is unusable
            residual_target_direction(Z, self._probe[1], residual["stimulus"], residual["stimulus_coords"])
            self.initial_["residual_alignment"] = float(residual_axis_alignment(
                Z, self._probe[1], residual["stimulus"], residual["stimulus_coords"]))
        if self.class_coords is not None:
            self.initial_["class_alignment"] = float(class_axis_alignment(Z, self._probe[1], self.class_coords))

    def on_epoch_end(self, net, **kwargs):
        from skvalence.analysis.saturation import feature_displacement

        if self._previous is None:
            return
        Z, eps = self._features(net)
        record = feature_displacement(self._previous, Z, self._probe[1], class_coords=self.class_coords,
                                      **self._residual_kwargs())
        record["disp_resolution"] = eps * float(np.sqrt(np.mean(np.sum(Z * Z, axis=1))))
        self._previous = Z
        for key, value in record.items():
            net.history.record(key, value)
        self.records_.append({"epoch": len(net.history), **record})
