"""The skorch estimator: an EEG emotion decoder with optional V-axis alignment.

:class:`ValenceNetClassifier` is a :class:`skorch.NeuralNetClassifier` (in the style
of braindecode's ``EEGClassifier``) that

* builds its backbone from a family name (:mod:`skvalence.decoders.modules`) once
  the number of channels and classes is known at fit;
* standardises inputs with statistics of the training data, stored inside the
  module;
* trains with the paper's recipe: AdamW, linear warm-up then cosine schedule,
  per-sample augmentation (:class:`~skvalence.eeg.augment.FeatureAugmenter`) and
  soft-target distillation onto random orthonormal class prototypes;
* adds one alignment strategy from :data:`~skvalence.decoders.ALIGNMENT_LOSSES`.

The loss is the sum of the named terms of :meth:`ValenceNetClassifier.loss_terms`
(``"ce"``, ``"distill"``, ``"alignment"``), each already weighted, so a callback can
take each term's gradient with respect to the penultimate features.

Distillation, exactly: draw a random orthonormal matrix ``P`` (``n_classes x
n_classes``, QR of a seeded Gaussian matrix); the teacher distribution of class
``c`` is ``softmax(P @ P[c] / T)``; the loss is
``(1 - lam) * CE + lam * T**2 * KL(teacher[y] || softmax(logits / T))``. With
orthonormal prototypes ``P @ P[c]`` is the one-hot vector of ``c``, so the teacher is
a smoothed one-hot target (0.254 on the true class, 0.093 elsewhere for 9
classes and T = 1) whatever the draw.
"""

from __future__ import annotations

import contextlib
import logging
import numbers

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from sklearn.base import clone
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import TransformerTags, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn
from torch.nn import functional as F

from skvalence.decoders.alignment import AlignmentBatch
from skvalence.decoders.callbacks import warmup_cosine_scheduler
from skvalence.decoders.modules import AXIAL_PAPER, build_module
from skvalence.decoders.registry import get_strategy
from skvalence.eeg.augment import FeatureAugmenter, cell_mask, channel_dropout, gaussian_noise
from skvalence.eeg.montage import FACED_CHANNELS, SEEDV_CHANNELS
from skvalence.utils._device import check_device
from skvalence.utils._logging import resolve_verbose
from skvalence.utils._validation import check_groups, stimulus_classes

__all__ = ["ValenceNetClassifier", "SubjectValidSplit", "PAPER_RECIPE"]

#: The paper's training recipe (ensemble members use 100 or 150 epochs).
PAPER_RECIPE = {
    "module": "axial",
    "module__depth": AXIAL_PAPER["depth"],
    "module__width": AXIAL_PAPER["width"],
    "max_epochs": 100,
    "lr": 1e-3,
    "weight_decay": 1e-2,
    "batch_size": 128,
    "warmup_epochs": 5,
    "augment": True,
    "distill": 0.5,
    "distill_temperature": 1.0,
}

_DEFAULT_DISTILL = 0.5


class _NoAlignment(nn.Module):
    """Placeholder for an inactive strategy (no parameters, no RNG use)."""


class SubjectValidSplit:
    """Internal validation split by subject for ``train_split`` (never by row).

    Uses :class:`~sklearn.model_selection.GroupShuffleSplit` on the ``groups``
    passed to :meth:`ValenceNetClassifier.fit`.

    Parameters
    ----------
    valid_size : float, default=0.2
        Fraction of subjects held out for validation.
    random_state : int, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.decoders import ValenceNetClassifier
    >>> net = ValenceNetClassifier("mlp", n_bands=1, max_epochs=2,
    ...                            train_split=SubjectValidSplit(0.25, random_state=0))
    >>> X = np.random.default_rng(0).normal(size=(80, 4)); y = np.arange(80) % 2
    >>> _ = net.fit(X, y, groups=np.repeat(np.arange(8), 10))
    >>> "valid_loss" in net.history[-1]
    True
    """

    def __init__(self, valid_size=0.2, random_state=None):
        self.valid_size = valid_size
        self.random_state = random_state

    def __call__(self, dataset, y=None, **kwargs):
        groups = np.asarray(dataset.X["group"])
        if (groups < 0).any():
            raise ValueError("SubjectValidSplit needs fit(..., groups=subject ids)")
        if np.unique(groups).size < 2:
            raise ValueError("SubjectValidSplit needs at least two subjects")
        splitter = GroupShuffleSplit(n_splits=1, test_size=self.valid_size, random_state=self.random_state)
        train, valid = next(splitter.split(groups, groups=groups))
        return torch.utils.data.Subset(dataset, train), torch.utils.data.Subset(dataset, valid)

    def __repr__(self):
        return f"SubjectValidSplit(valid_size={self.valid_size}, random_state={self.random_state})"


@contextlib.contextmanager
def _skorch_verbosity(net, level):
    """skorch reads ``net.verbose`` as a flag (epoch table, re-init notes): on only at DEBUG."""
    stored = net.verbose
    net.verbose = int(level <= logging.DEBUG)
    try:
        yield
    finally:
        net.verbose = stored


#: Stimulus ids index per-stimulus tables (the class of each id, rows of ``stimulus_target``),
#: so they must be small non-negative integers.
_MAX_STIMULUS_ID = 2**20


def _as_int_ids(values, n_rows, name, max_id=None):
    ids = np.asarray(values)
    if ids.shape != (n_rows,):
        raise ValueError(f"{name} must have shape ({n_rows},), got {ids.shape}")
    if ids.dtype.kind not in "iu":
        if ids.dtype.kind == "f" and np.all(np.isfinite(ids)) and np.all(ids == np.round(ids)):
            ids = ids.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer ids, got dtype {ids.dtype}")
    if (ids < 0).any():
        raise ValueError(f"{name} ids must be >= 0")
    if max_id is not None and ids.size and ids.max() >= max_id:
        raise ValueError(
            f"{name} ids index a per-{name} table, so they must be below {max_id}; got {ids.max()}. "
            f"Renumber them 0..n-1 (e.g. np.unique({name}, return_inverse=True)[1])"
        )
    return ids.astype(np.int64)


def _check_device(device):
    """``device`` as a :class:`torch.device` that exists here (None: skorch's "leave tensors where they are", CPU)."""
    if device is None:
        return torch.device("cpu")
    if isinstance(device, torch.device):
        device = str(device)
    return check_device(device)


class ValenceNetClassifier(NeuralNetClassifier):
    """Neural EEG emotion decoder with optional alignment to a language-model V-axis.

    Parameters
    ----------
    module : str or nn.Module subclass or instance, default="mlp"
        Backbone family (``"mlp"``, ``"axial"``, ``"dgcnn"``, ``"cnn"``) or a module
        class taking ``n_channels, n_bands, n_classes`` and providing
        ``features``/``head``. Hyper-parameters via ``module__<name>=...``.
        The default is the MLP because it trains in seconds on a CPU; the
        paper's backbone, the axial transformer (depth 6, width 128), is
        ``module="axial"`` or :meth:`paper_recipe` (about 15 s per epoch on
        6,720 FACED rows on two CPU cores at the small default size; use a GPU).
    alignment_loss : str, default="none"
        Key of :data:`~skvalence.decoders.ALIGNMENT_LOSSES`.
    alignment_weight : float, None or "default", default=0.0
        Weight of the alignment term; None/"default" takes the strategy's
        ``default_weight``. A weight of 0 builds no alignment at all, so the net is
        identical to ``alignment_loss="none"`` (bit for bit with the same seed).
    alignment_target : array of shape (n_classes,) or (n_classes, k), optional
        One V-axis coordinate (``VAxisTransformer.class_coords_``) or one prototype
        row (``centroids_``) per class, in the order of the sorted class labels.
    alignment_kwargs : dict, optional
        Extra inputs/options of the strategy: ``topography`` (for
        ``"axis-topo-optimal"``), ``stimulus_target`` (stimulus prototypes), or any
        keyword of the strategy's loss class (e.g. ``{"factor": 5.0}``).
    n_channels : int, optional
        Channels of the grid; inferred as ``n_features / n_bands`` when None.
    n_bands : int, default=5
        Bands per channel; features are channel-major.
    ch_names : sequence of str, optional
        Channel names (defaults to the FACED or SEED-V layout for 32 or 62 channels).
        Used by ``"dgcnn"`` and the channel-masked losses.
    standardize : bool, default=True
        Standardise each feature with training mean and std (inside the module).
    max_epochs, lr, batch_size : see skorch
        Defaults follow the paper except ``max_epochs`` (30 for CPU use; paper 100/150).
    weight_decay : float, default=1e-2
        AdamW weight decay.
    warmup_epochs : int, default=5
        Linear warm-up before the cosine schedule.
    augment : bool or FeatureAugmenter, default=True
        Training augmentation (noise 0.05 std, channel dropout 0.15, cell masking
        <= 5 %), applied to each sample with probability p = 0.6 drawn per sample
        (the augmenter's ``p``); False switches it off.
    distill : bool or float, default=True
        Soft-target distillation onto random orthonormal class prototypes; True
        means lambda = 0.5, a float sets lambda, False switches it off.
    distill_temperature : float, default=1.0
    random_state : int, RandomState or None
        Seeds weights, dropout, batch order, augmentation and prototypes; a given
        int reproduces ``predict_proba`` bit for bit on CPU.
    criterion, optimizer, train_split, callbacks, device, **kwargs
        As in skorch; ``train_split=None`` by default (see :class:`SubjectValidSplit`).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        skorch's per-epoch table is printed only at DEBUG (skorch itself reads ``verbose``
        as a flag; here it is resolved in ``fit``).

    Attributes
    ----------
    module_ : GridModule
        The trained backbone.
    aligner_ : nn.Module
        The alignment loss module (with its own parameters, trained jointly).
    classes_ : ndarray
    n_features_in_, n_channels_, n_classes_ : int
    ch_names_ : list of str or None
    augmenter_ : FeatureAugmenter or None
    alignment_weight_ : float
    history : skorch History

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.decoders import ValenceNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 8 * 5)); y = np.arange(120) % 3
    >>> X[:, :5] += y[:, None]
    >>> net = ValenceNetClassifier("mlp", max_epochs=5, random_state=0,
    ...                            alignment_loss="axis-mse", alignment_weight=0.5,
    ...                            alignment_target=[-1.0, 0.0, 1.0])
    >>> net.fit(X, y).predict_proba(X).shape
    (120, 3)
    >>> net.transform(X).shape
    (120, 128)
    """

    def __init__(
        self,
        module="mlp",
        *,
        alignment_loss="none",
        alignment_weight=0.0,
        alignment_target=None,
        alignment_kwargs=None,
        n_channels=None,
        n_bands=5,
        ch_names=None,
        standardize=True,
        max_epochs=30,
        lr=1e-3,
        weight_decay=1e-2,
        batch_size=128,
        warmup_epochs=5,
        augment=True,
        distill=True,
        distill_temperature=1.0,
        random_state=None,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        train_split=None,
        callbacks=None,
        device="cpu",
        verbose=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.alignment_loss = alignment_loss
        self.alignment_weight = alignment_weight
        self.alignment_target = alignment_target
        self.alignment_kwargs = alignment_kwargs
        self.n_channels = n_channels
        self.n_bands = n_bands
        self.ch_names = ch_names
        self.standardize = standardize
        self.weight_decay = weight_decay
        self.warmup_epochs = warmup_epochs
        self.augment = augment
        self.distill = distill
        self.distill_temperature = distill_temperature
        self.random_state = random_state

    @classmethod
    def paper_recipe(cls, **overrides):
        """The paper's recipe (:data:`PAPER_RECIPE`): axial depth 6, width 128, 100 epochs.

        Examples
        --------
        >>> net = ValenceNetClassifier.paper_recipe(max_epochs=150, random_state=42)
        >>> net.get_params()["module__depth"], net.max_epochs
        (6, 150)
        """
        return cls(**{**PAPER_RECIPE, **overrides})

    # ------------------------------------------------------------------ skorch hooks
    def _get_param_names(self):
        # skorch keeps private bookkeeping (``_params_to_validate``, ``_modules`` ...)
        # in ``__dict__``; those are state, not hyper-parameters.
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("lr_scheduler", warmup_cosine_scheduler(self.warmup_epochs, self.max_epochs)),
            ("print_log", PrintLog()),
        ]

    def initialize_module(self):
        if not hasattr(self, "n_classes_"):
            raise ValueError("ValenceNetClassifier infers its shape from data: call fit(X, y)")
        kwargs = self.get_params_for("module")
        if isinstance(self.module, nn.Module):
            module = self.module
        else:
            if self.ch_names_ is not None:
                kwargs.setdefault("ch_names", list(self.ch_names_))
            module = build_module(self.module, self.n_channels_, int(self.n_bands), self.n_classes_, **kwargs)
        for attr in ("features", "head"):
            if not hasattr(module, attr):
                raise TypeError(f"module {type(module).__name__} has no `{attr}`; see skvalence.decoders.modules")
        self.module_ = module
        self.aligner_ = self._build_aligner()
        return self

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        kwargs.setdefault("weight_decay", self.weight_decay)
        return args, kwargs

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=False)
        kwargs = self.get_params_for("iterator_train")
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        kwargs.setdefault("shuffle", True)
        if getattr(self, "loader_rng_", None) is not None:
            kwargs.setdefault("generator", self.loader_rng_)
        # A trailing batch of one sample breaks BatchNorm and batch statistics.
        n = len(dataset)
        if n > kwargs["batch_size"] and n % kwargs["batch_size"] == 1:
            kwargs.setdefault("drop_last", True)
        return self.iterator_train(dataset, **kwargs)

    def infer(self, x, **fit_params):
        if isinstance(x, dict):
            x = x["x"]
        return self.module_(to_tensor(x, device=self.device))

    # ------------------------------------------------------------------ loss
    def _progress(self):
        epoch = max(len(self.history) - 1, 0) if self.history is not None else 0
        return epoch / max(int(self.max_epochs), 1)

    def _alignment_active(self):
        return not isinstance(getattr(self, "aligner_", None), (_NoAlignment, type(None)))

    def loss_terms(self, features, logits, y, stimulus=None, X=None, progress=None):
        """The named, already weighted terms whose sum is the training loss.

        Parameters
        ----------
        features : Tensor (batch, n_features) or None
            Penultimate features (``module_.features(X)``); None skips alignment.
        logits : Tensor (batch, n_classes)
            ``module_.head(features)``.
        y : Tensor or array (batch,)
            Encoded class indices (0 .. n_classes - 1).
        stimulus : Tensor (batch,), optional
            Stimulus ids (for stimulus-prototype distillation).
        X : Tensor (batch, n_features_in), optional
            The input batch (for channel-masked losses, which re-run the backbone).
        progress : float, optional
            Fraction of training done; defaults to the current epoch's.

        Returns
        -------
        terms : dict of str -> scalar Tensor
            ``"ce"``, ``"distill"`` (when distillation is on) and ``"alignment"``
            (when a strategy is active).

        Examples
        --------
        >>> import numpy as np, torch
        >>> X = np.random.default_rng(0).normal(size=(40, 10)); y = np.arange(40) % 2
        >>> net = ValenceNetClassifier("mlp", n_bands=5, max_epochs=1, random_state=0).fit(X, y)
        >>> x = torch.as_tensor(X[:8], dtype=torch.float32)
        >>> f = net.module_.features(x)
        >>> sorted(net.loss_terms(f, net.module_.head(f), y[:8]))
        ['ce', 'distill']
        """
        y = to_tensor(y, device=self.device).long()
        progress = self._progress() if progress is None else float(progress)
        aligner = self.aligner_ if self._alignment_active() else None
        ce_scale = aligner.ce_scale(progress) if aligner is not None else 1.0
        lam = self.distill_lambda_
        # A term switched off by a schedule is a constant 0 (no graph): a zero
        # gradient would still move parameters through AdamW's momentum and decay.
        zero = logits.new_zeros(())
        terms = {"ce": (1.0 - lam) * ce_scale * F.cross_entropy(logits, y) if ce_scale else zero}
        if lam > 0:
            t = float(self.distill_temperature)
            log_student = (logits / t).log_softmax(1)
            kl = F.kl_div(log_student, self.teacher_[y], reduction="batchmean")
            terms["distill"] = lam * ce_scale * t * t * kl if ce_scale else zero
        if aligner is not None and features is not None:
            if stimulus is not None:
                stimulus = to_tensor(stimulus, device=self.device).long()
            if X is not None:
                X = to_tensor(X, device=self.device)
            batch = AlignmentBatch(features, logits, y, stimulus, X, self.module_, progress)
            scale = self.alignment_weight_ * aligner.alignment_scale(progress)
            terms["alignment"] = scale * aligner(batch) if scale else zero
        return terms

    def get_loss(self, y_pred, y_true, X=None, training=False):
        x, stimulus = self._unpack(X) if X is not None else (None, None)
        features = None
        if x is not None and self._alignment_active():
            features = self.module_.features(x)
        return sum(self.loss_terms(features, y_pred, y_true, stimulus=stimulus, X=x).values())

    def _unpack(self, Xi):
        if isinstance(Xi, dict):
            return to_tensor(Xi["x"], device=self.device), Xi.get("stimulus")
        return to_tensor(Xi, device=self.device), None

    def _forward_terms(self, batch, training):
        Xi, yi = unpack_data(batch)
        x, stimulus = self._unpack(Xi)
        if training and self.augmenter_ is not None:
            x = self._augment(x)
        progress = self._progress()
        features = self.module_.features(x)
        frozen = self._alignment_active() and self.aligner_.freeze_backbone(progress)
        logits = self.module_.head(features.detach() if frozen else features)
        terms = self.loss_terms(features, logits, yi, stimulus=stimulus, X=x, progress=progress)
        return sum(terms.values()), logits

    def _augment(self, x):
        """Augment each row with probability ``p``, drawn per sample (the paper's recipe).

        :class:`~skvalence.eeg.augment.FeatureAugmenter` called on a batch flips one coin
        for the whole batch; here every row flips its own, so about ``p`` of each batch is
        augmented (noise, channel dropout, cell masking) and the rest passes unchanged.
        """
        aug, generator = self.augmenter_, self.aug_rng_
        chosen = torch.rand((x.shape[0], 1), generator=generator, device=x.device) < aug.p
        mean, std = aug._tensors(x)
        out = gaussian_noise(x, std, aug.noise, generator)
        out = channel_dropout(out, mean, int(aug.n_bands), aug.channel_drop, generator)
        out = cell_mask(out, mean, aug.mask_fraction, generator)
        return torch.where(chosen, out, x)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        loss, logits = self._forward_terms(batch, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        with torch.no_grad():
            loss, logits = self._forward_terms(batch, training=False)
        return {"loss": loss, "y_pred": logits}

    # ------------------------------------------------------------------ fit
    def _resolve_weight(self, strategy):
        weight = self.alignment_weight
        if weight is None or (isinstance(weight, str) and weight == "default"):
            return strategy.default_weight
        if not isinstance(weight, numbers.Real) or isinstance(weight, bool) or not np.isfinite(weight):
            raise ValueError(f"alignment_weight must be a finite number, None or 'default', got {weight!r}")
        if weight < 0:
            raise ValueError(f"alignment_weight must be >= 0, got {weight}")
        return float(weight)

    def _check_target(self):
        target = np.asarray(self.alignment_target, dtype=float)
        if target.ndim not in (1, 2) or target.shape[0] != self.n_classes_:
            raise ValueError(
                f"alignment_target must have shape (n_classes,) or (n_classes, k) with "
                f"n_classes={self.n_classes_} (classes {list(self.classes_)}), got shape {target.shape}"
            )
        if not np.all(np.isfinite(target)):
            raise ValueError("alignment_target contains NaN or infinite values")
        return target

    def _resolve_ch_names(self):
        if self.ch_names is not None:
            names = list(self.ch_names)
            if len(names) != self.n_channels_:
                raise ValueError(f"ch_names has {len(names)} names but X has {self.n_channels_} channels")
            return names
        return {32: list(FACED_CHANNELS), 62: list(SEEDV_CHANNELS)}.get(self.n_channels_)

    def _check_config(self, X, y, stimulus):
        n_bands = self.n_bands
        if not isinstance(n_bands, numbers.Integral) or n_bands < 1:
            raise ValueError(f"n_bands must be a positive integer, got {n_bands!r}")
        if X.shape[1] % n_bands:
            raise ValueError(
                f"X has {X.shape[1]} features, which is not a multiple of n_bands={n_bands} "
                "(expected channel-major n_channels * n_bands columns)"
            )
        self.n_channels_ = X.shape[1] // n_bands
        if self.n_channels is not None and self.n_channels != self.n_channels_:
            raise ValueError(
                f"n_channels={self.n_channels} but X has {X.shape[1]} = {self.n_channels_} x {n_bands} features"
            )
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not isinstance(self.warmup_epochs, numbers.Integral) or self.warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be an integer >= 0, got {self.warmup_epochs!r}")
        for name in ("max_epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or (value < 1 and value != -1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.ch_names_ = self._resolve_ch_names()
        strategy = get_strategy(self.alignment_loss)
        self.alignment_weight_ = self._resolve_weight(strategy)
        self.strategy_ = strategy
        if strategy.needs_target and self.alignment_weight_ > 0:
            if self.alignment_target is None:
                raise ValueError(
                    f"alignment_loss={strategy.name!r} needs alignment_target (one coordinate or "
                    "prototype row per class, e.g. VAxisTransformer().fit().class_coords_)"
                )
            self.target_ = self._check_target()
            if "stimulus" in strategy.requires and stimulus is None:
                raise ValueError(f"alignment_loss={strategy.name!r} needs fit(..., stimulus=stimulus ids)")
        elif self.alignment_target is not None:
            self.target_ = self._check_target()
        else:
            self.target_ = None
        distill = self.distill
        if distill is True:
            distill = _DEFAULT_DISTILL
        if distill is False or distill is None:
            distill = 0.0
        if not isinstance(distill, numbers.Real) or not 0.0 <= distill <= 1.0:
            raise ValueError(f"distill must be a bool or a lambda in [0, 1], got {self.distill!r}")
        self.distill_lambda_ = float(distill)
        temperature = self.distill_temperature
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) \
                or not (np.isfinite(temperature) and temperature > 0):
            raise ValueError(f"distill_temperature must be a finite number > 0, got {temperature!r}")

    def _build_aligner(self):
        strategy = self.strategy_
        if strategy.loss is None or self.alignment_weight_ == 0:
            return _NoAlignment()
        options = dict(self.alignment_kwargs or {})
        context = {
            "n_channels": self.n_channels_,
            "n_bands": int(self.n_bands),
            "ch_names": self.ch_names_,
            "topography": options.pop("topography", None),
            "stimulus_target": options.pop("stimulus_target", None),
            "stimulus_classes": getattr(self, "stimulus_classes_", None),
        }
        n_features = getattr(self.module_, "n_features", None)
        if n_features is None:
            with torch.no_grad():
                n_features = self.module_.features(torch.zeros(2, self.n_features_in_)).shape[1]
        return strategy.build(n_features, self.n_classes_, self.target_, context, **options)

    def _make_augmenter(self, X):
        if self.augment is False or self.augment is None:
            return None
        if self.augment is True:
            augmenter = FeatureAugmenter(n_bands=int(self.n_bands))
        elif isinstance(self.augment, FeatureAugmenter):
            augmenter = clone(self.augment).set_params(n_bands=int(self.n_bands))
        else:
            raise ValueError(f"augment must be a bool or a FeatureAugmenter, got {self.augment!r}")
        return augmenter.fit(X)

    def _make_teacher(self, rng):
        k = self.n_classes_
        q, r = np.linalg.qr(rng.normal(size=(k, k)))
        prototypes = q * np.sign(np.diag(r))  # rows: random orthonormal class prototypes
        self.distill_prototypes_ = prototypes
        sim = prototypes @ prototypes.T / float(self.distill_temperature)
        teacher = torch.as_tensor(sim, dtype=torch.float32).softmax(1)
        return teacher.to(self.device)

    def _stimulus_classes(self, stimulus, y):
        """Encoded class of every stimulus id (0 for ids absent from ``stimulus``).

        Raises a ValueError naming the stimulus when its rows carry several classes.
        """
        if stimulus is None:
            return None
        stimuli, labels = stimulus_classes(y, stimulus)
        classes = np.zeros(stimulus.max() + 1, dtype=np.int64)
        classes[stimuli] = self.label_encoder_.transform(labels)
        return classes

    def fit(self, X, y, groups=None, stimulus=None):
        """Fit the decoder from scratch (unless ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels * n_bands)
            Channel-major feature grid (e.g. DE features).
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,), optional
            Subject ids; used only by an internal ``train_split`` such as
            :class:`SubjectValidSplit`.
        stimulus : array-like of int, shape (n_samples,), optional
            Stimulus ids, needed by ``"stimulus-prototype-distill"``.

        Returns
        -------
        self
        """
        return self._fit(X, y, groups, stimulus, reset=not self.warm_start or not self.initialized_)

    def partial_fit(self, X, y=None, classes=None, groups=None, stimulus=None):
        """Continue training for ``max_epochs`` more epochs (initialises on first call).

        Parameters are as in :meth:`fit`; ``classes`` is accepted for
        scikit-learn compatibility and unused (classes come from the first call).
        """
        if isinstance(X, dict) and "x" in X:  # internal call from _fit
            return super().partial_fit(X, y)
        return self._fit(X, y, groups, stimulus, reset=not self.initialized_)

    def fit_transform(self, X, y, groups=None, stimulus=None):
        """Fit, then return the penultimate features of ``X``."""
        return self.fit(X, y, groups=groups, stimulus=stimulus).transform(X)

    def _encode_y(self, y, reset):
        check_classification_targets(y)
        if reset:
            self.label_encoder_ = LabelEncoder().fit(y)
            self.n_classes_ = len(self.label_encoder_.classes_)
            if self.n_classes_ < 2:
                raise ValueError(
                    f"y has only one class ({self.label_encoder_.classes_[0]!r}); need at least 2 classes"
                )
        unknown = np.setdiff1d(np.unique(y), self.label_encoder_.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels unseen at the first fit: {unknown[:5].tolist()}")
        return self.label_encoder_.transform(y).astype(np.int64)

    def _fit(self, X, y, groups, stimulus, reset):
        level = resolve_verbose(self.verbose)
        X, y = validate_data(self, X, y, dtype=np.float32, reset=reset)
        y_enc = self._encode_y(y, reset)
        self.classes_inferred_ = self.label_encoder_.classes_
        n = X.shape[0]
        stimulus = None if stimulus is None else _as_int_ids(stimulus, n, "stimulus", _MAX_STIMULUS_ID)
        if reset:
            self._check_config(X, y, stimulus)
            self.stimulus_classes_ = self._stimulus_classes(stimulus, y)
        elif "stimulus" in self.strategy_.requires and self._alignment_active() and stimulus is None:
            raise ValueError(f"alignment_loss={self.strategy_.name!r} needs stimulus ids")
        if groups is None:
            group_ids = np.full(n, -1, np.int64)
        else:
            groups = check_groups(groups, n)  # 1-D, one per row, no NaN, sortable ids
            group_ids = np.unique(groups, return_inverse=True)[1].reshape(-1).astype(np.int64)
        data = {"x": X, "stimulus": np.full(n, -1, np.int64) if stimulus is None else stimulus, "group": group_ids}

        # One seed per call: a continued fit (partial_fit) draws a new, still reproducible one.
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(0, 2**31 - 1)) + (0 if reset else len(self.history))
        device = _check_device(self.device)
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices), _skorch_verbosity(self, level):
            torch.manual_seed(seed)
            self.aug_rng_ = torch.Generator(device=device).manual_seed(seed + 1)
            self.loader_rng_ = torch.Generator().manual_seed(seed + 2)
            if reset:
                self.augmenter_ = self._make_augmenter(X)
                self.teacher_ = self._make_teacher(np.random.RandomState(seed))
                self.initialize()
                if self.standardize and hasattr(self.module_, "set_input_stats"):
                    scale = X.std(0, dtype=np.float64)
                    self.module_.set_input_stats(X.mean(0, dtype=np.float64), np.where(scale > 0, scale, 1.0))
            super().partial_fit(data, y_enc)
        self.classes_inferred_ = self.label_encoder_.classes_
        return self

    # ------------------------------------------------------------------ inference
    def _check_X(self, X):
        check_is_fitted(self, "module_")
        return validate_data(self, X, reset=False, dtype=np.float32)

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), shape (n_samples, n_classes)."""
        return super().predict_proba(self._check_X(X))

    def predict(self, X):
        """Predicted class labels (in the labels given to fit)."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def transform(self, X):
        """Penultimate features, shape (n_samples, n_features), computed in eval mode.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(30, 10)); y = np.arange(30) % 2
        >>> net = ValenceNetClassifier("axial", module__width=16, max_epochs=1, random_state=0)
        >>> net.fit(X, y).transform(X).shape
        (30, 16)
        """
        X = self._check_X(X)
        self._set_training(False)
        out = []
        with torch.no_grad():
            for batch in self.get_iterator(self.get_dataset(X), training=False):
                Xi, _ = unpack_data(batch)
                out.append(self.module_.features(to_tensor(Xi, device=self.device)).cpu().numpy())
        return np.concatenate(out)

    def score(self, X, y, sample_weight=None):
        """Balanced accuracy (the paper's headline metric)."""
        from sklearn.metrics import balanced_accuracy_score

        return balanced_accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        # transform() returns penultimate features, so the net is also a transformer.
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        return tags
