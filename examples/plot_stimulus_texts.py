"""
======================================================
Per-stimulus V-axis coordinates from clip descriptions
======================================================

The V-axis gives one coordinate per emotion *class*; the EEG side works per
*stimulus* (FACED has 28 clips). Describing each clip in a sentence or two and
projecting the descriptions with :meth:`VAxisTransformer.transform` gives every
clip its own coordinate, so two clips of the same class can differ. This is
what ``skvalence reproduce --stimulus-texts FILE`` does with a file of clip
descriptions.

The descriptions below are made up for the example (one per class, not the
real FACED clips): swap in descriptions of the clips you showed. The last
figure sets each clip's text coordinate beside its class's coordinate.
"""

# %%
# Clip descriptions and their coordinates
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from skvalence.emotions import FACED_VALENCE
from skvalence.text import VAxisTransformer

clips = {
    "anger": "A bully humiliates a shy student in front of the class while a teacher looks away.",
    "disgust": "A close-up of a filthy public toilet, overflowing and swarming with flies.",
    "fear": "A woman hides in a dark cellar as an intruder's footsteps come down the stairs.",
    "sadness": "An old man sits alone at his wife's grave on a grey afternoon.",
    "neutral": "A documentary shot of a conveyor belt sorting parcels in a warehouse.",
    "amusement": "A cat tries to squeeze into a box far too small for it and topples over.",
    "inspiration": "A runner who trained for years crosses the finish line of her first marathon.",
    "joy": "Friends cheer and hug as fireworks light up a summer festival.",
    "tenderness": "A mother gently rocks her sleeping baby and hums a lullaby.",
}
vaxis = VAxisTransformer().fit()  # bundled stories, bundled MiniLM
stimulus_coords = vaxis.transform(list(clips.values()))[:, 0]
class_coords = vaxis.class_coords_dict()
for (name, text), value in zip(clips.items(), stimulus_coords):
    print(f"{name:<12} clip {value:+.3f}   class {class_coords[name]:+.3f}   {text[:50]}")

# %%
# How well do clip coordinates follow the classes?
# ------------------------------------------------
# The Spearman correlation of clip and class coordinates says whether the
# descriptions keep the classes' order; points are coloured by valence.
from scipy.stats import spearmanr

rho = spearmanr(stimulus_coords, [class_coords[c] for c in clips]).statistic
colours = {-1: "#c0392b", 0: "#7f8c8d", 1: "#2471a3"}
fig, ax = plt.subplots(figsize=(6, 4.5))
x = np.array([class_coords[c] for c in clips])
ax.scatter(x, stimulus_coords, c=[colours[FACED_VALENCE[c]] for c in clips], s=60, edgecolors="k")
for name, xi, yi in zip(clips, x, stimulus_coords):
    ax.annotate(name, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8)
ax.axhline(0, color="k", lw=0.5)
ax.axvline(0, color="k", lw=0.5)
ax.set_xlabel("class coordinate (from the anchor stories)")
ax.set_ylabel("clip coordinate (from its description)")
ax.set_title(f"Clip descriptions on the V-axis (Spearman rho = {rho:.2f})")
fig.tight_layout()
plt.show()
