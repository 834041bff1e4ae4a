"""Text side of skvalence: hidden-state encoder, anchor stories, the V-axis and its validation."""

from skvalence.text.benchmarks import evaluate_zero_shot, find_benchmarks
from skvalence.text.consistency import PAPER_MODELS, cross_model_consistency
from skvalence.text.encoder import HiddenStateEncoder
from skvalence.text.paraphrase import paraphrase
from skvalence.text.stories import load_anchor_texts, one_sentence_anchors
from skvalence.text.vaxis import VAxisTransformer

__all__ = [
    "HiddenStateEncoder",
    "PAPER_MODELS",
    "VAxisTransformer",
    "cross_model_consistency",
    "evaluate_zero_shot",
    "find_benchmarks",
    "load_anchor_texts",
    "one_sentence_anchors",
    "paraphrase",
]
