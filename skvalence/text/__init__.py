"""Text side of skvalence: hidden-state encoder, anchor stories and the V-axis."""

from skvalence.text.encoder import HiddenStateEncoder
from skvalence.text.paraphrase import paraphrase
from skvalence.text.stories import load_anchor_texts
from skvalence.text.vaxis import VAxisTransformer

__all__ = ["HiddenStateEncoder", "VAxisTransformer", "load_anchor_texts", "paraphrase"]
