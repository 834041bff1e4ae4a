"""Text side of skvalence: hidden-state encoder, anchor stories, the V-axis and its validation.

Corpus loaders for the zero-shot validation live in :mod:`skvalence.datasets.sentiment`.
"""

from skvalence.text.consistency import PAPER_MODELS, cross_model_consistency
from skvalence.text.encoder import HiddenStateEncoder
from skvalence.text.paraphrase import paraphrase
from skvalence.text.stories import load_anchor_texts, one_sentence_anchors
from skvalence.text.vaxis import VAxisTransformer
from skvalence.text.zero_shot import compare_scores, evaluate_zero_shot

__all__ = [
    "HiddenStateEncoder",
    "PAPER_MODELS",
    "VAxisTransformer",
    "cross_model_consistency",
    "compare_scores",
    "evaluate_zero_shot",
    "load_anchor_texts",
    "one_sentence_anchors",
    "paraphrase",
]
