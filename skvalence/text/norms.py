"""External valence norms of the nine FACED emotion categories, and the class-order check.

A V-axis is only as good as the order it puts the emotion classes in. The order is
checked against a norm that was *not* made from our stories or our model: human
valence ratings of the category words themselves.

:data:`VADER_CLASS_VALENCE` holds the mean ratings of the nine category nouns in the
VADER sentiment lexicon (Hutto, C. J. & Gilbert, E. (2014). VADER: A parsimonious
rule-based model for sentiment analysis of social media text. *Proceedings of the
Eighth International AAAI Conference on Weblogs and Social Media (ICWSM-14)*,
216-225). Each lexicon entry is the mean of ten independent human ratings on a
-4 (extremely negative) to +4 (extremely positive) scale; the values are copied from
``vader_sentiment_lexicon.txt`` of the ICWSM-2014 archive (also ``vader_lexicon.txt``
of the ``vaderSentiment`` 3.3.2 package), columns token and mean:

==============  =====
anger           -2.7
disgust         -2.9
fear            -2.2
sadness         -1.9
neutral          0.0   (absent from the lexicon; VADER scores absent words 0)
amusement        1.5
inspiration      2.4
joy              2.8
tenderness       1.8
==============  =====
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from skvalence.emotions import FACED_VALENCE

__all__ = ["VADER_CLASS_VALENCE", "VALENCE_NORM_SOURCE", "class_order"]

#: Mean human valence rating (-4..+4) of each FACED category word in the VADER
#: lexicon (Hutto & Gilbert, 2014); "neutral" is not in the lexicon and is 0 there.
VADER_CLASS_VALENCE = {
    "anger": -2.7,
    "disgust": -2.9,
    "fear": -2.2,
    "sadness": -1.9,
    "neutral": 0.0,
    "amusement": 1.5,
    "inspiration": 2.4,
    "joy": 2.8,
    "tenderness": 1.8,
}

#: Citation of :data:`VADER_CLASS_VALENCE`.
VALENCE_NORM_SOURCE = (
    "VADER lexicon mean ratings of the category words (Hutto & Gilbert, 2014, ICWSM-14; "
    "10 raters, -4..+4; 'neutral' absent, scored 0)"
)


def class_order(classes, coords, norm=None):
    """How well class coordinates on a valence axis follow an external norm.

    Parameters
    ----------
    classes : sequence of str
        Class names, e.g. ``VAxisTransformer.classes_``.
    coords : array-like of shape (n_classes,)
        Their coordinates, e.g. ``VAxisTransformer.class_coords_``.
    norm : dict of str to float or None, default=None
        External valence of every class; ``None`` is :data:`VADER_CLASS_VALENCE`.

    Returns
    -------
    order : dict
        ``spearman`` (rho between ``coords`` and the norm, NaN with fewer than 3
        classes), ``p_value`` (its two-sided p from
        :func:`scipy.stats.spearmanr`), ``positive_above_negative`` (every
        positive class of :data:`~skvalence.emotions.FACED_VALENCE` above every
        negative one), ``margin`` (lowest positive minus highest negative
        coordinate; NaN when a side is empty), ``misordered`` (list of
        ``(negative, positive)`` pairs in the wrong order), ``norm`` (the source).

    Raises
    ------
    ValueError
        If a class has no value in ``norm`` (named), or ``coords`` does not
        have one value per class.

    Examples
    --------
    >>> from skvalence.text.norms import class_order
    >>> res = class_order(["anger", "neutral", "joy"], [-1.0, 0.1, 0.8])
    >>> res["spearman"], res["positive_above_negative"], res["misordered"]
    (1.0, True, [])
    """
    classes = [str(c) for c in classes]
    coords = np.asarray(coords, dtype=float).ravel()
    if coords.shape != (len(classes),):
        raise ValueError(f"coords has {coords.size} values for {len(classes)} classes")
    source = VALENCE_NORM_SOURCE if norm is None else "user norm"
    norm = VADER_CLASS_VALENCE if norm is None else dict(norm)
    missing = [c for c in classes if c not in norm]
    if missing:
        raise ValueError(
            f"classes {missing} have no value in the valence norm used for the order check "
            f"(it covers {sorted(norm)}); add them to the norm or drop them from the anchors"
        )
    ref = np.array([float(norm[c]) for c in classes])
    side = np.array([FACED_VALENCE.get(c, 0) for c in classes])
    pos, neg = coords[side > 0], coords[side < 0]
    misordered = [(classes[i], classes[j]) for i in np.flatnonzero(side < 0)
                  for j in np.flatnonzero(side > 0) if coords[i] >= coords[j]]
    rho, p = np.nan, np.nan
    if len(classes) >= 3:
        res = stats.spearmanr(coords, ref)
        rho, p = float(res.statistic), float(res.pvalue)
    return {
        "spearman": rho,
        "p_value": p,
        "positive_above_negative": bool(pos.size and neg.size and not misordered),
        "margin": float(pos.min() - neg.max()) if pos.size and neg.size else np.nan,
        "misordered": misordered,
        "norm": source,
    }
