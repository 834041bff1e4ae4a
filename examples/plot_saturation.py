"""
Why V-axis supervision saturates
================================

Adding a V-axis loss to an EEG decoder moves the *class* geometry of its
features toward the V-axis but leaves the *within-class residual* almost
untouched. This example measures that claim and tests a small sweep:

1. :func:`~skvalence.analysis.alignment_deltas` -- change in class-PC1
   alignment and in residual alignment between a baseline decoder and one
   trained with an auxiliary axis loss;
2. :class:`~skvalence.decoders.FeatureDisplacementMonitor` -- how far the
   penultimate features of a fixed probe move each epoch, split into the
   movement of the class means (the *basin*) and of the within-class
   residuals, with and without the alignment loss
   (:func:`~skvalence.analysis.compare_displacement` summarises the runs);
3. :class:`~skvalence.decoders.GradientSubspaceMonitor` -- a *sanity check*
   only: the share of the cross-entropy gradient in the head's row space is
   1 by algebra for a linear head, so it cannot show what the residual does;
4. :func:`~skvalence.analysis.alignment_sweep` -- a small paired sweep of
   strategies against the same recipe without alignment, with
   subject-level verdicts, as a forest plot.

The cohort is *simulated* (a test bed with a known generative model, not
evidence about brains); its ground-truth clip valence plays the role of the
text V-axis so that the residual alignment has a per-clip coordinate.
"""

# %%
# Data: simulated subjects split by subject
# -----------------------------------------
import matplotlib.pyplot as plt
import torch

from skvalence.analysis import alignment_deltas, alignment_sweep, compare_displacement
from skvalence.datasets import make_faced_like
from skvalence.decoders import FeatureDisplacementMonitor, GradientSubspaceMonitor, ValenceNetClassifier
from skvalence.viz import plot_feature_displacement, plot_forest, plot_gradient_monitor, plot_saturation_bars

torch.set_num_threads(1)  # tiny models: one thread beats several competing ones

data = make_faced_like(n_subjects=10, random_state=0, verbose=0)
train, test = data.subject < 7, data.subject >= 7
class_coords = data.truth.class_valence  # one coordinate per class
stimulus_coords = data.truth.stimulus_valence  # one coordinate per clip
X_tr, y_tr, X_te, y_te = data.X[train], data.y[train], data.X[test], data.y[test]
s_tr = data.stimulus[train]


def make_net(**params):
    settings = dict(module__hidden=32, max_epochs=12, batch_size=64, random_state=0)
    return ValenceNetClassifier("mlp", **{**settings, **params})


def monitors():
    """A displacement monitor and a gradient monitor on the same 256 probe rows."""
    moves = FeatureDisplacementMonitor(stimulus_coords=stimulus_coords, class_coords=class_coords,
                                       probe_size=256, random_state=0)
    return moves, GradientSubspaceMonitor(probe_size=256, random_state=0)


# %%
# Baseline vs aligned decoder, both monitored
# -------------------------------------------
# The nets see the stimulus ids (``stimulus=``) so the monitors know each probe
# row's clip, hence its within-class residual V-axis coordinate.
moves_base, grads_base = monitors()
baseline = make_net(callbacks=[("moves", moves_base), ("grads", grads_base)]).fit(X_tr, y_tr, stimulus=s_tr)
moves_aligned, grads_aligned = monitors()
aligned = make_net(alignment_loss="axis-mse", alignment_weight=1.0, alignment_target=class_coords,
                   callbacks=[("moves", moves_aligned), ("grads", grads_aligned)]).fit(X_tr, y_tr, stimulus=s_tr)

deltas = alignment_deltas(baseline, aligned, X_te, y_te, data.stimulus[test], stimulus_coords, class_coords)
for key, value in deltas.items():
    print(f"{key:>18}: {value:+.4f}")

# %%
# Where the features move: basin against within-class residual
# -------------------------------------------------------------
# After every epoch the monitor recomputes the probe's penultimate features and
# splits their displacement (RMS per row, feature units) into the movement of
# the class means and of the within-class residuals, and the residual movement
# along the *residual target* -- the feature direction that covaries with the
# clips' V-axis coordinates inside each class. Summed over epochs these are
# path lengths; the alignment changes are final minus initial on the probe.
# One seed on training rows: a description, not a test.
runs = {"none": moves_base, "axis-mse": moves_aligned}
for row in compare_displacement(runs, reference="none"):
    print(f"{row['run']:>8}: path class means {row['path_disp_class_mean']:.3g}, "
          f"within-class {row['path_disp_within']:.3g}, along target {row['path_disp_within_target']:.3g}; "
          f"class-PC1 alignment change {row['class_alignment_change']:+.3g}, "
          f"residual alignment change {row['residual_alignment_change']:+.3g}")
print(f"float resolution of the features at the last epoch: {moves_aligned.records_[-1]['disp_resolution']:.2g}")

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
plot_feature_displacement(runs, ax=axes[0])
plot_saturation_bars({"axis-mse": deltas}, ax=axes[1])
axes[1].set_title("Test subjects: aligned minus baseline")
fig.tight_layout()

# %%
# Sanity check: the cross-entropy gradient and the head's row space
# -----------------------------------------------------------------
# Left: the norm of dCE/dz on the probe and the mean confidence. Right: the
# share of the squared gradient inside the head's row space and inside the
# class-mean subspace. For a linear head the first share is exactly 1,
# whatever the network does (dCE/dz = W^T (p - y)); parameter updates move the
# features by J J^T W^T (p - y), which is not confined to that row space. The
# displacement above, not this share, is what the saturation claim is about.
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
plot_gradient_monitor(grads_base, axes=axes)
fig.tight_layout()

# %%
# A tiny paired sweep
# -------------------
# Three strategies, two seeds each, paired with the baseline of the same seed.
# The headline is at the subject level: one delta per test subject (averaged
# over seeds) with a subject-cluster bootstrap interval. Three test subjects
# make a weak test: the point is the machinery, not a verdict.
sweep = alignment_sweep(
    make_net(max_epochs=8), X_tr, y_tr, X_te, y_te,
    strategies=["axis-mse", "rsa", "distance-ce"], seeds=(0, 1), alignment_target=class_coords,
    groups_train=data.subject[train], groups_test=data.subject[test],
    stimulus_test=data.stimulus[test], stimulus_coords=stimulus_coords, n_boot=200, n_resamples=999, verbose=0,
)
for row in sweep.table:
    seed = row["seed_level"]
    print(f"{row['strategy']:>12}: dBACC {row['delta_bacc']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}] "
          f"({row['n_subjects']} subjects x {row['n_seeds']} seeds), Holm p={row['p_holm']:.3g}, "
          f"non-superiority Holm p={row['nonsup_p_holm']:.3g} -> {row['verdict_text']}; "
          f"seed level {seed['mean_delta']:+.3f} -> {seed['verdict_text']}")
fig, ax = plt.subplots(figsize=(7, 3))
plot_forest(sweep, ax=ax)
fig.tight_layout()
plt.show()
