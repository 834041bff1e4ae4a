"""
================================================
Building a valence axis (V-axis) from stories
================================================

The V-axis is a direction in a language model's hidden-state space along which
emotional valence varies. It is built from anchor texts only: for each FACED emotion class, eight
distinct situations, each told as a story and two paraphrases (so a centroid
averages over events as well as wording, and no setting is shared across the
valence divide); the hidden states of each class are averaged into a centroid,
and the first principal component of the nine centred centroids, signed so
that *joy* is positive, is the axis.

This example uses the offline default model (all-MiniLM-L6-v2, a
sentence-transformers model, so ``"auto"`` reads it as it was trained: last
layer, its own mean pooling, L2 normalisation per text) and the bundled
stories. It checks the class order against an external norm (VADER lexicon
ratings of the nine category words). It
shows where the nine classes fall on the axis, how much centroid variance the
axis explains, and the coordinates of a few new sentences. A small encoder is
a convenient test bed, not evidence about large language models.
"""

# %%
# Fit the axis
# ------------
# ``fit`` ignores any ``X``: the axis comes from the anchor stories alone.
import matplotlib.pyplot as plt
import numpy as np

from skvalence.emotions import FACED_VALENCE
from skvalence.text import VAxisTransformer, load_anchor_texts

anchors = load_anchor_texts()
print({name: len(texts) for name, texts in anchors.items()})
print(anchors["joy"][0])

vaxis = VAxisTransformer(method="pca").fit()
diag = vaxis.diagnostics_
print(f"model kind {vaxis.model_kind_}: hidden state {vaxis.layer_}, {vaxis.pooling_} pooling, "
      f"normalize={vaxis.normalize_}")
print(f"PC1 explains {vaxis.explained_variance_ratio_[0]:.0%} of centroid variance")
check = diag["class_order"]
print(f"every positive class above every negative: {check['positive_above_negative']}; "
      f"Spearman with {check['norm']}: {check['spearman']:.2f}")
print(f"cosine(PCA axis, difference-of-means axis) = {diag['cos_pca_diff_means']:.2f}")
print(f"leave-one-class-out |cos|: mean {diag['loco_mean_abs_cos']:.2f}, "
      f"min {diag['loco_min_abs_cos']:.2f}")

# %%
# The nine classes along the axis, and the variance spectrum
# -----------------------------------------------------------
# Bars are coloured by the valence of the class in FACED (red negative, grey
# neutral, green positive); the sign convention puts joy on the positive side.
coords = vaxis.class_coords_dict()
order = sorted(coords, key=coords.get)  # classes from lowest to highest coordinate
colours = {-1: "tab:red", 0: "tab:gray", 1: "tab:green"}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]})
ax1.barh(order, [coords[c] for c in order], color=[colours[FACED_VALENCE[c]] for c in order])
ax1.axvline(0, color="k", lw=0.8)
ax1.set_xlabel("V-axis coordinate of the class centroid")
ax1.set_title("FACED classes on the V-axis (MiniLM)")

evr = vaxis.explained_variance_ratio_
ax2.bar(np.arange(1, evr.size + 1), evr, color="tab:blue")
ax2.set_xlabel("principal component of the 9 centroids")
ax2.set_ylabel("explained variance ratio")
ax2.set_title("Centroid variance per component")
fig.tight_layout()

# %%
# Coordinates of new sentences
# ----------------------------
# ``transform`` returns one coordinate per text, ``<h(x) - center, axis>``.
sentences = [
    "The whole family gathered to celebrate her recovery.",
    "He held the puppy gently against his chest.",
    "The train leaves from platform four at ten.",
    "They found the cellar covered in mould and flies.",
    "She waited alone by the grave until nightfall.",
]
values = vaxis.transform(sentences)[:, 0]
for s, v in sorted(zip(sentences, values), key=lambda p: p[1]):
    print(f"{v:+.2f}  {s}")

fig, ax = plt.subplots(figsize=(8, 2.8))
ax.scatter(values, np.zeros_like(values), c=values, cmap="RdYlGn", s=80, zorder=3)
for i, (s, v) in enumerate(zip(sentences, values)):
    ax.annotate(s, (v, 0), xytext=(0, 12 + 14 * (i % 3)), textcoords="offset points",
                ha="center", fontsize=7, rotation=0)
ax.axhline(0, color="k", lw=0.5)
ax.set_yticks([])
ax.set_xlabel("V-axis coordinate")
ax.set_title("New sentences projected on the V-axis")
fig.tight_layout()
plt.show()
