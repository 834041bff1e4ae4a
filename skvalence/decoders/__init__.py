"""Neural EEG emotion decoders (skorch) and the registry of V-axis alignment strategies.

>>> from skvalence.decoders import ValenceNetClassifier, ALIGNMENT_LOSSES
>>> len(ALIGNMENT_LOSSES) > 25
True
>>> from skvalence.decoders import PAPER_STRATEGIES
>>> len(PAPER_STRATEGIES), set(PAPER_STRATEGIES) <= set(ALIGNMENT_LOSSES)
(25, True)
"""

from skvalence.decoders.callbacks import (
    FeatureDisplacementMonitor,
    GradientSubspaceMonitor,
    WarmupCosineSchedule,
    warmup_cosine_scheduler,
)
from skvalence.decoders.modules import (
    AXIAL_PAPER,
    MODULES,
    AxialTransformer,
    DGCNN,
    GridCNN,
    GridModule,
    MLPDecoder,
    build_module,
)
from skvalence.decoders.net import PAPER_RECIPE, SubjectValidSplit, ValenceNetClassifier
from skvalence.decoders.registry import (
    ALIGNMENT_LOSSES,
    PAPER_STRATEGIES,
    PAPER_STRATEGY_NOTES,
    AlignmentStrategy,
    get_strategy,
)

__all__ = [
    "ALIGNMENT_LOSSES",
    "PAPER_STRATEGIES",
    "PAPER_STRATEGY_NOTES",
    "AlignmentStrategy",
    "get_strategy",
    "ValenceNetClassifier",
    "SubjectValidSplit",
    "PAPER_RECIPE",
    "WarmupCosineSchedule",
    "warmup_cosine_scheduler",
    "GradientSubspaceMonitor",
    "FeatureDisplacementMonitor",
    "MODULES",
    "AXIAL_PAPER",
    "GridModule",
    "MLPDecoder",
    "AxialTransformer",
    "DGCNN",
    "GridCNN",
    "build_module",
]
