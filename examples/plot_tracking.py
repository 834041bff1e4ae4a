"""
Does EEG track the V-axis?
==========================

The paper averages FACED's differential-entropy (DE) features over subjects
and time to one row per clip (28 clips x 160 features) and reports that a
ridge regression predicts each clip's V-axis coordinate with r = 0.87. That
figure is in-sample: the model is scored on the clips it was fitted to.

This example runs the same question out of sample on a *simulated* FACED-like
cohort (a test bed with a known generative model, not evidence about brains):

1. the V-axis class coordinates come from :class:`skvalence.VAxisTransformer`
   with the bundled offline language model (all-MiniLM-L6-v2);
2. :func:`~skvalence.analysis.tracking.track_vaxis` predicts the coordinate
   of every clip from the clips of the *other* emotion classes
   (leave-one-class-out ridge, penalty chosen inside each training fold: the
   ridge never saw the emotion it predicts), tests that headline r against
   permutations of the class -> coordinate assignment, gives it a
   subject-bootstrap confidence interval, and places it within a
   random-coordinate null; the leave-one-stimulus-out and in-sample r are
   printed beside it, labelled;
3. two figures: predicted vs true coordinate per clip, and the ridge weights
   as one scalp map per band.
"""

# %%
# Simulated DE cohort
# -------------------
# Thirty subjects, three 10-s samples per clip (the paper protocol's windows).
import matplotlib.pyplot as plt

from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
from skvalence.datasets import make_faced_like
from skvalence.viz import plot_tracking_scatter, plot_tracking_topomap

data = make_faced_like(n_subjects=30, kind="de", window_seconds=10, random_state=0, verbose=0)
print(data.X.shape, "rows x features;", len(set(data.subject)), "subjects")

# %%
# V-axis class coordinates from the language model
# ------------------------------------------------
# One coordinate per FACED class; every clip gets its class's coordinate.
from skvalence.text.vaxis import VAxisTransformer

vaxis = VAxisTransformer().fit()
for name, coord in zip(vaxis.classes_, vaxis.class_coords_):
    print(f"{name:>12s} {coord:+.3f}")
clip_coords = class_to_stimulus_coords(dict(zip(vaxis.classes_, vaxis.class_coords_)))

# %%
# Cross-validated tracking
# ------------------------
# The permutation null shuffles the class coordinates over classes
# (``permutation="class"``, the default for class-level coordinates), which
# keeps the three or four clips of a class together. The confidence interval
# resamples the 30 subjects (``n_bootstrap`` resamples, each refitting the
# leave-one-class-out ridge).
result = track_vaxis(
    data.X,
    data.stimulus,
    clip_coords,
    subject=data.subject,
    feature_names=data.feature_names,
    permutation="class",
    n_permutations=1000,
    n_random_directions=200,
    n_bootstrap=200,
    random_state=0,
)
print(result.summary())
print(f"headline ({result.headline}) r = {result.r:.3f}, p = {result.p_value:.4f}; "
      f"leave-one-stimulus-out r = {result.r_loso:.3f}; in-sample r = {result.r_in_sample:.3f}")

# %%
# Positive control: the simulator's own valence
# ---------------------------------------------
# The simulated EEG was generated from a latent valence per clip
# (``data.truth.stimulus_valence``). Tracking that table shows what the test
# reports when the coordinates are the ones the features really carry; the
# gap between the two results is about how well the language model's class
# coordinates match the simulator's latent valence, not about EEG.
control = track_vaxis(
    data.X,
    data.stimulus,
    data.truth.stimulus_valence,
    subject=data.subject,
    n_permutations=1000,
    n_random_directions=0,
    n_bootstrap=0,  # no interval needed for the control
    random_state=0,
)
print(f"simulator valence: r = {control.r:.3f}, r_in_sample = {control.r_in_sample:.3f}, p = {control.p_value:.4f}")

# %%
# Predicted against true coordinate
# ---------------------------------
ax = plot_tracking_scatter(result)

# %%
# Where the weights lie on the scalp
# ----------------------------------
# In-sample ridge weights on standardised features, one map per DE band
# (mastoid references A1/A2 left out).
axes = plot_tracking_topomap(result)
plt.show()
