"""Registry of alignment strategies: ways of adding V-axis supervision to a decoder.

:data:`ALIGNMENT_LOSSES` maps a name to an :class:`AlignmentStrategy`, a frozen
record of what the strategy is (family, one-line description, default weight,
reference), where it acts (``applied_to``) and how to build its loss module.
Every name is a valid ``alignment_loss`` of
:class:`~skvalence.decoders.ValenceNetClassifier`, so
``GridSearchCV(net, {"alignment_loss": list(ALIGNMENT_LOSSES)})`` runs.

The families follow Radwan et al. (2026, arXiv:2606.00129, "The Saturation
Regularity"): channel-masked axis losses, class-weighted axis loss, Procrustes,
RSA, distance-based cross-entropy, multiple LLM axes, auxiliary MSE,
class- and stimulus-prototype distillation, parameter-efficient heads,
pretrain-then-finetune, loss-weight scaling and uncertainty-weighted multi-task
learning, plus standard representation-alignment losses (linear CKA, InfoNCE,
valence-weighted supervised contrastive, pairwise ranking).

Cross-dataset transfer (pretraining on SEED-V, fine-tuning on FACED) is not a
loss on one training set, so it is not a registry entry: fit a net on the source
data, then continue with ``warm_start=True`` on the target data (same channels),
or transplant ``net.module_`` state with ``load_state_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from skvalence.decoders import _strategies as S

__all__ = ["AlignmentStrategy", "ALIGNMENT_LOSSES", "get_strategy"]

_PAPER = "Radwan et al. (2026), A Shared Valence Axis Across Modern LLMs and Human EEG, arXiv:2606.00129"


@dataclass(frozen=True)
class AlignmentStrategy:
    """One way of adding V-axis supervision to a decoder.

    Attributes
    ----------
    name : str
        Registry key, the value of ``alignment_loss``.
    family : str
        Strategy family (as grouped in the paper).
    description : str
        One line saying what the loss does.
    default_weight : float
        Weight used when ``alignment_weight`` is None or ``"default"``.
    reference : str
        Citation for the method.
    applied_to : str
        Where the loss acts: ``"features"``, ``"masked-input features"``,
        ``"logits"``, ``"adapter"`` or ``"features (scheduled)"``; ``"none"`` for
        the baseline.
    loss : type or None
        :class:`~skvalence.decoders._strategies.AlignmentLoss` subclass; None for
        the baseline.
    options : tuple of (str, object)
        Keyword arguments of ``loss`` that define this strategy.
    requires : tuple of str
        Extra inputs beyond the class target: ``"stimulus"`` (fit param),
        ``"topography"`` (``alignment_kwargs``), ``"ch_names"``.

    Examples
    --------
    >>> from skvalence.decoders import ALIGNMENT_LOSSES
    >>> ALIGNMENT_LOSSES["rsa"].family
    'representational geometry'
    """

    name: str
    family: str
    description: str
    default_weight: float
    reference: str
    applied_to: str = "features"
    loss: type | None = None
    options: tuple = field(default_factory=tuple)
    requires: tuple = field(default_factory=tuple)

    @property
    def needs_target(self):
        """Whether the strategy needs ``alignment_target``."""
        return self.loss is not None

    def build(self, n_features, n_classes, target, context, **overrides):
        """Instantiate the loss module (``overrides`` update :attr:`options`)."""
        if self.loss is None:
            raise ValueError(f"Strategy {self.name!r} has no loss to build")
        options = {**dict(self.options), **overrides}
        try:
            return self.loss(n_features, n_classes, target, context, **options)
        except TypeError as exc:
            raise TypeError(f"Bad alignment_kwargs for {self.name!r}: {exc}") from exc


def _entry(name, family, description, weight, reference, loss=None, applied_to="features",
           requires=(), **options):
    return AlignmentStrategy(name, family, description, float(weight), reference, applied_to,
                             loss, tuple(sorted(options.items())), tuple(requires))


_MASKED = "masked-input features"
_TABLE = [
    _entry("none", "baseline", "No alignment: the recipe's cross-entropy (and distillation) only.",
           0.0, _PAPER, applied_to="none"),
    # Auxiliary regression onto the coordinate.
    _entry("axis-mse", "auxiliary regression", "Linear readout of the features regressed (MSE) onto the class coordinate.",
           1.0, "Caruana (1997), Multitask learning, Machine Learning 28:41-75", S.AxisRegression),
    _entry("axis-corr", "auxiliary regression", "Maximise the batch Pearson r between a feature readout and the class coordinate.",
           1.0, _PAPER, S.AxisRegression, criterion="corr"),
    # Channel-masked axis losses.
    _entry("axis-frontal", "channel-masked axis", "Axis MSE from the features of an input restricted to frontal channels.",
           1.0, _PAPER, S.MaskedAxisRegression, _MASKED, ("ch_names",), regions=("frontal",)),
    _entry("axis-frontal-alpha-asymmetry", "channel-masked axis",
           "Axis MSE from the features of the hemisphere-signed frontal alpha cells (the FAA pattern).",
           1.0, "Davidson (1992), Anterior cerebral asymmetry and the nature of emotion, Brain and Cognition 20:125-151",
           S.MaskedAxisRegression, _MASKED, ("ch_names",), regions=("frontal",), bands="alpha", signed=True),
    _entry("axis-occipital", "channel-masked axis", "Axis MSE from the features of an input restricted to occipital channels.",
           1.0, _PAPER, S.MaskedAxisRegression, _MASKED, ("ch_names",), regions=("occipital",)),
    _entry("axis-posterior", "channel-masked axis",
           "Axis MSE from the features of an input restricted to parietal and occipital channels.",
           1.0, _PAPER, S.MaskedAxisRegression, _MASKED, ("ch_names",), regions=("parietal", "occipital")),
    _entry("axis-topo-optimal", "channel-masked axis",
           "Axis MSE from the features of an input soft-masked by |tracking weights| (alignment_kwargs['topography']).",
           1.0, _PAPER, S.MaskedAxisRegression, _MASKED, ("topography",), regions="topography"),
    # Class-weighted axis losses.
    _entry("axis-anger-weighted", "class-weighted axis", "Axis MSE with anger (class 0 in FACED) weighted 3x.",
           1.0, _PAPER, S.AxisRegression, upweight_class=0, factor=3.0),
    _entry("axis-extreme-weighted", "class-weighted axis", "Axis MSE with each class weighted by |its coordinate|.",
           1.0, _PAPER, S.AxisRegression, class_weight="extreme"),
    # Representational geometry.
    _entry("procrustes", "representational geometry",
           "Residual of the scaled orthogonal Procrustes fit of batch class means onto the prototypes.",
           1.0, "Schonemann (1966), A generalized solution of the orthogonal Procrustes problem, Psychometrika 31:1-10",
           S.ProcrustesLoss),
    _entry("rsa", "representational geometry",
           "1 - correlation between the class-mean and prototype dissimilarity matrices.",
           1.0, "Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis, Front. Syst. Neurosci. 2:4",
           S.RSALoss),
    _entry("linear-cka", "representational geometry", "1 - linear CKA between batch features and per-sample prototypes.",
           1.0, "Kornblith et al. (2019), Similarity of neural network representations revisited, ICML",
           S.LinearCKALoss),
    # Prototype classification and contrastive losses.
    _entry("distance-ce", "distance-based cross-entropy",
           "Cross-entropy over negative squared distances between a feature readout and the class prototypes.",
           0.5, "Snell, Swersky & Zemel (2017), Prototypical networks for few-shot learning, NeurIPS",
           S.PrototypeCELoss, similarity="distance", temperature=1.0),
    _entry("infonce-prototypes", "contrastive", "InfoNCE of a feature projection against the class prototypes (cosine, T=0.1).",
           0.5, "van den Oord, Li & Vinyals (2018), Representation learning with contrastive predictive coding, arXiv:1807.03748",
           S.PrototypeCELoss, similarity="cosine", temperature=0.1),
    _entry("supcon-valence", "contrastive",
           "Supervised contrastive loss with positives weighted by closeness of class coordinates.",
           0.5, "Khosla et al. (2020), Supervised contrastive learning, NeurIPS", S.ValenceSupConLoss),
    _entry("pairwise-ranking", "ranking", "Margin ranking: samples of higher-coordinate classes must score higher.",
           1.0, "Herbrich, Graepel & Obermayer (2000), Large margin rank boundaries for ordinal regression",
           S.PairwiseRankingLoss),
    # Several language models' axes.
    _entry("multi-axis", "multiple LLM axes",
           "Regress the features onto every column of alignment_target (one axis per language model) at once.",
           1.0, _PAPER, S.MultiAxisRegression),
    # Distillation.
    _entry("class-prototype-distill", "prototype distillation",
           "KL to a teacher posterior from distances between the sample's class prototype and all prototypes.",
           0.5, "Hinton, Vinyals & Dean (2015), Distilling the knowledge in a neural network, arXiv:1503.02531",
           S.PrototypeDistillation, "logits", source="class"),
    _entry("stimulus-prototype-distill", "prototype distillation",
           "KL to a teacher posterior from distances between the sample's stimulus prototype and the class prototypes.",
           0.5, "Hinton, Vinyals & Dean (2015), Distilling the knowledge in a neural network, arXiv:1503.02531",
           S.PrototypeDistillation, "logits", ("stimulus",), source="stimulus"),
    # Parameter-efficient heads.
    _entry("head-full", "parameter-efficient heads", "Axis MSE through a full d x d adapter onto a fixed random readout.",
           1.0, "Houlsby et al. (2019), Parameter-efficient transfer learning for NLP, ICML",
           S.AdapterHeadLoss, "adapter", kind="full"),
    _entry("head-lora", "parameter-efficient heads", "Axis MSE through a rank-4 LoRA adapter onto a fixed random readout.",
           1.0, "Hu et al. (2022), LoRA: Low-rank adaptation of large language models, ICLR",
           S.AdapterHeadLoss, "adapter", kind="lora", rank=4),
    _entry("head-ia3", "parameter-efficient heads", "Axis MSE through an IA3 per-feature scaling onto a fixed random readout.",
           1.0, "Liu et al. (2022), Few-shot parameter-efficient fine-tuning is better and cheaper than in-context learning, NeurIPS",
           S.AdapterHeadLoss, "adapter", kind="ia3"),
    # Pretrain on the axis, then fine-tune.
    _entry("pretrain-frozen", "pretrain-then-finetune",
           "Axis MSE alone for the first 30% of epochs, then cross-entropy on a frozen backbone.",
           1.0, "Erhan et al. (2010), Why does unsupervised pre-training help deep learning?, JMLR 11:625-660",
           S.PretrainFinetune, "features (scheduled)", frozen=True),
    _entry("pretrain-unfrozen", "pretrain-then-finetune",
           "Axis MSE alone for the first 30% of epochs, then cross-entropy on the whole network.",
           1.0, "Erhan et al. (2010), Why does unsupervised pre-training help deep learning?, JMLR 11:625-660",
           S.PretrainFinetune, "features (scheduled)", frozen=False),
    # Loss-weight scaling and multi-task weighting.
    _entry("axis-mse-x10", "loss-weight scaling", "Axis MSE with a 10x default weight.",
           10.0, _PAPER, S.AxisRegression),
    _entry("axis-mse-ramp", "loss-weight scaling",
           "Axis MSE whose weight ramps linearly from 10% to 100% over the first half of training.",
           1.0, _PAPER, S.AxisRegression, "features (scheduled)", ramp=True),
    _entry("uncertainty-weighted", "uncertainty-weighted multi-task",
           "Axis MSE weighted by a learned homoscedastic uncertainty: 0.5 exp(-s) MSE + 0.5 s.",
           1.0, "Kendall, Gal & Cipolla (2018), Multi-task learning using uncertainty to weigh losses, CVPR",
           S.UncertaintyWeighted),
]

#: Alignment strategies by name (read-only).
ALIGNMENT_LOSSES = MappingProxyType({entry.name: entry for entry in _TABLE})


def get_strategy(name):
    """Look up a strategy by name, with a ValueError listing the valid names.

    Examples
    --------
    >>> get_strategy("axis-mse").default_weight
    1.0
    """
    if isinstance(name, AlignmentStrategy):
        return name
    try:
        return ALIGNMENT_LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown alignment_loss {name!r}; valid names: {', '.join(ALIGNMENT_LOSSES)}"
        ) from None
