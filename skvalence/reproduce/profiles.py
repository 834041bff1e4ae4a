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
"""

from __future__ import annotations

PROFILES = {
    "quick": {
        "n_subjects": 123,
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
    },
    "paper": {
        "n_subjects": 123,
        "tracking_permutations": 10000,
        "tracking_random_directions": 1000,
        "tracking_bootstrap": 1000,
        "zero_shot_max_texts": None,
        "zoo_architectures": ("mlp", "axial", "dgcnn", "cnn"),
        "zoo_seeds": (0, 1, 2),
        "zoo_epochs": (50, 100, 150),
        "zoo_null_directions": 10000,
        "sweep_strategies": None,
        "sweep_seeds": (42, 123, 456, 789, 2025),
        "decoder_recipe": "paper",
        "ensemble_seeds": (42, 123, 456, 789, 2025),
        "ensemble_epochs": (100, 150),
        "ablation_random_directions": 1000,
    },
}


def get_profile(name):
    """Settings of a named profile (a fresh dict the caller may change)."""
    try:
        return dict(PROFILES[name])
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
