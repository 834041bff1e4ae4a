"""Datasets: FACED and SEED-V loaders, simulated FACED-like and SEED-V-like cohorts, and writers.

Every loader returns a :class:`sklearn.utils.Bunch` with ``X``, ``y`` (class
index), ``class_names``, ``subject``, ``stimulus``, ``window``, ``valence``
(-1/0/+1), ``ch_names``, ``bands`` (DE) or ``sfreq`` (raw), ``description``
and ``source``. Pickled files are read with an allow-listing unpickler
(:func:`safe_load_pickle`), so a tampered download cannot run code.
"""

from ._safe_pickle import UnsafePickleError, safe_load_npz, safe_load_pickle
from .faced import load_faced
from .seedv import load_seedv
from .simulated import make_faced_like, make_seedv_like
from .writers import write_faced_like, write_seedv_like
from .sentiment import (
    SENTIMENT_LOADERS,
    binarize_by_sign,
    find_sentiment_corpora,
    load_imdb,
    load_sst2,
    load_vader_lexicon,
    load_vader_sentences,
    load_word_norms,
    load_yelp_polarity,
)

__all__ = [
    "SENTIMENT_LOADERS",
    "binarize_by_sign",
    "find_sentiment_corpora",
    "load_imdb",
    "load_sst2",
    "load_vader_lexicon",
    "load_vader_sentences",
    "load_word_norms",
    "load_yelp_polarity",
    "load_faced",
    "load_seedv",
    "make_faced_like",
    "make_seedv_like",
    "write_faced_like",
    "write_seedv_like",
    "safe_load_pickle",
    "safe_load_npz",
    "UnsafePickleError",
]
