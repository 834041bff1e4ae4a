"""EEG side: channel layout, differential-entropy features, scaling, augmentation."""

from .bands import PAPER_BANDS, resolve_bands
from .features import DEFeatureExtractor
from .preprocessing import SubjectStandardScaler

__all__ = ["DEFeatureExtractor", "PAPER_BANDS", "SubjectStandardScaler", "resolve_bands"]
