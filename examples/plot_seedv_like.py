"""
A SEED-V-shaped simulated cohort under the trial protocol
=========================================================

:func:`~skvalence.datasets.make_seedv_like` returns what
:func:`~skvalence.datasets.load_seedv` returns -- 310 differential-entropy
features (62 channels x 5 bands) per 4-s window, five emotion classes, 16
subjects x 3 sessions x 15 trials -- drawn from the same generative model as
:func:`~skvalence.datasets.make_faced_like`. It lets a SEED-V pipeline run end
to end without the dataset.

SEED-V's usual protocol, :class:`~skvalence.model_selection.SEEDVTrialSplit`,
is *within-subject*: fold ``k`` tests on trials ``5k .. 5k+4`` of every
session and trains on the other ten, one subject at a time. Every SEED-V trial
shows a different film clip, so the test clips are never seen in training.

.. note::
   The data are **simulated** (a test bed with a known generative model whose
   ``"realistic"`` default is calibrated to SEED-V's published difficulty, see
   :doc:`/simulator`), so the scores below say nothing about real EEG.
"""

# %%
# A small simulated cohort
# ------------------------
# Four subjects and six 4-s windows per trial keep the example fast
# (``trial_windows=None`` gives the release's trial lengths).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvalence.datasets import make_seedv_like
from skvalence.model_selection import SEEDVTrialSplit, seedv_trial_groups

data = make_seedv_like(n_subjects=4, trial_windows=6, random_state=0, verbose=0)
trials = seedv_trial_groups(data)  # trial within its session, 0-14
print(data.X.shape, "rows;", data.class_names)

# %%
# Three trial folds per subject
# -----------------------------
# Standardisation and logistic regression are fitted on each training fold of
# one subject and scored on that subject's held-out trials.
clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
cv = SEEDVTrialSplit()
subjects = np.unique(data.subject)
scores = np.empty((len(subjects), cv.get_n_splits()))
for i, s in enumerate(subjects):
    rows = data.subject == s
    scores[i] = cross_val_score(clf, data.X[rows], data.y[rows], groups=trials[rows], cv=cv, scoring="balanced_accuracy")
    print(f"subject {s}: " + "  ".join(f"{v:.3f}" for v in scores[i]))
print(f"mean balanced accuracy: {scores.mean():.3f}")

# %%
# Balanced accuracy per fold and subject
# --------------------------------------
# Each group of bars is one subject; each bar one fold of held-out trials. The
# dashed line is chance for five classes.
fig, ax = plt.subplots(figsize=(7, 4))
width = 0.8 / cv.get_n_splits()
for k in range(cv.get_n_splits()):
    ax.bar(np.arange(len(subjects)) + (k - 1) * width, scores[:, k], width, label=f"trials {5 * k}-{5 * k + 4}")
ax.axhline(1 / len(data.class_names), color="black", ls="--", label="chance")
ax.set_xticks(np.arange(len(subjects)), [f"subject {s}" for s in subjects])
ax.set_ylabel("balanced accuracy")
ax.set_title("SEEDVTrialSplit on a simulated SEED-V-like cohort")
ax.set_ylim(0, 1)
ax.legend(fontsize="small", ncol=4, loc="upper center")
fig.tight_layout()
plt.show()
