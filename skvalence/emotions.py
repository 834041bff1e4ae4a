"""Emotion classes, their valence and the stimulus layout of FACED and SEED-V.

One place for the facts that both the text side (which class a story belongs to)
and the EEG side (which clip shows which emotion) rely on.
"""

from __future__ import annotations

import numpy as np

#: The nine FACED emotion classes, in the dataset's clip order.
FACED_CLASSES = (
    "anger",
    "disgust",
    "fear",
    "sadness",
    "neutral",
    "amusement",
    "inspiration",
    "joy",
    "tenderness",
)

#: Valence of each FACED class: -1 negative, 0 neutral, +1 positive.
FACED_VALENCE = {
    "anger": -1,
    "disgust": -1,
    "fear": -1,
    "sadness": -1,
    "neutral": 0,
    "amusement": 1,
    "inspiration": 1,
    "joy": 1,
    "tenderness": 1,
}

#: Number of clips per class in FACED (28 clips in all; neutral has four).
FACED_CLIPS_PER_CLASS = (3, 3, 3, 3, 4, 3, 3, 3, 3)

#: Class index of each of the 28 FACED clips (clip 1 is index 0).
FACED_CLIP_CLASS = np.repeat(np.arange(len(FACED_CLASSES)), FACED_CLIPS_PER_CLASS)

#: The class whose projection fixes the sign of a valence axis.
SIGN_CLASS = "joy"

#: SEED-V emotion labels, indexed by the release's label value.
SEEDV_CLASSES = ("disgust", "fear", "sad", "neutral", "happy")

#: Valence of each SEED-V class.
SEEDV_VALENCE = {"disgust": -1, "fear": -1, "sad": -1, "neutral": 0, "happy": 1}

#: Label (index into :data:`SEEDV_CLASSES`) of each of SEED-V's 45 trials in
#: presentation order: session 1's 15, then session 2's, then session 3's
#: (the release's stimulus order; sessions 2 and 3 share one order, but their
#: film clips differ). Each session shows every emotion three times.
SEEDV_TRIAL_CLASS = np.array(
    [4, 1, 3, 2, 0, 4, 1, 3, 2, 0, 4, 1, 3, 2, 0]
    + [2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0]
    + [2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0]
)


def positive_classes(valence=FACED_VALENCE):
    """Names of the classes with positive valence, in mapping order."""
    return [name for name, v in valence.items() if v > 0]


def negative_classes(valence=FACED_VALENCE):
    """Names of the classes with negative valence, in mapping order."""
    return [name for name, v in valence.items() if v < 0]


def faced_clip_valence():
    """Valence (-1/0/+1) of each of the 28 FACED clips."""
    return np.array([FACED_VALENCE[FACED_CLASSES[c]] for c in FACED_CLIP_CLASS])
