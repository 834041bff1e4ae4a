"""Analyses: tracking, geometry, rediscovery, saturation, ablation and statistics."""

from .ablation import directional_ablation, project_out, residual_direction
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
from .rediscovery import RediscoveryResult, rediscovery_zoo
from ..decoders.callbacks import GradientSubspaceMonitor
from .saturation import alignment_deltas, feature_alignments
from .stats import bootstrap_ci, holm_correction, paired_comparison, pearson_with_p, tost_equivalence
from .sweep import SweepResult, alignment_sweep
from .tracking import TrackingResult, class_to_stimulus_coords, track_vaxis

__all__ = [
    "GradientSubspaceMonitor", "RediscoveryResult", "SweepResult", "TrackingResult",
    "alignment_deltas", "alignment_sweep", "basin_projector", "bootstrap_ci",
    "class_axis_alignment", "class_mean_subspace", "class_means", "class_to_stimulus_coords",
    "directional_ablation", "feature_alignments", "holm_correction", "neural_collapse_ratio",
    "paired_comparison", "pearson_with_p",
    "project_out", "random_direction_null", "rediscovery_zoo", "residual_axis_alignment",
    "residual_direction", "split_basin_residual", "tost_equivalence", "track_vaxis",
]  # fmt: skip
