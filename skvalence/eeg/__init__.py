"""EEG side: channel layout, differential-entropy features, scaling, augmentation, Riemannian baselines.

The Riemannian names (:mod:`skvalence.eeg.riemann`) are imported lazily: pyriemann
imports torch, which the DE features do not need.
"""

import importlib

from .bands import PAPER_BANDS, resolve_bands
from .features import DEFeatureExtractor
from .preprocessing import SubjectStandardScaler

_LAZY = {name: ".riemann" for name in ("FilterBankCovariances", "SubjectRecentering", "make_riemann_pipeline")}

__all__ = [
    "DEFeatureExtractor",
    "FilterBankCovariances",
    "PAPER_BANDS",
    "SubjectRecentering",
    "SubjectStandardScaler",
    "make_riemann_pipeline",
    "resolve_bands",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
