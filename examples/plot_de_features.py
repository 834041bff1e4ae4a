"""
Differential-entropy features from raw EEG
==========================================

:class:`~skvalence.eeg.features.DEFeatureExtractor` turns epochs of raw EEG
``(n_epochs, n_channels, n_times)`` into differential-entropy (DE) features,
one per channel and frequency band: ``0.5 * ln(2 pi e sigma^2)`` of the
band-limited signal in each 1-s window, averaged over the windows of an epoch.

Here the input is a small *simulated* FACED-like cohort
(:func:`skvalence.datasets.make_faced_like`), whose generative model puts a
posterior beta/gamma valence effect into the signals. The figures show that the
extractor recovers what the simulator put in; they are not evidence about the
brain.
"""

# %%
# Simulate raw EEG and extract DE features
# ----------------------------------------
# Three subjects, 28 clips each, cut into 10-s samples at 250 Hz.
import matplotlib.pyplot as plt
import mne
import numpy as np

from skvalence.datasets import make_faced_like
from skvalence.eeg.features import DEFeatureExtractor
from skvalence.eeg.montage import make_info

raw = make_faced_like(n_subjects=3, kind="raw", window_seconds=10, random_state=0, verbose=0)
print(raw.X.shape, raw.sfreq, "Hz")

extractor = DEFeatureExtractor(sfreq=raw.sfreq, bands="paper", ch_names=raw.ch_names)
X_de = extractor.fit_transform(raw.X)
print(X_de.shape, extractor.get_feature_names_out()[:5])

# %%
# Mean DE per band, by valence
# ----------------------------
# Features are channel-major, so a reshape gives (epochs, channels, bands).
# Band DE levels differ by more than a nat (1/f spectrum), so each bar is shown
# relative to the neutral clips' mean in that band.
bands = list(extractor.bands_)
de = X_de.reshape(len(X_de), len(raw.ch_names), len(bands)).mean(axis=1)  # average over channels
neutral = de[raw.valence == 0].mean(axis=0)

fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
for k, (value, name) in enumerate({-1: "negative", 0: "neutral", 1: "positive"}.items()):
    per_epoch = de[raw.valence == value] - neutral
    sem = per_epoch.std(axis=0, ddof=1) / np.sqrt(len(per_epoch))
    ax.bar(np.arange(len(bands)) + (k - 1) * width, per_epoch.mean(axis=0), width, yerr=sem, label=name)
ax.axhline(0, color="k", lw=0.8)
ax.set_xticks(np.arange(len(bands)), bands)
ax.set_ylabel("DE − neutral mean (nats)")
ax.set_title("Simulated EEG: channel-averaged DE by clip valence (mean ± s.e.m.)")
ax.legend(frameon=False)
fig.tight_layout()

# %%
# Where does valence change gamma DE?
# -----------------------------------
# Positive minus negative clips, gamma band, on the 30 scalp channels (the
# mastoid references A1/A2 are left out of the topomap).
band = bands.index("gamma")
scalp = [i for i, name in enumerate(raw.ch_names) if name not in ("A1", "A2")]
full = X_de.reshape(len(X_de), len(raw.ch_names), len(bands))
gamma = full[:, scalp, band]
difference = gamma[raw.valence == 1].mean(axis=0) - gamma[raw.valence == -1].mean(axis=0)
info = make_info([raw.ch_names[i] for i in scalp], raw.sfreq)

fig, ax = plt.subplots(figsize=(4, 4))
image, _ = mne.viz.plot_topomap(difference, info, axes=ax, show=False, cmap="RdBu_r")
fig.colorbar(image, ax=ax, shrink=0.7, label="Δ DE (nats)")
ax.set_title("gamma DE: positive − negative")
plt.show()
