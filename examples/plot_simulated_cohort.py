"""
=====================================
The simulated FACED-like cohort
=====================================

:func:`skvalence.datasets.make_faced_like` simulates a cohort with FACED's
shape (28 clips, 32 channels, 9 emotion classes, 250 Hz) from a generative
model whose ground truth is returned with the data (see :doc:`/simulator`).
This example shows the model's pieces: the background spectra, how the
variance splits between emotion, stimulus identity, subjects and noise, the
randomly drawn scalp topographies through which latent valence and arousal
act, and what the oracle (which knows the model) can attain.

The simulator is a test bed calibrated to published difficulty; its settings
are modelling assumptions, not estimates from EEG, and it is not evidence
for any claim of the paper.
"""

# %%
# Simulate a cohort
# -----------------
# The DE kind is computed directly from the model; the raw kind synthesises
# signals with the same spectra and the same random draws.
import matplotlib.pyplot as plt
import mne
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
# Where the variance goes
# -----------------------
# ``truth.variance_shares`` splits the realised DE variance between the
# model's components. Emotion is a small part of it, smaller than the clips'
# identity patterns, as the re-analyses of FACED suggest for real data.
shares = truth.variance_shares
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.barh(list(shares), list(shares.values()))
ax.set(xlabel="share of the DE variance", title="Variance shares (realistic preset)")
fig.tight_layout()

# %%
# Where valence and arousal act
# -----------------------------
# The topographies are drawn from a smooth spatial prior for every
# ``random_state``: no region is built in. Two seeds give two different
# valence maps (gamma band shown).
info = make_info(names, sfreq=250.0)
other = make_faced_like(n_subjects=1, kind="de", random_state=1, verbose=0).truth
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
mne.viz.plot_topomap(truth.valence_topography[:, 4], info, axes=axes[0], show=False)
axes[0].set_title("valence, seed 0 (gamma)")
mne.viz.plot_topomap(other.valence_topography[:, 4], info, axes=axes[1], show=False)
axes[1].set_title("valence, seed 1 (gamma)")
mne.viz.plot_topomap(truth.arousal_topography[:, 2], info, axes=axes[2], show=False)
axes[2].set_title("arousal, seed 0 (alpha)")
fig.tight_layout()

# %%
# What is attainable
# ------------------
# ``data.oracle`` knows the generative parameters (not the per-trial draws).
# Its balanced accuracy is a reference for what a decoder could reach here;
# chance is 1/9.
print(f"oracle balanced accuracy: {de.oracle.score(de.X, de.y, subject=de.subject):.3f}")
plt.show()
