"""The protocols the simulator's difficulty is calibrated under (shared by the benchmark and its guard test).

* FACED-like, **paper split**: :class:`~skvalence.model_selection.FACEDPaperSplit`
  (``assign="proportional"``): train on the first 80/123 subjects, test on the
  last 23/123.
* FACED-like and SEED-V-like, **stimulus-disjoint**:
  :class:`~skvalence.model_selection.StimulusDisjointSplit`, predictions
  pooled over its rotations (each test row is predicted once).
* SEED-V-like, **trial protocol** of the foundation-model papers: every
  subject's trials 0-4 of each session train, trials 10-14 test, pooled over
  subjects.

Features are standardised per subject with
:class:`~skvalence.eeg.preprocessing.SubjectStandardScaler` (label-free, each
subject's own rows, the one test-time statistic of these protocols). Scores
are balanced accuracy on the pooled test rows with a 95% cluster-bootstrap
interval over test subjects. The oracle sees the unstandardised rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score

from ..analysis.stats import bootstrap_ci
from ..eeg.preprocessing import SubjectStandardScaler
from ..model_selection import FACEDPaperSplit, StimulusDisjointSplit

#: Rows of SEED-V's trial protocol: trials 0-4 of each session train, 10-14 test.
SEEDV_TRAIN_TRIALS, SEEDV_TEST_TRIALS = range(0, 5), range(10, 15)


def standardise(data):
    """Per-subject standardised features (label-free)."""
    return SubjectStandardScaler().fit_transform(data.X, groups=data.subject)


def paper_rows(data):
    """Training and test rows of the FACED paper split (proportional) or of SEED-V's trial protocol."""
    if "session" in data:
        trial = data.stimulus % 15
        return np.flatnonzero(np.isin(trial, SEEDV_TRAIN_TRIALS)), np.flatnonzero(np.isin(trial, SEEDV_TEST_TRIALS))
    return next(FACEDPaperSplit(assign="proportional").split(data.X, data.y, data.subject))


def disjoint_rows(data):
    """The (train, test) pairs of the subject- and stimulus-disjoint split."""
    return list(StimulusDisjointSplit().split(data.X, data.y, data.subject, stimulus=data.stimulus))


def predict(estimator, Xs, data, splits, *, fit_params=None):
    """Fit a clone of ``estimator`` on each training set; return the test rows and their predictions."""
    rows, preds = [], []
    for train, test in splits:
        model = clone(estimator).fit(Xs[train], data.y[train], **(fit_params or {}))
        rows.append(test)
        preds.append(model.predict(Xs[test]))
    return np.concatenate(rows), np.concatenate(preds)


def oracle_predict(data, splits):
    """The oracle's predictions for the test rows of ``splits`` (it needs no training)."""
    rows = np.concatenate([test for _, test in splits])
    return rows, data.oracle.predict(data.X[rows], subject=data.subject[rows])


def score(data, rows, pred, *, n_boot=1000, random_state=0):
    """Balanced accuracy of ``pred`` on ``rows`` and its 95% bootstrap interval over subjects."""
    return bootstrap_ci(balanced_accuracy_score, data.y[rows], pred, data.subject[rows], n_boot=n_boot,
                        random_state=random_state)  # fmt: skip
