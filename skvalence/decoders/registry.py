"""Registry of alignment strategies: ways of adding V-axis supervision to a decoder.

:data:`ALIGNMENT_LOSSES` maps a name to an :class:`AlignmentStrategy`, a frozen
record of what the strategy is (family, one-line description, default weight,
reference), where it acts (``applied_to``) and how to build its loss module.
Every name is a valid ``alignment_loss`` of
:class:`~skvalence.decoders.ValenceNetClassifier`, so
``GridSearchCV(net, {"alignment_loss": list(ALIGNMENT_LOSSES)})`` runs (a
strategy with ``requires`` needs those inputs: ``alignment_kwargs`` or a fit
parameter).

The families follow Radwan et al. (2026, arXiv:2606.00129, "The Saturation
Regularity"): channel-masked axis losses, class-weighted axis loss, Procrustes,
RSA, distance-based cross-entropy, multiple LLM axes, auxiliary MSE,
class- and stimulus-prototype distillation, parameter-efficient heads,
pretrain-then-finetune, cross-dataset transfer, loss-weight scaling and
uncertainty-weighted multi-task learning, plus standard representation-alignment
losses (linear CKA, InfoNCE, valence-weighted supervised contrastive, pairwise
ranking) and a few variants of our own.

:data:`PAPER_STRATEGIES` names the paper's 25 strategies; every entry says where it
comes from in ``origin`` (``"paper"``, ``"ours"``, or ``"baseline"`` for ``"none"``)
and, for the paper's, how it maps to the paper in ``paper_note``. The paper names
families, not 25 individual settings: its families give 19 strategies, and the
"loss-weight scaling" family supplies the other six as the auxiliary axis MSE at
weights 10**(+-0.5, +-1, +-1.5) around the unit weight of ``"axis-mse"`` (our
reconstruction of the count, stated as such).

Cross-dataset transfer (``"cross-dataset-transfer"``) pretrains the backbone on a
source dataset's V-axis coordinates passed as ``alignment_kwargs={"source_X": ...,
"source_coords": ...}`` (same channels and bands as ``X``), then fine-tunes on the
training data.

Each strategy names the target it is meant to get in ``target``: one V-axis
coordinate per class, the language model's class centroids (geometry and prototype
losses) or several axes (multi-axis).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType

from skvalence.decoders.alignment import (
    AdapterHeadLoss,
    AxisRegression,
    LinearCKALoss,
    MaskedAxisRegression,
    MultiAxisRegression,
    PairwiseRankingLoss,
    CrossDatasetPretrain,
    PretrainFinetune,
    ProcrustesLoss,
    PrototypeCELoss,
    PrototypeDistillation,
    RSALoss,
    UncertaintyWeighted,
    ValenceSupConLoss,
)

__all__ = ["AlignmentStrategy", "ALIGNMENT_LOSSES", "PAPER_STRATEGIES", "PAPER_STRATEGY_NOTES", "get_strategy",
           "resolve_strategies"]

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
        :class:`~skvalence.decoders.alignment.AlignmentLoss` subclass; None for
        the baseline.
    options : tuple of (str, object)
        Keyword arguments of ``loss`` that define this strategy.
    requires : tuple of str
        Extra inputs beyond the class target: ``"stimulus"`` (fit param),
        ``"topography"`` (``alignment_kwargs``), ``"ch_names"``, ``"source"``
        (``alignment_kwargs`` ``source_X`` and ``source_coords``).
    origin : str
        ``"paper"`` for the strategies of :data:`PAPER_STRATEGIES`, ``"ours"`` for
        the others, ``"baseline"`` for ``"none"``.
    paper_note : str
        For a paper strategy, one line saying how it maps to the paper; else empty.
    target : str
        What ``alignment_target`` the strategy is meant to get from a language model:
        ``"coordinate"`` (one V-axis coordinate per class, ``class_coords_``),
        ``"centroids"`` (the class centroids, ``centroids_``: RSA, Procrustes, CKA and the
        prototype losses compare the features' geometry with the model's), ``"axes"``
        (several axes of the model as columns, one coordinate per class each) or
        ``"none"`` for the baseline. Any of them is accepted by every strategy; this
        says which one the reproduction passes.

    Examples
    --------
    >>> from skvalence.decoders import ALIGNMENT_LOSSES
    >>> ALIGNMENT_LOSSES["rsa"].family
    'representational geometry'
    >>> ALIGNMENT_LOSSES["rsa"].origin, ALIGNMENT_LOSSES["linear-cka"].origin
    ('paper', 'ours')
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
    origin: str = "ours"
    paper_note: str = ""
    target: str = "coordinate"

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


def _strategy(*, name, family, description, default_weight, reference, loss=None,
              applied_to="features", requires=(), options=None, target="coordinate"):
    """An :class:`AlignmentStrategy` from keyword fields (``options`` as a dict)."""
    return AlignmentStrategy(
        name=name,
        family=family,
        description=description,
        default_weight=float(default_weight),
        reference=reference,
        applied_to=applied_to,
        loss=loss,
        options=tuple(sorted((options or {}).items())),
        requires=tuple(requires),
        target="none" if loss is None else target,
    )


_MASKED = "masked-input features"
#: Target of the strategies that compare geometry with the language model's class centroids.
_CENTROIDS = "centroids"
_CARUANA = "Caruana (1997), Multitask learning, Machine Learning 28:41-75"
_HINTON = "Hinton, Vinyals & Dean (2015), Distilling the knowledge in a neural network, arXiv:1503.02531"
#: Loss-weight scaling: the axis MSE at 10**(+-0.5, +-1, +-1.5) times its unit weight.
_WEIGHT_SCALES = (0.03, 0.1, 0.3, 3.0, 10.0, 30.0)
_ERHAN = "Erhan et al. (2010), Why does unsupervised pre-training help deep learning?, JMLR 11:625-660"

_TABLE = [
    _strategy(
        name="none", family="baseline",
        description="No alignment: the recipe's cross-entropy (and distillation) only.",
        default_weight=0.0, reference=_PAPER, applied_to="none",
    ),
    # Auxiliary regression onto the coordinate.
    _strategy(
        name="axis-mse", family="auxiliary regression",
        description="Linear readout of the features regressed (MSE) onto the class coordinate.",
        default_weight=1.0, reference=_CARUANA, loss=AxisRegression,
    ),
    _strategy(
        name="axis-corr", family="auxiliary regression",
        description="Maximise the batch Pearson r between a feature readout and the class coordinate.",
        default_weight=1.0, reference=_PAPER, loss=AxisRegression, options={"criterion": "corr"},
    ),
    # Channel-masked axis losses.
    _strategy(
        name="axis-frontal", family="channel-masked axis",
        description="Axis MSE from the features of an input restricted to frontal channels.",
        default_weight=1.0, reference=_PAPER, loss=MaskedAxisRegression, applied_to=_MASKED,
        requires=("ch_names",), options={"regions": ("frontal",)},
    ),
    _strategy(
        name="axis-frontal-alpha-asymmetry", family="channel-masked axis",
        description="Axis MSE from the features of the hemisphere-signed frontal alpha cells (the FAA pattern).",
        default_weight=1.0,
        reference="Davidson (1992), Anterior cerebral asymmetry and the nature of emotion, "
                  "Brain and Cognition 20:125-151",
        loss=MaskedAxisRegression, applied_to=_MASKED, requires=("ch_names",),
        options={"regions": ("frontal",), "bands": "alpha", "signed": True},
    ),
    _strategy(
        name="axis-occipital", family="channel-masked axis",
        description="Axis MSE from the features of an input restricted to occipital channels.",
        default_weight=1.0, reference=_PAPER, loss=MaskedAxisRegression, applied_to=_MASKED,
        requires=("ch_names",), options={"regions": ("occipital",)},
    ),
    _strategy(
        name="axis-posterior", family="channel-masked axis",
        description="Axis MSE from the features of an input restricted to parietal and occipital channels.",
        default_weight=1.0, reference=_PAPER, loss=MaskedAxisRegression, applied_to=_MASKED,
        requires=("ch_names",), options={"regions": ("parietal", "occipital")},
    ),
    _strategy(
        name="axis-topo-optimal", family="channel-masked axis",
        description="Axis MSE from the features of an input soft-masked by |tracking weights| "
                    "(alignment_kwargs['topography']).",
        default_weight=1.0, reference=_PAPER, loss=MaskedAxisRegression, applied_to=_MASKED,
        requires=("topography",), options={"regions": "topography"},
    ),
    # Class-weighted axis losses.
    _strategy(
        name="axis-anger-weighted", family="class-weighted axis",
        description="Axis MSE with anger (class 0 in FACED) weighted 3x.",
        default_weight=1.0, reference=_PAPER, loss=AxisRegression,
        options={"upweight_class": 0, "factor": 3.0},
    ),
    _strategy(
        name="axis-extreme-weighted", family="class-weighted axis",
        description="Axis MSE with each class weighted by |its coordinate|.",
        default_weight=1.0, reference=_PAPER, loss=AxisRegression, options={"class_weight": "extreme"},
    ),
    # Representational geometry.
    _strategy(
        name="procrustes", family="representational geometry",
        description="Residual of the scaled orthogonal Procrustes fit of batch class means onto the prototypes.",
        default_weight=1.0,
        reference="Schonemann (1966), A generalized solution of the orthogonal Procrustes problem, "
                  "Psychometrika 31:1-10",
        loss=ProcrustesLoss, target=_CENTROIDS,
    ),
    _strategy(
        name="rsa", family="representational geometry",
        description="1 - correlation between the class-mean and prototype dissimilarity matrices.",
        default_weight=1.0,
        reference="Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis, "
                  "Front. Syst. Neurosci. 2:4",
        loss=RSALoss, target=_CENTROIDS,
    ),
    _strategy(
        name="linear-cka", family="representational geometry",
        description="1 - linear CKA between batch features and per-sample prototypes.",
        default_weight=1.0,
        reference="Kornblith et al. (2019), Similarity of neural network representations revisited, ICML",
        loss=LinearCKALoss, target=_CENTROIDS,
    ),
    # Prototype classification and contrastive losses.
    _strategy(
        name="distance-ce", family="distance-based cross-entropy",
        description="Cross-entropy over negative squared distances between a feature readout and the "
                    "class prototypes.",
        default_weight=0.5,
        reference="Snell, Swersky & Zemel (2017), Prototypical networks for few-shot learning, NeurIPS",
        loss=PrototypeCELoss, options={"similarity": "distance", "temperature": 1.0}, target=_CENTROIDS,
    ),
    _strategy(
        name="infonce-prototypes", family="contrastive",
        description="InfoNCE of a feature projection against the class prototypes (cosine, T=0.1).",
        default_weight=0.5,
        reference="van den Oord, Li & Vinyals (2018), Representation learning with contrastive predictive "
                  "coding, arXiv:1807.03748",
        loss=PrototypeCELoss, options={"similarity": "cosine", "temperature": 0.1}, target=_CENTROIDS,
    ),
    _strategy(
        name="supcon-valence", family="contrastive",
        description="Supervised contrastive loss with positives weighted by closeness of class coordinates.",
        default_weight=0.5, reference="Khosla et al. (2020), Supervised contrastive learning, NeurIPS",
        loss=ValenceSupConLoss,
    ),
    _strategy(
        name="pairwise-ranking", family="ranking",
        description="Margin ranking: samples of higher-coordinate classes must score higher.",
        default_weight=1.0,
        reference="Herbrich, Graepel & Obermayer (2000), Large margin rank boundaries for ordinal regression",
        loss=PairwiseRankingLoss,
    ),
    # Several language models' axes.
    _strategy(
        name="multi-axis", family="multiple LLM axes",
        description="Regress the features onto every column of alignment_target (one axis per column: "
                    "other language models, layers or axis methods) at once.",
        default_weight=1.0, reference=_PAPER, loss=MultiAxisRegression, target="axes",
    ),
    # Distillation.
    _strategy(
        name="class-prototype-distill", family="prototype distillation",
        description="KL to a teacher posterior from distances between the sample's class prototype and "
                    "all prototypes.",
        default_weight=0.5, reference=_HINTON, loss=PrototypeDistillation, applied_to="logits",
        options={"source": "class"}, target=_CENTROIDS,
    ),
    _strategy(
        name="stimulus-prototype-distill", family="prototype distillation",
        description="KL to a teacher posterior from distances between the sample's stimulus prototype and "
                    "the class prototypes.",
        default_weight=0.5, reference=_HINTON, loss=PrototypeDistillation, applied_to="logits",
        requires=("stimulus",), options={"source": "stimulus"},
    ),
    # Parameter-efficient heads.
    _strategy(
        name="head-full", family="parameter-efficient heads",
        description="Axis MSE through a full d x d adapter onto a fixed random readout.",
        default_weight=1.0,
        reference="Houlsby et al. (2019), Parameter-efficient transfer learning for NLP, ICML",
        loss=AdapterHeadLoss, applied_to="adapter", options={"kind": "full"},
    ),
    _strategy(
        name="head-lora", family="parameter-efficient heads",
        description="Axis MSE through a rank-4 LoRA adapter onto a fixed random readout.",
        default_weight=1.0,
        reference="Hu et al. (2022), LoRA: Low-rank adaptation of large language models, ICLR",
        loss=AdapterHeadLoss, applied_to="adapter", options={"kind": "lora", "rank": 4},
    ),
    _strategy(
        name="head-ia3", family="parameter-efficient heads",
        description="Axis MSE through an IA3 per-feature scaling onto a fixed random readout.",
        default_weight=1.0,
        reference="Liu et al. (2022), Few-shot parameter-efficient fine-tuning is better and cheaper than "
                  "in-context learning, NeurIPS",
        loss=AdapterHeadLoss, applied_to="adapter", options={"kind": "ia3"},
    ),
    # Pretrain on the axis, then fine-tune.
    _strategy(
        name="pretrain-frozen", family="pretrain-then-finetune",
        description="Axis MSE alone for the first 30% of epochs, then cross-entropy on a frozen backbone.",
        default_weight=1.0, reference=_ERHAN, loss=PretrainFinetune, applied_to="features (scheduled)",
        options={"frozen": True},
    ),
    _strategy(
        name="pretrain-unfrozen", family="pretrain-then-finetune",
        description="Axis MSE alone for the first 30% of epochs, then cross-entropy on the whole network.",
        default_weight=1.0, reference=_ERHAN, loss=PretrainFinetune, applied_to="features (scheduled)",
        options={"frozen": False},
    ),
    # Cross-dataset transfer.
    _strategy(
        name="cross-dataset-transfer", family="cross-dataset transfer",
        description="Axis MSE on a source dataset's rows and coordinates (alignment_kwargs source_X, "
                    "source_coords) for the first 30% of epochs, then cross-entropy on the whole network.",
        default_weight=1.0, reference=_PAPER, loss=CrossDatasetPretrain,
        applied_to="source-dataset features (scheduled)", requires=("source",), options={"frozen": False},
    ),
    # Loss-weight scaling and multi-task weighting.
    *[
        _strategy(
            name=f"axis-mse-x{scale:g}", family="loss-weight scaling",
            description=f"Axis MSE with a {scale:g}x default weight.",
            default_weight=scale, reference=_PAPER, loss=AxisRegression,
        )
        for scale in _WEIGHT_SCALES
    ],
    _strategy(
        name="axis-mse-ramp", family="loss-weight scaling",
        description="Axis MSE whose weight ramps linearly from 10% to 100% over the first half of training.",
        default_weight=1.0, reference=_PAPER, loss=AxisRegression, applied_to="features (scheduled)",
        options={"ramp": True},
    ),
    _strategy(
        name="uncertainty-weighted", family="uncertainty-weighted multi-task",
        description="Axis MSE weighted by a learned homoscedastic uncertainty: 0.5 exp(-s) MSE + 0.5 s.",
        default_weight=1.0,
        reference="Kendall, Gal & Cipolla (2018), Multi-task learning using uncertainty to weigh losses, CVPR",
        loss=UncertaintyWeighted,
    ),
]

_ANGER = "anger-weighted axis loss (anger is FACED class 0, weighted 3x)"
#: The paper's strategies, one line each on how the registry entry maps to the paper.
PAPER_STRATEGY_NOTES = MappingProxyType({
    "axis-frontal": "channel-masked axis loss: frontal mask",
    "axis-frontal-alpha-asymmetry": "channel-masked axis loss: frontal alpha asymmetry",
    "axis-occipital": "channel-masked axis loss: occipital mask",
    "axis-topo-optimal": "channel-masked axis loss: 'topo-optimal' mask from the tracking weights",
    "axis-anger-weighted": _ANGER,
    "procrustes": "Procrustes alignment of class means onto the language-model prototypes",
    "rsa": "RSA between class-mean and prototype dissimilarity matrices",
    "distance-ce": "distance-based cross-entropy against the class prototypes",
    "multi-axis": "multiple LLM axes (one target column per axis; the reproduction passes the PCA and the "
                  "difference-of-means axes of the same model's centroids)",
    "axis-mse": "auxiliary MSE on the V-axis coordinate (unit weight)",
    "class-prototype-distill": "class-prototype distillation",
    "stimulus-prototype-distill": "stimulus-prototype distillation",
    "head-full": "parameter-efficient heads: full head",
    "head-lora": "parameter-efficient heads: LoRA",
    "head-ia3": "parameter-efficient heads: IA3",
    "pretrain-frozen": "pretrain-then-finetune on the axis, frozen backbone",
    "pretrain-unfrozen": "pretrain-then-finetune on the axis, unfrozen backbone",
    "cross-dataset-transfer": "cross-dataset transfer: pretrain on another cohort's V-axis coordinates, fine-tune "
                              "here (the reproduction's source: a second simulated cohort of the same channel "
                              "layout, drawn with another seed)",
    **{f"axis-mse-x{scale:g}": f"loss-weight scaling: auxiliary axis MSE at {scale:g}x "
                               "(our choice of the family's weight grid)"
       for scale in _WEIGHT_SCALES},
    "uncertainty-weighted": "uncertainty-weighted multi-task (Kendall et al.)",
})
#: The paper's 25 alignment strategies (registry names), in the paper's family order.
PAPER_STRATEGIES = tuple(PAPER_STRATEGY_NOTES)


def _label(entry):
    if entry.name == "none":
        return replace(entry, origin="baseline")
    if entry.name in PAPER_STRATEGY_NOTES:
        return replace(entry, origin="paper", paper_note=PAPER_STRATEGY_NOTES[entry.name])
    return replace(entry, origin="ours")


#: Alignment strategies by name (read-only).
ALIGNMENT_LOSSES = MappingProxyType({entry.name: _label(entry) for entry in _TABLE})


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


def resolve_strategies(value):
    """The strategy names a ``sweep_strategies`` setting stands for, checked against the registry.

    ``None`` or ``"paper"``: the paper's 25 (:data:`~skvalence.decoders.PAPER_STRATEGIES`);
    ``"all"``: every registry entry; otherwise a sequence of registry names. ``"none"``
    (the baseline every strategy is paired with) is dropped.

    Raises
    ------
    ValueError
        For a name that is not in :data:`~skvalence.decoders.ALIGNMENT_LOSSES`, a duplicate,
        an empty list or a value of the wrong type.
    """
    if value is None or (isinstance(value, str) and value == "paper"):
        return list(PAPER_STRATEGIES)
    if isinstance(value, str) and value == "all":
        return [name for name in ALIGNMENT_LOSSES if name != "none"]
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"sweep_strategies must be None, 'paper', 'all' or a list of strategy names; "
                         f"got {value!r}")
    unknown = [name for name in value if not isinstance(name, str) or name not in ALIGNMENT_LOSSES]
    if unknown:
        raise ValueError(f"sweep_strategies: unknown alignment strateg{'y' if len(unknown) == 1 else 'ies'} "
                         f"{unknown}; valid names: {', '.join(ALIGNMENT_LOSSES)}")
    names = [name for name in value if name != "none"]
    if len(set(names)) != len(names):
        raise ValueError(f"sweep_strategies lists a strategy twice: {names}")
    if not names:
        raise ValueError("sweep_strategies names no strategy besides the baseline 'none'")
    return names
