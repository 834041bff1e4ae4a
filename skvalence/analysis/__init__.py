"""Analyses: tracking, geometry, rediscovery, saturation, ablation and statistics."""

from .ablation import directional_ablation, project_out, residual_direction, variance_matched_directions
from .geometry import (
    basin_projector,
    class_axis_alignment,
    class_mean_subspace,
    class_means,
    neural_collapse_ratio,
    random_direction_null,
    residual_axis_alignment,
    split_basin_residual,
)
from .identity import identify_stimulus, score_protocols, summarize_scores
from .rediscovery import RediscoveryResult, rediscovery_zoo, zoo_null
from ..decoders.callbacks import FeatureDisplacementMonitor, GradientSubspaceMonitor
from .saturation import (
    alignment_deltas,
    compare_displacement,
    displacement_summary,
    feature_alignments,
    feature_displacement,
    residual_target_direction,
)
from .stats import (
    bootstrap_ci,
    holm_correction,
    margin_tests,
    paired_comparison,
    pearson_with_p,
    tost_equivalence,
)
from .sweep import SweepResult, alignment_sweep, compare_strategies, compare_to_baseline
from .tracking import TrackingResult, class_to_stimulus_coords, track_vaxis

__all__ = [
    "FeatureDisplacementMonitor", "GradientSubspaceMonitor", "RediscoveryResult", "SweepResult",
    "TrackingResult", "alignment_deltas", "alignment_sweep", "basin_projector", "bootstrap_ci",
    "compare_displacement", "compare_strategies", "compare_to_baseline", "displacement_summary",
    "feature_displacement", "margin_tests", "identify_stimulus", "score_protocols", "summarize_scores",
    "class_axis_alignment", "class_mean_subspace", "class_means", "class_to_stimulus_coords",
    "directional_ablation", "feature_alignments", "holm_correction", "neural_collapse_ratio",
    "paired_comparison", "pearson_with_p",
    "project_out", "random_direction_null", "rediscovery_zoo", "residual_axis_alignment",
    "residual_direction", "residual_target_direction", "split_basin_residual", "tost_equivalence",
    "track_vaxis", "variance_matched_directions", "zoo_null",
]  # fmt: skip
