"""Why V-axis supervision saturates: alignment changes and gradient geometry.

Two diagnostics of the paper's mechanism:

* :func:`alignment_deltas` -- how much an aligned decoder moves the class-axis
  alignment and the within-class residual alignment relative to its baseline;
* :class:`GradientSubspaceMonitor` -- a skorch callback that tracks, epoch by
  epoch, where the gradient of every loss term w.r.t. the penultimate features
  lies: in the *basin* (the class-mean subspace, or the row space of the output
  layer) or in its orthogonal complement, where the within-class residual lives.
  For a linear head, ``d CE / d z = W^T (p - onehot)`` lies exactly in the row
  space of ``W`` and shrinks as the softmax ``p`` becomes confident.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
from skorch.callbacks import Callback
from sklearn.utils import check_random_state

from .geometry import _row_space, class_axis_alignment, class_mean_subspace, residual_axis_alignment

__all__ = ["GradientSubspaceMonitor", "alignment_deltas", "feature_alignments"]


def feature_alignments(Z, y, class_coords, stimulus=None, stimulus_coords=None, **val):
    """Class-axis and (when possible) residual alignment of one feature matrix.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    class_coords : array-like or dict
        Class coordinates (see :func:`~skvalence.analysis.geometry.class_axis_alignment`).
    stimulus, stimulus_coords : array-like, default=None
        Stimulus labels and per-stimulus coordinates; the residual alignment is
        NaN when either is missing.
    **val
        ``Z_val``, ``y_val``, ``stimulus_val`` forwarded to
        :func:`~skvalence.analysis.geometry.residual_axis_alignment`.

    Returns
    -------
    alignments : dict
        ``class_alignment`` and ``residual_alignment``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.saturation import feature_alignments
    >>> y = np.repeat(np.arange(3), 5)
    >>> Z = np.c_[y, 0.01 * np.random.default_rng(0).normal(size=15)]
    >>> round(feature_alignments(Z, y, [0.0, 1.0, 2.0])["class_alignment"], 3)
    1.0
    """
    out = {"class_alignment": class_axis_alignment(Z, y, class_coords), "residual_alignment": float("nan")}
    if stimulus is not None and stimulus_coords is not None:
        out["residual_alignment"] = residual_axis_alignment(Z, y, stimulus, stimulus_coords, **val)
    return out


def alignment_deltas(
    baseline_net,
    aligned_net,
    X,
    y,
    stimulus=None,
    stimulus_coords=None,
    class_coords=None,
    *,
    X_val=None,
    y_val=None,
    stimulus_val=None,
):
    """Change in class-axis and residual alignment from a baseline to an aligned decoder.

    Both decoders' penultimate features (``transform``) on the same data are
    scored with :func:`feature_alignments`; deltas are aligned minus baseline.

    Parameters
    ----------
    baseline_net, aligned_net : fitted estimators with ``transform``
        E.g. two :class:`~skvalence.decoders.ValenceNetClassifier` that differ
        only by their alignment loss.
    X : array-like
        Evaluation data (held-out subjects).
    y : array-like of shape (n_samples,)
        Class labels of ``X``.
    stimulus : array-like of shape (n_samples,), default=None
        Stimulus of each row (needed for the residual alignment).
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates (needed for the residual alignment).
    class_coords : array-like or dict
        Class coordinates (required).
    X_val, y_val, stimulus_val : array-like, default=None
        Validation data on which the residual direction is chosen.

    Returns
    -------
    result : dict
        ``baseline_class``, ``aligned_class``, ``delta_class``,
        ``baseline_residual``, ``aligned_residual``, ``delta_residual``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skvalence.analysis.saturation import alignment_deltas
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(4), 10)
    >>> X = np.c_[y + 0.1 * rng.normal(size=40), rng.normal(size=(40, 3))]
    >>> a = PCA(2).fit(X); b = PCA(2).fit(X)
    >>> alignment_deltas(a, b, X, y, class_coords=np.arange(4.0))["delta_class"]
    0.0
    """
    if class_coords is None:
        raise ValueError("alignment_deltas needs class_coords (one V-axis coordinate per class).")
    val = {}
    if X_val is not None:
        val = {"y_val": y_val, "stimulus_val": stimulus_val}
    out = {}
    for name, net in (("baseline", baseline_net), ("aligned", aligned_net)):
        if not hasattr(net, "transform"):
            raise TypeError(f"The {name} estimator has no transform() giving penultimate features.")
        if X_val is not None:
            val["Z_val"] = net.transform(X_val)
        scores = feature_alignments(net.transform(X), y, class_coords, stimulus, stimulus_coords, **val)
        out[f"{name}_class"] = scores["class_alignment"]
        out[f"{name}_residual"] = scores["residual_alignment"]
    out["delta_class"] = out["aligned_class"] - out["baseline_class"]
    out["delta_residual"] = out["aligned_residual"] - out["baseline_residual"]
    return out


# --------------------------------------------------------------------------- gradient monitor
def _first_linear(head):
    """The first ``nn.Linear`` applied to the features (the gradient enters through it)."""
    import torch.nn as nn

    for module in head.modules():
        if isinstance(module, nn.Linear):
            return module
    raise TypeError("GradientSubspaceMonitor needs a head containing an nn.Linear layer.")


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
      subspace of the probe features (the basin,
      :func:`~skvalence.analysis.geometry.class_mean_subspace`);
    * ``grad_head_frac_<term>``: fraction inside the row space of the head's
      first linear layer (for a linear head the CE fraction is exactly 1);
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
    >>> from skvalence.analysis.saturation import GradientSubspaceMonitor
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
        if not isinstance(self.probe_size, numbers.Integral) or self.probe_size < 2:
            raise ValueError(f"probe_size must be an integer >= 2; got {self.probe_size!r}.")
        self.records_ = []
        self._probe = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if self.X_probe is not None:
            if self.y_probe is None:
                raise ValueError("GradientSubspaceMonitor: X_probe needs y_probe.")
            Xp, yp = np.asarray(self.X_probe, dtype=np.float32), np.asarray(self.y_probe)
            sp = None if self.stimulus_probe is None else np.asarray(self.stimulus_probe)
        else:
            stim = None
            if isinstance(X, dict):  # ValenceNetClassifier passes {"x", "stimulus", "group"}
                X, stim = X.get("x"), X.get("stimulus")
                if stim is not None and np.all(np.asarray(stim) < 0):
                    stim = None  # -1 marks "no stimulus given"
            if not isinstance(X, np.ndarray) or y is None:
                raise TypeError(
                    "GradientSubspaceMonitor can draw its probe only from a NumPy training X with y; "
                    "pass X_probe and y_probe."
                )
            rng = check_random_state(self.random_state)
            idx = np.sort(rng.choice(X.shape[0], min(self.probe_size, X.shape[0]), replace=False))
            Xp, yp = X[idx].astype(np.float32), np.asarray(y)[idx]
            sp = None if stim is None else np.asarray(stim)[idx]
        if Xp.shape[0] != yp.shape[0]:
            raise ValueError(f"X_probe has {Xp.shape[0]} rows but y_probe has {yp.shape[0]}.")
        self._probe = (Xp, yp, sp)

    def _loss_terms(self, net, x, feats, logits, y, stimulus):
        import torch
        import torch.nn.functional as F

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
        import torch

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
        basin = class_mean_subspace(Z, yp) if np.unique(yp).shape[0] > 1 else np.zeros((Z.shape[1], 0))
        head_space = _row_space(W)
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
