"""Run profiles of the main job: how much work each step does.

``quick`` keeps ``make demo`` within minutes on two CPU cores; ``paper`` follows the
paper's sizes (36-model zoo, 25 strategies x 5 seeds, 10-member ensemble).

``decoder_recipe`` is the decoder every training step starts from: ``"paper"`` is
:data:`skvalence.decoders.PAPER_RECIPE` (axial transformer depth 6, width 128, AdamW, warm-up
cosine, batch 128, augmentation, distillation); a dict holds
:class:`~skvalence.decoders.ValenceNetClassifier` parameters (the quick profile's small MLP,
a labelled departure from the paper for speed). Read it through
:func:`skvalence.reproduce.steps._common.decoder_params`.

Null and resampling sizes: ``tracking_permutations`` (class permutation test of the
tracking r), ``tracking_random_directions`` (random-direction null of the tracking r; 0
skips it), ``tracking_bootstrap`` (subject-cluster bootstrap of the tracking r's CI; 0
skips it, otherwise at least 100; each resample refits the ridge, about 0.05 s),
``zoo_null_directions`` (zoo-level random-direction null of the rediscovery correlation)
and ``ablation_random_directions`` (variance-matched null of the directional ablation).
Every Monte-Carlo null has at least 100 draws.

The ensemble step's cascade: ``cascade_shallow`` holds the recipe overrides of its first three
rows (base single model, + augmentation, + distillation); the "depth 6" row is the recipe
itself. The paper does not state the depth before its depth-6 row: the paper profile uses the
axial module's default (2); the quick profile's MLP goes from 1 hidden layer to its recipe's 2
(a labelled departure). The identity step ("emotion or stimulus identity?"):
``identity_riemann_subjects`` caps the subjects of the Riemannian pipeline (raw epochs are
large: ~27 MB per simulated subject; None: all), ``identity_ensemble_seeds`` are the members
of the small ensemble it trains under both protocols (at the first ``ensemble_epochs``).

Data sizes: ``n_subjects`` is the simulated cohort's size (None: the cohort's own, 123
FACED-like or 16 SEED-V-like subjects); ``subjects`` chooses the subjects the run keeps, by
id, from a copy on disk or a simulated cohort (None: all; a simulated FACED-like cohort then
splits by the paper's subject ids, as real FACED); ``rows_per_cell`` keeps the first that
many rows of every (subject, stimulus) cell (None: all rows).

``--smoke`` (:func:`smoke_overrides`) is a layer on top of a profile that changes only
sizes: seven subjects (FACED: four training, one validation, two test; SEED-V: two), one row
per (subject, stimulus), one epoch, three strategies over two seeds, two ensemble members and
the smallest nulls. The recipe is never changed: the paper profile's
``decoder_recipe`` stays the paper's axial transformer (depth 6, width 128) with only
``max_epochs`` shrunk, written as ``{"recipe": "paper", "max_epochs": 1}``.
"""

from __future__ import annotations

PROFILES = {
    "quick": {
        "n_subjects": None,
        "subjects": None,
        "rows_per_cell": None,
        "tracking_permutations": 1000,
        "tracking_random_directions": 200,
        "tracking_bootstrap": 200,
        "zero_shot_max_texts": 500,
        "zoo_architectures": ("mlp", "dgcnn"),
        "zoo_seeds": (0, 1, 2),
        "zoo_epochs": (15,),
        "zoo_null_directions": 1000,
        "sweep_strategies": ("axis-mse", "axis-frontal", "procrustes", "rsa", "class-prototype-distill", "head-lora"),
        "sweep_seeds": (0, 1, 2),
        "decoder_recipe": {"module": "mlp", "max_epochs": 15},
        "ensemble_seeds": (42, 123, 456, 789, 2025),
        "ensemble_epochs": (10, 20),
        "ablation_random_directions": 200,
        "cascade_shallow": {"module__depth": 1},
        "identity_riemann_subjects": 16,
        "identity_ensemble_seeds": (42, 123),
    },
    "paper": {
        "n_subjects": None,
        "subjects": None,
        "rows_per_cell": None,
        "tracking_permutations": 10000,
        "tracking_random_directions": 1000,
        "tracking_bootstrap": 1000,
        "zero_shot_max_texts": None,
        "zoo_architectures": ("mlp", "axial", "dgcnn", "cnn"),
        "zoo_seeds": (0, 1, 2),
        "zoo_epochs": (50, 100, 150),
        "zoo_null_directions": 10000,
        "sweep_strategies": None,  # the paper's 25: skvalence.decoders.PAPER_STRATEGIES
        "sweep_seeds": (42, 123, 456, 789, 2025),
        "decoder_recipe": "paper",
        "ensemble_seeds": (42, 123, 456, 789, 2025),
        "ensemble_epochs": (100, 150),
        "ablation_random_directions": 1000,
        "cascade_shallow": {"module__depth": 2},
        "identity_riemann_subjects": 40,
        "identity_ensemble_seeds": (42, 123, 456, 789, 2025),
    },
}


def get_profile(name):
    """Settings of a named profile (a fresh dict the caller may change)."""
    try:
        return dict(PROFILES[name])
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None


#: Subjects a ``--smoke`` run loads from a copy on disk: some of each part of the protocol's
#: split (FACED: training 0-79, validation 80-99, test 100-122; SEED-V splits by trial, so
#: every subject is in every part, and the identity step's subject split needs about six).
SMOKE_SUBJECTS = {"faced": (0, 1, 2, 3, 80, 100, 101), "seedv": (1, 2, 3, 4, 5, 6, 7)}

#: Strategies a ``--smoke`` sweep prefers (one per kind of target: a coordinate, the class
#: centroids' geometry, prototypes); the profile's own list fills up to three.
SMOKE_STRATEGIES = ("axis-mse", "rsa", "class-prototype-distill")

#: Settings a ``--smoke`` run sets outright (every null at its minimum of 100 draws).
SMOKE_SIZES = {
    "rows_per_cell": 1,
    "tracking_permutations": 100,
    "tracking_random_directions": 100,
    "tracking_bootstrap": 100,
    "zero_shot_max_texts": 100,
    "zoo_epochs": (1,),
    "zoo_null_directions": 100,
    "ensemble_epochs": (1,),
    "ablation_random_directions": 100,
}


def _smoke_strategies(strategies):
    if strategies is None:
        from ..decoders import PAPER_STRATEGIES

        strategies = PAPER_STRATEGIES
    chosen = [s for s in SMOKE_STRATEGIES if s in strategies]
    chosen += [s for s in strategies if s not in chosen]
    return tuple(chosen[:3])


def _smoke_recipe(recipe):
    """The same recipe with one epoch: ``"paper"`` becomes ``{"recipe": "paper", "max_epochs": 1}``."""
    base = {"recipe": recipe} if isinstance(recipe, str) else dict(recipe)
    return {**base, "max_epochs": 1}


def smoke_overrides(config, dataset):
    """The ``--smoke`` layer for a profile's settings ``config`` on ``dataset`` ("faced" or "seedv").

    Only sizes change (see the module docstring); the recipe, the architectures of the
    zoo and the code path stay the profile's. Returns the settings to override.
    """
    archs = tuple(config["zoo_architectures"])
    # The zoo-level correlation needs at least three checkpoints.
    n_zoo_seeds = max(1, -(-3 // max(1, len(archs))))
    return {
        **SMOKE_SIZES,
        "subjects": SMOKE_SUBJECTS[dataset],
        "zoo_seeds": tuple(config["zoo_seeds"])[:n_zoo_seeds],
        "sweep_strategies": _smoke_strategies(config["sweep_strategies"]),
        "sweep_seeds": tuple(config["sweep_seeds"])[:2],
        "decoder_recipe": _smoke_recipe(config["decoder_recipe"]),
        "ensemble_seeds": tuple(config["ensemble_seeds"])[:2],
        **_smoke_optional(config),
    }


def _smoke_optional(config):
    """Sizes of settings that only some versions of the steps read (set when the profile has them)."""
    out = {}
    if "identity_ensemble_seeds" in config:
        out["identity_ensemble_seeds"] = tuple(config["identity_ensemble_seeds"])[:2]
    if "identity_riemann_subjects" in config:
        out["identity_riemann_subjects"] = min(int(config["identity_riemann_subjects"]), len(SMOKE_SUBJECTS["faced"]))
    return out
