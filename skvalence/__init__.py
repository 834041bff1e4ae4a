"""skvalence: emotional valence shared by language models and human EEG.

The public estimators are imported lazily, so ``import skvalence`` stays cheap and
torch or transformers load only when an estimator that needs them is used.
"""

import importlib

__version__ = "0.1.0.dev0"

_PUBLIC = {
    "VAxisTransformer": "skvalence.text.vaxis",
    "DEFeatureExtractor": "skvalence.eeg.features",
    "ValenceNetClassifier": "skvalence.decoders.net",
    "ResidualDiversityEnsemble": "skvalence.ensemble",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'skvalence' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
