"""
=====================================
The simulated FACED-like cohort
=====================================

:func:`skvalence.datasets.make_faced_like` simulates a cohort with FACED's
shape (28 clips, 32 channels, 9 emotion classes, 250 Hz) from a generative
model whose ground truth is returned with the data. This example shows the
model's pieces: the background spectra, the scalp topographies through which
latent valence and arousal act, and how the classes line up along valence in
the simulated DE features.

The simulator is a test bed: its settings are modelling assumptions, not
estimates from EEG, and it is not evidence for any claim of the paper.
"""

# %%
# Simulate a cohort
# -----------------
# The DE kind is computed directly from the model; the raw kind synthesises
# signals with the same spectra and the same random draws.
import matplotlib.pyplot as plt
import mne
import numpy as np
from scipy.signal import welch

from skvalence.datasets import make_faced_like
from skvalence.eeg.montage import FACED_CHANNELS, make_info

de = make_faced_like(n_subjects=20, kind="de", random_state=0, verbose=0)
raw = make_faced_like(n_subjects=1, kind="raw", random_state=0, verbose=0)
truth = de.truth
print(de.description)
print("DE:", de.X.shape, " raw:", raw.X.shape)

# %%
# Background spectra
# ------------------
# Each channel has a 1/f^beta background (beta between 1 and 2) and an alpha
# peak near 10 Hz that is strongest over the back of the head. The Welch
# spectrum of one simulated subject follows that shape, shifted band by band:
# the model acts on band power, so the subject's offsets and the clips'
# effects scale whole bands (with 1-Hz-wide transitions at the band edges, e.g. near 29.5 Hz).
names = list(FACED_CHANNELS)
freqs = truth.spectrum_freqs
f_welch, psd = welch(raw.X.astype(float), fs=raw.sfreq, nperseg=250, axis=-1)
fig, ax = plt.subplots(figsize=(6, 4))
for name, color in (("Oz", "C0"), ("Fz", "C1")):
    j = names.index(name)
    ax.loglog(freqs[1:-1], truth.spectrum[j, 1:-1], color=color, label=f"{name}: background model")
    ax.loglog(f_welch[1:], psd[:, j, 1:].mean(axis=0), color=color, ls="--", label=f"{name}: Welch, subject 0")
ax.set(xlabel="Frequency (Hz)", ylabel="PSD (µV²/Hz)", title="Background spectra")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Where valence and arousal act
# -----------------------------
# Valence changes beta/gamma power most over occipital and parietal channels;
# arousal lowers alpha power over fronto-central channels. The mastoids A1/A2
# carry little signal.
info = make_info(names, sfreq=250.0)
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
mne.viz.plot_topomap(truth.valence_topography[:, 4], info, axes=axes[0], show=False)
axes[0].set_title("valence -> gamma log power")
mne.viz.plot_topomap(truth.arousal_topography[:, 2], info, axes=axes[1], show=False)
axes[1].set_title("arousal -> alpha log power")
fig.tight_layout()

# %%
# Classes along valence
# ---------------------
# Centre each subject's DE features (a label-free, per-subject step), project
# every sample onto the model's valence topography, and average per class.
# The class means follow the latent class valence the model put in; the
# spread within a class comes from clip deviations, the clips' private
# residual patterns, subject gains and noise.
X = de.X.copy()
for s in np.unique(de.subject):
    X[de.subject == s] -= X[de.subject == s].mean(axis=0)
direction = truth.valence_topography.ravel() / np.linalg.norm(truth.valence_topography)
score = X @ direction
subject_means = np.array(
    [[score[(de.subject == s) & (de.y == k)].mean() for k in range(9)] for s in np.unique(de.subject)]
)
mean = subject_means.mean(axis=0)
sem = subject_means.std(axis=0, ddof=1) / np.sqrt(len(subject_means))
fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(truth.class_valence, mean, yerr=1.96 * sem, fmt="o")
for k, name in enumerate(de.class_names):
    ax.annotate(name, (truth.class_valence[k], mean[k]), fontsize=8, xytext=(4, 4), textcoords="offset points")
ax.set(
    xlabel="latent class valence (model assumption)",
    ylabel="DE projected on valence topography",
    title="Class means (95% CI over 20 simulated subjects)",
)
fig.tight_layout()
plt.show()
