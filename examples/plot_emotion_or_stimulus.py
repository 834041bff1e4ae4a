"""
Emotion or stimulus identity? A stimulus-disjoint evaluation
============================================================

In FACED every subject watched the same 28 video clips, three or four per
emotion class. A decoder evaluated across subjects can therefore score well by
*recognising the clip* -- a clip-specific response learnt from the training
subjects identifies the clip, and with it the class, in the test subjects --
without having learnt anything the clips of a class share.
:class:`~skvalence.model_selection.StimulusDisjointSplit` holds out clips as
well as subjects, so only what generalises to *unseen clips of a class* (the
emotion) can score above chance.

This example compares one linear decoder under both evaluations, and asks the
same features the other question directly: how well do they identify which of
the 28 clips was shown?

.. note::
   The numbers below come from a small **simulated** FACED-like cohort
   (:func:`~skvalence.datasets.make_faced_like`): a test bed with a known
   generative model, in which every clip carries a private "fingerprint" on
   top of its class effect. They show what the evaluation measures, and are
   not evidence about real EEG.
"""

# %%
# A small simulated cohort
# ------------------------
# Differential-entropy features, 160 per sample (32 channels x 5 bands), three
# 10-s samples per clip and subject.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from skvalence.datasets import make_faced_like
from skvalence.eeg import SubjectStandardScaler
from skvalence.model_selection import StimulusDisjointSplit, SubjectKFold

data = make_faced_like(n_subjects=12, kind="de", random_state=0, verbose=0)
subject, stimulus = data.subject, data.stimulus
print(data.X.shape, "rows;", len(np.unique(subject)), "subjects;", len(np.unique(stimulus)), "clips")

# %%
# Per-subject standardisation
# ---------------------------
# :class:`~skvalence.eeg.preprocessing.SubjectStandardScaler` standardises each
# subject with that subject's own (label-free) statistics. Each row's output
# depends only on its own subject's rows, so applying it once to the whole
# cohort is equivalent to applying it inside every subject-disjoint fold (inside
# a ``Pipeline`` it would receive ``groups`` through metadata routing).
X = SubjectStandardScaler().fit_transform(data.X, groups=subject)
clf = LogisticRegression(C=0.05, max_iter=2000)

# %%
# Subject-disjoint vs subject- and clip-disjoint
# ----------------------------------------------
# Both evaluations use four folds of test subjects. The subject-only split tests
# on clips the decoder has seen (in other subjects); the stimulus-disjoint split
# also holds out one clip of every class per fold and drops the rows that would
# mix the two sides.
subject_cv = SubjectKFold(n_splits=4, shuffle=True, random_state=0)
subject_only = cross_val_score(clf, X, data.y, groups=subject, cv=subject_cv, scoring="balanced_accuracy")

stimulus_cv = StimulusDisjointSplit(n_subject_folds=4, shuffle=True, random_state=0)
ids = np.column_stack([subject, stimulus])  # without metadata routing: (subject, clip) in `groups`
disjoint = cross_val_score(clf, X, data.y, groups=ids, cv=stimulus_cv, scoring="balanced_accuracy")
print(f"9-class BACC, subject-disjoint:           {subject_only.mean():.3f} +/- {subject_only.std():.3f}")
print(f"9-class BACC, subject- and clip-disjoint: {disjoint.mean():.3f} +/- {disjoint.std():.3f}")

# %%
# Which clip was it?
# ------------------
# The same features and decoder, asked to name the clip (28 classes) of unseen
# subjects. Far-above-chance clip identification says the features carry a
# clip-specific signal a 9-class decoder can exploit when clips repeat across the
# split.
clip_id = cross_val_score(clf, X, stimulus, groups=subject, cv=subject_cv, scoring="balanced_accuracy")
print(f"28-way clip identification BACC: {clip_id.mean():.3f} (chance {1 / 28:.3f})")

# %%
# The three scores side by side
# -----------------------------
# The gap between the first two bars is the part of the subject-disjoint score
# that does not survive new clips; dashed lines mark each task's chance level.
# Error bars are the standard deviation over folds.
scores = [subject_only, disjoint, clip_id]
labels = ["9 classes\nsubject-disjoint", "9 classes\nsubject + clip-disjoint", "28 clips\nsubject-disjoint"]
fig, ax = plt.subplots(figsize=(7, 4))
x = np.arange(len(scores))
ax.bar(x, [s.mean() for s in scores], yerr=[s.std() for s in scores], capsize=4,
       color=["tab:blue", "tab:orange", "tab:gray"])
for xi, chance in zip(x, [1 / 9, 1 / 9, 1 / 28]):
    ax.hlines(chance, xi - 0.4, xi + 0.4, colors="black", linestyles="--")
ax.set_xticks(x, labels)
ax.set_ylabel("balanced accuracy")
ax.set_title("Simulated cohort: emotion or stimulus identity?")
fig.tight_layout()
plt.show()
